// Kibana Query Language (KQL), as Kibana's grammar defines it:
//
//   or_query   := and_query ("or" and_query)*
//   and_query  := not_query ("and" not_query)*
//   not_query  := "not" sub_query | sub_query
//   sub_query  := "(" or_query ")" | nested | expression
//   nested     := field ":" "{" or_query "}"          (fields inside are relative to `field`)
//   expression := field ("<" | "<=" | ">" | ">=") value
//               | field ":" values
//               | values                                 (the default fields)
//   values     := "(" value ("or" | "and" value)* ")" | "not" values | value
//   value      := "quoted" | unquoted words, where * is a wildcard and \ escapes
//
// Keywords are case-insensitive. `field: *` is an exists query; an unquoted value is a match
// (exact on keywords), one with `*` a wildcard, a quoted one a phrase.
#include <fmt/format.h>

#include "query/query_string.h"
#include "query/query_string_util.h"

namespace vigil::query {

namespace {

bool IsSpecial(char c) {
  return c == '\\' || c == '(' || c == ')' || c == ':' || c == '<' || c == '>' || c == '"' ||
         c == '{' || c == '}';
}

class KqlParser {
 public:
  KqlParser(std::string_view text, const QueryStringOptions& options)
      : text_(text), options_(options) {}

  Result<std::unique_ptr<Query>> Run() {
    SkipSpace();
    if (AtEnd()) return Query::MatchAll();  // Kibana: an empty query matches everything
    Result<std::unique_ptr<Query>> q = OrQuery("", 0);
    if (!q.ok()) return q.status();
    SkipSpace();
    if (!AtEnd()) {
      if (Peek() == ')') return Error("a ')' that closes no group");
      if (Peek() == '}') return Error("a '}' that closes no nested query");
      if (Peek() == ':') {
        return Error(
            "a ':' inside a value: quote the value (type : \"Recon:EC2/Portscan\") or "
            "escape the colon (\\:)");
      }
      return Error("expected 'and', 'or' or the end of the query");
    }
    return q;
  }

 private:
  Status Error(std::string_view what) const { return QueryStringError(text_, what, pos_); }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }
  // A keyword (case-insensitive) followed by a space, a bracket or a quote.
  bool AtKeyword(std::string_view word) const {
    if (pos_ + word.size() > text_.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text_[pos_ + i])) != word[i]) return false;
    }
    const char next = Peek(word.size());
    return next == '\0' || IsSpace(next) || next == '(' || next == '"';
  }

  static std::unique_ptr<Query> Combine(QueryKind, std::vector<std::unique_ptr<Query>> parts,
                                        bool is_and) {
    if (parts.size() == 1) return std::move(parts[0]);
    auto b = std::make_unique<Query>();
    b->kind = QueryKind::kBool;
    if (is_and) {
      b->filter = std::move(parts);
    } else {
      b->should = std::move(parts);
      b->minimum_should_match = 1;
    }
    return b;
  }

  Result<std::unique_ptr<Query>> OrQuery(const std::string& prefix, size_t depth) {
    if (depth > kMaxQueryStringDepth) {
      return Error(fmt::format("groups nested deeper than {} levels", kMaxQueryStringDepth));
    }
    std::vector<std::unique_ptr<Query>> parts;
    while (true) {
      Result<std::unique_ptr<Query>> q = AndQuery(prefix, depth);
      if (!q.ok()) return q.status();
      parts.push_back(std::move(*q));
      SkipSpace();
      if (!AtKeyword("or")) break;
      pos_ += 2;
    }
    return Combine(QueryKind::kBool, std::move(parts), false);
  }

  Result<std::unique_ptr<Query>> AndQuery(const std::string& prefix, size_t depth) {
    std::vector<std::unique_ptr<Query>> parts;
    while (true) {
      Result<std::unique_ptr<Query>> q = NotQuery(prefix, depth);
      if (!q.ok()) return q.status();
      parts.push_back(std::move(*q));
      SkipSpace();
      if (!AtKeyword("and")) break;
      pos_ += 3;
    }
    return Combine(QueryKind::kBool, std::move(parts), true);
  }

  Result<std::unique_ptr<Query>> NotQuery(const std::string& prefix, size_t depth) {
    SkipSpace();
    if (AtKeyword("not")) {
      pos_ += 3;
      Result<std::unique_ptr<Query>> q = SubQuery(prefix, depth);
      if (!q.ok()) return q.status();
      auto b = std::make_unique<Query>();
      b->kind = QueryKind::kBool;
      b->must_not.push_back(std::move(*q));
      return b;
    }
    return SubQuery(prefix, depth);
  }

  Result<std::unique_ptr<Query>> SubQuery(const std::string& prefix, size_t depth) {
    SkipSpace();
    if (AtEnd()) return Error("expected a query");
    if (Peek() == '(') {
      const size_t open = pos_;
      ++pos_;
      Result<std::unique_ptr<Query>> q = OrQuery(prefix, depth + 1);
      if (!q.ok()) return q.status();
      SkipSpace();
      if (Peek() != ')') {
        return Error(fmt::format("expected ')' to close the group opened at column {}",
                                 Column(text_, open)));
      }
      ++pos_;
      return q;
    }
    return Expression(prefix, depth);
  }

  // A field name or a value: up to a special character or a space before a keyword or special.
  // `*` kept as a wildcard; `\` escapes (the escape kept in `pattern`).
  struct Literal {
    std::string text;
    std::string pattern;
    bool wildcard = false;
    bool quoted = false;
  };

  Result<Literal> ReadLiteral() {
    Literal lit;
    SkipSpace();
    if (Peek() == '"') {
      Result<std::string> s = ReadQuoted(text_, &pos_);
      if (!s.ok()) return s.status();
      lit.text = *s;
      lit.pattern = *s;
      lit.quoted = true;
      return lit;
    }
    while (!AtEnd()) {
      const char c = Peek();
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) return Error("a \\ at the end escapes nothing");
        lit.text.push_back(text_[pos_ + 1]);
        lit.pattern.push_back('\\');
        lit.pattern.push_back(text_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (IsSpecial(c)) break;
      if (IsSpace(c)) {
        // Spaces belong to the value unless a keyword, a special character or the end follows.
        size_t save = pos_;
        SkipSpace();
        if (AtEnd() || IsSpecial(Peek()) || AtKeyword("or") || AtKeyword("and") ||
            AtKeyword("not")) {
          pos_ = save;
          break;
        }
        lit.text.push_back(' ');
        lit.pattern.push_back(' ');
        continue;
      }
      if (c == '*') lit.wildcard = true;
      if (c == '?') lit.pattern.push_back('\\');  // not a wildcard in KQL
      lit.text.push_back(c);
      lit.pattern.push_back(c);
      ++pos_;
    }
    return lit;
  }

  Result<std::unique_ptr<Query>> Expression(const std::string& prefix, size_t depth) {
    const size_t start = pos_;
    Result<Literal> first = ReadLiteral();
    if (!first.ok()) return first.status();
    SkipSpace();
    const char c = Peek();
    if (!first->quoted && !first->text.empty() && (c == ':' || c == '<' || c == '>')) {
      std::string field = prefix.empty() ? first->text : prefix + "." + first->text;
      if (c == ':') {
        ++pos_;
        SkipSpace();
        if (Peek() == '{') {
          const size_t open = pos_;
          ++pos_;
          Result<std::unique_ptr<Query>> q = OrQuery(field, depth + 1);
          if (!q.ok()) return q.status();
          SkipSpace();
          if (Peek() != '}') {
            return Error(fmt::format("expected '}}' to close the nested query opened at column {}",
                                     Column(text_, open)));
          }
          ++pos_;
          return q;
        }
        return Values(&field, depth);
      }
      ++pos_;
      bool inclusive = false;
      if (Peek() == '=') {
        inclusive = true;
        ++pos_;
      }
      Result<Literal> value = ReadLiteral();
      if (!value.ok()) return value.status();
      if (value->text.empty()) return Error("expected a value after the comparison");
      auto q = std::make_unique<Query>();
      q->kind = QueryKind::kRange;
      q->field = field;
      q->time_zone = options_.time_zone;
      q->lenient = options_.lenient || field.find('*') != std::string::npos;
      (c == '>' ? q->lower : q->upper) = RangeBound{Scalar::String(value->text), inclusive};
      return q;
    }
    // A value for the default fields.
    if (first->text.empty() && !first->quoted) {
      if (AtEnd()) return Error("expected a query");
      return Error(fmt::format("unexpected '{}'", Peek()));
    }
    (void)start;
    return Leaf(nullptr, *first);
  }

  // values := "(" value (or|and value)* ")" | not values | value
  Result<std::unique_ptr<Query>> Values(const std::string* field, size_t depth) {
    SkipSpace();
    if (depth > kMaxQueryStringDepth) {
      return Error(fmt::format("groups nested deeper than {} levels", kMaxQueryStringDepth));
    }
    if (AtKeyword("not")) {
      pos_ += 3;
      Result<std::unique_ptr<Query>> q = Values(field, depth + 1);
      if (!q.ok()) return q.status();
      auto b = std::make_unique<Query>();
      b->kind = QueryKind::kBool;
      b->must_not.push_back(std::move(*q));
      return b;
    }
    if (Peek() == '(') {
      const size_t open = pos_;
      ++pos_;
      std::vector<std::unique_ptr<Query>> ors;
      std::vector<std::unique_ptr<Query>> ands;
      while (true) {
        Result<std::unique_ptr<Query>> q = Values(field, depth + 1);
        if (!q.ok()) return q.status();
        ands.push_back(std::move(*q));
        SkipSpace();
        if (AtKeyword("and")) {
          pos_ += 3;
          continue;
        }
        ors.push_back(Combine(QueryKind::kBool, std::move(ands), true));
        ands.clear();
        if (AtKeyword("or")) {
          pos_ += 2;
          continue;
        }
        break;
      }
      if (Peek() != ')') {
        return Error(fmt::format("expected ')' to close the list of values opened at column {}",
                                 Column(text_, open)));
      }
      ++pos_;
      return Combine(QueryKind::kBool, std::move(ors), false);
    }
    Result<Literal> value = ReadLiteral();
    if (!value.ok()) return value.status();
    if (value->text.empty() && !value->quoted) {
      return Error(fmt::format("expected a value for field '{}'", *field));
    }
    return Leaf(field, *value);
  }

  std::unique_ptr<Query> Leaf(const std::string* field, const Literal& v) {
    const std::vector<std::string> defaults = options_.default_fields;
    if (field == nullptr && defaults.size() > 1) {
      auto b = std::make_unique<Query>();
      b->kind = QueryKind::kBool;
      b->minimum_should_match = 1;
      for (const std::string& f : defaults) b->should.push_back(Leaf(&f, v));
      return b;
    }
    const std::string name = field != nullptr ? *field : defaults.empty() ? "*" : defaults[0];
    auto q = std::make_unique<Query>();
    q->field = name;
    q->case_insensitive = options_.case_insensitive;
    q->lenient = options_.lenient || name.find('*') != std::string::npos;
    if (v.quoted) {
      q->kind = QueryKind::kMatchPhrase;
      q->values.push_back(Scalar::String(v.text));
    } else if (v.wildcard && v.pattern == "*") {
      if (name == "*") return Query::MatchAll();
      q->kind = QueryKind::kExists;
    } else if (v.wildcard) {
      q->kind = QueryKind::kWildcard;
      q->values.push_back(Scalar::String(v.pattern));
    } else {
      q->kind = QueryKind::kMatch;
      q->values.push_back(Scalar::String(v.text));
    }
    return q;
  }

  std::string_view text_;
  const QueryStringOptions& options_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<Query>> ParseKql(std::string_view text, const QueryStringOptions& options) {
  if (text.size() > kMaxQueryStringBytes) {
    return Status::ResourceExhausted(fmt::format("the KQL query is {} bytes, over the limit of {}",
                                                 text.size(), kMaxQueryStringBytes))
        .WithDetail("parse_exception");
  }
  KqlParser parser(text, options);
  return parser.Run();
}

}  // namespace vigil::query
