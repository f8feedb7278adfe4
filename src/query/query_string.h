// Query strings: Lucene's query-string syntax (`query_string`, `q=`), its forgiving cousin
// `simple_query_string`, and Kibana's KQL (a Vigil extension: `{"kql": {"query": "..."}}`), each
// into the query tree.
//
// A value without a field goes to the default fields (`*`, every field, by default; leniently:
// a value that does not fit a field's type does not match it). A value for a field becomes a
// `match` (exact on keywords, converted on numbers, dates, IPs and booleans), a `wildcard` when
// it has unescaped `*` or `?`, a `regexp` between slashes (Lucene), a `match_phrase` when quoted,
// a `range` for `[a TO b]`, `{a TO b}`, `>=a` (Lucene) or `>= a` (KQL), and `exists` for
// `field:*` or `_exists_:field`.
//
// Syntax errors are InvalidArgument with detail "parse_exception" and a message that gives the
// column (1-based, in characters of the query text) and what was expected:
//   Cannot parse 'type:(Recon': expected ')' to close the group opened at column 6, at column 12
// simple_query_string never fails on syntax, as in Elasticsearch.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/query.h"

namespace vigil::query {

struct QueryStringOptions {
  std::vector<std::string> default_fields = {"*"};
  bool default_and = false;  // default_operator AND (Lucene, simple); KQL always ORs nothing
  bool allow_leading_wildcard = true;
  bool lenient = false;
  bool case_insensitive = false;
  std::string time_zone;  // for ranges on dates
};

Result<std::unique_ptr<Query>> ParseLuceneQuery(std::string_view text,
                                                const QueryStringOptions& options);
Result<std::unique_ptr<Query>> ParseSimpleQueryString(std::string_view text,
                                                      const QueryStringOptions& options);
Result<std::unique_ptr<Query>> ParseKql(std::string_view text, const QueryStringOptions& options);

// Lucene's regular-expression syntax (what `regexp` queries and `/.../` take) into RE2's: `@` is
// any string, `#` the empty language, `<1-100>` a decimal range, `"..."` a literal; `^` and `$`
// are ordinary characters. The complement `~` and the intersection `&` (off by default in
// Elasticsearch's `flags`... but on in `ALL`) are refused with a clear error.
Result<std::string> LuceneRegexToRe2(std::string_view pattern);

}  // namespace vigil::query
