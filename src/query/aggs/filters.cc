// The `filters` aggregation: a bucket per query, named ({"filters": {"name": query}}, buckets
// keyed by name) or anonymous (an array, buckets in order), with an optional other bucket for the
// documents no filter matches.
#include <fmt/format.h>

#include "query/aggs/filter_base.h"

namespace vigil::query::aggs {

namespace {

struct FiltersSpec : AggregationSpec {
  std::vector<std::string> names;  // empty names: anonymous
  std::vector<std::unique_ptr<Query>> queries;
  bool keyed = true;
  bool other_bucket = false;
  std::string other_key = "_other_";
  std::string_view type() const override { return "filters"; }
  bool takes_sub_aggregations() const override { return true; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

class FiltersAggregator : public Aggregator {
 public:
  FiltersAggregator(const FiltersSpec& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx) {
    for (const auto& q : spec.queries) filters_.emplace_back(q.get());
  }
  Status Init() { return subs_.Init(spec_, ctx_); }
  size_t slots() const { return filters_.size() + (spec_.other_bucket ? 1 : 0); }
  Status StartSegment(const SegmentContext& segment) override {
    for (SegmentFilter& f : filters_) VIGIL_RETURN_IF_ERROR(f.Reset(segment, ctx_));
    return subs_.StartSegment(segment);
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    bool any = false;
    for (size_t i = 0; i < filters_.size(); ++i) {
      if (!filters_[i].Contains(doc)) continue;
      any = true;
      Add(doc, owning, i);
    }
    if (!any && spec_.other_bucket) Add(doc, owning, filters_.size());
  }
  Status Render(uint32_t owning, JsonWriter* w) override {
    VIGIL_RETURN_IF_ERROR(subs_.status());
    VIGIL_RETURN_IF_ERROR(CountBuckets(ctx_, slots(), name_));
    w->BeginObject();
    w->Key("buckets");
    BeginBuckets(w, spec_.keyed);
    for (size_t i = 0; i < slots(); ++i) {
      const uint64_t b = uint64_t{owning} * slots() + i;
      if (spec_.keyed) w->Key(i < spec_.names.size() ? spec_.names[i] : spec_.other_key);
      w->BeginObject();
      w->Key("doc_count");
      w->Uint(owning != kNoBucket && b < counts_.size() ? counts_[b] : 0);
      VIGIL_RETURN_IF_ERROR(
          subs_.Render(owning == kNoBucket ? kNoBucket : static_cast<uint32_t>(b), w));
      w->EndObject();
    }
    EndBuckets(w, spec_.keyed);
    w->EndObject();
    return Status::Ok();
  }

 private:
  void Add(uint32_t doc, uint32_t owning, size_t i) {
    const uint64_t b = uint64_t{owning} * slots() + i;
    if (b >= counts_.size()) counts_.resize(b + 1, 0);
    ++counts_[b];
    subs_.Collect(doc, static_cast<uint32_t>(b));
  }
  const FiltersSpec& spec_;
  AggregationContext ctx_;
  std::vector<SegmentFilter> filters_;
  SubAggregators subs_;
  std::vector<uint64_t> counts_;
};

Result<std::unique_ptr<Aggregator>> FiltersSpec::NewAggregator(
    const AggregationContext& ctx) const {
  auto a = std::make_unique<FiltersAggregator>(*this, ctx);
  VIGIL_RETURN_IF_ERROR(a->Init());
  return std::unique_ptr<Aggregator>(std::move(a));
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewFiltersSpec(const json& params,
                                                        const std::string& path) {
  auto spec = std::make_unique<FiltersSpec>();
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(params, {"filters", "other_bucket", "other_bucket_key", "keyed"}, path, "filters"));
  if (!params.contains("filters")) return ParsingError(fmt::format("[{}] needs [filters]", path));
  const json& f = params["filters"];
  if (f.is_object()) {
    for (auto it = f.begin(); it != f.end(); ++it) {
      Result<std::unique_ptr<Query>> q = ParseAggQuery(it.value(), path + ".filters." + it.key());
      if (!q.ok()) return q.status();
      spec->names.push_back(it.key());
      spec->queries.push_back(std::move(*q));
    }
  } else if (f.is_array()) {
    spec->keyed = false;
    for (size_t i = 0; i < f.size(); ++i) {
      Result<std::unique_ptr<Query>> q =
          ParseAggQuery(f[i], fmt::format("{}.filters[{}]", path, i));
      if (!q.ok()) return q.status();
      spec->queries.push_back(std::move(*q));
    }
  } else {
    return ParsingError(fmt::format("[{}.filters] must be an object or an array of queries", path));
  }
  Result<std::optional<bool>> keyed = OptBool(params, "keyed", path);
  if (!keyed.ok()) return keyed.status();
  if (*keyed) {
    if (**keyed && spec->names.empty()) {
      return IllegalArgument(fmt::format("[{}] anonymous filters cannot be keyed", path));
    }
    spec->keyed = **keyed;
  }
  Result<std::optional<bool>> other = OptBool(params, "other_bucket", path);
  if (!other.ok()) return other.status();
  Result<std::optional<std::string>> other_key = OptString(params, "other_bucket_key", path);
  if (!other_key.ok()) return other_key.status();
  spec->other_bucket = other->value_or(false) || other_key->has_value();
  if (*other_key) spec->other_key = **other_key;
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
