// The `value_count` aggregation (numeric_metric.h holds the shared aggregator).
#include "query/aggs/numeric_metric.h"

namespace vigil::query::aggs {

Result<std::unique_ptr<AggregationSpec>> NewValueCountSpec(const json& params,
                                                           const std::string& path) {
  return ParseNumericMetric(MetricKind::kValueCount, params, path);
}

}  // namespace vigil::query::aggs
