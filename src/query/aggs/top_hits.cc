// The `top_hits` aggregation: the top documents of each bucket (size, from), sorted by one or
// more fields (or in index order: every leaf query scores the same), with their `_source`
// (filtered like a search's).
#include <fmt/format.h>

#include <algorithm>

#include "query/aggs/agg_util.h"
#include "query/search.h"
#include "storage/term_encoding.h"

namespace vigil::query::aggs {

namespace {

struct SortField {
  std::string field;
  bool descending = false;
};

struct TopHitsSpec : AggregationSpec {
  int64_t from = 0;
  int64_t size = 3;
  std::vector<SortField> sort;
  SourceFilter source;
  std::string_view type() const override { return "top_hits"; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

struct Candidate {
  std::vector<std::optional<std::string>> keys;  // encoded terms; nullopt: missing
  FieldType type0 = FieldType::kNone;
  uint64_t order = 0;  // collection order: the tie-breaker
  std::shared_ptr<const storage::SegmentReader> reader;
  std::string index;
  uint32_t doc = 0;
  std::vector<FieldType> types;
};

class TopHitsAggregator : public Aggregator {
 public:
  explicit TopHitsAggregator(const TopHitsSpec& spec) : spec_(spec) {
    for (const SortField& s : spec.sort) values_.emplace_back(s.field);
  }
  Status StartSegment(const SegmentContext& segment) override {
    for (FieldValues& v : values_) VIGIL_RETURN_IF_ERROR(v.Reset(segment));
    reader_ = segment.view->segment;
    index_ = std::string(segment.index_name);
    return Status::Ok();
  }
  void Collect(uint32_t doc, uint32_t owning) override {
    if (owning >= buckets_.size()) buckets_.resize(owning + 1);
    Bucket& b = buckets_[owning];
    ++b.total;
    Candidate c;
    c.order = next_order_++;
    c.reader = reader_;
    c.index = index_;
    c.doc = doc;
    for (size_t k = 0; k < values_.size(); ++k) {
      FieldValues& v = values_[k];
      std::optional<std::string> key;
      int64_t chosen = -1;
      v.ForEachOrd(doc, [&](uint32_t ord) {
        if (chosen < 0 || spec_.sort[k].descending) chosen = ord;
      });
      if (chosen >= 0) {
        Result<std::string_view> t = v.Term(static_cast<uint32_t>(chosen));
        if (!t.ok()) {
          if (status_.ok()) status_ = t.status();
          return;
        }
        key = std::string(*t);
      }
      c.keys.push_back(std::move(key));
      c.types.push_back(v.present() ? v.type() : FieldType::kNone);
    }
    const auto keep = static_cast<size_t>(spec_.from + spec_.size);
    b.top.push_back(std::move(c));
    if (b.top.size() > keep * 2 + 8) Trim(&b.top, keep);
  }
  Status Render(uint32_t owning, JsonWriter* w) override {
    VIGIL_RETURN_IF_ERROR(status_);
    Bucket empty;
    Bucket& b = owning < buckets_.size() ? buckets_[owning] : empty;
    Trim(&b.top, static_cast<size_t>(spec_.from + spec_.size));
    w->BeginObject();
    w->Key("hits");
    w->BeginObject();
    w->Key("total");
    w->BeginObject();
    w->Key("value");
    w->Uint(b.total);
    w->Field("relation", "eq");
    w->EndObject();
    w->Key("max_score");
    w->Null();
    w->Key("hits");
    w->BeginArray();
    for (size_t i = static_cast<size_t>(spec_.from); i < b.top.size(); ++i) {
      const Candidate& c = b.top[i];
      w->BeginObject();
      w->Field("_index", c.index);
      Result<std::string> id = c.reader->Id(c.doc);
      if (!id.ok()) return id.status();
      w->Field("_id", *id);
      w->Key("_score");
      w->Null();
      if (spec_.source.enabled) {
        Result<std::string> source = c.reader->Source(c.doc);
        if (!source.ok()) return source.status();
        Result<std::string> filtered = FilterSource(*source, spec_.source);
        if (!filtered.ok()) return filtered.status();
        w->Key("_source");
        w->Raw(*filtered);
      }
      if (!spec_.sort.empty()) {
        w->Key("sort");
        w->BeginArray();
        for (size_t k = 0; k < c.keys.size(); ++k) {
          if (!c.keys[k]) {
            w->Null();
            continue;
          }
          WriteTermValue(c.types[k], *c.keys[k], true, w);
        }
        w->EndArray();
      }
      w->EndObject();
    }
    w->EndArray();
    w->EndObject();
    w->EndObject();
    return Status::Ok();
  }

 private:
  struct Bucket {
    uint64_t total = 0;
    std::vector<Candidate> top;
  };
  void Trim(std::vector<Candidate>* top, size_t keep) const {
    auto less = [&](const Candidate& a, const Candidate& b) {
      for (size_t k = 0; k < spec_.sort.size(); ++k) {
        const auto& ka = a.keys[k];
        const auto& kb = b.keys[k];
        if (!ka || !kb) {
          if (!ka && !kb) continue;
          return static_cast<bool>(ka);  // missing values last
        }
        if (*ka != *kb) return spec_.sort[k].descending ? *ka > *kb : *ka < *kb;
      }
      return a.order < b.order;
    };
    std::sort(top->begin(), top->end(), less);
    if (top->size() > keep) top->resize(keep);
  }

  const TopHitsSpec& spec_;
  std::vector<FieldValues> values_;
  std::shared_ptr<const storage::SegmentReader> reader_;
  std::string index_;
  uint64_t next_order_ = 0;
  std::vector<Bucket> buckets_;
};

Result<std::unique_ptr<Aggregator>> TopHitsSpec::NewAggregator(const AggregationContext&) const {
  return std::unique_ptr<Aggregator>(std::make_unique<TopHitsAggregator>(*this));
}

Result<std::vector<std::string>> Strings(const json& v, const std::string& path) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) return ParsingError(fmt::format("[{}] expected a string or an array", path));
  for (const json& s : v) {
    if (!s.is_string()) return ParsingError(fmt::format("[{}] expected strings", path));
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewTopHitsSpec(const json& params,
                                                        const std::string& path) {
  auto spec = std::make_unique<TopHitsSpec>();
  VIGIL_RETURN_IF_ERROR(CheckKeys(params,
                                  {"from", "size", "sort", "_source", "track_scores", "version",
                                   "explain", "seq_no_primary_term"},
                                  path, "top_hits"));
  Result<std::optional<int64_t>> from = OptInt(params, "from", path);
  if (!from.ok()) return from.status();
  Result<std::optional<int64_t>> size = OptInt(params, "size", path);
  if (!size.ok()) return size.status();
  spec->from = std::max<int64_t>(0, from->value_or(0));
  spec->size = std::max<int64_t>(0, size->value_or(3));
  if (spec->from + spec->size > 100) {
    return IllegalArgument(fmt::format(
        "[{}] Top hits result window is too large, the top hits aggregator [{}]'s from + size "
        "must be less than or equal to: [100] but was [{}].",
        path, path, spec->from + spec->size));
  }
  if (params.contains("sort")) {
    const json& s = params["sort"];
    std::vector<const json*> items;
    if (s.is_array()) {
      for (const json& i : s) items.push_back(&i);
    } else {
      items.push_back(&s);
    }
    for (const json* item : items) {
      SortField f;
      if (item->is_string()) {
        f.field = item->get<std::string>();
      } else if (item->is_object() && item->size() == 1) {
        f.field = item->begin().key();
        const json& o = item->begin().value();
        if (o.is_string()) f.descending = o == "desc";
        if (o.is_object() && o.contains("order")) f.descending = o["order"] == "desc";
      } else {
        return ParsingError(fmt::format("[{}.sort] malformed sort", path));
      }
      if (f.field == "_score" || f.field == "_doc") continue;  // index order
      spec->sort.push_back(std::move(f));
    }
  }
  if (params.contains("_source")) {
    const json& s = params["_source"];
    if (s.is_boolean()) {
      spec->source.enabled = s.get<bool>();
    } else if (s.is_object()) {
      for (auto it = s.begin(); it != s.end(); ++it) {
        Result<std::vector<std::string>> list = Strings(it.value(), path + "._source");
        if (!list.ok()) return list.status();
        (it.key().starts_with("include") ? spec->source.includes : spec->source.excludes) = *list;
      }
    } else {
      Result<std::vector<std::string>> list = Strings(s, path + "._source");
      if (!list.ok()) return list.status();
      spec->source.includes = *list;
    }
  }
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
