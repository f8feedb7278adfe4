// The `missing` aggregation: one bucket, the documents without a value in a field.
#include <fmt/format.h>

#include "query/aggs/agg_util.h"

namespace vigil::query::aggs {

namespace {

struct MissingSpec : AggregationSpec {
  std::string field;
  std::string_view type() const override { return "missing"; }
  bool takes_sub_aggregations() const override { return true; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

class MissingAggregator : public SingleBucketAggregator {
 public:
  MissingAggregator(const MissingSpec& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx), values_(spec.field) {}
  Status Init() { return subs_.Init(spec_, ctx_); }
  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
    conflict_ = -1;
    if (values_.field().has_conflicts) {
      conflict_ = segment.reader->FindField(values_.field().name, true);
      if (conflict_ >= 0) {
        Result<storage::Column> c = segment.reader->GetColumn(conflict_);
        if (!c.ok()) return c.status();
        conflict_column_ = *c;
      }
    }
    return subs_.StartSegment(segment);
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    if (values_.present() && values_.column().Count(doc) > 0) return;
    if (conflict_ >= 0 && conflict_column_.Count(doc) > 0) return;
    AddToBucket(doc, owning);
  }

 private:
  const MissingSpec& spec_;
  AggregationContext ctx_;
  FieldValues values_;
  int conflict_ = -1;
  storage::Column conflict_column_;
};

Result<std::unique_ptr<Aggregator>> MissingSpec::NewAggregator(
    const AggregationContext& ctx) const {
  auto a = std::make_unique<MissingAggregator>(*this, ctx);
  VIGIL_RETURN_IF_ERROR(a->Init());
  return std::unique_ptr<Aggregator>(std::move(a));
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewMissingSpec(const json& params,
                                                        const std::string& path) {
  auto spec = std::make_unique<MissingSpec>();
  VIGIL_RETURN_IF_ERROR(CheckKeys(params, {"field"}, path, "missing"));
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
