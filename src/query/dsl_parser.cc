#include "query/dsl_parser.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "query/query_string.h"

namespace vigil::query {

using json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kParsing = "parsing_exception";
constexpr std::string_view kIllegal = "illegal_argument_exception";

Status ParsingError(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail(std::string(kParsing));
}
Status IllegalArgument(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail(std::string(kIllegal));
}

// "a.b" + "." + "c" without temporaries.
std::string Sub(std::string_view path, std::string_view key) {
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out.append(path);
  out.push_back('.');
  out.append(key);
  return out;
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_float:
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "a number";
    default:
      return "a value";
  }
}

Result<Scalar> ToScalar(const json& v, const std::string& path) {
  switch (v.type()) {
    case json::value_t::string:
      return Scalar::String(v.get<std::string>());
    case json::value_t::boolean:
      return Scalar::Bool(v.get<bool>());
    case json::value_t::number_integer:
      return Scalar::Long(v.get<int64_t>());
    case json::value_t::number_unsigned: {
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Scalar::Double(static_cast<double>(u));
      return Scalar::Long(static_cast<int64_t>(u));
    }
    case json::value_t::number_float:
      return Scalar::Double(v.get<double>());
    default:
      return ParsingError(
          fmt::format("[{}] expected a string, number or boolean, got {}", path, TypeName(v)));
  }
}

Result<std::string> GetString(const json& v, const std::string& path) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) {
    Result<Scalar> s = ToScalar(v, path);
    if (!s.ok()) return s.status();
    return s->Text();
  }
  return ParsingError(fmt::format("[{}] expected a string, got {}", path, TypeName(v)));
}

Result<int64_t> GetInt(const json& v, const std::string& path) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return IllegalArgument(fmt::format("[{}] is out of range", path));
    }
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9e18) return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && ptr == s.data() + s.size()) return n;
  }
  return IllegalArgument(
      fmt::format("[{}] expected an integer, got {}", path,
                  v.is_string() ? "\"" + v.get<std::string>() + "\"" : TypeName(v)));
}

Result<bool> GetBool(const json& v, const std::string& path) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() && (v == "true" || v == "false")) return v == "true";
  return IllegalArgument(fmt::format("[{}] expected true or false, got {}", path, TypeName(v)));
}

Result<float> GetFloat(const json& v, const std::string& path) {
  if (v.is_number()) return v.get<float>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      const std::string s = v.get<std::string>();
      float f = std::stof(s, &used);
      if (used == s.size()) return f;
    } catch (const std::exception&) {
    }
  }
  return IllegalArgument(fmt::format("[{}] expected a number, got {}", path, TypeName(v)));
}

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
  Result<std::unique_ptr<Query>> Term(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Terms(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Ids(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Range(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Exists(const json& body, const std::string& path);
  Result<std::unique_ptr<Query>> Pattern(QueryKind kind, std::string_view name, const json& body,
                                         const std::string& path);
  Result<std::unique_ptr<Query>> Match(QueryKind kind, std::string_view name, const json& body,
                                       const std::string& path);
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
  if (name == "term") return Term(body, sub);
  if (name == "terms") return Terms(body, sub);
  if (name == "ids") return Ids(body, sub);
  if (name == "range") return Range(body, sub);
  if (name == "exists") return Exists(body, sub);
  if (name == "prefix") return Pattern(QueryKind::kPrefix, name, body, sub);
  if (name == "wildcard") return Pattern(QueryKind::kWildcard, name, body, sub);
  if (name == "regexp") return Pattern(QueryKind::kRegexp, name, body, sub);
  if (name == "match") return Match(QueryKind::kMatch, name, body, sub);
  if (name == "match_phrase") return Match(QueryKind::kMatchPhrase, name, body, sub);
  if (name == "multi_match") return MultiMatch(body, sub);
  if (name == "bool") return Bool(body, sub);
  if (name == "constant_score") return ConstantScore(body, sub);
  if (name == "query_string" || name == "simple_query_string" || name == "kql") {
    return QueryStringQuery(name, body, sub);
  }
  return ParsingError(fmt::format("[{}] unknown query [{}]", path, name));
}

Result<std::unique_ptr<Query>> Parser::Term(const json& body, const std::string& path) {
  Result<FieldClause> c = OneField(body, path, "term");
  if (!c.ok()) return c.status();
  auto q = std::make_unique<Query>();
  q->kind = QueryKind::kTerm;
  q->field = c->field;
  q->boost = c->boost;
  const json& v = *c->value;
  const std::string vpath = path + "." + c->field;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "value") {
        Result<Scalar> s = ToScalar(it.value(), vpath + ".value");
        if (!s.ok()) return s.status();
        q->values.push_back(std::move(*s));
      } else if (k == "boost") {
        Result<float> b = GetFloat(it.value(), vpath + ".boost");
        if (!b.ok()) return b.status();
        q->boost = *b;
      } else if (k == "case_insensitive") {
        Result<bool> b = GetBool(it.value(), vpath + ".case_insensitive");
        if (!b.ok()) return b.status();
        q->case_insensitive = *b;
      } else if (k != "_name") {
        return ParsingError(fmt::format("[{}] [term] query does not support [{}]", vpath, k));
      }
    }
    if (q->values.empty()) {
      return ParsingError(fmt::format("[{}] [term] query needs a [value]", vpath));
    }
    return q;
  }
  Result<Scalar> s = ToScalar(v, vpath);
  if (!s.ok()) return s.status();
  q->values.push_back(std::move(*s));
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

Result<std::unique_ptr<Query>> Parser::Pattern(QueryKind kind, std::string_view name,
                                               const json& body, const std::string& path) {
  Result<FieldClause> c = OneField(body, path, name);
  if (!c.ok()) return c.status();
  const std::string vpath = path + "." + c->field;
  auto q = std::make_unique<Query>();
  q->kind = kind;
  q->field = c->field;
  q->boost = c->boost;
  const json& v = *c->value;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "value" || (kind == QueryKind::kWildcard && k == "wildcard")) {
        Result<std::string> s = GetString(it.value(), Sub(vpath, k));
        if (!s.ok()) return s.status();
        q->values.push_back(Scalar::String(std::move(*s)));
      } else if (k == "boost") {
        Result<float> b = GetFloat(it.value(), vpath + ".boost");
        if (!b.ok()) return b.status();
        q->boost = *b;
      } else if (k == "case_insensitive") {
        Result<bool> b = GetBool(it.value(), Sub(vpath, k));
        if (!b.ok()) return b.status();
        q->case_insensitive = *b;
      } else if (k != "rewrite" && k != "flags" && k != "max_determinized_states" && k != "_name") {
        return ParsingError(fmt::format("[{}] [{}] query does not support [{}]", vpath, name, k));
      }
    }
    if (q->values.empty()) {
      return ParsingError(fmt::format("[{}] [{}] query needs a [value]", vpath, name));
    }
    return q;
  }
  Result<std::string> s = GetString(v, vpath);
  if (!s.ok()) return s.status();
  q->values.push_back(Scalar::String(std::move(*s)));
  return q;
}

Result<std::unique_ptr<Query>> Parser::Match(QueryKind kind, std::string_view name,
                                             const json& body, const std::string& path) {
  Result<FieldClause> c = OneField(body, path, name);
  if (!c.ok()) return c.status();
  const std::string vpath = path + "." + c->field;
  auto q = std::make_unique<Query>();
  q->kind = kind;
  q->field = c->field;
  q->boost = c->boost;
  const json& v = *c->value;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "query") {
        Result<Scalar> s = ToScalar(it.value(), vpath + ".query");
        if (!s.ok()) return s.status();
        q->values.push_back(std::move(*s));
      } else if (k == "operator") {
        Result<std::string> s = GetString(it.value(), vpath + ".operator");
        if (!s.ok()) return s.status();
        std::string op = *s;
        for (char& ch : op) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (op != "and" && op != "or") {
          return IllegalArgument(
              fmt::format("[{}] operator must be \"and\" or \"or\", got \"{}\"", vpath, *s));
        }
        q->operator_and = op == "and";
      } else if (k == "boost") {
        Result<float> b = GetFloat(it.value(), vpath + ".boost");
        if (!b.ok()) return b.status();
        q->boost = *b;
      } else if (k != "analyzer" && k != "lenient" && k != "zero_terms_query" &&
                 k != "auto_generate_synonyms_phrase_query" && k != "fuzziness" &&
                 k != "prefix_length" && k != "max_expansions" && k != "slop" && k != "_name" &&
                 k != "minimum_should_match") {
        return ParsingError(fmt::format("[{}] [{}] query does not support [{}]", vpath, name, k));
      }
    }
    if (q->values.empty()) {
      return ParsingError(fmt::format("[{}] [{}] query needs a [query]", vpath, name));
    }
    return q;
  }
  Result<Scalar> s = ToScalar(v, vpath);
  if (!s.ok()) return s.status();
  q->values.push_back(std::move(*s));
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

Result<std::vector<std::string>> StringList(const json& v, const std::string& path) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) {
    return ParsingError(
        fmt::format("[{}] expected a string or an array of strings, got {}", path, TypeName(v)));
  }
  for (const json& s : v) {
    if (!s.is_string()) {
      return ParsingError(fmt::format("[{}] expected strings, got {}", path, TypeName(s)));
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

Status ParseSort(const json& v, SearchRequest* r) {
  std::vector<const json*> items;
  if (v.is_array()) {
    for (const json& i : v) items.push_back(&i);
  } else {
    items.push_back(&v);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = *items[i];
    const std::string path = fmt::format("sort[{}]", i);
    SortKey key;
    if (item.is_string()) {
      key.field = item.get<std::string>();
      // "field:desc" is the URI form.
      if (size_t colon = key.field.rfind(':'); colon != std::string::npos) {
        std::string order = key.field.substr(colon + 1);
        if (order == "asc" || order == "desc") {
          key.descending = order == "desc";
          key.field.resize(colon);
        }
      }
      key.descending = key.descending || key.field == "_score";
    } else if (item.is_object() && item.size() == 1) {
      key.field = item.begin().key();
      const json& spec = item.begin().value();
      key.descending = key.field == "_score";
      if (spec.is_string()) {
        if (spec != "asc" && spec != "desc") {
          return IllegalArgument(fmt::format("[{}] sort order must be asc or desc, got \"{}\"",
                                             path, spec.get<std::string>()));
        }
        key.descending = spec == "desc";
      } else if (spec.is_object()) {
        for (auto it = spec.begin(); it != spec.end(); ++it) {
          const std::string& k = it.key();
          if (k == "order") {
            if (it.value() != "asc" && it.value() != "desc") {
              return IllegalArgument(fmt::format("[{}.order] must be asc or desc", path));
            }
            key.descending = it.value() == "desc";
          } else if (k == "missing") {
            if (it.value() == "_last") {
              key.missing = SortKey::Missing::kLast;
            } else if (it.value() == "_first") {
              key.missing = SortKey::Missing::kFirst;
            } else {
              Result<Scalar> s = ToScalar(it.value(), path + ".missing");
              if (!s.ok()) return s.status();
              key.missing = SortKey::Missing::kValue;
              key.missing_value = std::move(*s);
            }
          } else if (k == "mode") {
            if (it.value() == "min") {
              key.mode = SortKey::Mode::kMin;
            } else if (it.value() == "max") {
              key.mode = SortKey::Mode::kMax;
            } else {
              return IllegalArgument(fmt::format(
                  "[{}.mode] must be min or max (sum, avg and median are not supported)", path));
            }
          } else if (k != "unmapped_type" && k != "format" && k != "numeric_type") {
            return ParsingError(fmt::format("[{}] unknown sort option [{}]", path, k));
          }
        }
      } else {
        return ParsingError(fmt::format("[{}] malformed sort", path));
      }
    } else {
      return ParsingError(
          fmt::format("[{}] malformed sort: expected a field name or an object "
                      "with one field",
                      path));
    }
    r->sort.push_back(std::move(key));
  }
  return Status::Ok();
}

// Counts the nesting of a JSON text outside strings, so that a body nested too deep is refused
// before it is parsed (nlohmann's parser is iterative, but destroying a deep tree recurses).
Status CheckDepth(std::string_view body, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return ParsingError(fmt::format(
            "the request body is nested deeper than {} levels (at byte {})", max_depth, i));
      }
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<json> ParseJsonBody(std::string_view body, size_t max_depth) {
  VIGIL_RETURN_IF_ERROR(CheckDepth(body, max_depth));
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // Line and column of the byte where parsing failed.
    size_t at = std::min(e.byte > 0 ? e.byte - 1 : 0, body.size());
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < at; ++i) {
      if (body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    if (size_t p = what.find(": "); p != std::string::npos) what = what.substr(p + 2);
    return Status::InvalidArgument(
               fmt::format("failed to parse the request body at line {}, column {}: {}", line, col,
                           what))
        .WithDetail("x_content_parse_exception");
  }
}

Result<std::unique_ptr<Query>> ParseQuery(const json& query, const std::string& path,
                                          const ParseLimits& limits) {
  Parser parser(limits);
  return parser.Parse(query, path);
}

Result<SearchRequest> ParseSearchRequest(std::string_view body, const ParseLimits& limits) {
  SearchRequest r;
  bool blank = true;
  for (char c : body) blank = blank && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
  if (blank) {
    r.query = Query::MatchAll();
    return r;
  }
  Result<json> parsed = ParseJsonBody(body, limits.max_depth);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  if (!j.is_object()) {
    return ParsingError(fmt::format("the request body must be a JSON object, got {}", TypeName(j)));
  }
  Parser parser(limits);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "query") {
      Result<std::unique_ptr<Query>> q = parser.Parse(v, "query");
      if (!q.ok()) return q.status();
      r.query = std::move(*q);
    } else if (k == "from" || k == "size") {
      Result<int64_t> n = GetInt(v, k);
      if (!n.ok()) return n.status();
      if (*n < 0) {
        return IllegalArgument(fmt::format("[{}] must be 0 or more, got {}", k, *n));
      }
      (k == "from" ? r.from : r.size) = *n;
    } else if (k == "sort") {
      VIGIL_RETURN_IF_ERROR(ParseSort(v, &r));
    } else if (k == "search_after") {
      if (!v.is_array()) return ParsingError("[search_after] must be an array of sort values");
      for (const json& s : v) {
        if (s.is_null()) {
          r.search_after.emplace_back();
          continue;
        }
        Result<Scalar> sv = ToScalar(s, "search_after");
        if (!sv.ok()) return sv.status();
        r.search_after.emplace_back(std::move(*sv));
      }
    } else if (k == "track_total_hits") {
      r.track_total_hits_set = true;
      if (v.is_boolean()) {
        r.track_total_hits = v.get<bool>() ? INT64_MAX : 0;
      } else {
        Result<int64_t> n = GetInt(v, k);
        if (!n.ok()) return n.status();
        if (*n < -1) {
          return IllegalArgument(
              fmt::format("[track_total_hits] must be a boolean or 0 or more, got {}", *n));
        }
        r.track_total_hits = *n == -1 ? INT64_MAX : *n;
      }
    } else if (k == "_source") {
      if (v.is_boolean()) {
        r.source.enabled = v.get<bool>();
      } else if (v.is_object()) {
        for (auto s = v.begin(); s != v.end(); ++s) {
          if (s.key() != "includes" && s.key() != "excludes" && s.key() != "include" &&
              s.key() != "exclude") {
            return ParsingError(fmt::format("[_source] unknown key [{}]", s.key()));
          }
          Result<std::vector<std::string>> list = StringList(s.value(), "_source." + s.key());
          if (!list.ok()) return list.status();
          (s.key().starts_with("include") ? r.source.includes : r.source.excludes) =
              std::move(*list);
        }
      } else {
        Result<std::vector<std::string>> list = StringList(v, "_source");
        if (!list.ok()) return list.status();
        r.source.includes = std::move(*list);
      }
    } else if (k == "fields" || k == "docvalue_fields") {
      if (!v.is_array()) return ParsingError(fmt::format("[{}] must be an array", k));
      for (const json& f : v) {
        if (f.is_string()) {
          r.fields.push_back(f.get<std::string>());
        } else if (f.is_object() && f.contains("field") && f["field"].is_string()) {
          r.fields.push_back(f["field"].get<std::string>());
        } else {
          return ParsingError(fmt::format("[{}] expected field names", k));
        }
      }
    } else if (k == "aggs" || k == "aggregations") {
      Result<std::vector<std::unique_ptr<AggregationSpec>>> aggs = ParseAggregations(v, k);
      if (!aggs.ok()) return aggs.status();
      for (auto& a : *aggs) r.aggs.push_back(std::move(a));
    } else if (k == "min_score") {
      Result<float> f = GetFloat(v, k);
      if (!f.ok()) return f.status();
      r.min_score = *f;
    } else if (k == "terminate_after") {
      Result<int64_t> n = GetInt(v, k);
      if (!n.ok()) return n.status();
      r.terminate_after = std::max<int64_t>(0, *n);
    } else if (k == "explain" || k == "version" || k == "seq_no_primary_term") {
      Result<bool> b = GetBool(v, k);
      if (!b.ok()) return b.status();
      (k == "explain" ? r.explain : k == "version" ? r.version : r.seq_no_primary_term) = *b;
    } else if (k == "timeout" || k == "stored_fields" || k == "highlight" || k == "_name" ||
               k == "script_fields" || k == "runtime_mappings" || k == "indices_boost" ||
               k == "stats" || k == "profile" || k == "pit" || k == "collapse" || k == "suggest" ||
               k == "rescore" || k == "post_filter") {
      if (k == "post_filter") {
        return IllegalArgument("[post_filter] is not supported: put the filter in the query");
      }
      if (k == "runtime_mappings" || k == "script_fields" || k == "collapse" || k == "pit" ||
          k == "suggest" || k == "rescore") {
        return IllegalArgument(fmt::format("[{}] is not supported by Vigil", k));
      }
      // Accepted and ignored: no effect on the results.
    } else {
      return ParsingError(fmt::format("Unknown key for a {} in [{}].",
                                      v.is_object() ? "START_OBJECT" : "VALUE", k));
    }
  }
  if (!r.query) r.query = Query::MatchAll();
  if (r.from + r.size > limits.max_result_window) {
    return IllegalArgument(fmt::format(
        "Result window is too large, from + size must be less than or equal to: [{}] but was "
        "[{}]. See the scroll api for a more efficient way to request large data sets.",
        limits.max_result_window, r.from + r.size));
  }
  if (!r.search_after.empty()) {
    if (r.sort.empty()) {
      return IllegalArgument("[search_after] needs a [sort]: one value per sort field");
    }
    if (r.search_after.size() != r.sort.size()) {
      return IllegalArgument(fmt::format("search_after has {} value(s) but sort has {}",
                                         r.search_after.size(), r.sort.size()));
    }
    if (r.from > 0) {
      return IllegalArgument("[from] parameter must be set to 0 when [search_after] is used");
    }
  }
  return r;
}

}  // namespace vigil::query
