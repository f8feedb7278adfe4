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

class FilterAggregator : public SingleBucketAggregator {
 public:
  FilterAggregator(const FilterSpec& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx), filter_(spec.query.get()) {}
  Status Init() { return subs_.Init(spec_, ctx_); }
  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(filter_.Reset(segment, ctx_));
    return subs_.StartSegment(segment);
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    if (filter_.Contains(doc)) AddToBucket(doc, owning);
  }

 private:
  const FilterSpec& spec_;
  AggregationContext ctx_;
  SegmentFilter filter_;
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
