// The `date_histogram` aggregation: calendar intervals (minute ... year, in a time zone, weeks
// starting on Monday) or fixed ones ("30m", "12h"), with offset, format, time_zone,
// extended_bounds and hard_bounds (dates or date math), and min_doc_count 0 by default, as in
// Elasticsearch: the empty intervals between the first and the last bucket are listed.
#include <fmt/format.h>

#include <cmath>

#include "base/time.h"
#include "query/aggs/histogram_base.h"

namespace vigil::query::aggs {

namespace {

struct DateHistogramSpec : HistogramSpecBase {
  std::optional<CalendarUnit> calendar;
  int64_t fixed = 0;  // milliseconds
  int64_t offset = 0;
  TimeZone tz;
  DateFormat format;
  std::string_view type() const override { return "date_histogram"; }
  bool date() const override { return true; }

  double Round(double v) const override {
    const auto ms = static_cast<int64_t>(v) - offset;
    if (calendar) return static_cast<double>(FloorToUnit(ms, *calendar, tz) + offset);
    const int64_t local = ms + tz.offset_millis();
    const int64_t q = local >= 0 ? local / fixed : -((-local + fixed - 1) / fixed);
    return static_cast<double>(q * fixed - tz.offset_millis() + offset);
  }
  double Next(double start) const override {
    const auto ms = static_cast<int64_t>(start);
    if (calendar) return static_cast<double>(NextUnit(ms - offset, *calendar, tz) + offset);
    return static_cast<double>(ms + fixed);
  }
  void WriteKey(double start, JsonWriter* w) const override {
    w->Field("key_as_string", KeyString(start));
    w->Key("key");
    w->Int(static_cast<int64_t>(start));
  }
  std::string KeyString(double start) const override {
    return format.Format(static_cast<int64_t>(start), tz);
  }
  Result<double> ResolveBound(const std::string& text, int64_t now) const override {
    // Bounds may use the default format whatever `format` says.
    Result<int64_t> ms = ParseDateMath(text, now, tz, false, format);
    if (!ms.ok()) ms = ParseDateMath(text, now, tz, false, DateFormat());
    if (!ms.ok()) return ms.status();
    return static_cast<double>(*ms);
  }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override {
    auto a = std::make_unique<HistogramAggregator>(*this, ctx);
    VIGIL_RETURN_IF_ERROR(a->Init());
    return std::unique_ptr<Aggregator>(std::move(a));
  }
};

// Offsets: "+6h", "-1d", "30m".
Result<int64_t> ParseOffset(const std::string& text, const std::string& path) {
  std::string_view t = text;
  int sign = 1;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    sign = t[0] == '-' ? -1 : 1;
    t.remove_prefix(1);
  }
  Result<int64_t> v = ParseFixedInterval(t);
  if (!v.ok()) return IllegalArgument(fmt::format("[{}.offset] {}", path, v.status().message()));
  return sign * *v;
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewDateHistogramSpec(const json& params,
                                                              const std::string& path) {
  auto spec = std::make_unique<DateHistogramSpec>();
  VIGIL_RETURN_IF_ERROR(CheckKeys(
      params,
      {"field", "calendar_interval", "fixed_interval", "interval", "time_zone", "offset", "format",
       "min_doc_count", "keyed", "order", "extended_bounds", "hard_bounds", "missing"},
      path, "date_histogram"));
  VIGIL_RETURN_IF_ERROR(ParseDateOptions(params, path, &spec->tz, &spec->format));
  Result<std::optional<std::string>> cal = OptString(params, "calendar_interval", path);
  Result<std::optional<std::string>> fixed = OptString(params, "fixed_interval", path);
  Result<std::optional<std::string>> legacy = OptString(params, "interval", path);
  if (!cal.ok()) return cal.status();
  if (!fixed.ok()) return fixed.status();
  if (!legacy.ok()) return legacy.status();
  if (static_cast<int>(cal->has_value()) + static_cast<int>(fixed->has_value()) +
          static_cast<int>(legacy->has_value()) !=
      1) {
    return IllegalArgument(
        fmt::format("[{}] needs exactly one of [calendar_interval] and [fixed_interval]", path));
  }
  if (*cal) {
    spec->calendar = ParseCalendarInterval(**cal);
    if (!spec->calendar) {
      return IllegalArgument(fmt::format(
          "[{}.calendar_interval] The supplied interval [{}] could not be parsed as a calendar "
          "interval (minute, hour, day, week, month, quarter, year or 1m, 1h, 1d, 1w, 1M, 1q, 1y)",
          path, **cal));
    }
  } else {
    const std::string& text = fixed->has_value() ? **fixed : **legacy;
    if (legacy->has_value()) spec->calendar = ParseCalendarInterval(text);
    if (!spec->calendar) {
      Result<int64_t> ms = ParseFixedInterval(text);
      if (!ms.ok()) {
        return IllegalArgument(fmt::format("[{}.fixed_interval] {}", path, ms.status().message()));
      }
      spec->fixed = *ms;
    }
  }
  Result<std::optional<std::string>> offset = OptString(params, "offset", path);
  if (!offset.ok()) return offset.status();
  if (*offset) {
    Result<int64_t> o = ParseOffset(**offset, path);
    if (!o.ok()) return o.status();
    spec->offset = *o;
  }
  // Bounds are checked here and resolved again at the request's time (HistogramAggregator).
  const int64_t now = NowMillis();
  VIGIL_RETURN_IF_ERROR(
      ParseHistogramCommon(params, path, spec.get(), [&](const json& v) -> Result<double> {
        if (v.is_number()) return v.get<double>();
        if (!v.is_string())
          return IllegalArgument(fmt::format("[{}] a bound must be a date", path));
        Result<double> ms = spec->ResolveBound(v.get<std::string>(), now);
        if (!ms.ok()) return IllegalArgument(fmt::format("[{}] {}", path, ms.status().message()));
        return *ms;
      }));
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
