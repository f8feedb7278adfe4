// The `percentiles` aggregation: exact percentiles of a numeric field (all values kept per
// bucket and sorted; linear interpolation between the two nearest ranks), where Elasticsearch
// estimates them with a t-digest. Default percents 1, 5, 25, 50, 75, 95, 99; keyed by default.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "query/aggs/agg_util.h"
#include "storage/term_encoding.h"

namespace vigil::query::aggs {

namespace {

struct PercentilesSpec : AggregationSpec {
  std::string field;
  std::vector<double> percents = {1, 5, 25, 50, 75, 95, 99};
  bool keyed = true;
  std::optional<double> missing;
  std::string_view type() const override { return "percentiles"; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

std::string PercentKey(double p) {
  std::string s = fmt::format("{}", p);
  if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s += ".0";
  return s;
}

class PercentilesAggregator : public Aggregator {
 public:
  explicit PercentilesAggregator(const PercentilesSpec& spec) : spec_(spec), values_(spec.field) {}
  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
    if (values_.present() && !values_.numeric()) {
      return IllegalArgument(
          fmt::format("Field [{}] of type [{}] is not supported for aggregation [percentiles]",
                      spec_.field, storage::FieldTypeName(values_.type())));
    }
    if (values_.present()) date_ = values_.type() == FieldType::kDate;
    return Status::Ok();
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    if (owning >= values_by_bucket_.size()) values_by_bucket_.resize(owning + 1);
    bool any = false;
    values_.ForEachOrd(doc, [&](uint32_t ord) {
      any = true;
      Result<double> v = values_.Number(ord);
      if (!v.ok()) {
        if (status_.ok()) status_ = v.status();
        return;
      }
      values_by_bucket_[owning].push_back(*v);
    });
    if (!any && spec_.missing) values_by_bucket_[owning].push_back(*spec_.missing);
  }
  double Percentile(std::vector<double>& v, double p) const {
    if (v.empty()) return std::nan("");
    const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(rank));
    const auto hi = static_cast<size_t>(std::ceil(rank));
    std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(lo), v.end());
    const double a = v[lo];
    if (hi == lo) return a;
    const double b = *std::min_element(v.begin() + static_cast<ptrdiff_t>(lo) + 1, v.end());
    return a + (b - a) * (rank - static_cast<double>(lo));
  }
  Status Render(uint32_t owning, JsonWriter* w) override {
    std::vector<double> empty;
    std::vector<double>& v = owning < values_by_bucket_.size() ? values_by_bucket_[owning] : empty;
    w->BeginObject();
    w->Key("values");
    BeginBuckets(w, spec_.keyed);
    for (double p : spec_.percents) {
      const double value = Percentile(v, p);
      if (spec_.keyed) {
        w->Key(PercentKey(p));
        if (std::isnan(value)) {
          w->Null();
        } else {
          w->Double(value);
        }
        if (date_ && !std::isnan(value)) {
          std::string t;
          storage::EncodeSortableLong(static_cast<int64_t>(value), &t);
          w->Field(PercentKey(p) + "_as_string", storage::TermToString(FieldType::kDate, t));
        }
      } else {
        w->BeginObject();
        w->Key("key");
        w->Double(p);
        w->Key("value");
        if (std::isnan(value)) {
          w->Null();
        } else {
          w->Double(value);
        }
        w->EndObject();
      }
    }
    EndBuckets(w, spec_.keyed);
    w->EndObject();
    return Status::Ok();
  }
  Result<double> SortValue(uint32_t owning, std::string_view key) const override {
    double p = 50;
    if (!key.empty()) {
      try {
        p = std::stod(std::string(key));
      } catch (const std::exception&) {
        return IllegalArgument(
            fmt::format("[{}] order by a percent, such as [{}.95]", name_, name_));
      }
    }
    std::vector<double> copy =
        owning < values_by_bucket_.size() ? values_by_bucket_[owning] : std::vector<double>();
    return Percentile(copy, p);
  }

 private:
  const PercentilesSpec& spec_;
  FieldValues values_;
  bool date_ = false;
  std::vector<std::vector<double>> values_by_bucket_;
};

Result<std::unique_ptr<Aggregator>> PercentilesSpec::NewAggregator(
    const AggregationContext&) const {
  return std::unique_ptr<Aggregator>(std::make_unique<PercentilesAggregator>(*this));
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewPercentilesSpec(const json& params,
                                                            const std::string& path) {
  auto spec = std::make_unique<PercentilesSpec>();
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(params, {"field", "percents", "keyed", "missing", "tdigest", "hdr", "format"}, path,
                "percentiles"));
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  if (params.contains("percents")) {
    const json& p = params["percents"];
    if (!p.is_array() || p.empty()) {
      return IllegalArgument(
          fmt::format("[{}.percents] must be a non-empty array of numbers", path));
    }
    spec->percents.clear();
    for (const json& v : p) {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 100) {
        return IllegalArgument(fmt::format("[{}.percents] must be numbers from 0 to 100", path));
      }
      spec->percents.push_back(v.get<double>());
    }
  }
  Result<std::optional<bool>> keyed = OptBool(params, "keyed", path);
  if (!keyed.ok()) return keyed.status();
  spec->keyed = keyed->value_or(true);
  Result<std::optional<double>> missing = OptDouble(params, "missing", path);
  if (!missing.ok()) return missing.status();
  spec->missing = *missing;
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
