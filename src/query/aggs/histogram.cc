// The `histogram` aggregation: numeric intervals of a fixed width (`interval`, `offset`), with
// min_doc_count 0 by default (empty intervals between the first and the last are listed),
// extended_bounds and hard_bounds.
#include <fmt/format.h>

#include <cmath>

#include "query/aggs/histogram_base.h"

namespace vigil::query::aggs {

namespace {

struct HistogramSpec : HistogramSpecBase {
  double interval = 1;
  double offset = 0;
  std::string_view type() const override { return "histogram"; }
  double Round(double v) const override {
    return std::floor((v - offset) / interval) * interval + offset;
  }
  double Next(double start) const override { return start + interval; }
  void WriteKey(double start, JsonWriter* w) const override {
    w->Key("key");
    w->Double(start);
  }
  std::string KeyString(double start) const override {
    std::string out;
    JsonWriter w(&out);
    w.Double(start);
    return out;
  }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override {
    auto a = std::make_unique<HistogramAggregator>(*this, ctx);
    VIGIL_RETURN_IF_ERROR(a->Init());
    return std::unique_ptr<Aggregator>(std::move(a));
  }
};

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewHistogramSpec(const json& params,
                                                          const std::string& path) {
  auto spec = std::make_unique<HistogramSpec>();
  VIGIL_RETURN_IF_ERROR(CheckKeys(params,
                                  {"field", "interval", "offset", "min_doc_count", "keyed", "order",
                                   "extended_bounds", "hard_bounds", "missing", "format"},
                                  path, "histogram"));
  Result<std::optional<double>> interval = OptDouble(params, "interval", path);
  if (!interval.ok()) return interval.status();
  if (!*interval || !(**interval > 0)) {
    return IllegalArgument(fmt::format("[{}.interval] must be a number greater than 0", path));
  }
  spec->interval = **interval;
  Result<std::optional<double>> offset = OptDouble(params, "offset", path);
  if (!offset.ok()) return offset.status();
  spec->offset = offset->value_or(0);
  VIGIL_RETURN_IF_ERROR(
      ParseHistogramCommon(params, path, spec.get(), [&](const json& v) -> Result<double> {
        if (!v.is_number())
          return IllegalArgument(fmt::format("[{}] a bound must be a number", path));
        return v.get<double>();
      }));
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
