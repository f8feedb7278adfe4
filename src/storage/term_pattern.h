// TermPattern: a regular expression or a wildcard pattern matched against whole terms of a
// field's dictionary, for the query module's `regexp`, `wildcard` and query-string forms (which
// translate their own syntaxes into these two).
//
// Matching a dictionary does not test every term: RE2 works out the range of strings a pattern
// can match (a literal prefix narrows it to the terms that start with it), and only the terms in
// that range are decoded and tested. A pattern that can start with anything (`.*x`, `*x`) scans
// the whole dictionary; the caller limits the cost with `max_terms`.
//
// Thread-safe once built (RE2 is); copies share the compiled program.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "storage/term_dict.h"

namespace re2 {
class RE2;
}

namespace vigil::storage {

struct TermPatternOptions {
  bool case_insensitive = false;
  // RE2's memory budget for the compiled program: a pattern that needs more is refused with a
  // clear error (a query-cost limit against patterns such as `(a|b){1000}`).
  int64_t max_program_bytes = 8 << 20;
};

class TermPattern {
 public:
  // A regular expression in RE2's syntax (Perl-like, linear time, no backreferences) that must
  // match the whole term. InvalidArgument, with RE2's reason and the offending part, when it
  // does not compile.
  static Result<TermPattern> Regex(std::string_view pattern, TermPatternOptions options = {});
  // A wildcard pattern: `*` matches any sequence of characters (none included), `?` exactly one
  // character (a UTF-8 code point), `\` makes the next character literal; everything else is
  // literal. InvalidArgument for a pattern that ends in a lone `\`.
  static Result<TermPattern> Wildcard(std::string_view pattern, TermPatternOptions options = {});

  // Whether `term` matches, as a whole.
  bool Matches(std::string_view term) const;
  // The RE2 expression actually matched (a wildcard's translation), for messages and tests.
  const std::string& expression() const { return expression_; }

  // The ordinals [begin, end) of `dict` that can match: every matching term is in this range.
  Result<std::pair<uint32_t, uint32_t>> Candidates(const TermDict& dict) const;

 private:
  TermPattern() = default;
  static Result<TermPattern> Compile(std::string expression, TermPatternOptions options);

  std::shared_ptr<const re2::RE2> re_;
  std::string expression_;
  // Every match m has min_ <= m <= max_ (RE2::PossibleMatchRange); unbounded when false.
  bool bounded_ = false;
  std::string min_;
  std::string max_;
};

struct TermMatchStats {
  uint64_t examined = 0;  // terms decoded and tested
  uint64_t matched = 0;
};

// Calls fn(ord, term) for every term of `dict` that `pattern` matches, in increasing order;
// stops when fn returns false. Tests at most `max_terms` terms (the range of candidates first):
// past that, fails with ResourceExhausted naming the limit, so that an unanchored pattern over a
// dictionary of millions of terms is a clear error rather than a slow query. `*stats` (when not
// null) gets what was examined.
Status ForEachMatchingTerm(const TermDict& dict, const TermPattern& pattern, uint64_t max_terms,
                           const std::function<bool(uint32_t ord, std::string_view term)>& fn,
                           TermMatchStats* stats = nullptr);

}  // namespace vigil::storage
