#include "query/date_math.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace vigil::query {
namespace {

int64_t T(const char* iso) { return *ParseTimestamp(iso); }

std::string Math(const char* text, bool round_up = false, const char* tz = "UTC",
                 const char* now = "2024-03-15T13:45:30.250Z") {
  Result<int64_t> v = ParseDateMath(text, T(now), *TimeZone::Parse(tz), round_up, DateFormat());
  if (!v.ok()) return "ERROR " + v.status().message();
  return FormatTimestamp(*v);
}

TEST(DateMath, NowAndOperations) {
  EXPECT_EQ(Math("now"), "2024-03-15T13:45:30.250Z");
  EXPECT_EQ(Math("now-7d"), "2024-03-08T13:45:30.250Z");
  EXPECT_EQ(Math("now+1h-30m"), "2024-03-15T14:15:30.250Z");
  EXPECT_EQ(Math("now-1M"), "2024-02-15T13:45:30.250Z");
  EXPECT_EQ(Math("now-1y"), "2023-03-15T13:45:30.250Z");
  EXPECT_EQ(Math("2024-01-31||+1M"), "2024-02-29T00:00:00.000Z");  // clamped to the month's end
}

TEST(DateMath, RoundingDownAndUp) {
  EXPECT_EQ(Math("now/d"), "2024-03-15T00:00:00.000Z");
  EXPECT_EQ(Math("now/d", true), "2024-03-15T23:59:59.999Z");
  EXPECT_EQ(Math("now-7d/d"), "2024-03-08T00:00:00.000Z");
  EXPECT_EQ(Math("now/M"), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(Math("now/M", true), "2024-03-31T23:59:59.999Z");
  EXPECT_EQ(Math("now/y"), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(Math("now/w"), "2024-03-11T00:00:00.000Z");  // a Monday
  EXPECT_EQ(Math("now/h"), "2024-03-15T13:00:00.000Z");
  EXPECT_EQ(Math("2014-11-18||/M", true), "2014-11-30T23:59:59.999Z");
}

TEST(DateMath, TimeZones) {
  // Midnight in +02:00 is 22:00 UTC the day before.
  EXPECT_EQ(Math("now/d", false, "+02:00"), "2024-03-14T22:00:00.000Z");
  EXPECT_EQ(Math("2024-03-15", false, "-05:00"), "2024-03-15T05:00:00.000Z");
  EXPECT_EQ(Math("2024-03-15T10:00:00Z", false, "-05:00"), "2024-03-15T10:00:00.000Z");
  EXPECT_TRUE(TimeZone::Parse("UTC").ok());
  EXPECT_EQ(TimeZone::Parse("+0530")->offset_minutes, 330);
  EXPECT_FALSE(TimeZone::Parse("Europe/Paris").ok());
}

TEST(DateMath, Errors) {
  EXPECT_EQ(Math("now-7x"),
            "ERROR invalid date math [now-7x]: unknown unit 'x' (use y M w d h H m s)");
  EXPECT_EQ(Math("now/"), "ERROR invalid date math [now/]: a rounding (/) without a unit");
  EXPECT_EQ(Math("yesterday"),
            "ERROR failed to parse date field [yesterday] with format "
            "[strict_date_optional_time||epoch_millis]");
}

TEST(DateMath, OutOfRange) {
  // Found by fuzz.query: a 9-digit year overflowed the milliseconds.
  EXPECT_FALSE(DateFormat().ParseValue("777777777-01-01T00:00", TimeZone{}).ok());
  EXPECT_TRUE(DateFormat().ParseValue("20000-01-01", TimeZone{}).ok());
  EXPECT_FALSE(DateFormat().ParseValue("9223372036854775000", TimeZone{}).ok());
  const std::string far =
      "ERROR invalid date math [now+9999999999999y]: the date is out of range (about 73 million "
      "years either side of 1970)";
  EXPECT_EQ(Math("now+9999999999999y"), far);
  EXPECT_EQ(Math("now-9223372036854775807d").substr(0, 22), "ERROR invalid date mat");
  EXPECT_EQ(Math("now+9223372036854775807s").substr(0, 22), "ERROR invalid date mat");
  EXPECT_EQ(Math("now+9223372036854775807M").substr(0, 22), "ERROR invalid date mat");
  EXPECT_EQ(Math("now+70000000y/y", true), "70002024-12-31T23:59:59.999Z");
  EXPECT_EQ(Math("now+80000000y/y", true).substr(0, 22), "ERROR invalid date mat");
  // Formatting a value beyond the range gives its number, not a wrapped date.
  EXPECT_EQ(DateFormat().Format(INT64_MAX, TimeZone{60}), std::to_string(INT64_MAX));
  EXPECT_EQ(FloorToUnit(INT64_MIN, CalendarUnit::kDay, TimeZone{60}), INT64_MIN);
}

TEST(DateFormat, ParseAndFormat) {
  DateFormat def;
  TimeZone utc;
  EXPECT_EQ(*def.ParseValue("2024-03-15", utc), T("2024-03-15T00:00:00Z"));
  EXPECT_EQ(*def.ParseValue("2024-03", utc), T("2024-03-01T00:00:00Z"));
  EXPECT_EQ(*def.ParseValue("2024-03-15T01:02:03.456+01:00", utc), T("2024-03-15T00:02:03.456Z"));
  EXPECT_EQ(*def.ParseValue("1710460800000", utc), T("2024-03-15T00:00:00Z"));
  EXPECT_FALSE(def.ParseValue("2024-02-30", utc).ok());
  EXPECT_EQ(def.Format(T("2024-03-15T00:02:03.456Z"), utc), "2024-03-15T00:02:03.456Z");

  Result<DateFormat> custom = DateFormat::Parse("yyyy/MM/dd HH:mm||epoch_second");
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom->ParseValue("2024/03/15 10:30", utc), T("2024-03-15T10:30:00Z"));
  EXPECT_EQ(*custom->ParseValue("1710460800", utc), T("2024-03-15T00:00:00Z"));
  EXPECT_EQ(custom->Format(T("2024-03-15T10:30:59Z"), utc), "2024/03/15 10:30");
  EXPECT_EQ(custom->Format(T("2024-03-15T23:30:00Z"), *TimeZone::Parse("+01:00")),
            "2024/03/16 00:30");
  EXPECT_EQ(DateFormat::Parse("yyyy-MM-dd'T'HH")->Format(T("2024-03-15T10:30:59Z"), utc),
            "2024-03-15T10");
  EXPECT_FALSE(DateFormat::Parse("yyyy-MMM").ok());
  EXPECT_FALSE(DateFormat::Parse("qqq").ok());
}

TEST(CalendarUnits, FloorAndNext) {
  TimeZone utc;
  const int64_t t = T("2024-02-29T13:45:00Z");
  EXPECT_EQ(FormatTimestamp(FloorToUnit(t, CalendarUnit::kQuarter, utc)),
            "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(
                NextUnit(FloorToUnit(t, CalendarUnit::kMonth, utc), CalendarUnit::kMonth, utc)),
            "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(FloorToUnit(T("1969-12-31T23:59:59Z"), CalendarUnit::kDay, utc)),
            "1969-12-31T00:00:00.000Z");
}

}  // namespace
}  // namespace vigil::query
