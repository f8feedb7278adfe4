#include "query/aggs/filter_base.h"

#include "query/dsl_parser.h"

namespace vigil::query::aggs {

Status SegmentFilter::Reset(const SegmentContext& segment, const AggregationContext& ctx) {
  auto it = compiled_.find(segment.fields);
  if (it == compiled_.end()) {
    ExecOptions options;
    options.now = ctx.now;
    Result<CompiledQuery> cq = CompiledQuery::Compile(*query_, *segment.fields, options);
    if (!cq.ok()) return cq.status();
    it = compiled_.emplace(segment.fields, std::make_unique<CompiledQuery>(std::move(*cq))).first;
  }
  Result<storage::Bitmap> m = it->second->Match(segment);
  if (!m.ok()) return m.status();
  matches_ = std::move(*m);
  return Status::Ok();
}

Result<std::unique_ptr<Query>> ParseAggQuery(const json& v, const std::string& path) {
  return ParseQuery(v, path);
}

}  // namespace vigil::query::aggs
