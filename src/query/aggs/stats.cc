// The `stats` aggregation (numeric_metric.h holds the shared aggregator).
#include "query/aggs/numeric_metric.h"

namespace vigil::query::aggs {

Result<std::unique_ptr<AggregationSpec>> NewStatsSpec(const json& params, const std::string& path) {
  return ParseNumericMetric(MetricKind::kStats, params, path);
}

}  // namespace vigil::query::aggs
