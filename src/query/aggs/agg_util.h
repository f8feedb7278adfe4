// What the aggregations share: parsing helpers, per-segment access to a field's values by
// ordinal (each ordinal's value decoded once per segment), bucket numbering across segments, and
// writing keys the way Elasticsearch does for each field type.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/json_writer.h"
#include "base/status.h"
#include "query/aggregation.h"
#include "query/date_math.h"
#include "query/field_resolver.h"
#include "query/json_util.h"
#include "storage/segment_reader.h"

namespace vigil::query::aggs {

// Reads params[key] as a string / integer / number / boolean, when present (json_util.h's
// getters, so "5" is 5 as in Elasticsearch).
Result<std::optional<std::string>> OptString(const json& params, std::string_view key,
                                             const std::string& path);
Result<std::optional<int64_t>> OptInt(const json& params, std::string_view key,
                                      const std::string& path);
Result<std::optional<double>> OptDouble(const json& params, std::string_view key,
                                        const std::string& path);
Result<std::optional<bool>> OptBool(const json& params, std::string_view key,
                                    const std::string& path);
// The required "field" of an aggregation.
Result<std::string> RequiredField(const json& params, const std::string& path);
// The `time_zone` and `format` options of a date aggregation, each left as it is when absent.
Status ParseDateOptions(const json& params, const std::string& path, TimeZone* tz,
                        DateFormat* format);
// Refuses keys outside `allowed`.
Status CheckKeys(const json& params, std::initializer_list<std::string_view> allowed,
                 const std::string& path, std::string_view type);

using FieldType = storage::FieldType;

// A field's values in the current segment, by ordinal. Reset() at each segment.
class FieldValues {
 public:
  explicit FieldValues(std::string user_field) : user_field_(std::move(user_field)) {}
  Status Reset(const SegmentContext& segment);

  bool present() const { return present_; }
  const storage::SegmentView* view() const { return view_; }
  int index() const { return index_; }
  const storage::SegmentReader* reader() const { return reader_; }
  const ResolvedField& field() const { return field_; }
  FieldType type() const { return field_.type; }
  const storage::Column& column() const { return column_; }
  const storage::TermDict& dict() const { return dict_; }

  // The ordinal's term (decoded once per segment and ordinal).
  Result<std::string_view> Term(uint32_t ord);
  // The ordinal's value as a number (longs, doubles, dates as epoch ms, booleans as 0/1; NaN for
  // other types).
  Result<double> Number(uint32_t ord);
  bool numeric() const;

  template <typename Fn>
  void ForEachOrd(uint32_t doc, Fn&& fn) const {
    if (present_) column_.ForEach(doc, fn);
  }

 private:
  std::string user_field_;
  bool present_ = false;
  ResolvedField field_;
  storage::Column column_;
  storage::TermDict dict_;
  std::vector<uint8_t> have_term_;
  std::vector<std::string> terms_;
  const storage::SegmentReader* reader_ = nullptr;
  const storage::SegmentView* view_ = nullptr;
  int index_ = -1;
  std::shared_ptr<const std::vector<double>> numbers_;  // the reader's, once asked for
  std::string arena_;  // a compressed dictionary's terms, once asked for
  std::vector<size_t> offsets_;
};

// Counts the values of `values` among `docs` (increasing) by ordinal: counts[ord] += 1 for each
// value of each document (counts sized to the dictionary), and returns how many of the documents
// have no value. Walks the column's entries alongside the documents when that is cheaper than
// looking each document up (a sparse column and many documents). When `docs` are all the live
// documents of the segment (a query that matches everything), the counts come from the postings'
// sizes, less the values of the deleted documents: no document is visited.
uint64_t CountOrds(const FieldValues& values, std::span<const uint32_t> docs,
                   std::vector<uint32_t>* counts);
// CountOrds into *counts first sized to the dictionary and zeroed.
uint64_t CountOrdsAfresh(const FieldValues& values, std::span<const uint32_t> docs,
                         std::vector<uint32_t>* counts);

// A bucket key as Elasticsearch writes it for the field type: numbers for long/double, epoch ms
// (with key_as_string) for dates, 1/0 with key_as_string for booleans, strings otherwise.
void WriteTermKey(FieldType type, std::string_view term, JsonWriter* w, bool with_as_string);

// An owning bucket no document was collected in: sub-aggregations render it empty.
inline constexpr uint32_t kNoBucket = 0xFFFFFFFE;

// Numbers bucket keys for (owning bucket, key id) pairs, across segments.
class BucketMap {
 public:
  // The bucket of (owning, key), created when new.
  uint32_t Get(uint32_t owning, uint32_t key) {
    if (owning == 0) {
      if (key >= top_.size()) top_.resize(key + 1, -1);
      int32_t& b = top_[key];
      if (b < 0) b = New(owning, key);
      return static_cast<uint32_t>(b);
    }
    const uint64_t k = (uint64_t{owning} << 32) | key;
    auto it = nested_.find(k);
    if (it != nested_.end()) return it->second;
    uint32_t b = New(owning, key);
    nested_.emplace(k, b);
    return b;
  }
  uint32_t size() const { return static_cast<uint32_t>(owning_.size()); }
  uint32_t owning(uint32_t bucket) const { return owning_[bucket]; }
  uint32_t key(uint32_t bucket) const { return keys_[bucket]; }
  // The buckets of one owning bucket (in creation order).
  std::vector<uint32_t> BucketsOf(uint32_t owning) const;

 private:
  uint32_t New(uint32_t owning, uint32_t key) {
    owning_.push_back(owning);
    keys_.push_back(key);
    return static_cast<uint32_t>(owning_.size() - 1);
  }
  std::vector<int32_t> top_;
  std::unordered_map<uint64_t, uint32_t> nested_;
  std::vector<uint32_t> owning_;
  std::vector<uint32_t> keys_;
};

// The sub-aggregators of a bucket aggregation.
class SubAggregators {
 public:
  Status Init(const AggregationSpec& spec, const AggregationContext& ctx);
  bool empty() const { return subs_.empty(); }
  Status StartSegment(const SegmentContext& segment) {
    for (auto& s : subs_) VIGIL_RETURN_IF_ERROR(s->StartSegment(segment));
    return Status::Ok();
  }
  void Collect(uint32_t doc, uint32_t bucket) {
    for (auto& s : subs_) s->Collect(doc, bucket);
  }
  Status status() const {
    for (const auto& s : subs_) VIGIL_RETURN_IF_ERROR(s->status());
    return Status::Ok();
  }
  // Writes "name": {...} for each sub-aggregation of `bucket`.
  Status Render(uint32_t bucket, JsonWriter* w);
  // A metric of a sub-aggregation for ordering: "name" or "name.key".
  Result<double> SortValue(uint32_t bucket, std::string_view path) const;
  bool Has(std::string_view name) const;

 private:
  std::vector<std::unique_ptr<Aggregator>> subs_;
};

// Opens and closes the container of a bucket list: an object keyed by bucket key when `keyed`
// (Elasticsearch's `keyed: true`), else an array.
inline void BeginBuckets(JsonWriter* w, bool keyed) {
  if (keyed) {
    w->BeginObject();
  } else {
    w->BeginArray();
  }
}
inline void EndBuckets(JsonWriter* w, bool keyed) {
  if (keyed) {
    w->EndObject();
  } else {
    w->EndArray();
  }
}

// A bucket aggregation with exactly one bucket in each owning bucket (filter, missing): its
// buckets are numbered like the owning ones. Subclasses decide which documents AddToBucket.
class SingleBucketAggregator : public Aggregator {
 public:
  Status Render(uint32_t owning, JsonWriter* w) override;
  // "doc_count" (or nothing) orders by the bucket's count, anything else by a sub-aggregation.
  Result<double> SortValue(uint32_t owning, std::string_view key) const override;

 protected:
  void AddToBucket(uint32_t doc, uint32_t owning) {
    if (owning >= counts_.size()) counts_.resize(owning + 1, 0);
    ++counts_[owning];
    subs_.Collect(doc, owning);
  }
  SubAggregators subs_;
  std::vector<uint64_t> counts_;
};

// Counts buckets against the response-wide limit (search.max_buckets).
Status CountBuckets(const AggregationContext& ctx, uint64_t n, std::string_view agg);

// Interval parsing for histograms: "1d", "30m", "12h", "90s", "500ms" into milliseconds.
Result<int64_t> ParseFixedInterval(std::string_view text);
// "minute"/"1m", "hour"/"1h", "day"/"1d", "week"/"1w", "month"/"1M", "quarter"/"1q",
// "year"/"1y".
std::optional<CalendarUnit> ParseCalendarInterval(std::string_view text);

// Builds a spec object for `type` (registry.cc).
using SpecFactory = Result<std::unique_ptr<AggregationSpec>> (*)(const json& params,
                                                                 const std::string& path);
SpecFactory FindFactory(std::string_view type);

}  // namespace vigil::query::aggs
