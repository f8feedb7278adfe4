#include "query/aggs/numeric_metric.h"

#include <fmt/format.h>

#include "storage/term_encoding.h"

namespace vigil::query::aggs {

namespace {

struct Acc {
  uint64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    ++count;
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
  }
};

class NumericMetric : public Aggregator {
 public:
  explicit NumericMetric(const NumericMetricSpec& spec) : spec_(spec), values_(spec.field) {}

  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
    if (values_.present() && !values_.numeric() && spec_.kind != MetricKind::kValueCount) {
      return IllegalArgument(
          fmt::format("Field [{}] of type [{}] is not supported for aggregation [{}]", spec_.field,
                      storage::FieldTypeName(values_.type()), spec_.type()));
    }
    if (values_.present()) type_ = values_.type();
    return Status::Ok();
  }

  void Collect(uint32_t doc, uint32_t owning) override {
    if (owning >= accs_.size()) accs_.resize(owning + 1);
    Acc& acc = accs_[owning];
    bool any = false;
    values_.ForEachOrd(doc, [&](uint32_t ord) {
      any = true;
      if (spec_.kind == MetricKind::kValueCount) {
        ++acc.count;
        return;
      }
      Result<double> v = values_.Number(ord);
      if (!v.ok()) {
        if (status_.ok()) status_ = v.status();
        return;
      }
      acc.Add(*v);
    });
    if (!any && spec_.missing) acc.Add(*spec_.missing);
  }

  void CollectDocs(std::span<const uint32_t> docs, uint32_t owning) override {
    if (owning != 0) {
      Aggregator::CollectDocs(docs, owning);
      return;
    }
    // Counted by ordinal, then each ordinal's value once.
    const uint64_t without = CountOrdsAfresh(values_, docs, &ord_counts_);
    if (accs_.empty()) accs_.resize(1);
    Acc& acc = accs_[0];
    for (uint32_t ord = 0; ord < ord_counts_.size(); ++ord) {
      const uint32_t n = ord_counts_[ord];
      if (n == 0) continue;
      if (spec_.kind == MetricKind::kValueCount) {
        acc.count += n;
        continue;
      }
      Result<double> v = values_.Number(ord);
      if (!v.ok()) {
        if (status_.ok()) status_ = v.status();
        return;
      }
      acc.count += n;
      acc.sum += *v * n;
      acc.min = std::min(acc.min, *v);
      acc.max = std::max(acc.max, *v);
    }
    if (without > 0 && spec_.missing) {
      acc.count += without;
      acc.sum += *spec_.missing * static_cast<double>(without);
      acc.min = std::min(acc.min, *spec_.missing);
      acc.max = std::max(acc.max, *spec_.missing);
    }
  }

  Status Render(uint32_t owning, JsonWriter* w) override {
    Acc acc = owning < accs_.size() ? accs_[owning] : Acc();
    const bool date = type_ == FieldType::kDate;
    auto value = [&](std::string_view key, double v, bool present) {
      w->Key(key);
      if (!present) {
        w->Null();
        return;
      }
      w->Double(v);
      if (date) {
        std::string t;
        storage::EncodeSortableLong(static_cast<int64_t>(v), &t);
        w->Field(std::string(key) + "_as_string", storage::TermToString(FieldType::kDate, t));
      }
    };
    w->BeginObject();
    switch (spec_.kind) {
      case MetricKind::kMin:
        value("value", acc.min, acc.count > 0);
        break;
      case MetricKind::kMax:
        value("value", acc.max, acc.count > 0);
        break;
      case MetricKind::kAvg:
        value("value", acc.count > 0 ? acc.sum / static_cast<double>(acc.count) : 0, acc.count > 0);
        break;
      case MetricKind::kSum:
        w->Key("value");
        w->Double(acc.sum);
        break;
      case MetricKind::kValueCount:
        w->Key("value");
        w->Uint(acc.count);
        break;
      case MetricKind::kStats:
        w->Key("count");
        w->Uint(acc.count);
        value("min", acc.min, acc.count > 0);
        value("max", acc.max, acc.count > 0);
        value("avg", acc.count > 0 ? acc.sum / static_cast<double>(acc.count) : 0, acc.count > 0);
        w->Key("sum");
        w->Double(acc.sum);
        break;
    }
    w->EndObject();
    return Status::Ok();
  }

  Result<double> SortValue(uint32_t owning, std::string_view key) const override {
    Acc acc = owning < accs_.size() ? accs_[owning] : Acc();
    const double nan = std::nan("");
    const double avg = acc.count > 0 ? acc.sum / static_cast<double>(acc.count) : nan;
    switch (spec_.kind) {
      case MetricKind::kMin:
        return acc.count > 0 ? acc.min : nan;
      case MetricKind::kMax:
        return acc.count > 0 ? acc.max : nan;
      case MetricKind::kAvg:
        return avg;
      case MetricKind::kSum:
        return acc.sum;
      case MetricKind::kValueCount:
        return static_cast<double>(acc.count);
      case MetricKind::kStats:
        if (key == "count") return static_cast<double>(acc.count);
        if (key == "min") return acc.count > 0 ? acc.min : nan;
        if (key == "max") return acc.count > 0 ? acc.max : nan;
        if (key == "avg") return avg;
        if (key == "sum") return acc.sum;
        return IllegalArgument(
            fmt::format("[{}] is a stats aggregation: order by one of its values, such as [{}.avg]",
                        name_, name_));
    }
    return nan;
  }

 private:
  const NumericMetricSpec& spec_;
  FieldValues values_;
  FieldType type_ = FieldType::kNone;
  std::vector<uint32_t> ord_counts_;
  std::vector<Acc> accs_;
};

}  // namespace

std::string_view NumericMetricSpec::type() const {
  switch (kind) {
    case MetricKind::kMin:
      return "min";
    case MetricKind::kMax:
      return "max";
    case MetricKind::kAvg:
      return "avg";
    case MetricKind::kSum:
      return "sum";
    case MetricKind::kStats:
      return "stats";
    case MetricKind::kValueCount:
      return "value_count";
  }
  return "?";
}

Result<std::unique_ptr<Aggregator>> NumericMetricSpec::NewAggregator(
    const AggregationContext&) const {
  return std::unique_ptr<Aggregator>(std::make_unique<NumericMetric>(*this));
}

Result<std::unique_ptr<AggregationSpec>> ParseNumericMetric(MetricKind kind, const json& params,
                                                            const std::string& path) {
  auto spec = std::make_unique<NumericMetricSpec>();
  spec->kind = kind;
  VIGIL_RETURN_IF_ERROR(CheckKeys(params, {"field", "missing", "format"}, path, spec->type()));
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  Result<std::optional<double>> missing = OptDouble(params, "missing", path);
  if (!missing.ok()) return missing.status();
  spec->missing = *missing;
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
