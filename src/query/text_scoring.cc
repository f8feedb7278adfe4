#include <algorithm>
#include <cmath>

#include "query/analyzer.h"
#include "query/plan.h"

namespace vigil::query {

bool TextMatches(const PlanNode& n, std::string_view value, std::vector<std::string>* scratch) {
  scratch->clear();
  Tokenize(value, scratch);
  const std::vector<std::string>& toks = *scratch;
  if (n.phrase) {
    if (n.tokens.size() > toks.size()) return false;
    for (size_t i = 0; i + n.tokens.size() <= toks.size(); ++i) {
      bool all = true;
      for (size_t k = 0; k < n.tokens.size() && all; ++k) all = toks[i + k] == n.tokens[k];
      if (all) return true;
    }
    return false;
  }
  size_t found = 0;
  for (const std::string& t : n.tokens) {
    if (std::find(toks.begin(), toks.end(), t) != toks.end()) {
      ++found;
      if (!n.all_tokens) return true;
    } else if (n.all_tokens) {
      return false;
    }
  }
  return n.all_tokens && found == n.tokens.size();
}

// Elasticsearch's BM25 defaults.
constexpr double kBm25K1 = 1.2;
constexpr double kBm25B = 0.75;

// The BM25 score of a value (its tokens) for a text leaf, as Lucene 8+ computes it (without the
// constant (k1 + 1) factor): the sum over the query's words of
// idf × tf / (tf + k1·(1 − b + b·length/avgdl)); for a phrase, its occurrences as the frequency
// and the sum of its words' idf. (Lucene stores lengths in one lossy byte; here they are exact.)
float Bm25(const PlanNode& n, const std::vector<std::string>& tokens) {
  const double len_norm =
      kBm25K1 * (1 - kBm25B + kBm25B * static_cast<double>(tokens.size()) / n.avgdl);
  auto part = [&](double tf, double idf) { return idf * tf / (tf + len_norm); };
  double score = 0;
  if (n.phrase) {
    double pf = 0;
    for (size_t i = 0; i + n.tokens.size() <= tokens.size(); ++i) {
      bool all = true;
      for (size_t k = 0; k < n.tokens.size() && all; ++k) all = tokens[i + k] == n.tokens[k];
      pf += all ? 1 : 0;
    }
    double idf = 0;
    for (size_t q = 0; q < n.tokens.size(); ++q) idf += q < n.idf.size() ? n.idf[q] : 1.0;
    score = pf > 0 ? part(pf, idf) : 0;
  } else {
    for (size_t q = 0; q < n.tokens.size(); ++q) {
      bool repeated = false;
      for (size_t p = 0; p < q && !repeated; ++p) repeated = n.tokens[p] == n.tokens[q];
      if (repeated) continue;
      const auto tf = static_cast<double>(std::count(tokens.begin(), tokens.end(), n.tokens[q]));
      if (tf > 0) score += part(tf, q < n.idf.size() ? n.idf[q] : 1.0);  // 1: not prepared
    }
  }
  return static_cast<float>(score * n.boost);
}

// Collects the index-wide statistics BM25 needs for every scoring text leaf.
Status PrepareText(PlanNode* n, const storage::Snapshot& snapshot) {
  for (auto* list : {&n->must, &n->filter, &n->should, &n->must_not}) {
    for (auto& c : *list) VIGIL_RETURN_IF_ERROR(PrepareText(c.get(), snapshot));
  }
  if (n->op != LeafOp::kText || !n->scoring) return Status::Ok();
  double docs = 0;
  double total_len = 0;
  std::vector<double> df(n->tokens.size(), 0);
  std::vector<std::string> tokens;
  for (const storage::SegmentView& view : snapshot.segments) {
    const int field = view.segment->FindField(n->field.name);
    if (field < 0) continue;
    Result<storage::TermDict> dict = view.segment->Terms(field);
    if (!dict.ok()) return dict.status();
    Result<storage::Postings> postings = view.segment->GetPostings(field);
    if (!postings.ok()) return postings.status();
    storage::TermDict::Iterator it(*dict);
    VIGIL_RETURN_IF_ERROR(it.Seek(0));
    while (it.Valid()) {
      Result<uint32_t> count = postings->Count(it.ord());
      if (!count.ok()) return count.status();
      tokens.clear();
      Tokenize(it.term(), &tokens);
      docs += *count;
      total_len += static_cast<double>(*count) * static_cast<double>(tokens.size());
      for (size_t q = 0; q < n->tokens.size(); ++q) {
        if (std::find(tokens.begin(), tokens.end(), n->tokens[q]) != tokens.end()) df[q] += *count;
      }
      VIGIL_RETURN_IF_ERROR(it.Next());
    }
  }
  n->avgdl = docs > 0 && total_len > 0 ? total_len / docs : 1;
  n->idf.resize(n->tokens.size());
  for (size_t q = 0; q < n->tokens.size(); ++q) {
    n->idf[q] = std::log(1 + (docs - df[q] + 0.5) / (df[q] + 0.5));
  }
  return Status::Ok();
}

}  // namespace vigil::query
