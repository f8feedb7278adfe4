// The Elasticsearch query DSL: a `_search` body (JSON) into a SearchRequest, and a `q=` URI
// search into the same. Errors are InvalidArgument (or ResourceExhausted for limits) with
// Elasticsearch's error type in Status::detail() ("parsing_exception" for a body of the wrong
// shape, "illegal_argument_exception" for a wrong value, "x_content_parse_exception" for JSON
// that does not parse) and a reason that names where: `[query.bool.must[1].term]`.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "query/search_request.h"

namespace vigil::query {

struct ParseLimits {
  size_t max_depth = 64;               // nesting of JSON objects and arrays in a body
  size_t max_clauses = 4096;           // query clauses in a request (Lucene's maxClauseCount)
  int64_t max_result_window = 10'000;  // from + size
};

// Parses a request body ("" is an empty body: match_all, size 10).
Result<SearchRequest> ParseSearchRequest(std::string_view body, const ParseLimits& limits = {});

// Parses a query object (the value of "query").
Result<std::unique_ptr<Query>> ParseQuery(const nlohmann::ordered_json& query,
                                          const std::string& path, const ParseLimits& limits = {});

// JSON text into a tree, with the depth limit checked first and a syntax error located (line and
// column) in the message.
Result<nlohmann::ordered_json> ParseJsonBody(std::string_view body, size_t max_depth);

}  // namespace vigil::query
