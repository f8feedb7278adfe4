// The query tree: what the DSL parser, the Lucene query-string parser and the KQL parser all
// produce, and what the executor runs. Field names are as the user wrote them; the executor
// resolves them per segment (DESIGN.md section 2.3: flat keys, array-collapsed keys, derived.*,
// X.keyword).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vigil::query {

// A value from a query: a JSON scalar, or a word from a query string (always a string there; the
// executor converts it to the field's type).
struct Scalar {
  enum class Kind : uint8_t { kString, kLong, kDouble, kBool };
  Kind kind = Kind::kString;
  std::string string;
  int64_t long_value = 0;
  double double_value = 0;
  bool bool_value = false;

  static Scalar String(std::string s) {
    Scalar v;
    v.string = std::move(s);
    return v;
  }
  static Scalar Long(int64_t n) {
    Scalar v;
    v.kind = Kind::kLong;
    v.long_value = n;
    return v;
  }
  static Scalar Double(double d) {
    Scalar v;
    v.kind = Kind::kDouble;
    v.double_value = d;
    return v;
  }
  static Scalar Bool(bool b) {
    Scalar v;
    v.kind = Kind::kBool;
    v.bool_value = b;
    return v;
  }
  // The value as text: what a keyword field compares ("7", "1.5", "true").
  std::string Text() const;
};

enum class QueryKind : uint8_t {
  kMatchAll,
  kMatchNone,
  kTerm,      // field = value (keyword: exact; number/date/ip/bool: the typed value)
  kTerms,     // field = any of values
  kIds,       // _id in values
  kRange,     // field in a range
  kExists,    // field has a value
  kPrefix,    // keyword field starts with value
  kWildcard,  // keyword field matches a wildcard pattern
  kRegexp,    // keyword field matches a regular expression (RE2 syntax after translation)
  kMatch,     // full text on text fields; exact on others
  kMatchPhrase,
  kBool,
  kConstantScore,  // the filter's matches, each with score = boost
};

struct RangeBound {
  Scalar value;
  bool inclusive = true;
};

struct Query {
  QueryKind kind = QueryKind::kMatchAll;
  float boost = 1.0f;
  // Leaf queries.
  std::string field;
  std::vector<Scalar> values;  // term (one), terms, ids, match (one: the text), prefix, patterns
  bool case_insensitive = false;
  // A value that does not convert to the field's type matches nothing instead of failing the
  // request (query strings over many fields, `lenient: true`).
  bool lenient = false;
  // A field name with `*` stands for every field of the mapping it matches (the query matches
  // when any of them does; lenient).
  // Range.
  std::optional<RangeBound> lower;
  std::optional<RangeBound> upper;
  std::string format;     // date format of the bounds ("" = ISO-8601 / epoch millis)
  std::string time_zone;  // for dates without a zone and for date-math rounding
  // match: "or" (default) or "and" between the words of the text.
  bool operator_and = false;
  // Bool (and constant_score: its filter is must[0]).
  std::vector<std::unique_ptr<Query>> must;
  std::vector<std::unique_ptr<Query>> filter;
  std::vector<std::unique_ptr<Query>> should;
  std::vector<std::unique_ptr<Query>> must_not;
  // How many `should` clauses must match: -1 = the default (1 when there are no must/filter
  // clauses, else 0).
  int minimum_should_match = -1;

  static std::unique_ptr<Query> MatchAll() { return std::make_unique<Query>(); }
  static std::unique_ptr<Query> MatchNone() {
    auto q = std::make_unique<Query>();
    q->kind = QueryKind::kMatchNone;
    return q;
  }
  // A readable form for tests and errors: term(type:Recon:EC2/Portscan), bool(must=[...]).
  std::string DebugString() const;
};

}  // namespace vigil::query
