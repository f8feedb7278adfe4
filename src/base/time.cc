#include "base/time.h"

#include <fmt/format.h>

#include <chrono>

namespace vigil {

namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// A cursor over the text that reads fixed-width digit groups and reports where it failed.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  void Advance() { ++pos_; }

  // Reads exactly `width` digits into *value.
  bool Digits(int width, int* value) {
    int v = 0;
    for (int i = 0; i < width; ++i) {
      if (AtEnd() || !IsDigit(text_[pos_])) return false;
      v = v * 10 + (text_[pos_++] - '0');
    }
    *value = v;
    return true;
  }
  bool Expect(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  Status Error(std::string_view what) const {
    if (AtEnd()) {
      return Status::InvalidArgument(
          fmt::format("not an ISO-8601 timestamp: \"{}\": ended early, expected {}", text_, what));
    }
    return Status::InvalidArgument(fmt::format(
        "not an ISO-8601 timestamp: \"{}\": unexpected '{}' at character {}, expected {}", text_,
        text_[pos_], pos_ + 1, what));
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

int64_t DaysFromCivil(CivilDate date) {
  // Howard Hinnant's days_from_civil.
  int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (date.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

CivilDate DateOfMillis(int64_t millis) {
  int64_t days = millis / kMillisPerDay;
  if (millis % kMillisPerDay < 0) --days;
  return CivilFromDays(days);
}

Result<int64_t> ParseTimestamp(std::string_view text) {
  Scanner s(text);
  int year, month, day;
  if (!s.Digits(4, &year)) return s.Error("a 4-digit year");
  if (!s.Expect('-')) return s.Error("'-' after the year");
  if (!s.Digits(2, &month)) return s.Error("a 2-digit month");
  if (month < 1 || month > 12) return s.Error("a month 01-12");
  if (!s.Expect('-')) return s.Error("'-' after the month");
  if (!s.Digits(2, &day)) return s.Error("a 2-digit day");
  if (day < 1 || day > DaysInMonth(year, month)) {
    return Status::InvalidArgument(
        fmt::format("not an ISO-8601 timestamp: \"{}\": day {} does not exist in {}-{:02}", text,
                    day, year, month));
  }
  int64_t millis = DaysFromCivil({year, month, day}) * kMillisPerDay;
  if (s.AtEnd()) return millis;

  char sep = s.Peek();
  if (sep != 'T' && sep != 't' && sep != ' ') return s.Error("'T' between date and time");
  s.Advance();
  int hour, minute, second = 0;
  if (!s.Digits(2, &hour) || hour > 23) return s.Error("an hour 00-23");
  if (!s.Expect(':')) return s.Error("':' after the hour");
  if (!s.Digits(2, &minute) || minute > 59) return s.Error("minutes 00-59");
  if (s.Expect(':')) {
    // 60 is a leap second; it is read as the first instant of the next minute.
    if (!s.Digits(2, &second) || second > 60) return s.Error("seconds 00-60");
  }
  int frac_ms = 0;
  if (s.Peek() == '.' || s.Peek() == ',') {
    s.Advance();
    int digits = 0;
    while (IsDigit(s.Peek())) {
      if (digits < 3) frac_ms = frac_ms * 10 + (s.Peek() - '0');
      ++digits;
      s.Advance();
    }
    if (digits == 0) return s.Error("digits after the decimal point");
    if (digits > 9) return s.Error("at most 9 fractional digits");
    for (int i = digits; i < 3; ++i) frac_ms *= 10;
  }
  millis += ((hour * 60LL + minute) * 60 + second) * 1000 + frac_ms;

  if (s.AtEnd()) return millis;
  char zone = s.Peek();
  if (zone == 'Z' || zone == 'z') {
    s.Advance();
  } else if (zone == '+' || zone == '-') {
    s.Advance();
    int zh, zm = 0;
    if (!s.Digits(2, &zh) || zh > 23) return s.Error("a zone hour 00-23");
    // Minutes are optional, with or without a colon: +01, +0100, +01:00.
    bool colon = s.Expect(':');
    if (colon || IsDigit(s.Peek())) {
      if (!s.Digits(2, &zm) || zm > 59) return s.Error("zone minutes 00-59");
    }
    int64_t offset = (zh * 60LL + zm) * 60'000;
    millis += zone == '+' ? -offset : offset;
  } else {
    return s.Error("'Z' or a zone offset like +01:00");
  }
  if (!s.AtEnd()) return s.Error("the end of the timestamp");
  return millis;
}

bool LooksLikeTimestamp(std::string_view text) {
  if (text.size() < 10 || text.size() > 40) return false;
  if (!IsDigit(text[0]) || text[4] != '-') return false;
  return ParseTimestamp(text).ok();
}

void AppendTimestamp(std::string* out, int64_t millis) {
  int64_t days = millis / kMillisPerDay;
  int64_t rem = millis % kMillisPerDay;
  if (rem < 0) {
    rem += kMillisPerDay;
    --days;
  }
  CivilDate d = CivilFromDays(days);
  int ms = static_cast<int>(rem % 1000);
  int64_t secs = rem / 1000;
  fmt::format_to(std::back_inserter(*out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", d.year,
                 d.month, d.day, secs / 3600, (secs / 60) % 60, secs % 60, ms);
}

std::string FormatTimestamp(int64_t millis) {
  std::string out;
  AppendTimestamp(&out, millis);
  return out;
}

int64_t NowMillis() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

uint64_t SteadyNanos() {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  using std::chrono::steady_clock;
  return static_cast<uint64_t>(
      duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

}  // namespace vigil
