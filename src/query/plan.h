// The executable form of a query tree (executor.cc compiles a Query into PlanNodes, evaluates them
// per segment and scores their matches), with what the executor's files share about it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/field_resolver.h"
#include "query/query.h"
#include "storage/postings.h"
#include "storage/segment_reader.h"
#include "storage/snapshot.h"
#include "storage/term_pattern.h"

namespace vigil::query {

using storage::Bitmap;

enum class LeafOp : uint8_t { kNone, kAll, kTerms, kRange, kPattern, kText, kExists };

struct PlanNode {
  QueryKind kind = QueryKind::kMatchAll;
  float boost = 1.0f;
  bool scoring = false;
  // Leaves.
  LeafOp op = LeafOp::kNone;
  ResolvedField field;
  std::vector<std::string> terms;           // encoded, sorted, distinct
  std::vector<std::string> conflict_terms;  // texts looked up in the conflict entry
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  bool lower_inclusive = true;
  bool upper_inclusive = true;
  std::optional<storage::TermPattern> pattern;
  std::vector<std::string> tokens;  // kText: the analysed query
  bool phrase = false;
  bool all_tokens = false;  // kText: every token (operator and), else any
  // kText BM25 statistics over the index (Prepare): documents with the field, their average
  // length in words, and the inverse document frequency of each query token.
  double avgdl = 1;
  std::vector<double> idf;
  // Per segment, for scoring: each ordinal's BM25 score and the column that maps documents to
  // ordinals.
  mutable std::vector<float> ord_scores;
  mutable storage::Column score_column;
  mutable bool has_scores = false;
  // Bool (and constant_score, whose filter is must[0]).
  std::vector<std::unique_ptr<PlanNode>> must;
  std::vector<std::unique_ptr<PlanNode>> filter;
  std::vector<std::unique_ptr<PlanNode>> should;
  std::vector<std::unique_ptr<PlanNode>> must_not;
  int minimum_should_match = 0;
  // The matches in the segment last evaluated (scoring nodes only).
  mutable Bitmap last;
};

// text_scoring.cc: matching and scoring a kText leaf against one value of its field.

// Whether `value` (analysed into *scratch) matches the leaf: its words in order for a phrase,
// all of them or any of them otherwise.
bool TextMatches(const PlanNode& n, std::string_view value, std::vector<std::string>* scratch);
// The BM25 score of a value (its tokens) for a text leaf.
float Bm25(const PlanNode& n, const std::vector<std::string>& tokens);
// Collects the index-wide statistics BM25 needs for every scoring text leaf under `n`.
Status PrepareText(PlanNode* n, const storage::Snapshot& snapshot);

}  // namespace vigil::query
