// The `date_range` aggregation: ranges of a date field given as dates or date math ("now-7d/d"),
// in a time zone and format (range_base.h).
#include <fmt/format.h>

#include "base/time.h"
#include "query/aggs/range_base.h"

namespace vigil::query::aggs {

namespace {

struct DateRangeSpec : RangeSpecBase {
  TimeZone tz;
  DateFormat format;
  std::string_view type() const override { return "date_range"; }
  bool date() const override { return true; }
  std::string BoundText(double v) const override {
    return format.Format(static_cast<int64_t>(v), tz);
  }
  Result<double> ResolveBound(const std::string& text, int64_t now) const override {
    // In the aggregation's format, else the default one (Elasticsearch takes both).
    Result<int64_t> ms = ParseDateMath(text, now, tz, false, format);
    if (!ms.ok()) ms = ParseDateMath(text, now, tz, false, DateFormat());
    if (!ms.ok()) return ms.status();
    return static_cast<double>(*ms);
  }
};

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewDateRangeSpec(const json& params,
                                                          const std::string& path) {
  auto spec = std::make_unique<DateRangeSpec>();
  VIGIL_RETURN_IF_ERROR(CheckKeys(
      params, {"field", "ranges", "keyed", "missing", "format", "time_zone"}, path, "date_range"));
  VIGIL_RETURN_IF_ERROR(ParseDateOptions(params, path, &spec->tz, &spec->format));
  // Bounds are checked here and resolved again at the request's time (RangesAt).
  const int64_t now = NowMillis();
  VIGIL_RETURN_IF_ERROR(
      ParseRangeCommon(params, path, spec.get(), [&](const json& v) -> Result<double> {
        if (v.is_number()) return v.get<double>();
        if (!v.is_string())
          return IllegalArgument(fmt::format("[{}] a range bound must be a date", path));
        Result<double> ms = spec->ResolveBound(v.get<std::string>(), now);
        if (!ms.ok()) return IllegalArgument(fmt::format("[{}] {}", path, ms.status().message()));
        return *ms;
      }));
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
