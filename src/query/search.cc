#include "query/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/json_writer.h"
#include "base/time.h"
#include "query/aggregation.h"
#include "storage/term_encoding.h"

namespace vigil::query {

using storage::Bitmap;
using storage::FieldType;

namespace {

// One sort key of a hit, within its segment (ordinals) and across segments (terms).
struct KeyValue {
  bool missing = false;
  int64_t ord = 0;   // within the segment: 2 * ordinal (a missing value's stand-in: odd)
  float score = 0;   // _score
  uint64_t doc = 0;  // _doc
  std::string term;  // across segments: the encoded term
  bool decoded = false;
};

struct Hit {
  uint32_t index = 0;  // in `indices`
  uint32_t segment = 0;
  uint32_t doc = 0;
  float score = 0;
  std::vector<KeyValue> keys;
};

enum class KeyKind : uint8_t { kScore, kDoc, kField };

struct KeySpec {
  KeyKind kind = KeyKind::kField;
  const SortKey* sort = nullptr;
  bool descending = false;
};

uint64_t DocOrder(const Hit& h) {
  return (uint64_t{h.index} << 48) | (uint64_t{h.segment} << 32) | h.doc;
}

// -1, 0, 1: how a sorts against b for one key; `global` compares terms, else ordinals.
int CompareKey(const KeySpec& k, const KeyValue& a, const KeyValue& b, bool global) {
  if (a.missing || b.missing) {
    if (a.missing && b.missing) return 0;
    const bool first = k.sort != nullptr && k.sort->missing == SortKey::Missing::kFirst;
    return a.missing == first ? -1 : 1;
  }
  int c = 0;
  switch (k.kind) {
    case KeyKind::kScore:
      c = a.score < b.score ? -1 : a.score > b.score ? 1 : 0;
      break;
    case KeyKind::kDoc:
      c = a.doc < b.doc ? -1 : a.doc > b.doc ? 1 : 0;
      break;
    case KeyKind::kField:
      if (global) {
        c = a.term.compare(b.term);
        c = c < 0 ? -1 : c > 0 ? 1 : 0;
      } else {
        c = a.ord < b.ord ? -1 : a.ord > b.ord ? 1 : 0;
      }
      break;
  }
  return k.descending ? -c : c;
}

int CompareHits(const std::vector<KeySpec>& specs, const Hit& a, const Hit& b, bool global) {
  for (size_t i = 0; i < specs.size(); ++i) {
    int c = CompareKey(specs[i], a.keys[i], b.keys[i], global);
    if (c != 0) return c;
  }
  uint64_t da = DocOrder(a);
  uint64_t db = DocOrder(b);
  return da < db ? -1 : da > db ? 1 : 0;
}

// A sort field within one segment: its column and how a missing value sorts.
struct SegmentSortField {
  bool present = false;
  int field = -1;
  storage::Column column;
  storage::TermDict dict;
  std::optional<int64_t> missing_ord;  // a `missing` value's place among the ordinals
  std::optional<KeyValue> after;       // the search_after value in ordinal space
};

Result<int64_t> OrdPlace(const storage::TermDict& dict, std::string_view term) {
  Result<uint32_t> pos = dict.LowerBound(term);
  if (!pos.ok()) return pos.status();
  if (*pos < dict.size()) {
    std::string t;
    VIGIL_RETURN_IF_ERROR(dict.Term(*pos, &t));
    if (t == term) return int64_t{*pos} * 2;
  }
  return int64_t{*pos} * 2 - 1;
}

void WriteSortValue(FieldType type, const KeyValue& v, JsonWriter* w) {
  if (v.missing) {
    w->Null();
    return;
  }
  WriteTermValue(type, v.term, true, w);
}

struct Source {
  const IndexSnapshot* index;
  FieldResolver resolver;
  std::optional<CompiledQuery> query;
  std::vector<ResolvedField> sort_fields;  // per sort key: its field (field keys only)
  // Per sort key: its `missing` value as a term of the field, once converted (MissingTerm).
  std::vector<std::optional<std::string>> missing_terms;
};

// Sort key k's `missing` value as a term of its field in `src`, converted on first use (an error
// only when a value must stand in for a missing one).
Result<const std::string*> MissingTerm(const KeySpec& spec, size_t k, Source* src) {
  std::optional<std::string>& cached = src->missing_terms[k];
  if (!cached) {
    const ResolvedField& rf = src->sort_fields[k];
    Result<std::string> t = ValueToTerm(rf.type, spec.sort->missing_value, rf.name);
    if (!t.ok()) return t.status();
    cached = std::move(*t);
  }
  return &*cached;
}

}  // namespace

void WriteTermValue(storage::FieldType type, std::string_view term, bool dates_as_millis,
                    JsonWriter* w) {
  storage::FieldValue fv = storage::DecodeTerm(type, term);
  switch (type) {
    case FieldType::kLong:
      w->Int(fv.integer);
      return;
    case FieldType::kDate:
      if (dates_as_millis) {
        w->Int(fv.integer);
      } else {
        w->String(storage::TermToString(type, term));
      }
      return;
    case FieldType::kDouble:
      w->Double(fv.number);
      return;
    case FieldType::kBoolean:
      w->Bool(fv.boolean);
      return;
    case FieldType::kKeyword:
    case FieldType::kText:
      w->String(term);
      return;
    default:
      w->String(storage::TermToString(type, term));
  }
}

Result<std::string> Search(std::span<const IndexSnapshot> indices, const SearchRequest& request,
                           const SearchOptions& options) {
  const uint64_t started = SteadyNanos();
  const int64_t now = options.now != 0 ? options.now : NowMillis();
  ExecOptions exec = options.exec;
  exec.now = now;

  std::vector<Source> sources;
  sources.reserve(indices.size());
  for (const IndexSnapshot& ix : indices) {
    Source s{&ix, FieldResolver(ix.snapshot->mapping.get()), std::nullopt, {}, {}};
    sources.push_back(std::move(s));
  }
  for (Source& s : sources) {
    Result<CompiledQuery> cq = CompiledQuery::Compile(*request.query, s.resolver, exec);
    if (!cq.ok()) return cq.status();
    VIGIL_RETURN_IF_ERROR(cq->Prepare(*s.index->snapshot));
    s.query = std::move(*cq);
  }

  AggregationContext actx;
  actx.now = now;
  actx.max_buckets = options.max_buckets;
  uint64_t buckets_used = 0;
  actx.buckets_used = &buckets_used;
  Result<std::vector<std::unique_ptr<Aggregator>>> aggs = NewAggregators(request.aggs, actx);
  if (!aggs.ok()) return aggs.status();

  // The sort keys.
  std::vector<KeySpec> specs;
  bool by_field = false;
  if (request.sort.empty()) {
    specs.push_back(KeySpec{KeyKind::kScore, nullptr, true});
  } else {
    for (const SortKey& k : request.sort) {
      KeySpec s;
      s.sort = &k;
      s.descending = k.descending;
      s.kind = k.field == "_score" ? KeyKind::kScore
               : k.field == "_doc" ? KeyKind::kDoc
                                   : KeyKind::kField;
      by_field = by_field || s.kind == KeyKind::kField;
      specs.push_back(s);
    }
  }
  for (Source& src : sources) {
    src.sort_fields.resize(specs.size());
    src.missing_terms.resize(specs.size());
    for (size_t k = 0; k < specs.size(); ++k) {
      if (specs[k].kind == KeyKind::kField) {
        src.sort_fields[k] = src.resolver.Resolve(specs[k].sort->field);
      }
    }
  }
  const bool want_scores = std::any_of(specs.begin(), specs.end(),
                                       [](const KeySpec& k) { return k.kind == KeyKind::kScore; });
  const auto needed = static_cast<size_t>(request.from + request.size);
  // Every match scoring the same and no field sort: the first matches in index order win.
  bool index_order = false;
  if (request.search_after.empty()) {
    if (request.sort.empty()) {
      index_order = std::all_of(sources.begin(), sources.end(),
                                [](const Source& s) { return !s.query->scores_vary(); });
    } else {
      index_order = specs.size() == 1 && specs[0].kind == KeyKind::kDoc && !specs[0].descending;
    }
  }

  uint64_t total = 0;
  std::vector<uint32_t> agg_docs;  // a segment's matches, for the aggregations
  std::vector<Hit> hits;           // global candidates
  float max_score = -std::numeric_limits<float>::infinity();
  bool any_score = false;

  for (uint32_t ix = 0; ix < sources.size(); ++ix) {
    Source& src = sources[ix];
    const storage::Snapshot& snap = *src.index->snapshot;
    for (uint32_t si = 0; si < snap.segments.size(); ++si) {
      const storage::SegmentView& view = snap.segments[si];
      SegmentContext seg{&view, view.segment.get(), si, &src.resolver, src.index->name};
      Result<Bitmap> matches = src.query->Match(seg);
      if (!matches.ok()) return matches.status();
      const uint64_t n = matches->cardinality();
      total += n;
      if (!aggs->empty() && n > 0) {
        agg_docs.resize(n);
        matches->toUint32Array(agg_docs.data());
        for (auto& a : *aggs) {
          VIGIL_RETURN_IF_ERROR(a->StartSegment(seg));
          a->CollectDocs(agg_docs, 0);
          VIGIL_RETURN_IF_ERROR(a->status());
        }
      }
      if (needed == 0 || n == 0) continue;
      if (index_order) {
        // Every match scores the same: the first ones in index order win.
        if (hits.size() >= needed) continue;
        for (uint32_t d : *matches) {
          Hit h{ix, si, d, want_scores ? src.query->Score(d) : 0.0f, {}};
          h.keys.resize(specs.size());
          h.keys[0].score = h.score;
          h.keys[0].doc = DocOrder(h);
          if (want_scores) {
            max_score = std::max(max_score, h.score);
            any_score = true;
          }
          hits.push_back(std::move(h));
          if (hits.size() >= needed) break;
        }
        continue;
      }
      // Per-segment keys.
      std::vector<SegmentSortField> fields(specs.size());
      for (size_t k = 0; k < specs.size(); ++k) {
        if (specs[k].kind != KeyKind::kField) continue;
        const ResolvedField& rf = src.sort_fields[k];
        FieldInSegment f = FindSegmentField(seg, rf);
        SegmentSortField& sf = fields[k];
        if (f.present()) {
          Result<storage::Column> col = seg.reader->GetColumn(f.index);
          if (!col.ok()) return col.status();
          Result<storage::TermDict> dict = seg.reader->Terms(f.index);
          if (!dict.ok()) return dict.status();
          sf.present = true;
          sf.field = f.index;
          sf.column = *col;
          sf.dict = *dict;
          if (specs[k].sort->missing == SortKey::Missing::kValue) {
            Result<const std::string*> t = MissingTerm(specs[k], k, &src);
            if (!t.ok()) return t.status();
            Result<int64_t> place = OrdPlace(sf.dict, **t);
            if (!place.ok()) return place.status();
            sf.missing_ord = *place;
          }
        }
        if (!request.search_after.empty()) {
          KeyValue after;
          const std::optional<Scalar>& v = request.search_after[k];
          if (!v || !rf.known()) {
            after.missing = true;
          } else {
            Result<std::string> t = ValueToTerm(rf.type, *v, rf.name);
            if (!t.ok()) return t.status();
            if (sf.present) {
              Result<int64_t> place = OrdPlace(sf.dict, *t);
              if (!place.ok()) return place.status();
              after.ord = *place;
            } else {
              after.ord = 0;
            }
          }
          sf.after = after;
        }
      }
      std::vector<Hit> local;
      local.reserve(std::min<uint64_t>(n, needed * 2 + 16));
      auto local_less = [&](const Hit& a, const Hit& b) {
        return CompareHits(specs, a, b, false) < 0;
      };
      Hit after_hit;
      const bool has_after = !request.search_after.empty();
      if (has_after) {
        after_hit.index = 0;
        after_hit.keys.resize(specs.size());
        for (size_t k = 0; k < specs.size(); ++k) {
          const std::optional<Scalar>& v = request.search_after[k];
          if (specs[k].kind == KeyKind::kField) {
            after_hit.keys[k] = fields[k].after.value_or(KeyValue{});
            if (!fields[k].present && v) after_hit.keys[k].missing = false;
          } else if (specs[k].kind == KeyKind::kScore) {
            after_hit.keys[k].score =
                v ? static_cast<float>(v->kind == Scalar::Kind::kDouble
                                           ? v->double_value
                                           : static_cast<double>(v->long_value))
                  : 0;
          } else {
            after_hit.keys[k].doc =
                v && v->kind == Scalar::Kind::kLong ? static_cast<uint64_t>(v->long_value) : 0;
          }
        }
      }
      auto consider = [&](uint32_t d) {
        Hit h{ix, si, d, 0.0f, {}};
        h.keys.resize(specs.size());
        if (want_scores) {
          h.score = src.query->Score(d);
          max_score = std::max(max_score, h.score);
          any_score = true;
        }
        for (size_t k = 0; k < specs.size(); ++k) {
          KeyValue& kv = h.keys[k];
          switch (specs[k].kind) {
            case KeyKind::kScore:
              kv.score = h.score;
              break;
            case KeyKind::kDoc:
              kv.doc = DocOrder(h);
              break;
            case KeyKind::kField: {
              const SegmentSortField& sf = fields[k];
              int64_t ord = -1;
              if (sf.present) {
                const bool use_max =
                    specs[k].sort->mode == SortKey::Mode::kMax ||
                    (specs[k].sort->mode == SortKey::Mode::kDefault && specs[k].descending);
                sf.column.ForEach(d, [&](uint32_t o) {
                  if (ord < 0 || use_max) ord = o;
                });
              }
              if (ord >= 0) {
                kv.ord = ord * 2;
              } else if (sf.missing_ord) {
                kv.ord = *sf.missing_ord;
              } else {
                kv.missing = true;
              }
              break;
            }
          }
        }
        if (has_after) {
          // Only what sorts strictly after the search_after values (ties on every key too).
          bool after = false;
          bool decided = false;
          for (size_t k = 0; k < specs.size() && !decided; ++k) {
            int c = CompareKey(specs[k], h.keys[k], after_hit.keys[k], false);
            if (c != 0) {
              after = c > 0;
              decided = true;
            }
          }
          if (!after) return;
        }
        if (local.size() < needed) {
          local.push_back(std::move(h));
          if (local.size() == needed) std::make_heap(local.begin(), local.end(), local_less);
        } else if (local_less(h, local.front())) {
          std::pop_heap(local.begin(), local.end(), local_less);
          local.back() = std::move(h);
          std::push_heap(local.begin(), local.end(), local_less);
        }
      };
      // Sorted by one field's values first: walk that field's ordinals in the sort's order and
      // take the matching documents of each, stopping after the ordinal at which this segment has
      // its hits (every later ordinal sorts after them). A time-sorted page of a large result
      // then reads a few hundred postings instead of every match. Documents without a value
      // sort last; a walk that runs out of ordinals first starts over the usual way.
      bool walked = false;
      const SegmentSortField& first = fields[0];
      if (specs[0].kind == KeyKind::kField && first.present && !has_after &&
          specs[0].sort->missing == SortKey::Missing::kLast &&
          specs[0].sort->mode == SortKey::Mode::kDefault && n > needed * 8) {
        Result<storage::Postings> postings = seg.reader->GetPostings(first.field);
        if (!postings.ok()) return postings.status();
        Bitmap seen;
        std::vector<uint32_t> docs;
        const uint32_t terms = first.dict.size();
        for (uint32_t i = 0; i < terms; ++i) {
          const uint32_t ord = specs[0].descending ? terms - 1 - i : i;
          VIGIL_RETURN_IF_ERROR(postings->Decode(ord, &docs));
          for (uint32_t d : docs) {
            if (!matches->contains(d) || seen.contains(d)) continue;
            seen.add(d);
            consider(d);
          }
          if (local.size() >= needed) {
            walked = true;
            break;
          }
        }
        if (!walked) local.clear();
      }
      if (!walked) {
        for (uint32_t d : *matches) consider(d);
      }
      // The winners' terms, to compare across segments: decoded in ordinal order with one
      // iterator per key (winners are often neighbours: one dictionary block for many).
      for (size_t k = 0; k < specs.size(); ++k) {
        if (specs[k].kind != KeyKind::kField || !fields[k].present) continue;
        const SegmentSortField& sf = fields[k];
        std::vector<std::pair<uint32_t, size_t>> want;  // (ordinal, winner)
        for (size_t i = 0; i < local.size(); ++i) {
          const KeyValue& kv = local[i].keys[k];
          if (kv.missing || kv.ord % 2 != 0) continue;
          if (sf.missing_ord && kv.ord == *sf.missing_ord && sf.column.Count(local[i].doc) == 0) {
            continue;
          }
          want.emplace_back(static_cast<uint32_t>(kv.ord / 2), i);
        }
        std::sort(want.begin(), want.end());
        storage::TermDict::Iterator it(sf.dict);
        for (const auto& [ord, i] : want) {
          VIGIL_RETURN_IF_ERROR(it.Seek(ord));
          if (!it.Valid()) return Status::Corruption("a sort ordinal beyond its dictionary");
          local[i].keys[k].term.assign(it.term());
          local[i].keys[k].decoded = true;
        }
      }
      for (Hit& h : local) {
        for (size_t k = 0; k < specs.size(); ++k) {
          if (specs[k].kind != KeyKind::kField || h.keys[k].missing || h.keys[k].decoded) {
            continue;
          }
          // A missing value's stand-in.
          Result<const std::string*> t = MissingTerm(specs[k], k, &src);
          if (!t.ok()) return t.status();
          h.keys[k].term = **t;
        }
        hits.push_back(std::move(h));
      }
      if (hits.size() > needed * 4 + 64) {
        std::sort(hits.begin(), hits.end(),
                  [&](const Hit& a, const Hit& b) { return CompareHits(specs, a, b, true) < 0; });
        hits.resize(needed);
      }
    }
  }
  if (!index_order) {
    std::sort(hits.begin(), hits.end(),
              [&](const Hit& a, const Hit& b) { return CompareHits(specs, a, b, true) < 0; });
  }
  if (hits.size() > needed) hits.resize(needed);

  // The aggregations' results first (Render finishes their work: the last segment's counts, the
  // ordering, deferred sub-aggregations), so that `took` counts them, as Elasticsearch's does.
  std::string aggs_json;
  if (!aggs->empty()) {
    JsonWriter aw(&aggs_json);
    aw.BeginObject();
    for (auto& a : *aggs) {
      aw.Key(a->name());
      VIGIL_RETURN_IF_ERROR(a->Render(0, &aw));
    }
    aw.EndObject();
  }

  // The response.
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  const uint64_t took_ms = (SteadyNanos() - started) / 1'000'000;
  w.Key("took");
  w.Uint(took_ms);
  w.Field("timed_out", false);
  w.Key("_shards");
  w.BeginObject();
  w.Field("total", static_cast<int64_t>(indices.size()));
  w.Field("successful", static_cast<int64_t>(indices.size()));
  w.Field("skipped", 0);
  w.Field("failed", 0);
  w.EndObject();
  w.Key("hits");
  w.BeginObject();
  if (request.track_total_hits > 0) {
    w.Key("total");
    w.BeginObject();
    const bool capped = total > static_cast<uint64_t>(request.track_total_hits);
    w.Key("value");
    w.Uint(capped ? static_cast<uint64_t>(request.track_total_hits) : total);
    w.Field("relation", capped ? "gte" : "eq");
    w.EndObject();
  }
  w.Key("max_score");
  if (any_score && !by_field && total > 0) {
    w.Double(max_score);
  } else {
    w.Null();
  }
  w.Key("hits");
  w.BeginArray();
  for (size_t i = static_cast<size_t>(request.from); i < hits.size(); ++i) {
    const Hit& h = hits[i];
    const Source& src = sources[h.index];
    const storage::SegmentReader& r = *src.index->snapshot->segments[h.segment].segment;
    w.BeginObject();
    w.Field("_index", src.index->name);
    Result<std::string> id = r.Id(h.doc);
    if (!id.ok()) return id.status();
    w.Field("_id", *id);
    w.Key("_score");
    if (want_scores) {
      w.Double(h.score);
    } else {
      w.Null();
    }
    if (request.source.enabled) {
      Result<std::string> source = r.Source(h.doc);
      if (!source.ok()) return source.status();
      Result<std::string> filtered = FilterSource(*source, request.source);
      if (!filtered.ok()) return filtered.status();
      w.Key("_source");
      w.Raw(*filtered);
    }
    if (!request.fields.empty()) {
      w.Key("fields");
      w.BeginObject();
      SegmentContext seg{&src.index->snapshot->segments[h.segment], &r, h.segment, &src.resolver,
                         src.index->name};
      for (const std::string& pattern : request.fields) {
        for (const ResolvedField& rf : src.resolver.Expand(pattern)) {
          FieldInSegment f = FindSegmentField(seg, rf);
          if (!f.present()) continue;
          Result<storage::Column> col = r.GetColumn(f.index);
          if (!col.ok()) return col.status();
          Result<storage::TermDict> dict = r.Terms(f.index);
          if (!dict.ok()) return dict.status();
          if (col->Count(h.doc) == 0) continue;
          w.Key(pattern.find('*') == std::string::npos ? pattern : rf.name);
          w.BeginArray();
          std::string term;
          Status s;
          col->ForEach(h.doc, [&](uint32_t o) {
            if (!s.ok()) return;
            s = dict->Term(o, &term);
            if (s.ok()) WriteTermValue(rf.type, term, false, &w);
          });
          VIGIL_RETURN_IF_ERROR(s);
          w.EndArray();
        }
      }
      w.EndObject();
    }
    if (!request.sort.empty()) {
      w.Key("sort");
      w.BeginArray();
      for (size_t k = 0; k < specs.size(); ++k) {
        switch (specs[k].kind) {
          case KeyKind::kScore:
            w.Double(h.score);
            break;
          case KeyKind::kDoc:
            w.Uint(h.keys[k].doc);
            break;
          case KeyKind::kField:
            WriteSortValue(src.sort_fields[k].type, h.keys[k], &w);
            break;
        }
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  if (!aggs->empty()) {
    w.Key("aggregations");
    w.Raw(aggs_json);
  }
  w.EndObject();
  return out;
}

Result<std::optional<std::string>> GetById(const storage::Snapshot& snapshot, std::string_view id) {
  return snapshot.GetSource(id);
}

Result<uint64_t> Count(std::span<const IndexSnapshot> indices, const Query& query,
                       const SearchOptions& options) {
  ExecOptions exec = options.exec;
  exec.now = options.now != 0 ? options.now : NowMillis();
  uint64_t total = 0;
  for (const IndexSnapshot& ix : indices) {
    FieldResolver resolver(ix.snapshot->mapping.get());
    Result<CompiledQuery> cq = CompiledQuery::Compile(query, resolver, exec);
    if (!cq.ok()) return cq.status();
    for (uint32_t si = 0; si < ix.snapshot->segments.size(); ++si) {
      const storage::SegmentView& view = ix.snapshot->segments[si];
      SegmentContext seg{&view, view.segment.get(), si, &resolver, ix.name};
      Result<Bitmap> m = cq->Match(seg);
      if (!m.ok()) return m.status();
      total += m->cardinality();
    }
  }
  return total;
}

}  // namespace vigil::query
