// Query values as the terms of a field (term_encoding.h): the conversions the executor makes
// once per request, before any segment is read.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "query/query.h"
#include "storage/field_value.h"

namespace vigil::query {

// Elasticsearch's error type for a query that does not fit the index (a value that does not
// convert to its field's type, a bad pattern): an HTTP 400.
inline constexpr std::string_view kShardErrorType = "query_shard_exception";
inline Status ShardError(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail(std::string(kShardErrorType));
}

// Converts a query value to the term of a field of `type` (term_encoding.h): numbers from JSON
// numbers or text, dates from epoch millis or a date string, and so on. InvalidArgument saying
// why when it does not fit.
Result<std::string> ValueToTerm(storage::FieldType type, const Scalar& value,
                                std::string_view field);

// An IP with a prefix length ("10.0.0.0/8", "2001:db8::/32") as the range [*low, *high] of
// 16-byte IP terms; false when `text` is not one.
bool CidrRange(const std::string& text, std::string* low, std::string* high);

// An RE2 pattern matching any of `literals` exactly (quoted), for case-insensitive term lookups.
std::string CaseInsensitiveRegex(const std::vector<std::string>& literals);

}  // namespace vigil::query
