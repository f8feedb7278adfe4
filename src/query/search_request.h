// SearchRequest: a parsed `_search` body (or a `q=` URI search): the query, paging, sorting,
// source filtering and aggregations. Built by ParseSearchRequest (dsl_parser.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/aggregation.h"
#include "query/query.h"

namespace vigil::query {

struct SortKey {
  std::string field;  // a field, or "_score", or "_doc"
  bool descending = false;
  // Where documents without a value go: "_last" (default), "_first", or a value that stands in
  // for the missing one.
  enum class Missing : uint8_t { kLast, kFirst, kValue } missing = Missing::kLast;
  Scalar missing_value;
  // Which of a multi-valued field's values sorts: min for ascending and max for descending by
  // default, as in Elasticsearch.
  enum class Mode : uint8_t { kDefault, kMin, kMax } mode = Mode::kDefault;
};

struct SourceFilter {
  bool enabled = true;
  std::vector<std::string> includes;  // patterns with `*`; empty: everything
  std::vector<std::string> excludes;
};

struct SearchRequest {
  std::unique_ptr<Query> query;  // never null once parsed (match_all by default)
  int64_t from = 0;
  int64_t size = 10;
  std::vector<SortKey> sort;  // empty: by score, then by index order
  // search_after: one value per sort key (JSON scalars; null for a missing value).
  std::vector<std::optional<Scalar>> search_after;
  // track_total_hits: count exactly up to this many (then "gte"); INT64_MAX = true; 0 = false
  // (no total in the response). Elasticsearch's default is 10,000.
  int64_t track_total_hits = 10'000;
  bool track_total_hits_set = false;  // false: the default applied
  SourceFilter source;
  std::vector<std::string> fields;  // `fields`: values to return per hit (patterns)
  std::vector<std::unique_ptr<AggregationSpec>> aggs;
  std::optional<float> min_score;
  int64_t terminate_after = 0;  // 0: none
  bool explain = false;
  bool version = false;
  bool seq_no_primary_term = false;
  std::string time_zone;  // not part of the DSL: set by callers for query strings
};

}  // namespace vigil::query
