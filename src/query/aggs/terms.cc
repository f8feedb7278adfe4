// The `terms` aggregation: a bucket per distinct value of a field, with exact counts (every
// segment's counts are complete, so doc_count_error_upper_bound is always 0 and no shard_size is
// needed).
//
// Per segment, documents are counted by ordinal; each ordinal seen is turned into its term once
// and given a global key id (terms are interned across segments), and buckets are numbered per
// (owning bucket, key id). Ordering: by count (default, then by key), by key, or by a
// sub-aggregation's metric; include/exclude by regular expression or by list; `missing` puts the
// documents without a value in a bucket of their own; min_doc_count 0 lists every term of the
// field, with the count 0 where nothing matched.
//
// Sub-aggregations of a top-level terms aggregation are collected breadth first, as
// Elasticsearch's collect_mode breadth_first: the documents are counted by ordinal and kept per
// segment, and only once the buckets shown are known are their documents replayed into the
// sub-aggregations. A field with many values (attacker IPs: one bucket per document or so) then
// costs its sub-aggregations only for the top `size` buckets, not for every one. Ordering by a
// sub-aggregation needs every bucket's metric and collects depth first.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "base/flat_string_map.h"
#include "query/aggs/agg_util.h"
#include "query/query_string.h"
#include "storage/term_encoding.h"
#include "storage/term_pattern.h"

namespace vigil::query::aggs {

namespace {

struct OrderKey {
  enum Kind : uint8_t { kCount, kKey, kMetric } kind = kCount;
  bool ascending = false;
  std::string path;  // kMetric
};

struct TermsSpec : AggregationSpec {
  std::string field;
  int64_t size = 10;
  int64_t min_doc_count = 1;
  std::vector<OrderKey> order = {{OrderKey::kCount, false, {}}, {OrderKey::kKey, true, {}}};
  std::optional<Scalar> missing;
  std::optional<storage::TermPattern> include_pattern;
  std::optional<storage::TermPattern> exclude_pattern;
  std::vector<std::string> include_list;
  std::vector<std::string> exclude_list;
  std::string_view type() const override { return "terms"; }
  bool takes_sub_aggregations() const override { return true; }
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

class TermsAggregator : public Aggregator {
 public:
  TermsAggregator(const TermsSpec& spec, const AggregationContext& ctx)
      : spec_(spec), ctx_(ctx), values_(spec.field) {}

  Status Init() {
    VIGIL_RETURN_IF_ERROR(subs_.Init(spec_, ctx_));
    deferred_ = ctx_.top_level && !subs_.empty() &&
                std::none_of(spec_.order.begin(), spec_.order.end(),
                             [](const OrderKey& o) { return o.kind == OrderKey::kMetric; });
    const bool default_order = spec_.order.size() == 2 && spec_.order[0].kind == OrderKey::kCount &&
                               !spec_.order[0].ascending && spec_.order[1].kind == OrderKey::kKey &&
                               spec_.order[1].ascending;
    merge_ = ctx_.top_level && (subs_.empty() || deferred_) && default_order &&
             spec_.min_doc_count == 1 && !spec_.include_pattern && !spec_.exclude_pattern &&
             spec_.include_list.empty() && spec_.exclude_list.empty();
    return Status::Ok();
  }

  Status StartSegment(const SegmentContext& segment) override {
    if (merge_) {
      StashSegmentCounts();
    } else {
      VIGIL_RETURN_IF_ERROR(FoldSegmentCounts());
    }
    VIGIL_RETURN_IF_ERROR(values_.Reset(segment));
    fast_ = subs_.empty() || deferred_;
    seg_counts_.assign(fast_ && values_.present() ? values_.dict().size() : 0, 0);
    seg_key_.assign(values_.present() ? values_.dict().size() : 0, kUnknown);
    if (values_.present()) {
      if (type_ == FieldType::kNone) type_ = values_.type();
      if (spec_.min_doc_count == 0) {
        for (uint32_t o = 0; o < values_.dict().size(); ++o) {
          Result<int32_t> k = KeyOf(o);
          if (!k.ok()) return k.status();
        }
      }
    }
    if (deferred_) {
      segments_.push_back(segment);
      segment_docs_.emplace_back();
      return Status::Ok();
    }
    return subs_.StartSegment(segment);
  }

  void Collect(uint32_t doc, uint32_t owning) override {
    if (deferred_) segment_docs_.back().push_back(doc);
    if (fast_ && owning == 0) {
      // No sub-aggregations: count by ordinal, turn ordinals into keys once per segment.
      bool seen = false;
      values_.ForEachOrd(doc, [&](uint32_t ord) {
        seen = true;
        ++seg_counts_[ord];
      });
      if (!seen && spec_.missing) {
        if (missing_key_ < 0) missing_key_ = Intern(spec_.missing->Text(), true);
        Add(doc, owning, static_cast<uint32_t>(missing_key_));
      }
      return;
    }
    bool any = false;
    values_.ForEachOrd(doc, [&](uint32_t ord) {
      any = true;
      Result<int32_t> key = KeyOf(ord);
      if (!key.ok()) {
        if (status_.ok()) status_ = key.status();
        return;
      }
      if (*key < 0) return;  // excluded
      Add(doc, owning, static_cast<uint32_t>(*key));
    });
    if (!any && spec_.missing) {
      if (missing_key_ < 0) missing_key_ = Intern(spec_.missing->Text(), true);
      Add(doc, owning, static_cast<uint32_t>(missing_key_));
    }
  }

  void CollectDocs(std::span<const uint32_t> docs, uint32_t owning) override {
    if (!fast_ || owning != 0) {
      Aggregator::CollectDocs(docs, owning);
      return;
    }
    if (deferred_)
      segment_docs_.back().insert(segment_docs_.back().end(), docs.begin(), docs.end());
    const uint64_t without = CountOrds(values_, docs, &seg_counts_);
    if (without > 0 && spec_.missing) {
      if (missing_key_ < 0) missing_key_ = Intern(spec_.missing->Text(), true);
      const uint32_t b = buckets_.Get(0, static_cast<uint32_t>(missing_key_));
      if (b >= counts_.size()) counts_.resize(b + 1, 0);
      counts_[b] += without;
    }
  }

  Status Render(uint32_t owning, JsonWriter* w) override {
    VIGIL_RETURN_IF_ERROR(subs_.status());
    if (merge_) {
      StashSegmentCounts();
      VIGIL_RETURN_IF_ERROR(MergeTop());
    }
    VIGIL_RETURN_IF_ERROR(FoldSegmentCounts());
    std::vector<uint32_t> buckets = buckets_.BucketsOf(owning);
    if (spec_.min_doc_count == 0) {
      // Every known term, with 0 where nothing in this bucket matched.
      std::vector<uint8_t> seen(keys_.size(), 0);
      for (uint32_t b : buckets) seen[buckets_.key(b)] = 1;
      for (uint32_t k = 0; k < keys_.size(); ++k) {
        if (!seen[k] && !is_missing_key_[k]) buckets.push_back(buckets_.Get(owning, k));
      }
      if (counts_.size() < buckets_.size()) counts_.resize(buckets_.size(), 0);
    }
    std::vector<uint32_t> shown;
    uint64_t other = merged_other_;
    for (uint32_t b : buckets) {
      if (counts_[b] < static_cast<uint64_t>(std::max<int64_t>(spec_.min_doc_count, 0))) continue;
      shown.push_back(b);
    }
    Status order_error;
    auto less = [&](uint32_t a, uint32_t b) {
      for (const OrderKey& o : spec_.order) {
        int c = 0;
        switch (o.kind) {
          case OrderKey::kCount:
            c = counts_[a] < counts_[b] ? -1 : counts_[a] > counts_[b] ? 1 : 0;
            break;
          case OrderKey::kKey: {
            const std::string_view ka = keys_[buckets_.key(a)];
            const std::string_view kb = keys_[buckets_.key(b)];
            c = ka < kb ? -1 : ka > kb ? 1 : 0;
            break;
          }
          case OrderKey::kMetric: {
            Result<double> va = subs_.SortValue(a, o.path);
            Result<double> vb = subs_.SortValue(b, o.path);
            if (!va.ok() || !vb.ok()) {
              if (order_error.ok()) order_error = va.ok() ? vb.status() : va.status();
              return false;
            }
            // Buckets without a value go last whatever the direction.
            const bool na = std::isnan(*va);
            const bool nb = std::isnan(*vb);
            if (na || nb) {
              if (na != nb) return nb;
              continue;
            }
            c = *va < *vb ? -1 : *va > *vb ? 1 : 0;
            break;
          }
        }
        if (c != 0) return o.ascending ? c < 0 : c > 0;
      }
      return a < b;
    };
    // Only the first `size` need their order: a partial sort (thousands of buckets of one
    // document each are common).
    const size_t keep = std::min(shown.size(), static_cast<size_t>(spec_.size));
    std::partial_sort(shown.begin(), shown.begin() + static_cast<std::ptrdiff_t>(keep), shown.end(),
                      less);
    VIGIL_RETURN_IF_ERROR(order_error);
    for (size_t i = keep; i < shown.size(); ++i) other += counts_[shown[i]];
    shown.resize(keep);
    if (deferred_) VIGIL_RETURN_IF_ERROR(Replay(shown));
    VIGIL_RETURN_IF_ERROR(CountBuckets(ctx_, shown.size(), name_));
    w->BeginObject();
    w->Field("doc_count_error_upper_bound", 0);
    w->Key("sum_other_doc_count");
    w->Uint(other);
    w->Key("buckets");
    w->BeginArray();
    for (uint32_t b : shown) {
      w->BeginObject();
      const uint32_t k = buckets_.key(b);
      if (is_missing_key_[k]) {
        WriteMissingKey(w);
      } else {
        WriteTermKey(type_, keys_[k], w, true);
      }
      w->Key("doc_count");
      w->Uint(counts_[b]);
      VIGIL_RETURN_IF_ERROR(subs_.Render(b, w));
      w->EndObject();
    }
    w->EndArray();
    w->EndObject();
    return Status::Ok();
  }

 private:
  static constexpr int32_t kUnknown = -2;
  static constexpr int32_t kExcluded = -1;

  void WriteMissingKey(JsonWriter* w) const {
    const Scalar& m = *spec_.missing;
    w->Key("key");
    switch (m.kind) {
      case Scalar::Kind::kLong:
        w->Int(m.long_value);
        break;
      case Scalar::Kind::kDouble:
        w->Double(m.double_value);
        break;
      default:
        w->String(m.Text());
    }
  }

  // Merging (see MergeTop): the current segment's counts by ordinal, kept with its dictionary.
  void StashSegmentCounts() {
    if (seg_counts_.empty()) return;
    pending_.push_back(
        std::make_unique<PendingSegment>(PendingSegment{values_.dict(), std::move(seg_counts_)}));
    seg_counts_.clear();
  }

  // The top `size` terms by count (then term) across the segments, without interning every term:
  // each segment's counted ordinals are read in term order (the dictionaries are sorted) and
  // merged, equal terms summed, keeping only the best `size` and the total of the rest. A field
  // with a value per document (attacker IPs) costs a merge of sorted lists instead of a hash map
  // of every value.
  Status MergeTop() {
    if (merged_) return Status::Ok();
    merged_ = true;
    // The heap compares the first 16 bytes of the terms as two big-endian integers (zero
    // padded), and the terms themselves only when those are equal: IP terms are 16 bytes, and
    // most keywords differ early.
    struct Cursor {
      PendingSegment* seg;
      storage::TermDict::Iterator it;
      uint32_t ord;
      uint64_t k0 = 0;
      uint64_t k1 = 0;
    };
    auto prefix = [](std::string_view t, size_t off) {
      uint64_t v = 0;
      if (t.size() >= off + 8) {
        std::memcpy(&v, t.data() + off, 8);
        return __builtin_bswap64(v);
      }
      for (size_t i = 0; i < 8; ++i) {
        v <<= 8;
        if (off + i < t.size()) v |= static_cast<uint8_t>(t[off + i]);
      }
      return v;
    };
    std::vector<Cursor> cursors;
    cursors.reserve(pending_.size());
    // To the first counted ordinal at or after `from`.
    auto advance = [&prefix](Cursor* c, uint32_t from) -> Status {
      uint32_t o = from;
      while (o < c->seg->counts.size() && c->seg->counts[o] == 0) ++o;
      c->ord = o;
      if (o >= c->seg->counts.size()) return Status::Ok();
      VIGIL_RETURN_IF_ERROR(c->it.Seek(o));
      if (!c->it.Valid()) return Status::Corruption("an ordinal beyond the dictionary");
      c->k0 = prefix(c->it.term(), 0);
      c->k1 = prefix(c->it.term(), 8);
      return Status::Ok();
    };
    for (auto& p : pending_) {
      cursors.push_back(Cursor{p.get(), storage::TermDict::Iterator(p->dict), 0});
    }
    const size_t n = cursors.size();
    for (size_t i = 0; i < n; ++i) VIGIL_RETURN_IF_ERROR(advance(&cursors[i], 0));
    auto done = [&](size_t i) { return cursors[i].ord >= cursors[i].seg->counts.size(); };
    // Whether cursor a's term comes before cursor b's (a finished cursor comes last).
    auto before = [&](size_t a, size_t b) {
      if (done(a)) return false;
      if (done(b)) return true;
      const Cursor& x = cursors[a];
      const Cursor& y = cursors[b];
      if (x.k0 != y.k0) return x.k0 < y.k0;
      if (x.k1 != y.k1) return x.k1 < y.k1;
      const std::string_view tx = x.it.term();
      const std::string_view ty = y.it.term();
      if (tx.size() <= 16 && ty.size() <= 16 && tx.size() == ty.size()) return false;  // equal
      return tx < ty;
    };
    // A tree of losers: tree[0] is the cursor with the smallest term, tree[1..n-1] the loser of
    // each match; after the winner moves, only its path to the root is played again (log n
    // comparisons, where a binary heap takes about twice as many).
    std::vector<size_t> tree(std::max<size_t>(n, 1), 0);
    if (n > 1) {
      std::vector<size_t> winner(2 * n);
      for (size_t i = 0; i < n; ++i) winner[n + i] = i;
      for (size_t node = n - 1; node >= 1; --node) {
        const size_t l = winner[2 * node];
        const size_t r = winner[2 * node + 1];
        const bool left = before(l, r) || !before(r, l);
        winner[node] = left ? l : r;
        tree[node] = left ? r : l;
      }
      tree[0] = winner[1];
    }
    auto replay = [&](size_t leaf) {
      size_t current = leaf;
      for (size_t node = (leaf + n) / 2; node >= 1; node /= 2) {
        if (before(tree[node], current)) std::swap(tree[node], current);
      }
      tree[0] = current;
    };
    using Top = std::pair<uint64_t, std::string>;
    // The front of `top` is its worst: the lowest count, then the greatest term.
    auto better = [](const Top& a, const Top& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    std::vector<Top> top;
    const auto size = static_cast<size_t>(spec_.size);
    uint64_t total = 0;
    std::string term;
    while (n > 0 && !done(tree[0])) {
      size_t w = tree[0];
      term.assign(cursors[w].it.term());
      const uint64_t k0 = cursors[w].k0;
      const uint64_t k1 = cursors[w].k1;
      uint64_t count = 0;
      // Every cursor on this term, one after the other as each wins.
      do {
        count += cursors[w].seg->counts[cursors[w].ord];
        VIGIL_RETURN_IF_ERROR(advance(&cursors[w], cursors[w].ord + 1));
        replay(w);
        w = tree[0];
      } while (!done(w) && cursors[w].k0 == k0 && cursors[w].k1 == k1 &&
               (term.size() <= 16 ? cursors[w].it.term().size() == term.size()
                                  : cursors[w].it.term() == term));
      total += count;
      if (top.size() < size) {
        top.emplace_back(count, term);
        std::push_heap(top.begin(), top.end(), better);
      } else if (size > 0 && (count > top.front().first ||
                              (count == top.front().first && term < top.front().second))) {
        std::pop_heap(top.begin(), top.end(), better);
        top.back() = Top(count, term);
        std::push_heap(top.begin(), top.end(), better);
      }
    }
    uint64_t kept = 0;
    for (const Top& t : top) {
      const uint32_t b = buckets_.Get(0, static_cast<uint32_t>(Intern(t.second, false)));
      if (b >= counts_.size()) counts_.resize(b + 1, 0);
      counts_[b] += t.first;
      kept += t.first;
    }
    merged_other_ = total - kept;
    pending_.clear();
    return Status::Ok();
  }

  // Adds the current segment's counts by ordinal to the buckets of owning bucket 0, walking the
  // ordinals in order (each dictionary block decoded once).
  Status FoldSegmentCounts() {
    if (seg_counts_.empty()) return Status::Ok();
    storage::TermDict::Iterator it(values_.dict());
    for (uint32_t ord = 0; ord < seg_counts_.size(); ++ord) {
      if (seg_counts_[ord] == 0) continue;
      int32_t& k = seg_key_[ord];
      if (k == kUnknown) {
        VIGIL_RETURN_IF_ERROR(it.Seek(ord));
        if (!it.Valid()) return Status::Corruption("an ordinal beyond the dictionary");
        k = Allowed(it.term()) ? Intern(it.term(), false) : kExcluded;
      }
      if (k < 0) continue;
      const uint32_t b = buckets_.Get(0, static_cast<uint32_t>(k));
      if (b >= counts_.size()) counts_.resize(b + 1, 0);
      counts_[b] += seg_counts_[ord];
    }
    seg_counts_.clear();
    return Status::Ok();
  }

  void Add(uint32_t doc, uint32_t owning, uint32_t key) {
    const uint32_t b = buckets_.Get(owning, key);
    if (b >= counts_.size()) counts_.resize(b + 1, 0);
    ++counts_[b];
    if (!deferred_) subs_.Collect(doc, b);
  }

  // Breadth first: the documents kept per segment, replayed into the sub-aggregations for the
  // buckets shown only (each segment's ordinals of the shown terms found in its dictionary, so
  // that no other term is read). Once: the documents are released after.
  Status Replay(const std::vector<uint32_t>& shown) {
    if (replayed_) return Status::Ok();
    replayed_ = true;
    int32_t missing_bucket = -1;
    for (uint32_t b : shown) {
      if (is_missing_key_[buckets_.key(b)]) missing_bucket = static_cast<int32_t>(b);
    }
    std::vector<std::pair<uint32_t, uint32_t>> wanted;  // (ordinal, bucket), by ordinal
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (segment_docs_[i].empty()) continue;
      VIGIL_RETURN_IF_ERROR(values_.Reset(segments_[i]));
      wanted.clear();
      if (values_.present()) {
        for (uint32_t b : shown) {
          const uint32_t k = buckets_.key(b);
          if (is_missing_key_[k]) continue;
          Result<std::optional<uint32_t>> ord = values_.dict().Find(keys_[k]);
          if (!ord.ok()) return ord.status();
          if (*ord) wanted.emplace_back(**ord, b);
        }
        std::sort(wanted.begin(), wanted.end());
      }
      if (wanted.empty() && missing_bucket < 0) {
        std::vector<uint32_t>().swap(segment_docs_[i]);
        continue;
      }
      VIGIL_RETURN_IF_ERROR(subs_.StartSegment(segments_[i]));
      for (uint32_t doc : segment_docs_[i]) {
        bool any = false;
        values_.ForEachOrd(doc, [&](uint32_t ord) {
          any = true;
          auto it = std::lower_bound(wanted.begin(), wanted.end(), std::make_pair(ord, 0u));
          if (it != wanted.end() && it->first == ord) subs_.Collect(doc, it->second);
        });
        if (!any && missing_bucket >= 0) subs_.Collect(doc, static_cast<uint32_t>(missing_bucket));
      }
      std::vector<uint32_t>().swap(segment_docs_[i]);
    }
    return subs_.status();
  }

  // The key id of a term (the `missing` key is one of its own, even if a term reads the same).
  int32_t Intern(std::string_view term, bool missing) {
    const auto id = static_cast<int32_t>(keys_.size());
    if (missing) {
      missing_term_ = std::string(term);
      keys_.push_back(missing_term_);
      is_missing_key_.push_back(1);
      return id;
    }
    FlatStringMap<int32_t>::Inserted in = ids_.Insert(term, id);
    if (!in.inserted) return *in.value;
    keys_.push_back(in.key);
    is_missing_key_.push_back(0);
    return id;
  }

  bool Allowed(std::string_view term) const {
    if (!spec_.include_pattern && !spec_.exclude_pattern && spec_.include_list.empty() &&
        spec_.exclude_list.empty()) {
      return true;
    }
    // include/exclude apply to the value as text (keywords: the string itself).
    std::string text = type_ == FieldType::kKeyword || type_ == FieldType::kText
                           ? std::string(term)
                           : storage::TermToString(type_, term);
    if (spec_.include_pattern && !spec_.include_pattern->Matches(text)) return false;
    if (spec_.exclude_pattern && spec_.exclude_pattern->Matches(text)) return false;
    if (!spec_.include_list.empty() &&
        std::find(spec_.include_list.begin(), spec_.include_list.end(), text) ==
            spec_.include_list.end()) {
      return false;
    }
    if (std::find(spec_.exclude_list.begin(), spec_.exclude_list.end(), text) !=
        spec_.exclude_list.end()) {
      return false;
    }
    return true;
  }

  Result<int32_t> KeyOf(uint32_t ord) {
    if (ord >= seg_key_.size()) return Status::Corruption("an ordinal beyond the dictionary");
    int32_t& k = seg_key_[ord];
    if (k == kUnknown) {
      Result<std::string_view> term = values_.Term(ord);
      if (!term.ok()) return term.status();
      k = Allowed(*term) ? Intern(*term, false) : kExcluded;
    }
    return k;
  }

  const TermsSpec& spec_;
  AggregationContext ctx_;
  FieldValues values_;
  FieldType type_ = FieldType::kNone;
  SubAggregators subs_;
  std::vector<int32_t> seg_key_;  // this segment's ordinal → key id
  bool fast_ = false;             // no sub-aggregations (or deferred): count by ordinal
  bool deferred_ = false;         // breadth first (see the top of the file)
  bool replayed_ = false;
  // Merging the segments' sorted counts for the top terms (default order, min_doc_count 1, no
  // include/exclude, top level).
  struct PendingSegment {
    storage::TermDict dict;
    std::vector<uint32_t> counts;  // by ordinal
  };
  bool merge_ = false;
  bool merged_ = false;
  uint64_t merged_other_ = 0;  // the counts of the terms the merge left out
  std::vector<std::unique_ptr<PendingSegment>> pending_;
  std::vector<SegmentContext> segments_;             // deferred: every segment collected
  std::vector<std::vector<uint32_t>> segment_docs_;  // deferred: its documents
  std::vector<uint32_t> seg_counts_;    // this segment's documents by ordinal (owning bucket 0)
  FlatStringMap<int32_t> ids_;          // term → key id (the map keeps the terms' bytes)
  std::vector<std::string_view> keys_;  // by key id: the term, in ids_ (or missing_term_)
  std::string missing_term_;
  std::vector<uint8_t> is_missing_key_;
  int32_t missing_key_ = -1;
  BucketMap buckets_;
  std::vector<uint64_t> counts_;
};

Result<std::unique_ptr<Aggregator>> TermsSpec::NewAggregator(const AggregationContext& ctx) const {
  auto a = std::make_unique<TermsAggregator>(*this, ctx);
  VIGIL_RETURN_IF_ERROR(a->Init());
  return std::unique_ptr<Aggregator>(std::move(a));
}

Status ParseOrder(const json& v, const std::string& path, TermsSpec* spec) {
  std::vector<const json*> items;
  if (v.is_array()) {
    for (const json& i : v) items.push_back(&i);
  } else {
    items.push_back(&v);
  }
  spec->order.clear();
  for (const json* item : items) {
    if (!item->is_object() || item->size() != 1 || !item->begin().value().is_string()) {
      return ParsingError(fmt::format(
          "[{}.order] expected {{\"_count\" | \"_key\" | \"<sub-aggregation>\": \"asc\" | "
          "\"desc\"}}",
          path));
    }
    OrderKey o;
    const std::string& key = item->begin().key();
    const std::string dir = item->begin().value().get<std::string>();
    if (dir != "asc" && dir != "desc") {
      return IllegalArgument(
          fmt::format("[{}.order] unknown direction [{}]: use asc or desc", path, dir));
    }
    o.ascending = dir == "asc";
    if (key == "_count") {
      o.kind = OrderKey::kCount;
    } else if (key == "_key" || key == "_term") {
      o.kind = OrderKey::kKey;
    } else {
      o.kind = OrderKey::kMetric;
      o.path = key;
    }
    spec->order.push_back(std::move(o));
  }
  // Ties: by count descending, then by key ascending (Elasticsearch's tie-breakers).
  const bool has_count = std::any_of(spec->order.begin(), spec->order.end(),
                                     [](const OrderKey& o) { return o.kind == OrderKey::kCount; });
  const bool has_key = std::any_of(spec->order.begin(), spec->order.end(),
                                   [](const OrderKey& o) { return o.kind == OrderKey::kKey; });
  if (!has_count && !has_key) spec->order.push_back({OrderKey::kCount, false, {}});
  if (!has_key) spec->order.push_back({OrderKey::kKey, true, {}});
  return Status::Ok();
}

Status ParseIncludeExclude(const json& v, const std::string& path, bool include, TermsSpec* spec) {
  if (v.is_string()) {
    Result<std::string> re = LuceneRegexToRe2(v.get<std::string>());
    if (!re.ok()) return IllegalArgument(fmt::format("[{}] {}", path, re.status().message()));
    Result<storage::TermPattern> p = storage::TermPattern::Regex(*re);
    if (!p.ok()) return IllegalArgument(fmt::format("[{}] {}", path, p.status().message()));
    (include ? spec->include_pattern : spec->exclude_pattern) = std::move(*p);
    return Status::Ok();
  }
  if (v.is_array()) {
    for (const json& s : v) {
      if (s.is_string()) {
        (include ? spec->include_list : spec->exclude_list).push_back(s.get<std::string>());
      } else if (s.is_number_integer()) {
        (include ? spec->include_list : spec->exclude_list)
            .push_back(std::to_string(s.get<int64_t>()));
      } else {
        return ParsingError(fmt::format("[{}] expected strings", path));
      }
    }
    return Status::Ok();
  }
  if (v.is_object() && include && v.contains("partition")) {
    return IllegalArgument(fmt::format("[{}] partitions are not supported", path));
  }
  return ParsingError(fmt::format("[{}] expected a regular expression or an array", path));
}

}  // namespace

Result<std::unique_ptr<AggregationSpec>> NewTermsSpec(const json& params, const std::string& path) {
  auto spec = std::make_unique<TermsSpec>();
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(params,
                {"field", "size", "shard_size", "min_doc_count", "shard_min_doc_count", "order",
                 "missing", "include", "exclude", "execution_hint", "collect_mode",
                 "show_term_doc_count_error", "value_type", "format"},
                path, "terms"));
  Result<std::string> field = RequiredField(params, path);
  if (!field.ok()) return field.status();
  spec->field = *field;
  Result<std::optional<int64_t>> size = OptInt(params, "size", path);
  if (!size.ok()) return size.status();
  if (*size) {
    if (**size <= 0) {
      return IllegalArgument(fmt::format("[{}.size] must be greater than 0, got {}", path, **size));
    }
    spec->size = **size;
  }
  Result<std::optional<int64_t>> mdc = OptInt(params, "min_doc_count", path);
  if (!mdc.ok()) return mdc.status();
  if (*mdc) {
    if (**mdc < 0)
      return IllegalArgument(fmt::format("[{}.min_doc_count] must be 0 or more", path));
    spec->min_doc_count = **mdc;
  }
  if (params.contains("order"))
    VIGIL_RETURN_IF_ERROR(ParseOrder(params["order"], path, spec.get()));
  if (params.contains("missing")) {
    const json& m = params["missing"];
    if (m.is_string()) spec->missing = Scalar::String(m.get<std::string>());
    if (m.is_number_integer()) spec->missing = Scalar::Long(m.get<int64_t>());
    if (m.is_number_float()) spec->missing = Scalar::Double(m.get<double>());
    if (m.is_boolean()) spec->missing = Scalar::Bool(m.get<bool>());
  }
  if (params.contains("include")) {
    VIGIL_RETURN_IF_ERROR(
        ParseIncludeExclude(params["include"], path + ".include", true, spec.get()));
  }
  if (params.contains("exclude")) {
    VIGIL_RETURN_IF_ERROR(
        ParseIncludeExclude(params["exclude"], path + ".exclude", false, spec.get()));
  }
  return std::unique_ptr<AggregationSpec>(std::move(spec));
}

}  // namespace vigil::query::aggs
