#include "storage/term_pattern.h"

#include <fmt/format.h>
#include <re2/re2.h>

namespace vigil::storage {

namespace {

// How long a bound PossibleMatchRange may return: longer literal prefixes narrow no further in
// practice.
constexpr int kMaxBoundLength = 64;

}  // namespace

Result<TermPattern> TermPattern::Compile(std::string expression, TermPatternOptions options) {
  re2::RE2::Options re_options;
  re_options.set_log_errors(false);
  re_options.set_case_sensitive(!options.case_insensitive);
  re_options.set_dot_nl(true);  // a term is one value: `.` matches any character in it
  re_options.set_max_mem(options.max_program_bytes);
  auto re = std::make_shared<const re2::RE2>(expression, re_options);
  if (!re->ok()) {
    if (re->error_code() == re2::RE2::ErrorPatternTooLarge) {
      return Status::ResourceExhausted(
          fmt::format("pattern \"{}\" is too large to run (more than {} bytes of program)",
                      expression, options.max_program_bytes));
    }
    std::string where = re->error_arg().empty() ? "" : fmt::format(" at \"{}\"", re->error_arg());
    return Status::InvalidArgument(
        fmt::format("invalid regular expression \"{}\": {}{}", expression, re->error(), where));
  }
  TermPattern pattern;
  pattern.bounded_ = re->PossibleMatchRange(&pattern.min_, &pattern.max_, kMaxBoundLength);
  pattern.re_ = std::move(re);
  pattern.expression_ = std::move(expression);
  return pattern;
}

Result<TermPattern> TermPattern::Regex(std::string_view pattern, TermPatternOptions options) {
  return Compile(std::string(pattern), options);
}

Result<TermPattern> TermPattern::Wildcard(std::string_view pattern, TermPatternOptions options) {
  std::string expression;
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    expression += re2::RE2::QuoteMeta(literal);
    literal.clear();
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) {
        return Status::InvalidArgument(fmt::format(
            "invalid wildcard pattern \"{}\": it ends with an escape character (\\) that escapes "
            "nothing",
            pattern));
      }
      literal.push_back(pattern[++i]);
    } else if (c == '*') {
      flush();
      // Runs of `*` are one: `.*.*` compiles to the same program, only larger.
      if (!expression.ends_with(".*")) expression += ".*";
    } else if (c == '?') {
      flush();
      expression += '.';
    } else {
      literal.push_back(c);
    }
  }
  flush();
  return Compile(std::move(expression), options);
}

bool TermPattern::Matches(std::string_view term) const {
  return re2::RE2::FullMatch(re2::StringPiece(term.data(), term.size()), *re_);
}

Result<std::pair<uint32_t, uint32_t>> TermPattern::Candidates(const TermDict& dict) const {
  if (!bounded_) return std::pair<uint32_t, uint32_t>(0, dict.size());
  Result<uint32_t> begin = dict.LowerBound(min_);
  if (!begin.ok()) return begin.status();
  Result<uint32_t> end = dict.UpperBound(max_);
  if (!end.ok()) return end.status();
  return std::pair<uint32_t, uint32_t>(*begin, std::max(*begin, *end));
}

Status ForEachMatchingTerm(const TermDict& dict, const TermPattern& pattern, uint64_t max_terms,
                           const std::function<bool(uint32_t ord, std::string_view term)>& fn,
                           TermMatchStats* stats) {
  Result<std::pair<uint32_t, uint32_t>> range = pattern.Candidates(dict);
  if (!range.ok()) return range.status();
  auto [begin, end] = *range;
  TermMatchStats local;
  TermMatchStats* s = stats != nullptr ? stats : &local;
  if (end - begin > max_terms) {
    return Status::ResourceExhausted(fmt::format(
        "pattern \"{}\" would test {} terms of a field, over the limit of {}: anchor it with a "
        "literal prefix",
        pattern.expression(), end - begin, max_terms));
  }
  TermDict::Iterator it(dict);
  VIGIL_RETURN_IF_ERROR(it.Seek(begin));
  while (it.Valid() && it.ord() < end) {
    ++s->examined;
    if (pattern.Matches(it.term())) {
      ++s->matched;
      if (!fn(it.ord(), it.term())) break;
    }
    VIGIL_RETURN_IF_ERROR(it.Next());
  }
  return Status::Ok();
}

}  // namespace vigil::storage
