#include "query/aggs/histogram_base.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "storage/term_encoding.h"

namespace vigil::query::aggs {

namespace {

// The most empty intervals min_doc_count 0 may fill in (a typo in extended_bounds must not make
// billions of buckets before max_buckets is even checked).
constexpr uint64_t kMaxFilled = 1'000'000;

}  // namespace

Result<double> HistogramSpecBase::ResolveBound(const std::string& text, int64_t /*now*/) const {
  return IllegalArgument(fmt::format("a [{}] bound must be a number, not [{}]", type(), text));
}

Status HistogramAggregator::Init() {
  std::optional<double>* bounds[4] = {&extended_min_, &extended_max_, &hard_min_, &hard_max_};
  const std::optional<double>* given[4] = {&spec_.extended_min, &spec_.extended_max,
                                           &spec_.hard_min, &spec_.hard_max};
  for (size_t i = 0; i < 4; ++i) {
    *bounds[i] = *given[i];
    if (spec_.bound_texts[i].empty()) continue;
    Result<double> v = spec_.ResolveBound(spec_.bound_texts[i], ctx_.now);
    if (!v.ok()) return v.status();
    *bounds[i] = *v;
  }
  return subs_.Init(spec_, ctx_);
}

Status HistogramAggregator::StartSegment(const SegmentContext& segment) {
  VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
  if (values_.present() && !values_.numeric()) {
    return IllegalArgument(
        fmt::format("Field [{}] of type [{}] is not supported for aggregation [{}]", spec_.field,
                    storage::FieldTypeName(values_.type()), spec_.type()));
  }
  runs_built_ = false;
  return subs_.StartSegment(segment);
}

// This segment's intervals as runs of ordinals: ordinals sort like the values, so each interval
// is the ordinals from its first to the next interval's first. Each run's end is found by
// galloping then binary search, reading O(log run length) values, not every ordinal's.
Status HistogramAggregator::BuildRuns() {
  runs_built_ = true;
  run_first_.clear();
  run_start_.clear();
  run_key_.clear();
  run_bucket_.clear();
  if (!values_.present()) return Status::Ok();
  const uint32_t n = values_.dict().size();
  uint32_t ord = 0;
  while (ord < n) {
    Result<double> v = values_.Number(ord);
    if (!v.ok()) return v.status();
    const double start = spec_.Round(*v);
    const double next = spec_.Next(start);
    run_first_.push_back(ord);
    run_start_.push_back(start);
    auto before_next = [&](uint32_t o) -> Result<bool> {
      Result<double> x = values_.Number(o);
      if (!x.ok()) return x.status();
      return *x < next;
    };
    // The first ordinal past `ord` whose value is >= next (n when none).
    uint32_t lo = ord + 1;  // every ordinal below lo is in the run
    uint64_t step = 1;
    uint32_t hi = n;
    while (lo < n) {
      const auto probe = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{lo} + step - 1, n - 1));
      Result<bool> in = before_next(probe);
      if (!in.ok()) return in.status();
      if (!*in) {
        hi = probe;
        break;
      }
      lo = probe + 1;
      step *= 2;
    }
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      Result<bool> in = before_next(mid);
      if (!in.ok()) return in.status();
      if (*in) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    ord = lo;
  }
  run_key_.assign(run_first_.size(), -2);
  run_bucket_.assign(run_first_.size(), -2);
  return Status::Ok();
}

int64_t HistogramAggregator::KeyOf(double start) {
  if (hard_min_ && start < *hard_min_) return -1;
  if (hard_max_ && start >= *hard_max_) return -1;
  auto [it, inserted] = key_ids_.emplace(start, static_cast<uint32_t>(keys_.size()));
  if (inserted) keys_.push_back(start);
  return it->second;
}

void HistogramAggregator::Add(uint32_t doc, uint32_t owning, double start) {
  const int64_t b = AddCount(owning, start, 1);
  if (b >= 0) subs_.Collect(doc, static_cast<uint32_t>(b));
}

int64_t HistogramAggregator::AddCount(uint32_t owning, double start, uint64_t n) {
  const int64_t key = KeyOf(start);
  if (key < 0) return -1;
  const uint32_t b = buckets_.Get(owning, static_cast<uint32_t>(key));
  if (b >= counts_.size()) counts_.resize(b + 1, 0);
  counts_[b] += n;
  return b;
}

void HistogramAggregator::CollectDocs(std::span<const uint32_t> docs, uint32_t owning) {
  // Counting by ordinal is exact only when a document has at most one value (two values of one
  // document in one interval count once) and nothing below needs the documents.
  if (owning != 0 || !subs_.empty() ||
      (values_.present() &&
       values_.reader()->fields()[static_cast<size_t>(values_.index())].multi_valued)) {
    Aggregator::CollectDocs(docs, owning);
    return;
  }
  const uint64_t without = CountOrdsAfresh(values_, docs, &ord_counts_);
  if (without > 0 && spec_.missing) AddCount(owning, spec_.Round(*spec_.missing), without);
  if (!values_.present()) return;
  Status s = FoldByOrdinals(owning);
  if (!s.ok() && status_.ok()) status_ = s;
}

// Every ordinal with documents, in order: ordinals sort like the values, so an interval is a run
// of ordinals, and the interval is rounded once per run.
Status HistogramAggregator::FoldByOrdinals(uint32_t owning) {
  double run_start = 0;
  double run_next = 0;
  uint64_t run = 0;
  for (uint32_t ord = 0; ord < ord_counts_.size(); ++ord) {
    if (ord_counts_[ord] == 0) continue;
    Result<double> v = values_.Number(ord);
    if (!v.ok()) return v.status();
    if (run > 0 && *v < run_next) {
      run += ord_counts_[ord];
      continue;
    }
    if (run > 0) AddCount(owning, run_start, run);
    run_start = spec_.Round(*v);
    run_next = spec_.Next(run_start);
    run = ord_counts_[ord];
  }
  if (run > 0) AddCount(owning, run_start, run);
  return Status::Ok();
}

void HistogramAggregator::Collect(uint32_t doc, uint32_t owning) {
  if (!runs_built_) {
    Status s = BuildRuns();
    if (!s.ok()) {
      if (status_.ok()) status_ = s;
      return;
    }
  }
  bool any = false;
  size_t last = SIZE_MAX;
  values_.ForEachOrd(doc, [&](uint32_t ord) {
    any = true;
    const auto r = static_cast<size_t>(std::upper_bound(run_first_.begin(), run_first_.end(), ord) -
                                       run_first_.begin() - 1);
    if (r == last) return;  // two values of one document in one interval count once
    last = r;
    int64_t b = owning == 0 ? run_bucket_[r] : -2;
    if (b == -2) {
      if (run_key_[r] == -2) run_key_[r] = KeyOf(run_start_[r]);
      b = run_key_[r] < 0 ? -1 : buckets_.Get(owning, static_cast<uint32_t>(run_key_[r]));
      if (owning == 0) run_bucket_[r] = b;
    }
    if (b < 0) return;  // outside hard_bounds
    if (static_cast<size_t>(b) >= counts_.size()) counts_.resize(static_cast<size_t>(b) + 1, 0);
    ++counts_[static_cast<size_t>(b)];
    subs_.Collect(doc, static_cast<uint32_t>(b));
  });
  if (!any && spec_.missing) Add(doc, owning, spec_.Round(*spec_.missing));
}

Status HistogramAggregator::Render(uint32_t owning, JsonWriter* w) {
  VIGIL_RETURN_IF_ERROR(subs_.status());
  // (start, bucket or -1 for an empty interval filled in)
  std::vector<std::pair<double, int64_t>> rows;
  for (uint32_t b : buckets_.BucketsOf(owning)) {
    if (counts_[b] >= static_cast<uint64_t>(std::max<int64_t>(spec_.min_doc_count, 1)) ||
        spec_.min_doc_count == 0) {
      rows.emplace_back(keys_[buckets_.key(b)], b);
    }
  }
  std::sort(rows.begin(), rows.end());
  if (spec_.min_doc_count == 0) {
    std::optional<double> lo;
    std::optional<double> hi;
    if (!rows.empty()) {
      lo = rows.front().first;
      hi = rows.back().first;
    }
    if (extended_min_) {
      double r = spec_.Round(*extended_min_);
      lo = lo ? std::min(*lo, r) : r;
    }
    if (extended_max_) {
      double r = spec_.Round(*extended_max_);
      hi = hi ? std::max(*hi, r) : r;
    }
    if (hard_min_ && lo && *lo < *hard_min_) lo = spec_.Round(*hard_min_);
    if (hard_max_ && hi && *hi >= *hard_max_) hi = spec_.Round(*hard_max_ - 1e-9);
    if (lo && hi) {
      std::vector<std::pair<double, int64_t>> filled;
      size_t i = 0;
      uint64_t made = 0;
      for (double k = *lo; k <= *hi; k = spec_.Next(k)) {
        if (++made > kMaxFilled) {
          return Status::ResourceExhausted(
                     fmt::format("[{}] would fill in more than {} empty intervals: narrow the "
                                 "range or widen the interval",
                                 name_, kMaxFilled))
              .WithDetail("too_many_buckets_exception");
        }
        while (i < rows.size() && rows[i].first < k) filled.push_back(rows[i++]);
        if (i < rows.size() && rows[i].first == k) {
          filled.push_back(rows[i++]);
        } else {
          filled.emplace_back(k, -1);
        }
      }
      while (i < rows.size()) filled.push_back(rows[i++]);
      rows = std::move(filled);
    }
  }
  auto count_of = [&](const std::pair<double, int64_t>& r) -> uint64_t {
    return r.second < 0 ? 0 : counts_[static_cast<size_t>(r.second)];
  };
  if (spec_.order_by_count) {
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      return spec_.ascending ? count_of(a) < count_of(b) : count_of(a) > count_of(b);
    });
  } else if (!spec_.ascending) {
    std::reverse(rows.begin(), rows.end());
  }
  VIGIL_RETURN_IF_ERROR(CountBuckets(ctx_, rows.size(), name_));
  w->BeginObject();
  w->Key("buckets");
  BeginBuckets(w, spec_.keyed);
  for (const auto& r : rows) {
    if (spec_.keyed) w->Key(spec_.KeyString(r.first));
    w->BeginObject();
    spec_.WriteKey(r.first, w);
    w->Key("doc_count");
    w->Uint(count_of(r));
    if (!subs_.empty()) {
      // An empty interval renders its sub-aggregations for a bucket nothing was collected in.
      const uint32_t b = r.second >= 0 ? static_cast<uint32_t>(r.second) : kNoBucket;
      VIGIL_RETURN_IF_ERROR(subs_.Render(b, w));
    }
    w->EndObject();
  }
  EndBuckets(w, spec_.keyed);
  w->EndObject();
  return Status::Ok();
}

Status ParseHistogramCommon(const json& params, const std::string& path, HistogramSpecBase* spec,
                            const std::function<Result<double>(const json&)>& bound) {
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  Result<std::optional<int64_t>> mdc = OptInt(params, "min_doc_count", path);
  if (!mdc.ok()) return mdc.status();
  if (*mdc) {
    if (**mdc < 0)
      return IllegalArgument(fmt::format("[{}.min_doc_count] must be 0 or more", path));
    spec->min_doc_count = **mdc;
  }
  Result<std::optional<bool>> keyed = OptBool(params, "keyed", path);
  if (!keyed.ok()) return keyed.status();
  spec->keyed = keyed->value_or(false);
  if (params.contains("order")) {
    const json& o = params["order"];
    if (!o.is_object() || o.size() != 1 || !o.begin().value().is_string()) {
      return ParsingError(
          fmt::format("[{}.order] expected {{\"_key\" | \"_count\": \"asc\" | \"desc\"}}", path));
    }
    const std::string& key = o.begin().key();
    if (key != "_key" && key != "_count") {
      return IllegalArgument(fmt::format(
          "[{}.order] histograms can be ordered by _key or _count, not by [{}]", path, key));
    }
    spec->order_by_count = key == "_count";
    spec->ascending = o.begin().value() == "asc";
  }
  auto bounds = [&](std::string_view name, std::optional<double>* lo, std::optional<double>* hi,
                    std::string* lo_text, std::string* hi_text) -> Status {
    if (!params.contains(name)) return Status::Ok();
    const json& b = params[std::string(name)];
    if (!b.is_object()) return ParsingError(fmt::format("[{}.{}] must be an object", path, name));
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (it.key() != "min" && it.key() != "max") {
        return ParsingError(fmt::format("[{}.{}] unknown key [{}]", path, name, it.key()));
      }
      Result<double> v = bound(it.value());
      if (!v.ok()) return v.status();
      (it.key() == "min" ? *lo : *hi) = *v;
      if (it.value().is_string()) *(it.key() == "min" ? lo_text : hi_text) = it.value();
    }
    return Status::Ok();
  };
  std::array<std::string, 4>& t = spec->bound_texts;
  VIGIL_RETURN_IF_ERROR(
      bounds("extended_bounds", &spec->extended_min, &spec->extended_max, &t[0], &t[1]));
  VIGIL_RETURN_IF_ERROR(bounds("hard_bounds", &spec->hard_min, &spec->hard_max, &t[2], &t[3]));
  if (params.contains("missing")) {
    Result<double> m = bound(params["missing"]);
    if (!m.ok()) return m.status();
    spec->missing = *m;
  }
  return Status::Ok();
}

}  // namespace vigil::query::aggs
