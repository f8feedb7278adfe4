#include "query/dsl_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "query/json_util.h"
#include "query/query_string.h"

namespace vigil::query {

namespace {

// Elasticsearch's form of a leaf query with one field: {"field": value} or {"field": {...}},
// possibly with "boost" or "_name" beside the field.
struct FieldClause {
  std::string field;
  const json* value = nullptr;
  float boost = 1.0f;
};

Result<FieldClause> OneField(const json& body, const std::string& path, std::string_view kind) {
  if (!body.is_object()) {
    return ParsingError(fmt::format("[{}] [{}] query malformed, expected an object, got {}", path,
                                    kind, TypeName(body)));
  }
  FieldClause c;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "boost" && !it.value().is_object()) {
      Result<float> b = GetFloat(it.value(), path + ".boost");
      if (!b.ok()) return b.status();
      c.boost = *b;
      continue;
    }
    if (it.key() == "_name") continue;
    if (c.value != nullptr) {
      return ParsingError(
          fmt::format("[{}] [{}] query does not support more than one field: [{}] and [{}]", path,
                      kind, c.field, it.key()));
    }
    c.field = it.key();
    c.value = &it.value();
  }
  if (c.value == nullptr) {
    return ParsingError(fmt::format("[{}] [{}] query needs a field", path, kind));
  }
  return c;
}

class Parser {
 public:
  explicit Parser(const ParseLimits& limits) : limits_(limits) {}

  Result<std::unique_ptr<Query>> Parse(const json& q, const std::string& path);

 private:
  Status CountClause(const std::string& path) {
    if (++clauses_ > limits_.max_clauses) {
      return Status::ResourceExhausted(
                 fmt::format("[{}] the query has more than {} clauses "
                             "(too_many_clauses: maxClauseCount is set to {})",
                             path, limits_.max_clauses, limits_.max_clauses))
          .WithDetail("too_many_clauses");
    }
    return Status::Ok();
  }
  Result<std::unique_ptr<Query>> Leaf(QueryKind kind, const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Terms(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Ids(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Range(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Exists(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> MultiMatch(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Bool(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> ConstantScore(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> QueryStringQuery(std::string_view name, const json& body,
                                                  const std::string& path);

  const ParseLimits& limits_;
  size_t clauses_ = 0;
};

Result<std::unique_ptr<Query>> Parser::Parse(const json& q, const std::string& path) {
  if (!q.is_object()) {
    return ParsingError(fmt::format("[{}] a query must be an object, got {}", path, TypeName(q)));
  }
  if (q.size() != 1) {
    return ParsingError(fmt::format("[{}] a query object must hold exactly one query type, got {}",
                                    path,
                                    q.empty() ? std::string("none") : std::to_string(q.size())));
  }
  VIGIL_RETURN_IF_ERROR(CountClause(path));
  const std::string& name = q.begin().key();
  const json& body = q.begin().value();
  const std::string sub = path + "." + name;
  if (name == "match_all" || name == "match_none") {
    auto r = name == "match_all" ? Query::MatchAll() : Query::MatchNone();
    if (body.is_object() && body.contains("boost")) {
      Result<float> b = GetFloat(body["boost"], sub + ".boost");
      if (!b.ok()) return b.status();
      r->boost = *b;
    }
    return r;
  }
  if (name == "term") return Leaf(QueryKind::kTerm, body, sub);
  if (name == "terms") return Terms(body, sub);
  if (name == "ids") return Ids(body, sub);
  if (name == "range") return Range(body, sub);
  if (name == "exists") return Exists(body, sub);
  if (name == "prefix") return Leaf(QueryKind::kPrefix, body, sub);
  if (name == "wildcard") return Leaf(QueryKind::kWildcard, body, sub);
  if (name == "regexp") return Leaf(QueryKind::kRegexp, body, sub);
  if (name == "match") return Leaf(QueryKind::kMatch, body, sub);
  if (name == "match_phrase") return Leaf(QueryKind::kMatchPhrase, body, sub);
  if (name == "multi_match") return MultiMatch(body, sub);
  if (name == "bool") return Bool(body, sub);
  if (name == "constant_score") return ConstantScore(body, sub);
  if (name == "query_string" || name == "simple_query_string" || name == "kql") {
    return QueryStringQuery(name, body, sub);
  }
  return ParsingError(fmt::format("[{}] unknown query [{}]", path, name));
}

// The leaves whose body is {"field": value} or {"field": {<value key>: value, ...}}: term,
// prefix, wildcard, regexp, match and match_phrase. Each says its value's key(s), whether the
// value must be text, and the options it takes; options Elasticsearch has and Vigil ignores (no
// effect on the results) are accepted.
struct LeafForm {
  std::string_view name;
  std::vector<std::string_view> value_keys;
  bool text_value = false;        // a string (patterns) rather than any scalar
  bool case_insensitive = false;  // takes case_insensitive
  bool match_operator = false;    // takes operator (and / or)
  std::vector<std::string_view> ignored;
};

const LeafForm& FormOf(QueryKind kind) {
  static const LeafForm kTermForm{"term", {"value"}, false, true, false, {}};
  static const LeafForm kPrefixForm{"prefix", {"value"}, true, true, false, {"rewrite"}};
  static const LeafForm kWildcardForm{"wildcard", {"value", "wildcard"}, true, true, false,
                                      {"rewrite"}};
  static const LeafForm kRegexpForm{
      "regexp", {"value"}, true, true, false, {"rewrite", "flags", "max_determinized_states"}};
  static const LeafForm kMatchForm{
      "match",
      {"query"},
      false,
      false,
      true,
      {"analyzer", "lenient", "zero_terms_query", "auto_generate_synonyms_phrase_query",
       "fuzziness", "prefix_length", "max_expansions", "minimum_should_match"}};
  static const LeafForm kPhraseForm{
      "match_phrase", {"query"}, false, false, false, {"analyzer", "slop", "zero_terms_query"}};
  switch (kind) {
    case QueryKind::kPrefix:
      return kPrefixForm;
    case QueryKind::kWildcard:
      return kWildcardForm;
    case QueryKind::kRegexp:
      return kRegexpForm;
    case QueryKind::kMatch:
      return kMatchForm;
    case QueryKind::kMatchPhrase:
      return kPhraseForm;
    default:
      return kTermForm;
  }
}

Result<std::unique_ptr<Query>> Parser::Leaf(QueryKind kind, const json& body,
                                            const std::string& path) {
  const LeafForm& form = FormOf(kind);
  Result<FieldClause> c = OneField(body, path, form.name);
  if (!c.ok()) return c.status();
  const std::string vpath = Sub(path, c->field);
  auto q = std::make_unique<Query>();
  q->kind = kind;
  q->field = c->field;
  q->boost = c->boost;
  auto add_value = [&](const json& v, const std::string& where) -> Status {
    if (form.text_value) {
      Result<std::string> t = GetString(v, where);
      if (!t.ok()) return t.status();
      q->values.push_back(Scalar::String(std::move(*t)));
      return Status::Ok();
    }
    Result<Scalar> t = ToScalar(v, where);
    if (!t.ok()) return t.status();
    q->values.push_back(std::move(*t));
    return Status::Ok();
  };
  const json& v = *c->value;
  if (!v.is_object()) {
    VIGIL_RETURN_IF_ERROR(add_value(v, vpath));
    return q;
  }
  auto among = [](const std::vector<std::string_view>& list, std::string_view k) {
    return std::find(list.begin(), list.end(), k) != list.end();
  };
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& k = it.key();
    const std::string kpath = Sub(vpath, k);
    if (among(form.value_keys, k)) {
      VIGIL_RETURN_IF_ERROR(add_value(it.value(), kpath));
    } else if (k == "boost") {
      Result<float> b = GetFloat(it.value(), kpath);
      if (!b.ok()) return b.status();
      q->boost = *b;
    } else if (k == "case_insensitive" && form.case_insensitive) {
      Result<bool> b = GetBool(it.value(), kpath);
      if (!b.ok()) return b.status();
      q->case_insensitive = *b;
    } else if (k == "operator" && form.match_operator) {
      Result<std::string> op = GetString(it.value(), kpath);
      if (!op.ok()) return op.status();
      std::string lower = *op;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower != "and" && lower != "or") {
        return IllegalArgument(
            fmt::format("[{}] operator must be \"and\" or \"or\", got \"{}\"", vpath, *op));
      }
      q->operator_and = lower == "and";
    } else if (k != "_name" && !among(form.ignored, k)) {
      return ParsingError(
          fmt::format("[{}] [{}] query does not support [{}]", vpath, form.name, k));
    }
  }
  if (q->values.empty()) {
    return ParsingError(
        fmt::format("[{}] [{}] query needs a [{}]", vpath, form.name, form.value_keys[0]));
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::Terms(const json& body, const std::string& path) {
  Result<FieldClause> c = OneField(body, path, "terms");
  if (!c.ok()) return c.status();
  const std::string vpath = path + "." + c->field;
  if (!c->value->is_array()) {
    return ParsingError(fmt::format(
        "[{}] [terms] query needs an array of values, got {} (terms lookup is not supported)",
        vpath, TypeName(*c->value)));
  }
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kTerms;
  q->field = c->field;
  q->boost = c->boost;
  size_t i = 0;
  for (const json& v : *c->value) {
    if (v.is_null()) continue;
    Result<Scalar> s = ToScalar(v, fmt::format("{}[{}]", vpath, i++));
    if (!s.ok()) return s.status();
    q->values.push_back(std::move(*s));
  }
  if (q->values.size() > 65536) {
    return Status::ResourceExhausted(fmt::format(
        "[{}] [terms] query has {} values, over the limit of 65536", vpath, q->values.size()));
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::Ids(const json& body, const std::string& path) {
  if (!body.is_object() || !body.contains("values") || !body["values"].is_array()) {
    return ParsingError(fmt::format("[{}] [ids] query needs [values], an array of ids", path));
  }
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kIds;
  q->field = "_id";
  for (const json& v : body["values"]) {
    Result<std::string> s = GetString(v, path + ".values");
    if (!s.ok()) return s.status();
    q->values.push_back(Scalar::String(std::move(*s)));
  }
  if (body.contains("boost")) {
    Result<float> b = GetFloat(body["boost"], path + ".boost");
    if (!b.ok()) return b.status();
    q->boost = *b;
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::Range(const json& body, const std::string& path) {
  Result<FieldClause> c = OneField(body, path, "range");
  if (!c.ok()) return c.status();
  const std::string vpath = path + "." + c->field;
  if (!c->value->is_object()) {
    return ParsingError(fmt::format("[{}] [range] query malformed, expected an object, got {}",
                                    vpath, TypeName(*c->value)));
  }
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kRange;
  q->field = c->field;
  q->boost = c->boost;
  bool include_lower = true;
  bool include_upper = true;
  std::optional<Scalar> from;
  std::optional<Scalar> to;
  for (auto it = c->value->begin(); it != c->value->end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    auto bound = [&](std::optional<RangeBound>* b, bool inclusive) -> Status {
      if (v.is_null()) return Status::Ok();
      Result<Scalar> s = ToScalar(v, Sub(vpath, k));
      if (!s.ok()) return s.status();
      *b = RangeBound{std::move(*s), inclusive};
      return Status::Ok();
    };
    if (k == "gte") {
      VIGIL_RETURN_IF_ERROR(bound(&q->lower, true));
    } else if (k == "gt") {
      VIGIL_RETURN_IF_ERROR(bound(&q->lower, false));
    } else if (k == "lte") {
      VIGIL_RETURN_IF_ERROR(bound(&q->upper, true));
    } else if (k == "lt") {
      VIGIL_RETURN_IF_ERROR(bound(&q->upper, false));
    } else if (k == "from" || k == "to") {
      if (!v.is_null()) {
        Result<Scalar> s = ToScalar(v, Sub(vpath, k));
        if (!s.ok()) return s.status();
        (k == "from" ? from : to) = std::move(*s);
      }
    } else if (k == "include_lower" || k == "include_upper") {
      Result<bool> b = GetBool(v, Sub(vpath, k));
      if (!b.ok()) return b.status();
      (k == "include_lower" ? include_lower : include_upper) = *b;
    } else if (k == "format" || k == "time_zone") {
      Result<std::string> s = GetString(v, Sub(vpath, k));
      if (!s.ok()) return s.status();
      (k == "format" ? q->format : q->time_zone) = std::move(*s);
    } else if (k == "boost") {
      Result<float> b = GetFloat(v, vpath + ".boost");
      if (!b.ok()) return b.status();
      q->boost = *b;
    } else if (k != "relation" && k != "_name") {
      return ParsingError(fmt::format("[{}] [range] query does not support [{}]", vpath, k));
    }
  }
  if (from && !q->lower) q->lower = RangeBound{std::move(*from), include_lower};
  if (to && !q->upper) q->upper = RangeBound{std::move(*to), include_upper};
  return q;
}

Result<std::unique_ptr<Query>> Parser::Exists(const json& body, const std::string& path) {
  if (!body.is_object() || !body.contains("field")) {
    return ParsingError(fmt::format("[{}] [exists] query needs a [field]", path));
  }
  Result<std::string> f = GetString(body["field"], path + ".field");
  if (!f.ok()) return f.status();
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kExists;
  q->field = std::move(*f);
  if (body.contains("boost")) {
    Result<float> b = GetFloat(body["boost"], path + ".boost");
    if (!b.ok()) return b.status();
    q->boost = *b;
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::MultiMatch(const json& body, const std::string& path) {
  if (!body.is_object() || !body.contains("query")) {
    return ParsingError(fmt::format("[{}] [multi_match] query needs a [query]", path));
  }
  Result<Scalar> text = ToScalar(body["query"], path + ".query");
  if (!text.ok()) return text.status();
  std::vector<std::string> fields;
  if (body.contains("fields")) {
    if (!body["fields"].is_array()) {
      return ParsingError(fmt::format("[{}] [fields] must be an array", path));
    }
    for (const json& f : body["fields"]) {
      Result<std::string> s = GetString(f, path + ".fields");
      if (!s.ok()) return s.status();
      fields.push_back(std::move(*s));
    }
  }
  if (fields.empty()) fields.emplace_back("*");
  bool operator_and = false;
  std::string type = "best_fields";
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    if (k == "operator") {
      Result<std::string> s = GetString(it.value(), path + ".operator");
      if (!s.ok()) return s.status();
      operator_and = *s == "and" || *s == "AND";
    } else if (k == "type") {
      Result<std::string> s = GetString(it.value(), path + ".type");
      if (!s.ok()) return s.status();
      type = *s;
      if (type != "best_fields" && type != "most_fields" && type != "phrase" &&
          type != "cross_fields" && type != "phrase_prefix" && type != "bool_prefix") {
        return IllegalArgument(fmt::format("[{}] unknown multi_match type [{}]", path, type));
      }
    } else if (k != "query" && k != "fields" && k != "boost" && k != "tie_breaker" &&
               k != "analyzer" && k != "lenient" && k != "_name" && k != "minimum_should_match" &&
               k != "zero_terms_query" && k != "fuzziness") {
      return ParsingError(fmt::format("[{}] [multi_match] query does not support [{}]", path, k));
    }
  }
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kBool;
  q->minimum_should_match = 1;
  if (body.contains("boost")) {
    Result<float> b = GetFloat(body["boost"], path + ".boost");
    if (!b.ok()) return b.status();
    q->boost = *b;
  }
  for (const std::string& f : fields) {
    VIGIL_RETURN_IF_ERROR(CountClause(path));
    auto m = std::make_unique<Query>();
    m->kind = type == "phrase" ? QueryKind::kMatchPhrase : QueryKind::kMatch;
    m->operator_and = operator_and;
    m->values.push_back(*text);
    // "field^2": a per-field boost.
    size_t caret = f.rfind('^');
    m->field = f.substr(0, caret);
    if (caret != std::string::npos) {
      try {
        m->boost = std::stof(f.substr(caret + 1));
      } catch (const std::exception&) {
        return IllegalArgument(fmt::format("[{}] bad field boost in [{}]", path, f));
      }
    }
    q->should.push_back(std::move(m));
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::Bool(const json& body, const std::string& path) {
  if (!body.is_object()) {
    return ParsingError(fmt::format("[{}] [bool] query malformed, expected an object, got {}", path,
                                    TypeName(body)));
  }
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kBool;
  std::optional<json> msm;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    std::vector<std::unique_ptr<Query>>* clauses = nullptr;
    if (k == "must") clauses = &q->must;
    if (k == "filter") clauses = &q->filter;
    if (k == "should") clauses = &q->should;
    if (k == "must_not") clauses = &q->must_not;
    if (clauses != nullptr) {
      const json& v = it.value();
      if (v.is_object()) {
        Result<std::unique_ptr<Query>> c = Parse(v, Sub(path, k));
        if (!c.ok()) return c.status();
        clauses->push_back(std::move(*c));
      } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) {
          Result<std::unique_ptr<Query>> c = Parse(v[i], fmt::format("{}.{}[{}]", path, k, i));
          if (!c.ok()) return c.status();
          clauses->push_back(std::move(*c));
        }
      } else {
        return ParsingError(fmt::format("[{}.{}] expected a query or an array of queries, got {}",
                                        path, k, TypeName(v)));
      }
    } else if (k == "minimum_should_match") {
      msm = it.value();
    } else if (k == "boost") {
      Result<float> b = GetFloat(it.value(), path + ".boost");
      if (!b.ok()) return b.status();
      q->boost = *b;
    } else if (k != "_name" && k != "adjust_pure_negative") {
      return ParsingError(fmt::format("[{}] [bool] query does not support [{}]", path, k));
    }
  }
  if (msm) {
    // An integer, "2", "-1", "75%" or "-25%" of the should clauses (rounded down, as in ES).
    const int n = static_cast<int>(q->should.size());
    int value = 0;
    if (msm->is_number_integer()) {
      value = msm->get<int>();
    } else if (msm->is_string()) {
      std::string s = msm->get<std::string>();
      bool percent = !s.empty() && s.back() == '%';
      if (percent) s.pop_back();
      int v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || ptr != s.data() + s.size()) {
        return IllegalArgument(
            fmt::format("[{}.minimum_should_match] expected an integer or a percentage, got \"{}\"",
                        path, msm->get<std::string>()));
      }
      value = percent ? n * v / 100 : v;
    } else {
      return IllegalArgument(
          fmt::format("[{}.minimum_should_match] expected an integer or a percentage, got {}", path,
                      TypeName(*msm)));
    }
    if (value < 0) value = std::max(0, n + value);
    q->minimum_should_match = value;
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::ConstantScore(const json& body, const std::string& path) {
  if (!body.is_object() || !body.contains("filter")) {
    return ParsingError(fmt::format("[{}] [constant_score] query needs a [filter]", path));
  }
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kConstantScore;
  Result<std::unique_ptr<Query>> f = Parse(body["filter"], path + ".filter");
  if (!f.ok()) return f.status();
  q->must.push_back(std::move(*f));
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "boost") {
      Result<float> b = GetFloat(it.value(), path + ".boost");
      if (!b.ok()) return b.status();
      q->boost = *b;
    } else if (it.key() != "filter" && it.key() != "_name") {
      return ParsingError(
          fmt::format("[{}] [constant_score] query does not support [{}]", path, it.key()));
    }
  }
  return q;
}

Result<std::unique_ptr<Query>> Parser::QueryStringQuery(std::string_view name, const json& body,
                                                        const std::string& path) {
  if (!body.is_object() || !body.contains("query")) {
    return ParsingError(fmt::format("[{}] [{}] query needs a [query]", path, name));
  }
  Result<std::string> text = GetString(body["query"], path + ".query");
  if (!text.ok()) return text.status();
  QueryStringOptions options;
  float boost = 1.0f;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    const std::string kpath = Sub(path, k);
    if (k == "query") continue;
    if (k == "default_field") {
      Result<std::string> s = GetString(v, kpath);
      if (!s.ok()) return s.status();
      options.default_fields = {*s};
    } else if (k == "fields") {
      if (!v.is_array()) return ParsingError(fmt::format("[{}] must be an array", kpath));
      options.default_fields.clear();
      for (const json& f : v) {
        Result<std::string> s = GetString(f, kpath);
        if (!s.ok()) return s.status();
        options.default_fields.push_back(std::move(*s));
      }
    } else if (k == "default_operator") {
      Result<std::string> s = GetString(v, kpath);
      if (!s.ok()) return s.status();
      if (*s != "AND" && *s != "and" && *s != "OR" && *s != "or") {
        return IllegalArgument(fmt::format("[{}] must be AND or OR, got \"{}\"", kpath, *s));
      }
      options.default_and = *s == "AND" || *s == "and";
    } else if (k == "allow_leading_wildcard") {
      Result<bool> b = GetBool(v, kpath);
      if (!b.ok()) return b.status();
      options.allow_leading_wildcard = *b;
    } else if (k == "lenient") {
      Result<bool> b = GetBool(v, kpath);
      if (!b.ok()) return b.status();
      options.lenient = *b;
    } else if (k == "time_zone") {
      Result<std::string> s = GetString(v, kpath);
      if (!s.ok()) return s.status();
      options.time_zone = *s;
    } else if (k == "boost") {
      Result<float> b = GetFloat(v, kpath);
      if (!b.ok()) return b.status();
      boost = *b;
    } else if (k == "case_insensitive") {
      Result<bool> b = GetBool(v, kpath);
      if (!b.ok()) return b.status();
      options.case_insensitive = *b;
    } else if (k != "analyze_wildcard" && k != "analyzer" && k != "_name" &&
               k != "auto_generate_synonyms_phrase_query" && k != "flags" &&
               k != "minimum_should_match" && k != "fuzziness" && k != "phrase_slop" &&
               k != "quote_field_suffix" && k != "escape" && k != "max_determinized_states" &&
               k != "enable_position_increments" && k != "rewrite") {
      return ParsingError(fmt::format("[{}] [{}] query does not support [{}]", path, name, k));
    }
  }
  Result<std::unique_ptr<Query>> q = name == "kql" ? ParseKql(*text, options)
                                     : name == "simple_query_string"
                                         ? ParseSimpleQueryString(*text, options)
                                         : ParseLuceneQuery(*text, options);
  if (!q.ok()) return q.status();
  if (boost != 1.0f) (*q)->boost *= boost;
  return q;
}

}  // namespace

Result<std::unique_ptr<Query>> ParseQuery(const json& query, const std::string& path,
                                          const ParseLimits& limits) {
  Parser parser(limits);
  return parser.Parse(query, path);
}

}  // namespace vigil::query
