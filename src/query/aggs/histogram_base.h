// What `histogram` and `date_histogram` share: each value is rounded down to the start of its
// interval, documents are counted per (owning bucket, interval start), and buckets render in key
// order, with the empty intervals between the first and the last (and out to extended_bounds)
// filled in when min_doc_count is 0.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "query/aggs/agg_util.h"

namespace vigil::query::aggs {

struct HistogramSpecBase : AggregationSpec {
  std::string field;
  int64_t min_doc_count = 0;
  bool keyed = false;
  bool ascending = true;        // order by _key
  bool order_by_count = false;  // order by _count (then key)
  std::optional<double> extended_min;
  std::optional<double> extended_max;
  std::optional<double> hard_min;
  std::optional<double> hard_max;
  // The bounds above as given, when given as text (date math such as "now-7d/d"): resolved again
  // at the request's time by each aggregator. Order: extended min, max, hard min, max.
  std::array<std::string, 4> bound_texts;
  std::optional<double> missing;
  bool takes_sub_aggregations() const override { return true; }
  // A bound's text at the request time `now` (epoch ms); only specs whose bounds may be text
  // (date_histogram) are asked.
  virtual Result<double> ResolveBound(const std::string& text, int64_t now) const;

  // The start of the interval holding `v`, and the start of the next one.
  virtual double Round(double v) const = 0;
  virtual double Next(double start) const = 0;
  // Writes "key" (and "key_as_string") of the bucket starting at `start`.
  virtual void WriteKey(double start, JsonWriter* w) const = 0;
  virtual std::string KeyString(double start) const = 0;  // the key of a keyed response
  virtual bool date() const { return false; }
};

class HistogramAggregator : public Aggregator {
 public:
  HistogramAggregator(const HistogramSpecBase& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx), values_(spec.field) {}
  Status Init();

  Status StartSegment(const SegmentContext& segment) override;
  void Collect(uint32_t doc, uint32_t owning) override;
  void CollectDocs(std::span<const uint32_t> docs, uint32_t owning) override;
  Status Render(uint32_t owning, JsonWriter* w) override;

 private:
  void Add(uint32_t doc, uint32_t owning, double start);
  // Adds `n` documents to the bucket starting at `start`; returns the bucket, or -1 when
  // hard_bounds leave the interval out.
  int64_t AddCount(uint32_t owning, double start, uint64_t n);
  // Adds this segment's counts by ordinal (ord_counts_) to the buckets.
  Status FoldByOrdinals(uint32_t owning);
  // This segment's intervals as runs of ordinals (run_first_, run_start_).
  Status BuildRuns();
  // The key id of the interval starting at `start`, or -1 when hard_bounds leave it out.
  int64_t KeyOf(double start);

  const HistogramSpecBase& spec_;
  // extended_bounds and hard_bounds at the request's time.
  std::optional<double> extended_min_, extended_max_, hard_min_, hard_max_;
  AggregationContext ctx_;
  FieldValues values_;
  SubAggregators subs_;
  // This segment's runs: the first ordinal and the interval start of each, its key id and its
  // bucket in owning bucket 0 (-2: not yet known; -1: outside hard_bounds). Built on the first
  // document collected one by one.
  bool runs_built_ = false;
  std::vector<uint32_t> run_first_;
  std::vector<double> run_start_;
  std::vector<int64_t> run_key_;
  std::vector<int64_t> run_bucket_;
  std::map<double, uint32_t> key_ids_;  // interval start → key id
  std::vector<double> keys_;
  BucketMap buckets_;
  std::vector<uint64_t> counts_;
  std::vector<uint32_t> ord_counts_;
};

// Parses the keys both share: field, min_doc_count, keyed, order, extended_bounds, hard_bounds,
// missing. `bound` turns a bound's JSON value into a number (dates: epoch millis).
Status ParseHistogramCommon(const json& params, const std::string& path, HistogramSpecBase* spec,
                            const std::function<Result<double>(const json&)>& bound);

}  // namespace vigil::query::aggs
