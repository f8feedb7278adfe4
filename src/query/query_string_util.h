// Pieces shared by the query-string parsers (Lucene, simple, KQL).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::query {

inline constexpr size_t kMaxQueryStringBytes = 64 << 10;
inline constexpr size_t kMaxQueryStringDepth = 32;

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The 1-based column of byte `at` of `text`, counting characters (UTF-8 code points).
size_t Column(std::string_view text, size_t at);

// InvalidArgument, detail "parse_exception":
// "Cannot parse '<text>': <what>, at column <n>" (or "at the end" past the last character).
Status QueryStringError(std::string_view text, std::string_view what, size_t at);

// Reads a double-quoted string at text[*pos] (which is '"'), with `\` escapes; moves *pos past
// the closing quote. An error naming the opening column when it is not closed.
Result<std::string> ReadQuoted(std::string_view text, size_t* pos);

}  // namespace vigil::query
