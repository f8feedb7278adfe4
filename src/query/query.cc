#include "query/query.h"

#include <fmt/format.h>

#include "base/json_writer.h"

namespace vigil::query {

std::string Scalar::Text() const {
  switch (kind) {
    case Kind::kString:
      return string;
    case Kind::kLong:
      return std::to_string(long_value);
    case Kind::kDouble: {
      std::string out;
      JsonWriter w(&out);
      w.Double(double_value);
      return out;
    }
    case Kind::kBool:
      return bool_value ? "true" : "false";
  }
  return string;
}

namespace {

std::string_view KindName(QueryKind k) {
  switch (k) {
    case QueryKind::kMatchAll:
      return "match_all";
    case QueryKind::kMatchNone:
      return "match_none";
    case QueryKind::kTerm:
      return "term";
    case QueryKind::kTerms:
      return "terms";
    case QueryKind::kIds:
      return "ids";
    case QueryKind::kRange:
      return "range";
    case QueryKind::kExists:
      return "exists";
    case QueryKind::kPrefix:
      return "prefix";
    case QueryKind::kWildcard:
      return "wildcard";
    case QueryKind::kRegexp:
      return "regexp";
    case QueryKind::kMatch:
      return "match";
    case QueryKind::kMatchPhrase:
      return "match_phrase";
    case QueryKind::kBool:
      return "bool";
    case QueryKind::kConstantScore:
      return "constant_score";
  }
  return "?";
}

void AppendList(std::string* out, std::string_view name,
                const std::vector<std::unique_ptr<Query>>& list) {
  if (list.empty()) return;
  if (out->back() != '(') out->push_back(' ');
  *out += name;
  *out += "=[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) *out += ", ";
    *out += list[i]->DebugString();
  }
  *out += "]";
}

}  // namespace

std::string Query::DebugString() const {
  std::string out(KindName(kind));
  out += "(";
  switch (kind) {
    case QueryKind::kMatchAll:
    case QueryKind::kMatchNone:
      break;
    case QueryKind::kBool:
    case QueryKind::kConstantScore:
      AppendList(&out, "must", must);
      AppendList(&out, "filter", filter);
      AppendList(&out, "should", should);
      AppendList(&out, "must_not", must_not);
      if (minimum_should_match >= 0 && !should.empty()) {
        out += fmt::format(" msm={}", minimum_should_match);
      }
      break;
    case QueryKind::kExists:
      out += field;
      break;
    case QueryKind::kRange:
      out += field;
      if (lower) out += fmt::format(" {}{}", lower->inclusive ? ">=" : ">", lower->value.Text());
      if (upper) out += fmt::format(" {}{}", upper->inclusive ? "<=" : "<", upper->value.Text());
      break;
    default:
      out += field;
      out += ":";
      for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += "|";
        out += values[i].Text();
      }
      if (case_insensitive) out += " ci";
      break;
  }
  if (boost != 1.0f) out += fmt::format(" ^{}", boost);
  out += ")";
  return out;
}

}  // namespace vigil::query
