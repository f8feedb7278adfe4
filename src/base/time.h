// Timestamps: parsing the forms GuardDuty and its re-publishers use, formatting, calendar math.
//
// All times are UTC milliseconds since the Unix epoch (int64). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Parses an ISO-8601 timestamp:
//   YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)f{1,9}]]][Z|z|±hh:mm|±hhmm|±hh]
// A missing zone means UTC (the form Panther and other re-publishers write). Fractions beyond
// milliseconds are truncated. Fails with InvalidArgument naming the first offending character.
Result<int64_t> ParseTimestamp(std::string_view text);

// True when `text` parses with ParseTimestamp and starts with a 4-digit year and '-':
// the dynamic-mapping test for "this string is a date".
bool LooksLikeTimestamp(std::string_view text);

// "2022-01-12T19:22:44.454Z".
std::string FormatTimestamp(int64_t millis);
// Appends the same to *out.
void AppendTimestamp(std::string* out, int64_t millis);

// Days since 1970-01-01 for a civil date, and back (proleptic Gregorian).
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
// The UTC calendar date of a timestamp.
CivilDate DateOfMillis(int64_t millis);

// Milliseconds since the epoch, from the system clock.
int64_t NowMillis();

// Nanoseconds from the steady clock, for measuring durations.
uint64_t SteadyNanos();

}  // namespace vigil
