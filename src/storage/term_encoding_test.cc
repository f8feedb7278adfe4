#include "storage/term_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace vigil::storage {
namespace {

std::string Term(FieldType type, const FieldValue& v) {
  std::string out;
  EXPECT_TRUE(EncodeTerm(type, v, &out));
  return out;
}

TEST(TermEncodingTest, LongsSortInNumericOrder) {
  std::vector<int64_t> values = {INT64_MIN, -1000, -1, 0, 1, 42, 1LL << 40, INT64_MAX};
  std::vector<std::string> terms;
  for (int64_t v : values) terms.push_back(Term(FieldType::kLong, FieldValue::Long(v)));
  EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(DecodeSortableLong(terms[i]), values[i]);
}

TEST(TermEncodingTest, DoublesSortInNumericOrder) {
  std::vector<double> values = {-1e300, -2.5, -0.001, 0.0, 0.001, 1, 2.5, 8.9, 1e300};
  std::vector<std::string> terms;
  for (double v : values) terms.push_back(Term(FieldType::kDouble, FieldValue::Double(v)));
  EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(DecodeSortableDouble(terms[i]), values[i]);
  EXPECT_EQ(Term(FieldType::kDouble, FieldValue::Double(-0.0)),
            Term(FieldType::kDouble, FieldValue::Double(0.0)));
}

TEST(TermEncodingTest, DatesFromStringsAndMillis) {
  std::string a = Term(FieldType::kDate, FieldValue::String("2024-01-02T03:04:05.678Z"));
  std::string b = Term(FieldType::kDate, FieldValue::Long(1704164645678));
  EXPECT_EQ(a, b);
  EXPECT_EQ(TermToString(FieldType::kDate, a), "2024-01-02T03:04:05.678Z");
  std::string out;
  EXPECT_FALSE(EncodeTerm(FieldType::kDate, FieldValue::String("yesterday"), &out));
  EXPECT_TRUE(out.empty());
}

TEST(TermEncodingTest, IpsSortAndPrint) {
  std::string a = Term(FieldType::kIp, FieldValue::String("9.255.0.1"));
  std::string b = Term(FieldType::kIp, FieldValue::String("10.0.0.1"));
  std::string c = Term(FieldType::kIp, FieldValue::String("2001:db8::1"));
  EXPECT_LT(a, b);
  EXPECT_EQ(TermToString(FieldType::kIp, b), "10.0.0.1");
  EXPECT_EQ(TermToString(FieldType::kIp, c), "2001:db8::1");
  std::string out;
  EXPECT_FALSE(EncodeTerm(FieldType::kIp, FieldValue::String("10.0.0"), &out));
  EXPECT_FALSE(EncodeTerm(FieldType::kIp, FieldValue::String("not an ip"), &out));
}

TEST(TermEncodingTest, ConflictsAreReportedNotCoerced) {
  std::string out;
  EXPECT_FALSE(EncodeTerm(FieldType::kLong, FieldValue::String("12"), &out));
  EXPECT_FALSE(EncodeTerm(FieldType::kLong, FieldValue::Double(1.5), &out));
  EXPECT_FALSE(EncodeTerm(FieldType::kKeyword, FieldValue::Long(3), &out));
  EXPECT_FALSE(EncodeTerm(FieldType::kBoolean, FieldValue::String("yes"), &out));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(EncodeTerm(FieldType::kLong, FieldValue::Double(3.0), &out));
  EXPECT_TRUE(EncodeTerm(FieldType::kDouble, FieldValue::Long(3), &out));
  std::string text;
  ConflictText(FieldValue::Double(1.5), &text);
  EXPECT_EQ(text, "1.5");
}

TEST(TermEncodingTest, GeoPointRoundTrip) {
  std::string t = Term(FieldType::kGeoPoint, FieldValue::GeoPoint(48.85, 2.35));
  FieldValue v = DecodeTerm(FieldType::kGeoPoint, t);
  EXPECT_EQ(v.kind, ValueKind::kGeoPoint);
  EXPECT_EQ(v.number, 48.85);
  EXPECT_EQ(v.number2, 2.35);
}

TEST(TermEncodingTest, TypeNames) {
  for (uint8_t t = 0; t <= kMaxFieldType; ++t) {
    auto type = static_cast<FieldType>(t);
    EXPECT_EQ(ParseFieldTypeName(FieldTypeName(type)), type);
  }
  EXPECT_FALSE(ParseFieldTypeName("float").has_value());
}

}  // namespace
}  // namespace vigil::storage
