// Aggregations: one spec class and one aggregator class per type (aggs/*.cc), registered in one
// place (aggs/registry.cc).
//
// Execution follows Elasticsearch's model, which makes sub-aggregations to any depth cheap: a
// search creates one Aggregator per spec; each segment's matching documents are given to the
// top-level aggregators with bucket 0; a bucket aggregator numbers its buckets (0, 1, 2, ...,
// across segments: a bucket is a key, not a segment ordinal) and hands each document on to its
// sub-aggregators with the bucket's number as their *owning bucket*. A metric aggregator keeps
// one value per owning bucket. At the end each aggregator renders the result for an owning
// bucket, Elasticsearch's response shape.
//
// Per segment, aggregators read columns of ordinals (dictionary codes) and only turn ordinals
// into terms once per segment and ordinal, never per document.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"
#include "base/status.h"
#include "query/field_resolver.h"

namespace vigil::query {

class Aggregator;

// What an aggregator needs from the search it runs in.
struct AggregationContext {
  int64_t now = 0;  // the request's time, for date math
  // Limits: buckets across the whole response (Elasticsearch's search.max_buckets).
  uint64_t max_buckets = 65'536;
  uint64_t* buckets_used = nullptr;
  // False for a sub-aggregation. A top-level aggregation is given every segment's documents in
  // one CollectDocs call each, and the segments outlive its Render (a bucket aggregation may
  // defer its sub-aggregations to the buckets it shows).
  bool top_level = true;
};

class AggregationSpec {
 public:
  virtual ~AggregationSpec() = default;
  virtual std::string_view type() const = 0;
  virtual Result<std::unique_ptr<Aggregator>> NewAggregator(
      const AggregationContext& ctx) const = 0;
  // Bucket aggregations take sub-aggregations; metric ones refuse them at parse time.
  virtual bool takes_sub_aggregations() const { return false; }

  std::string name;
  std::vector<std::unique_ptr<AggregationSpec>> subs;
};

class Aggregator {
 public:
  virtual ~Aggregator() = default;
  // Called before the documents of each segment.
  virtual Status StartSegment(const SegmentContext& segment) = 0;
  // One matching document of the current segment, in the bucket `owning` of the parent (0 at the
  // top level). Documents come in increasing order within a segment for each owning bucket.
  virtual void Collect(uint32_t doc, uint32_t owning) = 0;
  // All the matching documents of the current segment at once (increasing), in bucket `owning`:
  // what the search calls for the top level. Aggregators without sub-aggregations override it to
  // count by ordinal over the column instead of document by document.
  virtual void CollectDocs(std::span<const uint32_t> docs, uint32_t owning) {
    for (uint32_t d : docs) Collect(d, owning);
  }
  // Writes the aggregation's object (its value, or its buckets) for bucket `owning` of the
  // parent: what goes after "name": in the response.
  virtual Status Render(uint32_t owning, JsonWriter* out) = 0;
  // A metric's value in bucket `owning`, for ordering terms buckets by it (`order: {"x": "desc"}`,
  // or "x.avg" for one of several values: `key`). NaN when there is none.
  virtual Result<double> SortValue(uint32_t owning, std::string_view key) const {
    (void)owning;
    return Status::InvalidArgument(fmt::format("aggregation [{}] cannot be used to order buckets{}",
                                               name_,
                                               key.empty() ? "" : fmt::format(" by [{}]", key)));
  }
  // A first error met while collecting (Collect cannot return one): reported by the search.
  const Status& status() const { return status_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::string& name() const { return name_; }

 protected:
  Status status_;
  std::string name_;
};

// Parses the "aggs" (or "aggregations") object of a request. `path` names it in errors.
Result<std::vector<std::unique_ptr<AggregationSpec>>> ParseAggregations(
    const nlohmann::ordered_json& aggs, const std::string& path);

// Creates the aggregators of `specs` (with their sub-aggregators), named.
Result<std::vector<std::unique_ptr<Aggregator>>> NewAggregators(
    const std::vector<std::unique_ptr<AggregationSpec>>& specs, const AggregationContext& ctx);

}  // namespace vigil::query
