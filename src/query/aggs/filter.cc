// The `filter` aggregation: one bucket, the documents that match a query.
#include <fmt/format.h>

#include "query/aggs/filter_base.h"

namespace vigil::query::aggs {

namespace {

struct FilterSpec : AggregationSpec {
  std::unique_ptr<Query> query;
  std::string_view type() const override { return "filter"; }
  bool takes_sub_aggregations() const override { return true; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

class FilterAggregator : public Aggregator {
 public:
  FilterAggregator(const FilterSpec& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx), filter_(spec.query.get()) {}
  Status Init() { return subs_.Init(spec_, ctx_); }
  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(filter_.Reset(segment, ctx_));
    return subs_.StartSegment(segment);
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    if (!filter_.Contains(doc)) return;
    if (owning >= counts_.size()) counts_.resize(owning + 1, 0);
    ++counts_[owning];
    subs_.Collect(doc, owning);
  }
  Status Render(uint32_t owning, JsonWriter* w) override {
    VIGIL_RETURN_IF_ERROR(subs_.status());
    w->BeginObject();
    w->Key("doc_count");
    w->Uint(owning < counts_.size() ? counts_[owning] : 0);
    VIGIL_RETURN_IF_ERROR(subs_.Render(owning, w));
    w->EndObject();
    return Status::Ok();
  }
  Result<double> SortValue(uint32_t owning, std::string_view key) const override {
    if (key.empty() || key == "doc_count" || key == "_count") {
      return static_cast<double>(owning < counts_.size() ? counts_[owning] : 0);
    }
    return subs_.SortValue(owning, key);
  }

 private:
  const FilterSpec& spec_;
  AggregationContext ctx_;
  SegmentFilter filter_;
  SubAggregators subs_;
  std::vector<uint64_t> counts_;
};

Result<std::unique_ptr<Aggregator>> FilterSpec::NewAggregator(const AggregationContext& ctx) const {
  auto a = std::make_unique<FilterAggregator>(*this, ctx);
  VIGIL_RETURN_IF_ERROR(a->Init());
  return std::unique_ptr<Aggregator>(std::move(a));
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewFilterSpec(const json& params,
                                                       const std::string& path) {
  auto spec = std::make_unique<FilterSpec>();
  Result<std::unique_ptr<Query>> q = ParseAggQuery(params, path);
  if (!q.ok()) return q.status();
  spec->query = std::move(*q);
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
