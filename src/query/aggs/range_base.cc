#include "query/aggs/range_base.h"

#include <fmt/format.h>

namespace vigil::query::aggs {

namespace {

class RangeAggregator : public Aggregator {
 public:
  RangeAggregator(const RangeSpecBase& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx), values_(spec.field) {}
  Status Init() {
    Result<std::vector<RangeSpecBase::Range>> ranges = spec_.RangesAt(ctx_.now);
    if (!ranges.ok()) return ranges.status();
    ranges_ = std::move(*ranges);
    return subs_.Init(spec_, ctx_);
  }

  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
    if (values_.present() && !values_.numeric()) {
      return IllegalArgument(
          fmt::format("Field [{}] of type [{}] is not supported for aggregation [{}]", spec_.field,
                      storage::FieldTypeName(values_.type()), spec_.type()));
    }
    return subs_.StartSegment(segment);
  }

  void Collect(uint32_t doc, uint32_t owning) override {
    const size_t n = ranges_.size();
    hit_.assign(n, 0);
    bool any = false;
    auto test = [&](double v) {
      for (size_t i = 0; i < n; ++i) {
        const auto& r = ranges_[i];
        if ((!r.from || v >= *r.from) && (!r.to || v < *r.to)) hit_[i] = 1;
      }
    };
    values_.ForEachOrd(doc, [&](uint32_t ord) {
      any = true;
      Result<double> v = values_.Number(ord);
      if (!v.ok()) {
        if (status_.ok()) status_ = v.status();
        return;
      }
      test(*v);
    });
    if (!any && spec_.missing) test(*spec_.missing);
    for (size_t i = 0; i < n; ++i) {
      if (!hit_[i]) continue;
      const uint64_t b = uint64_t{owning} * n + i;
      if (b >= counts_.size()) counts_.resize(b + 1, 0);
      ++counts_[b];
      subs_.Collect(doc, static_cast<uint32_t>(b));
    }
  }

  Status Render(uint32_t owning, JsonWriter* w) override {
    VIGIL_RETURN_IF_ERROR(subs_.status());
    const size_t n = ranges_.size();
    VIGIL_RETURN_IF_ERROR(CountBuckets(ctx_, n, name_));
    w->BeginObject();
    w->Key("buckets");
    BeginBuckets(w, spec_.keyed);
    for (size_t i = 0; i < n; ++i) {
      const auto& r = ranges_[i];
      const uint64_t b = uint64_t{owning} * n + i;
      if (spec_.keyed) w->Key(r.key);
      w->BeginObject();
      if (!spec_.keyed) w->Field("key", r.key);
      if (r.from) {
        w->Key("from");
        w->Double(*r.from);
        if (spec_.date()) w->Field("from_as_string", spec_.BoundText(*r.from));
      }
      if (r.to) {
        w->Key("to");
        w->Double(*r.to);
        if (spec_.date()) w->Field("to_as_string", spec_.BoundText(*r.to));
      }
      w->Key("doc_count");
      w->Uint(owning == kNoBucket || b >= counts_.size() ? 0 : counts_[b]);
      VIGIL_RETURN_IF_ERROR(
          subs_.Render(owning == kNoBucket ? kNoBucket : static_cast<uint32_t>(b), w));
      w->EndObject();
    }
    EndBuckets(w, spec_.keyed);
    w->EndObject();
    return Status::Ok();
  }

 private:
  const RangeSpecBase& spec_;
  std::vector<RangeSpecBase::Range> ranges_;  // at the request's time
  AggregationContext ctx_;
  FieldValues values_;
  SubAggregators subs_;
  std::vector<uint8_t> hit_;
  std::vector<uint64_t> counts_;
};

}  // namespace

Result<double> RangeSpecBase::ResolveBound(const std::string& text, int64_t /*now*/) const {
  return IllegalArgument(fmt::format("a [{}] bound must be a number, not [{}]", type(), text));
}

Result<std::vector<RangeSpecBase::Range>> RangeSpecBase::RangesAt(int64_t now) const {
  std::vector<Range> out = ranges;
  for (Range& r : out) {
    if (r.from_text.empty() && r.to_text.empty()) continue;
    for (auto [text, bound] : {std::pair(&r.from_text, &r.from), std::pair(&r.to_text, &r.to)}) {
      if (text->empty()) continue;
      Result<double> v = ResolveBound(*text, now);
      if (!v.ok()) return v.status();
      *bound = *v;
    }
    if (!r.key_given) r.key = KeyOf(r);
  }
  return out;
}

std::string RangeSpecBase::KeyOf(const Range& r) const {
  return fmt::format("{}-{}", r.from ? BoundText(*r.from) : "*", r.to ? BoundText(*r.to) : "*");
}

Result<std::unique_ptr<Aggregator>> RangeSpecBase::NewAggregator(
    const AggregationContext& ctx) const {
  auto a = std::make_unique<RangeAggregator>(*this, ctx);
  VIGIL_RETURN_IF_ERROR(a->Init());
  return std::unique_ptr<Aggregator>(std::move(a));
}

Status ParseRangeCommon(const json& params, const std::string& path, RangeSpecBase* spec,
                        const std::function<Result<double>(const json&)>& bound) {
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  Result<std::optional<bool>> keyed = OptBool(params, "keyed", path);
  if (!keyed.ok()) return keyed.status();
  spec->keyed = keyed->value_or(false);
  if (!params.contains("ranges") || !params["ranges"].is_array() || params["ranges"].empty()) {
    return IllegalArgument(fmt::format("[{}] needs [ranges], a non-empty array", path));
  }
  size_t i = 0;
  for (const json& r : params["ranges"]) {
    const std::string rpath = fmt::format("{}.ranges[{}]", path, i++);
    if (!r.is_object()) return ParsingError(fmt::format("[{}] must be an object", rpath));
    RangeSpecBase::Range range;
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (it.key() == "from" || it.key() == "to") {
        if (it.value().is_null()) continue;
        Result<double> v = bound(it.value());
        if (!v.ok()) return v.status();
        (it.key() == "from" ? range.from : range.to) = *v;
        if (it.value().is_string()) {
          (it.key() == "from" ? range.from_text : range.to_text) = it.value().get<std::string>();
        }
      } else if (it.key() == "key") {
        if (!it.value().is_string())
          return ParsingError(fmt::format("[{}.key] must be a string", rpath));
        range.key = it.value().get<std::string>();
        range.key_given = true;
      } else {
        return ParsingError(fmt::format("[{}] unknown key [{}]", rpath, it.key()));
      }
    }
    if (!range.key_given) range.key = spec->KeyOf(range);
    spec->ranges.push_back(std::move(range));
  }
  if (params.contains("missing")) {
    Result<double> m = bound(params["missing"]);
    if (!m.ok()) return m.status();
    spec->missing = *m;
  }
  return Status::Ok();
}

}  // namespace vigil::query::aggs
