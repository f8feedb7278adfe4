// Running a query tree on segments: CompiledQuery resolves every field once per request and
// converts every value to the term encoding of its field's type (a number for a long field, epoch
// milliseconds for a date, 16 bytes for an IP); then, per segment, Match() gives the matching
// live documents as a bitmap, read from term dictionaries, postings and columns.
//
// Scores follow Elasticsearch's structure (a bool sums its must and should clauses; filter and
// must_not clauses score nothing; constant_score gives its boost). `match` and `match_phrase` on
// text fields score with BM25 (k1 1.2, b 0.75, statistics over the whole index); every other leaf
// scores its boost. Text matches are found by analysing the field's distinct values (the
// dictionary), without a token index.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/field_resolver.h"
#include "query/query.h"
#include "query/term_values.h"
#include "storage/postings.h"
#include "storage/term_pattern.h"

namespace vigil::query {

struct ExecOptions {
  int64_t now = 0;  // the request's time, for date math
  // The most terms a wildcard, regexp or prefix query may test per segment and field.
  uint64_t max_pattern_terms = 1'000'000;
  // The most distinct values of a text field a `match` may analyse per segment.
  uint64_t max_text_terms = 2'000'000;
  // Only these values of `accountId` are visible (an account-scoped API key); empty: all.
  std::vector<std::string> account_scope;
};

struct PlanNode;

class CompiledQuery {
 public:
  static Result<CompiledQuery> Compile(const Query& query, const FieldResolver& fields,
                                       const ExecOptions& options);
  CompiledQuery(CompiledQuery&&) noexcept;
  CompiledQuery& operator=(CompiledQuery&&) noexcept;
  ~CompiledQuery();

  // Gathers what scoring needs from the whole index before the segments are searched (BM25's
  // document frequencies and average lengths for `match` on text fields). Optional: without it,
  // text matches score as if every word were rare.
  Status Prepare(const storage::Snapshot& snapshot);

  // The live documents of `segment` that match (and are inside the account scope).
  Result<storage::Bitmap> Match(const SegmentContext& segment) const;

  // Scores of matching documents in the segment last given to Match() (call Match first; not
  // thread-safe across segments). `doc` must be one of its matches.
  float Score(uint32_t doc) const;
  // False when every match has the same score (then sorting by score is index order).
  bool scores_vary() const { return scores_vary_; }

 private:
  CompiledQuery();
  std::unique_ptr<PlanNode> root_;
  std::unique_ptr<PlanNode> scope_;
  bool scores_vary_ = false;
  ExecOptions options_;
};

}  // namespace vigil::query
