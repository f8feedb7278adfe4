// Dates in queries and aggregations, as Elasticsearch reads and writes them: time zones given as
// offsets, date formats (the named ones and java.time-style patterns), and date math
// ("now-7d/d", "2024-01-01||+1M/M") with its rounding rules for range bounds.
//
// All times are UTC epoch milliseconds. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::query {

// A fixed offset from UTC. Elasticsearch also takes IANA names ("Europe/Paris"); without a time
// zone database only the fixed ones are understood: "UTC", "Z", "GMT", "Etc/UTC", "+02:00",
// "-0530", "+05".
struct TimeZone {
  int32_t offset_minutes = 0;
  static Result<TimeZone> Parse(std::string_view text);
  int64_t offset_millis() const { return int64_t{offset_minutes} * 60'000; }
};

// A date format: one or more alternatives separated by "||" ("strict_date_optional_time||
// epoch_millis", Elasticsearch's default). Each is a named format (strict_date_optional_time,
// date_optional_time, strict_date_time, date_time, strict_date, date, epoch_millis, epoch_second,
// basic_date) or a pattern of java.time letters: yyyy/uuuu, yy, MM, M, dd, d, HH, H, mm, m, ss, s,
// one to nine S (digits of the fraction of a second), X/XX/XXX/Z (offset), 'literal' and
// punctuation.
class DateFormat {
 public:
  // The default: strict_date_optional_time||epoch_millis.
  DateFormat();
  static Result<DateFormat> Parse(std::string_view spec);

  // Reads `text` with the first alternative that takes all of it; a date without an offset is in
  // `tz`. InvalidArgument naming the text and the format when none does.
  Result<int64_t> ParseValue(std::string_view text, const TimeZone& tz) const;
  // Writes `millis` with the first alternative, in `tz` ("2024-01-01T00:00:00.000Z" for the
  // default).
  std::string Format(int64_t millis, const TimeZone& tz) const;
  const std::string& spec() const { return spec_; }

  // One element of a pattern: a field with its width, or literal text.
  struct Element {
    enum Kind : uint8_t {
      kLiteral,
      kYear,
      kYear2,
      kMonth,
      kDay,
      kHour,
      kMinute,
      kSecond,
      kFraction,
      kOffset,
      // Named formats, alone in their alternative.
      kOptionalTime,       // strict_date_optional_time
      kOptionalTimeLoose,  // date_optional_time
      kDateTime,           // strict_date_time: a time is required
      kEpochMillis,
      kEpochSecond,
    };
    Kind kind = kLiteral;
    int width = 0;  // digits for fields (0: any), offset style for kOffset
    std::string text;
  };

 private:
  std::string spec_;
  // Each alternative: a list of elements, or a named kind.
  std::vector<std::vector<Element>> alternatives_;
};

// Date math: an anchor ("now", or a date in `format` followed by "||") and then operations: +N or
// -N units, and /unit to round (units y M w d h H m s). `round_up` rounds to the last millisecond
// of the unit instead of the first: Elasticsearch does so for `gt` and `lte` bounds, so that
// `lte: now/d` takes the whole of today and `gt: now/d` none of it. Rounding happens in `tz`.
// A plain date (no "||", no "now") is parsed with `format`. `now` is the request's time.
Result<int64_t> ParseDateMath(std::string_view text, int64_t now, const TimeZone& tz, bool round_up,
                              const DateFormat& format);

// Calendar units for rounding and intervals.
enum class CalendarUnit : uint8_t {
  kMillis,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear
};
// The start of the unit that holds `millis`, in `tz` (weeks start on Monday, as in ISO-8601).
int64_t FloorToUnit(int64_t millis, CalendarUnit unit, const TimeZone& tz);
// The start of the next unit after the one that holds `millis`.
int64_t NextUnit(int64_t unit_start, CalendarUnit unit, const TimeZone& tz);

}  // namespace vigil::query
