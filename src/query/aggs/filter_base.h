// Queries inside aggregations (`filter`, `filters`): compiled once per index mapping, run once
// per segment into a bitmap that Collect() tests.
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "query/aggs/agg_util.h"
#include "query/executor.h"

namespace vigil::query::aggs {

class SegmentFilter {
 public:
  explicit SegmentFilter(const Query* query) : query_(query) {}
  // Evaluates the query on the segment (against the segment's index mapping).
  Status Reset(const SegmentContext& segment, const AggregationContext& ctx);
  bool Contains(uint32_t doc) const { return matches_.contains(doc); }

 private:
  const Query* query_;
  std::map<const FieldResolver*, std::unique_ptr<CompiledQuery>> compiled_;
  storage::Bitmap matches_;
};

// Parses a query object inside an aggregation.
Result<std::unique_ptr<Query>> ParseAggQuery(const json& v, const std::string& path);

}  // namespace vigil::query::aggs
