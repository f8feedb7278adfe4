#include "base/time.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(TimeTest, ParsesGuardDutyFormsWithAndWithoutMillis) {
  EXPECT_EQ(ParseTimestamp("2022-01-12T19:22:44.454Z").value(), 1642015364454);
  EXPECT_EQ(ParseTimestamp("2017-12-08T15:32:49Z").value(), 1512747169000);
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00.000Z").value(), 0);
}

TEST(TimeTest, ParsesPantherFormWithoutZoneAsUtc) {
  EXPECT_EQ(ParseTimestamp("2025-02-25 20:40:06.721").value(),
            ParseTimestamp("2025-02-25T20:40:06.721Z").value());
  // Nanoseconds are truncated to milliseconds.
  EXPECT_EQ(ParseTimestamp("2025-02-25 20:40:06.000000000").value(),
            ParseTimestamp("2025-02-25T20:40:06Z").value());
}

TEST(TimeTest, AppliesZoneOffsets) {
  EXPECT_EQ(ParseTimestamp("2024-03-01T01:30:00+01:30").value(),
            ParseTimestamp("2024-03-01T00:00:00Z").value());
  EXPECT_EQ(ParseTimestamp("2024-02-29T23:00:00-0100").value(),
            ParseTimestamp("2024-03-01T00:00:00Z").value());
}

TEST(TimeTest, DateOnlyIsMidnightUtc) {
  EXPECT_EQ(ParseTimestamp("2024-02-29").value(), 1709164800000);
}

TEST(TimeTest, RejectsWithThePosition) {
  Result<int64_t> r = ParseTimestamp("2024-13-01T00:00:00Z");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a month 01-12"), std::string::npos) << r.status().message();

  r = ParseTimestamp("2023-02-29T00:00:00Z");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("day 29 does not exist in 2023-02"), std::string::npos);

  r = ParseTimestamp("2024-01-01T10:00:00Q");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unexpected 'Q' at character 20"), std::string::npos)
      << r.status().message();

  r = ParseTimestamp("1512747169");
  ASSERT_FALSE(r.ok());
  r = ParseTimestamp("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ended early"), std::string::npos);
  r = ParseTimestamp("2024-01-01T10:00:00.1234567891Z");
  ASSERT_FALSE(r.ok());
}

TEST(TimeTest, FormatsRoundTrip) {
  for (int64_t ms : {0LL, 1642015364454LL, -1LL, 253402300799999LL, 951782400000LL}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(ms)).value(), ms) << FormatTimestamp(ms);
  }
  EXPECT_EQ(FormatTimestamp(1642015364454), "2022-01-12T19:22:44.454Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, CivilDaysRoundTripAcrossLeapYears) {
  for (int64_t d = -800000; d < 800000; d += 97) {
    EXPECT_EQ(DaysFromCivil(CivilFromDays(d)), d);
  }
  CivilDate leap = DateOfMillis(ParseTimestamp("2000-02-29T12:00:00Z").value());
  EXPECT_EQ(leap.year, 2000);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
}

TEST(TimeTest, LooksLikeTimestampIsStrictAboutShape) {
  EXPECT_TRUE(LooksLikeTimestamp("2022-01-12T19:22:44.454Z"));
  EXPECT_TRUE(LooksLikeTimestamp("2022-01-12"));
  EXPECT_FALSE(LooksLikeTimestamp("i-99999999"));
  EXPECT_FALSE(LooksLikeTimestamp("2022"));
  EXPECT_FALSE(LooksLikeTimestamp("20220112T192244Z"));
}

}  // namespace
}  // namespace vigil
