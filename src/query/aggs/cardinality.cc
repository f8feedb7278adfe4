// The `cardinality` aggregation: the number of distinct values of a field. Exact (a set of 64-bit
// hashes of the terms) up to `precision_threshold` distinct values (default 3,000, at most
// 40,000, as in Elasticsearch); above it, a HyperLogLog sketch of 2^14 registers, whose typical
// error is 0.8 % (1.04 / sqrt(16384)), with linear counting for small estimates. Hash collisions
// of 64-bit hashes make the exact count off only past billions of values.
#include <fmt/format.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cmath>
#include <unordered_set>

#include "query/aggs/agg_util.h"

namespace vigil::query::aggs {

namespace {

constexpr int kPrecision = 14;
constexpr size_t kRegisters = size_t{1} << kPrecision;

struct CardinalitySpec : AggregationSpec {
  std::string field;
  uint64_t threshold = 3000;
  std::optional<std::string> missing;
  std::string_view type() const override { return "cardinality"; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

struct Counter {
  std::unordered_set<uint64_t> exact;
  std::vector<uint8_t> registers;  // empty while exact

  void Add(uint64_t h, uint64_t threshold) {
    if (registers.empty()) {
      exact.insert(h);
      if (exact.size() <= threshold) return;
      registers.assign(kRegisters, 0);
      for (uint64_t e : exact) AddToSketch(e);
      exact.clear();
      return;
    }
    AddToSketch(h);
  }
  void AddToSketch(uint64_t h) {
    const size_t index = h >> (64 - kPrecision);
    const uint64_t rest = (h << kPrecision) | (uint64_t{1} << (kPrecision - 1));
    const auto rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (rank > registers[index]) registers[index] = rank;
  }
  uint64_t Estimate() const {
    if (registers.empty()) return exact.size();
    const double m = kRegisters;
    double sum = 0;
    size_t zeros = 0;
    for (uint8_t r : registers) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0 ? 1 : 0;
    }
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    // Linear counting while it is the better estimate: the raw one is biased upwards below a few
    // times m (HyperLogLog++ corrects that with empirical tables; up to 3m linear counting does
    // as well, measured by simulation: under 1.5 % at 40,000 to 49,000 distinct values).
    if (zeros > 0) {
      const double lc = m * std::log(m / static_cast<double>(zeros));
      if (lc <= 3 * m) e = lc;
    }
    return static_cast<uint64_t>(std::llround(e));
  }
};

class CardinalityAggregator : public Aggregator {
 public:
  explicit CardinalityAggregator(const CardinalitySpec& spec) : spec_(spec), values_(spec.field) {}
  Status StartSegment(const SegmentContext& segment) override {
    VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
    hashes_.clear();
    known_.clear();
    if (values_.present()) {
      hashes_.resize(values_.dict().size());
      known_.assign(values_.dict().size(), 0);
    }
    return Status::Ok();
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    if (owning >= counters_.size()) counters_.resize(owning + 1);
    Counter& c = counters_[owning];
    bool any = false;
    values_.ForEachOrd(doc, [&](uint32_t ord) {
      any = true;
      if (!known_[ord]) {
        Result<std::string_view> t = values_.Term(ord);
        if (!t.ok()) {
          if (status_.ok()) status_ = t.status();
          return;
        }
        hashes_[ord] = XXH3_64bits(t->data(), t->size());
        known_[ord] = 1;
      }
      c.Add(hashes_[ord], spec_.threshold);
    });
    if (!any && spec_.missing)
      c.Add(XXH3_64bits(spec_.missing->data(), spec_.missing->size()), spec_.threshold);
  }
  void CollectDocs(std::span<const uint32_t> docs, uint32_t owning) override {
    if (owning != 0) {
      Aggregator::CollectDocs(docs, owning);
      return;
    }
    // Which ordinals occur, then one hash per ordinal.
    const uint64_t without = CountOrdsAfresh(values_, docs, &ord_counts_);
    if (counters_.empty()) counters_.resize(1);
    Counter& c = counters_[0];
    for (uint32_t ord = 0; ord < ord_counts_.size(); ++ord) {
      if (ord_counts_[ord] == 0) continue;
      if (!known_[ord]) {
        Result<std::string_view> t = values_.Term(ord);
        if (!t.ok()) {
          if (status_.ok()) status_ = t.status();
          return;
        }
        hashes_[ord] = XXH3_64bits(t->data(), t->size());
        known_[ord] = 1;
      }
      c.Add(hashes_[ord], spec_.threshold);
    }
    if (without > 0 && spec_.missing) {
      c.Add(XXH3_64bits(spec_.missing->data(), spec_.missing->size()), spec_.threshold);
    }
  }

  Status Render(uint32_t owning, JsonWriter* w) override {
    w->BeginObject();
    w->Key("value");
    w->Uint(owning < counters_.size() ? counters_[owning].Estimate() : 0);
    w->EndObject();
    return Status::Ok();
  }
  Result<double> SortValue(uint32_t owning, std::string_view) const override {
    return static_cast<double>(owning < counters_.size() ? counters_[owning].Estimate() : 0);
  }

 private:
  const CardinalitySpec& spec_;
  FieldValues values_;
  std::vector<uint64_t> hashes_;
  std::vector<uint8_t> known_;
  std::vector<uint32_t> ord_counts_;
  std::vector<Counter> counters_;
};

Result<std::unique_ptr<Aggregator>> CardinalitySpec::NewAggregator(
    const AggregationContext&) const {
  return std::unique_ptr<Aggregator>(std::make_unique<CardinalityAggregator>(*this));
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewCardinalitySpec(const json& params,
                                                            const std::string& path) {
  auto spec = std::make_unique<CardinalitySpec>();
  VIGIL_RETURN_IF_ERROR(CheckKeys(
      params, {"field", "precision_threshold", "missing", "execution_hint"}, path, "cardinality"));
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  Result<std::optional<int64_t>> t = OptInt(params, "precision_threshold", path);
  if (!t.ok()) return t.status();
  if (*t) spec->threshold = static_cast<uint64_t>(std::clamp<int64_t>(**t, 0, 40000));
  Result<std::optional<std::string>> m = OptString(params, "missing", path);
  if (!m.ok()) return m.status();
  spec->missing = *m;
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
