#include "findings/country_codes.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::findings {
namespace {

TEST(CountryCodes, NamesAndVariants) {
  EXPECT_EQ(CountryCodeForName("France"), "FR");
  EXPECT_EQ(CountryCodeForName("United States"), "US");
  EXPECT_EQ(CountryCodeForName("United States of America"), "US");
  EXPECT_EQ(CountryCodeForName("South Korea"), "KR");
  EXPECT_EQ(CountryCodeForName("Republic of Korea"), "KR");
  EXPECT_EQ(CountryCodeForName("Russia"), "RU");
  EXPECT_EQ(CountryCodeForName("Russian Federation"), "RU");
  EXPECT_EQ(CountryCodeForName("Iran"), "IR");
  EXPECT_EQ(CountryCodeForName("Vietnam"), "VN");
  EXPECT_EQ(CountryCodeForName("Viet Nam"), "VN");
  EXPECT_EQ(CountryCodeForName("Taiwan"), "TW");
  EXPECT_EQ(CountryCodeForName("Hong Kong"), "HK");
  EXPECT_EQ(CountryCodeForName("Czechia"), "CZ");
  EXPECT_EQ(CountryCodeForName("Czech Republic"), "CZ");
  EXPECT_EQ(CountryCodeForName("Turkey"), "TR");
  EXPECT_EQ(CountryCodeForName("Türkiye"), "TR");
  EXPECT_EQ(CountryCodeForName("The Netherlands"), "NL");
  EXPECT_EQ(CountryCodeForName("Netherlands"), "NL");
  EXPECT_EQ(CountryCodeForName("United Kingdom"), "GB");
  EXPECT_EQ(CountryCodeForName("Laos"), "LA");
  EXPECT_EQ(CountryCodeForName("Syria"), "SY");
  EXPECT_EQ(CountryCodeForName("Moldova"), "MD");
  EXPECT_EQ(CountryCodeForName("Bolivia"), "BO");
  EXPECT_EQ(CountryCodeForName("Venezuela"), "VE");
  EXPECT_EQ(CountryCodeForName("Tanzania"), "TZ");
  EXPECT_EQ(CountryCodeForName("Ivory Coast"), "CI");
  EXPECT_EQ(CountryCodeForName("Côte d'Ivoire"), "CI");
  EXPECT_EQ(CountryCodeForName("Macao"), "MO");
  EXPECT_EQ(CountryCodeForName("Macau"), "MO");
  EXPECT_EQ(CountryCodeForName("Palestine"), "PS");
  EXPECT_EQ(CountryCodeForName("Kosovo"), "XK");
}

TEST(CountryCodes, IgnoresAsciiCase) {
  EXPECT_EQ(CountryCodeForName("germany"), "DE");
  EXPECT_EQ(CountryCodeForName("UNITED STATES"), "US");
  EXPECT_EQ(CountryCodeForName("sOuTh KoReA"), "KR");
  EXPECT_EQ(CountryNameForCode("fr"), "France");
  EXPECT_EQ(CountryNameForCode("Us"), "United States");
}

TEST(CountryCodes, UnknownIsEmpty) {
  EXPECT_TRUE(CountryCodeForName("").empty());
  EXPECT_TRUE(CountryCodeForName("Atlantis").empty());
  EXPECT_TRUE(CountryCodeForName("GeneratedFindingCountryName").empty());
  EXPECT_TRUE(CountryCodeForName("France ").empty());
  EXPECT_TRUE(CountryNameForCode("ZZ").empty());
  EXPECT_TRUE(CountryNameForCode("").empty());
  EXPECT_TRUE(CountryNameForCode("FRA").empty());
}

TEST(CountryCodes, RoundTripsEveryCode) {
  int known = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string code{a, b};
      const std::string_view name = CountryNameForCode(code);
      if (name.empty()) continue;
      ++known;
      EXPECT_EQ(CountryCodeForName(name), code) << name;
    }
  }
  EXPECT_GE(known, 249);  // ISO 3166-1 plus Kosovo
}

}  // namespace
}  // namespace vigil::findings
