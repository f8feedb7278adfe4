// The `range` aggregation on a numeric field (range_base.h).
#include <fmt/format.h>

#include "query/aggs/range_base.h"

namespace vigil::query::aggs {

namespace {

struct RangeSpec : RangeSpecBase {
  std::string_view type() const override { return "range"; }
  std::string BoundText(double v) const override {
    std::string out;
    JsonWriter w(&out);
    w.Double(v);
    // Elasticsearch writes range keys with a decimal point ("1.0-5.0").
    if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
    return out;
  }
};

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewRangeSpec(const json& params, const std::string& path) {
  auto spec = std::make_unique<RangeSpec>();
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(params, {"field", "ranges", "keyed", "missing", "format"}, path, "range"));
  VIGIL_RETURN_IF_ERROR(
      ParseRangeCommon(params, path, spec.get(), [&](const json& v) -> Result<double> {
        if (v.is_number()) return v.get<double>();
        if (v.is_string()) {
          try {
            return std::stod(v.get<std::string>());
          } catch (const std::exception&) {
          }
        }
        return IllegalArgument(fmt::format("[{}] a range bound must be a number", path));
      }));
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
