#include "query/date_math.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "base/time.h"

namespace vigil::query {

namespace {

constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMillisPerMinute = 60 * kMillisPerSecond;
constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;
// Dates are kept within ±73 million years (a quarter of int64 milliseconds), so that time zone
// offsets, rounding and a unit more or less never overflow; beyond it a date is out of range.
constexpr int64_t kMaxAbsMillis = INT64_MAX / 4;

bool InRange(int64_t millis) { return millis >= -kMaxAbsMillis && millis <= kMaxAbsMillis; }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits (n > 0) at *pos.
std::optional<int> Digits(std::string_view s, size_t* pos, size_t n) {
  if (*pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  return v;
}

// Reads 1 to `max` digits.
std::optional<int> SomeDigits(std::string_view s, size_t* pos, size_t max) {
  size_t n = 0;
  while (n < max && *pos + n < s.size() && IsDigit(s[*pos + n])) ++n;
  if (n == 0) return std::nullopt;
  return Digits(s, pos, n);
}

// An offset: Z, +hh, +hhmm, +hh:mm (and -). Returns minutes east of UTC.
std::optional<int> Offset(std::string_view s, size_t* pos) {
  if (*pos >= s.size()) return std::nullopt;
  if (s[*pos] == 'Z' || s[*pos] == 'z') {
    ++*pos;
    return 0;
  }
  if (s[*pos] != '+' && s[*pos] != '-') return std::nullopt;
  const int sign = s[*pos] == '-' ? -1 : 1;
  size_t p = *pos + 1;
  std::optional<int> hh = Digits(s, &p, 2);
  if (!hh || *hh > 23) return std::nullopt;
  int mm = 0;
  if (p < s.size() && s[p] == ':') ++p;
  if (p < s.size() && IsDigit(s[p])) {
    std::optional<int> m = Digits(s, &p, 2);
    if (!m || *m > 59) return std::nullopt;
    mm = *m;
  }
  *pos = p;
  return sign * (*hh * 60 + mm);
}

struct Fields {
  int64_t year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  std::optional<int> offset;  // minutes; none: the time zone's
};

std::optional<int64_t> ToMillis(const Fields& f, const TimeZone& tz) {
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.hour > 23 || f.minute > 59 || f.second > 59) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (f.year % 4 == 0 && f.year % 100 != 0) || f.year % 400 == 0;
  if (f.day > kDays[f.month - 1] || (f.month == 2 && !leap && f.day > 28)) return std::nullopt;
  // Years have up to 9 digits: checked arithmetic, then the range.
  const int64_t days = DaysFromCivil({static_cast<int>(f.year), f.month, f.day});
  const int64_t time_of_day = f.hour * kMillisPerHour + f.minute * kMillisPerMinute +
                              f.second * kMillisPerSecond + f.millis;
  const int offset = f.offset.has_value() ? *f.offset : tz.offset_minutes;
  int64_t local = 0;
  int64_t out = 0;
  if (__builtin_mul_overflow(days, kMillisPerDay, &local) ||
      __builtin_add_overflow(local, time_of_day, &local) ||
      __builtin_sub_overflow(local, int64_t{offset} * kMillisPerMinute, &out)) {
    return std::nullopt;
  }
  if (!InRange(out)) return std::nullopt;
  return out;
}

// yyyy[-MM[-dd[(T| )HH[:mm[:ss[.S{1,9}]]]]]][offset]; `strict` requires two-digit fields.
std::optional<int64_t> ParseOptionalTime(std::string_view s, const TimeZone& tz, bool strict,
                                         bool require_time) {
  Fields f;
  size_t p = 0;
  size_t n_digits = 0;
  while (p + n_digits < s.size() && IsDigit(s[p + n_digits])) ++n_digits;
  if (n_digits < 4 || n_digits > 9) return std::nullopt;
  f.year = *Digits(s, &p, n_digits);
  auto two = [&](int* out) {
    std::optional<int> v = strict ? Digits(s, &p, 2) : SomeDigits(s, &p, 2);
    if (!v) return false;
    *out = *v;
    return true;
  };
  bool has_time = false;
  if (p < s.size() && s[p] == '-') {
    ++p;
    if (!two(&f.month)) return std::nullopt;
    if (p < s.size() && s[p] == '-') {
      ++p;
      if (!two(&f.day)) return std::nullopt;
      if (p < s.size() && (s[p] == 'T' || s[p] == 't' || (!strict && s[p] == ' '))) {
        ++p;
        has_time = true;
        if (!two(&f.hour)) return std::nullopt;
        if (p < s.size() && s[p] == ':') {
          ++p;
          if (!two(&f.minute)) return std::nullopt;
          if (p < s.size() && s[p] == ':') {
            ++p;
            if (!two(&f.second)) return std::nullopt;
            if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
              ++p;
              size_t start = p;
              int ms = 0;
              while (p < s.size() && IsDigit(s[p])) {
                if (p - start < 3) ms = ms * 10 + (s[p] - '0');
                ++p;
              }
              if (p == start || p - start > 9) return std::nullopt;
              for (size_t k = p - start; k < 3; ++k) ms *= 10;
              f.millis = ms;
            }
          }
        }
      }
    }
  }
  if (require_time && !has_time) return std::nullopt;
  if (p < s.size()) {
    if (!has_time) return std::nullopt;  // an offset needs a time
    f.offset = Offset(s, &p);
    if (!f.offset || p != s.size()) return std::nullopt;
  }
  return ToMillis(f, tz);
}

std::optional<int64_t> ParseEpoch(std::string_view s, int64_t scale) {
  // Digits with an optional sign and fraction (epoch_millis takes "1.5" as 1 ms).
  size_t p = 0;
  bool negative = false;
  if (p < s.size() && (s[p] == '-' || s[p] == '+')) negative = s[p++] == '-';
  int64_t v = 0;
  const size_t start = p;
  while (p < s.size() && IsDigit(s[p])) {
    if (v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (s[p++] - '0');
  }
  if (p == start) return std::nullopt;
  int64_t frac = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int64_t place = scale;
    while (p < s.size() && IsDigit(s[p])) {
      place /= 10;
      frac += (s[p++] - '0') * place;
    }
  }
  if (p != s.size()) return std::nullopt;
  if (v > INT64_MAX / scale) return std::nullopt;
  int64_t r = v * scale + frac;
  if (r > kMaxAbsMillis) return std::nullopt;
  return negative ? -r : r;
}

}  // namespace

DateFormat::DateFormat() : spec_("strict_date_optional_time||epoch_millis") {
  alternatives_.push_back({Element{Element::kOptionalTime, 0, {}}});
  alternatives_.push_back({Element{Element::kEpochMillis, 0, {}}});
}

Result<DateFormat> DateFormat::Parse(std::string_view spec) {
  DateFormat f;
  f.spec_ = std::string(spec);
  f.alternatives_.clear();
  size_t start = 0;
  while (start <= spec.size()) {
    size_t bar = spec.find("||", start);
    std::string_view alt =
        spec.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    std::vector<Element> elements;
    auto named = [&](Element::Kind k) { elements.push_back(Element{k, 0, {}}); };
    if (alt == "strict_date_optional_time" || alt == "strict_date_optional_time_nanos") {
      named(Element::kOptionalTime);
    } else if (alt == "date_optional_time" || alt == "dateOptionalTime") {
      named(Element::kOptionalTimeLoose);
    } else if (alt == "strict_date_time" || alt == "date_time") {
      named(Element::kDateTime);
    } else if (alt == "epoch_millis") {
      named(Element::kEpochMillis);
    } else if (alt == "epoch_second") {
      named(Element::kEpochSecond);
    } else if (alt == "strict_date" || alt == "date") {
      elements = {{Element::kYear, 4, {}},
                  {Element::kLiteral, 0, "-"},
                  {Element::kMonth, 2, {}},
                  {Element::kLiteral, 0, "-"},
                  {Element::kDay, 2, {}}};
    } else if (alt == "basic_date") {
      elements = {{Element::kYear, 4, {}}, {Element::kMonth, 2, {}}, {Element::kDay, 2, {}}};
    } else if (alt.empty()) {
      return Status::InvalidArgument(
          fmt::format("invalid date format [{}]: an empty format", spec));
    } else {
      // A pattern.
      for (size_t i = 0; i < alt.size();) {
        char c = alt[i];
        size_t run = 1;
        while (i + run < alt.size() && alt[i + run] == c) ++run;
        auto field = [&](Element::Kind k, int width) {
          elements.push_back(Element{k, width, {}});
          i += run;
        };
        if (c == '\'') {
          size_t end = alt.find('\'', i + 1);
          if (end == std::string_view::npos) {
            return Status::InvalidArgument(
                fmt::format("invalid date format [{}]: a quoted literal is not closed", spec));
          }
          elements.push_back(
              Element{Element::kLiteral, 0, std::string(alt.substr(i + 1, end - i - 1))});
          i = end + 1;
        } else if (c == 'y' || c == 'u') {
          field(run == 2 ? Element::kYear2 : Element::kYear, run == 2 ? 2 : 4);
        } else if (c == 'M') {
          if (run > 2) {
            return Status::InvalidArgument(
                fmt::format("invalid date format [{}]: month names (MMM) are not supported", spec));
          }
          field(Element::kMonth, static_cast<int>(run));
        } else if (c == 'd') {
          field(Element::kDay, static_cast<int>(run));
        } else if (c == 'H') {
          field(Element::kHour, static_cast<int>(run));
        } else if (c == 'm') {
          field(Element::kMinute, static_cast<int>(run));
        } else if (c == 's') {
          field(Element::kSecond, static_cast<int>(run));
        } else if (c == 'S') {
          field(Element::kFraction, static_cast<int>(run));
        } else if (c == 'X' || c == 'Z' || c == 'x') {
          field(Element::kOffset, static_cast<int>(run));
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
          return Status::InvalidArgument(fmt::format(
              "invalid date format [{}]: the pattern letter '{}' is not supported", spec, c));
        } else {
          elements.push_back(Element{Element::kLiteral, 0, std::string(1, c)});
          ++i;
        }
      }
    }
    f.alternatives_.push_back(std::move(elements));
    if (bar == std::string_view::npos) break;
    start = bar + 2;
  }
  return f;
}

Result<int64_t> DateFormat::ParseValue(std::string_view text, const TimeZone& tz) const {
  for (const std::vector<Element>& alt : alternatives_) {
    if (alt.size() == 1 && alt[0].kind >= Element::kOptionalTime) {
      std::optional<int64_t> v;
      switch (alt[0].kind) {
        case Element::kOptionalTime:
          v = ParseOptionalTime(text, tz, true, false);
          break;
        case Element::kOptionalTimeLoose:
          v = ParseOptionalTime(text, tz, false, false);
          break;
        case Element::kDateTime:
          v = ParseOptionalTime(text, tz, true, true);
          break;
        case Element::kEpochMillis:
          v = ParseEpoch(text, 1);
          break;
        case Element::kEpochSecond:
          v = ParseEpoch(text, 1000);
          break;
        default:
          break;
      }
      if (v) return *v;
      continue;
    }
    Fields f;
    size_t p = 0;
    bool ok = true;
    for (const Element& e : alt) {
      std::optional<int> v;
      switch (e.kind) {
        case Element::kLiteral:
          ok = text.substr(p).starts_with(e.text);
          p += e.text.size();
          break;
        case Element::kYear: {
          size_t n = 0;
          while (p + n < text.size() && IsDigit(text[p + n]) && n < 9) ++n;
          ok = n >= 4 || (n >= 1 && e.width != 4);
          if (ok) f.year = *Digits(text, &p, n);
          break;
        }
        case Element::kYear2:
          v = Digits(text, &p, 2);
          if ((ok = v.has_value())) f.year = 2000 + *v;
          break;
        case Element::kFraction: {
          const size_t start = p;
          int ms = 0;
          while (p < text.size() && IsDigit(text[p]) && p - start < 9) {
            if (p - start < 3) ms = ms * 10 + (text[p] - '0');
            ++p;
          }
          ok = p > start;
          for (size_t k = p - start; k < 3; ++k) ms *= 10;
          f.millis = ms;
          break;
        }
        case Element::kOffset:
          f.offset = Offset(text, &p);
          ok = f.offset.has_value();
          break;
        default: {
          v = e.width >= 2 ? Digits(text, &p, static_cast<size_t>(e.width))
                           : SomeDigits(text, &p, 2);
          ok = v.has_value();
          if (!ok) break;
          if (e.kind == Element::kMonth) f.month = *v;
          if (e.kind == Element::kDay) f.day = *v;
          if (e.kind == Element::kHour) f.hour = *v;
          if (e.kind == Element::kMinute) f.minute = *v;
          if (e.kind == Element::kSecond) f.second = *v;
          break;
        }
      }
      if (!ok || p > text.size()) {
        ok = false;
        break;
      }
    }
    if (!ok || p != text.size()) continue;
    if (std::optional<int64_t> ms = ToMillis(f, tz)) return *ms;
  }
  return Status::InvalidArgument(
      fmt::format("failed to parse date field [{}] with format [{}]", text, spec_));
}

std::string DateFormat::Format(int64_t millis, const TimeZone& tz) const {
  const std::vector<Element>& alt = alternatives_.front();
  if (!InRange(millis)) return std::to_string(millis);  // no calendar date this far out
  const int64_t local = millis + tz.offset_millis();
  const int64_t days = FloorDiv(local, kMillisPerDay);
  const int64_t in_day = local - days * kMillisPerDay;
  const CivilDate date = CivilFromDays(days);
  const int hour = static_cast<int>(in_day / kMillisPerHour);
  const int minute = static_cast<int>(in_day / kMillisPerMinute % 60);
  const int second = static_cast<int>(in_day / kMillisPerSecond % 60);
  const int ms = static_cast<int>(in_day % 1000);
  auto offset_text = [&](int style) {
    if (tz.offset_minutes == 0 && style != 0) return std::string("Z");
    const int m = tz.offset_minutes < 0 ? -tz.offset_minutes : tz.offset_minutes;
    return fmt::format("{}{:02d}{}{:02d}", tz.offset_minutes < 0 ? '-' : '+', m / 60,
                       style == 3 || style == 0 ? ":" : "", m % 60);
  };
  if (alt.size() == 1 && alt[0].kind >= Element::kOptionalTime) {
    switch (alt[0].kind) {
      case Element::kEpochMillis:
        return std::to_string(millis);
      case Element::kEpochSecond:
        return std::to_string(FloorDiv(millis, 1000));
      default:
        return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}{}", date.year,
                           date.month, date.day, hour, minute, second, ms, offset_text(3));
    }
  }
  std::string out;
  for (const Element& e : alt) {
    auto num = [&](int v, int width) { out += fmt::format("{:0{}d}", v, std::max(width, 1)); };
    switch (e.kind) {
      case Element::kLiteral:
        out += e.text;
        break;
      case Element::kYear:
        num(date.year, 4);
        break;
      case Element::kYear2:
        num(date.year % 100, 2);
        break;
      case Element::kMonth:
        num(date.month, e.width);
        break;
      case Element::kDay:
        num(date.day, e.width);
        break;
      case Element::kHour:
        num(hour, e.width);
        break;
      case Element::kMinute:
        num(minute, e.width);
        break;
      case Element::kSecond:
        num(second, e.width);
        break;
      case Element::kFraction: {
        std::string digits = fmt::format("{:03d}", ms);
        digits.resize(static_cast<size_t>(e.width), '0');
        out += digits;
        break;
      }
      case Element::kOffset:
        out += offset_text(e.width);
        break;
      default:
        break;
    }
  }
  return out;
}

Result<TimeZone> TimeZone::Parse(std::string_view text) {
  if (text.empty() || text == "UTC" || text == "Z" || text == "GMT" || text == "Etc/UTC" ||
      text == "Etc/GMT" || text == "UCT" || text == "Zulu") {
    return TimeZone{};
  }
  std::string_view s = text;
  if (s.starts_with("UTC") || s.starts_with("GMT")) s.remove_prefix(3);
  size_t p = 0;
  std::optional<int> offset = Offset(s, &p);
  if (offset && p == s.size()) return TimeZone{*offset};
  return Status::InvalidArgument(fmt::format(
      "unsupported time zone [{}]: give a fixed offset such as +02:00 or UTC (named zones need a "
      "time zone database, which Vigil does not carry)",
      text));
}

int64_t FloorToUnit(int64_t millis, CalendarUnit unit, const TimeZone& tz) {
  if (!InRange(millis)) return millis;
  const int64_t off = tz.offset_millis();
  const int64_t local = millis + off;
  auto fixed = [&](int64_t size) { return FloorDiv(local, size) * size - off; };
  switch (unit) {
    case CalendarUnit::kMillis:
      return millis;
    case CalendarUnit::kSecond:
      return fixed(kMillisPerSecond);
    case CalendarUnit::kMinute:
      return fixed(kMillisPerMinute);
    case CalendarUnit::kHour:
      return fixed(kMillisPerHour);
    case CalendarUnit::kDay:
      return fixed(kMillisPerDay);
    case CalendarUnit::kWeek: {
      // 1970-01-01 was a Thursday: Monday-based weeks start 3 days before an epoch multiple.
      const int64_t days = FloorDiv(local, kMillisPerDay);
      const int64_t monday = days - (((days + 3) % 7) + 7) % 7;
      return monday * kMillisPerDay - off;
    }
    case CalendarUnit::kMonth:
    case CalendarUnit::kQuarter:
    case CalendarUnit::kYear: {
      CivilDate d = CivilFromDays(FloorDiv(local, kMillisPerDay));
      int month = d.month;
      if (unit == CalendarUnit::kQuarter) month = (d.month - 1) / 3 * 3 + 1;
      if (unit == CalendarUnit::kYear) month = 1;
      return DaysFromCivil({d.year, month, 1}) * kMillisPerDay - off;
    }
  }
  return millis;
}

namespace {

// Out of range: none.
std::optional<int64_t> AddMonths(int64_t millis, int64_t months, const TimeZone& tz) {
  constexpr int64_t kMaxMonths = kMaxAbsMillis / kMillisPerDay / 28 * 2;
  if (!InRange(millis) || months > kMaxMonths || months < -kMaxMonths) return std::nullopt;
  const int64_t off = tz.offset_millis();
  const int64_t local = millis + off;
  const int64_t days = FloorDiv(local, kMillisPerDay);
  const int64_t in_day = local - days * kMillisPerDay;
  CivilDate d = CivilFromDays(days);
  int64_t total = int64_t{d.year} * 12 + (d.month - 1) + months;
  int year = static_cast<int>(FloorDiv(total, 12));
  int month = static_cast<int>(total - int64_t{year} * 12) + 1;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int last = kDays[month - 1];
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) last = 29;
  int day = std::min(d.day, last);  // Jan 31 + 1 month = Feb 28/29, as in java.time
  int64_t out = 0;
  if (__builtin_mul_overflow(DaysFromCivil({year, month, day}), kMillisPerDay, &out) ||
      __builtin_add_overflow(out, in_day - off, &out) || !InRange(out)) {
    return std::nullopt;
  }
  return out;
}

std::optional<CalendarUnit> UnitOf(char c) {
  switch (c) {
    case 'y':
      return CalendarUnit::kYear;
    case 'M':
      return CalendarUnit::kMonth;
    case 'w':
      return CalendarUnit::kWeek;
    case 'd':
      return CalendarUnit::kDay;
    case 'h':
    case 'H':
      return CalendarUnit::kHour;
    case 'm':
      return CalendarUnit::kMinute;
    case 's':
      return CalendarUnit::kSecond;
    default:
      return std::nullopt;
  }
}

// Out of range: none.
std::optional<int64_t> Add(int64_t millis, int64_t n, CalendarUnit unit, const TimeZone& tz) {
  auto fixed = [&](int64_t size) -> std::optional<int64_t> {
    int64_t out = 0;
    if (__builtin_mul_overflow(n, size, &out) || __builtin_add_overflow(millis, out, &out) ||
        !InRange(out)) {
      return std::nullopt;
    }
    return out;
  };
  switch (unit) {
    case CalendarUnit::kYear:
      if (n > INT64_MAX / 12 || n < -(INT64_MAX / 12)) return std::nullopt;
      return AddMonths(millis, n * 12, tz);
    case CalendarUnit::kQuarter:
      if (n > INT64_MAX / 3 || n < -(INT64_MAX / 3)) return std::nullopt;
      return AddMonths(millis, n * 3, tz);
    case CalendarUnit::kMonth:
      return AddMonths(millis, n, tz);
    case CalendarUnit::kWeek:
      return fixed(7 * kMillisPerDay);
    case CalendarUnit::kDay:
      return fixed(kMillisPerDay);
    case CalendarUnit::kHour:
      return fixed(kMillisPerHour);
    case CalendarUnit::kMinute:
      return fixed(kMillisPerMinute);
    case CalendarUnit::kSecond:
      return fixed(kMillisPerSecond);
    case CalendarUnit::kMillis:
      return fixed(1);
  }
  return std::nullopt;
}

}  // namespace

int64_t NextUnit(int64_t unit_start, CalendarUnit unit, const TimeZone& tz) {
  // Past the end of the range, the unit is taken to end there.
  return Add(unit_start, 1, unit, tz).value_or(kMaxAbsMillis + 1);
}

namespace {

Status OutOfRange(std::string_view text) {
  return Status::InvalidArgument(fmt::format(
      "invalid date math [{}]: the date is out of range (about 73 million years either side of "
      "1970)",
      text));
}

}  // namespace

Result<int64_t> ParseDateMath(std::string_view text, int64_t now, const TimeZone& tz, bool round_up,
                              const DateFormat& format) {
  int64_t value = 0;
  std::string_view ops;
  if (text.starts_with("now")) {
    if (!InRange(now)) return OutOfRange(text);
    value = now;
    ops = text.substr(3);
  } else {
    size_t bars = text.find("||");
    if (bars == std::string_view::npos) return format.ParseValue(text, tz);
    Result<int64_t> anchor = format.ParseValue(text.substr(0, bars), tz);
    if (!anchor.ok()) return anchor.status();
    value = *anchor;
    ops = text.substr(bars + 2);
  }
  size_t p = 0;
  while (p < ops.size()) {
    const char op = ops[p++];
    if (op == '/') {
      if (p >= ops.size()) {
        return Status::InvalidArgument(
            fmt::format("invalid date math [{}]: a rounding (/) without a unit", text));
      }
      std::optional<CalendarUnit> unit = UnitOf(ops[p++]);
      if (!unit) {
        return Status::InvalidArgument(
            fmt::format("invalid date math [{}]: unknown rounding unit '{}' (use y M w d h H m s)",
                        text, ops[p - 1]));
      }
      value = FloorToUnit(value, *unit, tz);
      if (round_up) {
        std::optional<int64_t> next = Add(value, 1, *unit, tz);
        if (!next) return OutOfRange(text);
        value = *next - 1;
      }
    } else if (op == '+' || op == '-') {
      int64_t n = 1;
      if (p < ops.size() && IsDigit(ops[p])) {
        const char* end = ops.data() + ops.size();
        auto [ptr, ec] = std::from_chars(ops.data() + p, end, n);
        if (ec != std::errc()) {
          return Status::InvalidArgument(
              fmt::format("invalid date math [{}]: the number is out of range", text));
        }
        p = static_cast<size_t>(ptr - ops.data());
      }
      if (p >= ops.size()) {
        return Status::InvalidArgument(
            fmt::format("invalid date math [{}]: '{}' without a unit", text, op));
      }
      std::optional<CalendarUnit> unit = UnitOf(ops[p++]);
      if (!unit) {
        return Status::InvalidArgument(fmt::format(
            "invalid date math [{}]: unknown unit '{}' (use y M w d h H m s)", text, ops[p - 1]));
      }
      std::optional<int64_t> moved = Add(value, op == '-' ? -n : n, *unit, tz);
      if (!moved) return OutOfRange(text);
      value = *moved;
    } else {
      return Status::InvalidArgument(fmt::format(
          "invalid date math [{}]: expected +, - or / at '{}'", text, ops.substr(p - 1)));
    }
  }
  return value;
}

}  // namespace vigil::query
