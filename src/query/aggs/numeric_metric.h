// The numeric metrics (min, max, avg, sum, stats, value_count) share one aggregator: per owning
// bucket, the count, sum, minimum and maximum of a field's values (every value of a multi-valued
// field). Each metric has its own file with its spec and how it renders.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "query/aggs/agg_util.h"

namespace vigil::query::aggs {

enum class MetricKind : uint8_t { kMin, kMax, kAvg, kSum, kStats, kValueCount };

struct NumericMetricSpec : AggregationSpec {
  MetricKind kind = MetricKind::kMin;
  std::string field;
  std::optional<double> missing;  // stands in for documents without a value
  std::string format;             // for value_as_string of dates
  std::string_view type() const override;
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

// Parses {"field": ..., "missing": ..., "format": ...}.
Result<std::unique_ptr<AggregationSpec>> ParseNumericMetric(MetricKind kind, const json& params,
                                                            const std::string& path);

}  // namespace vigil::query::aggs
