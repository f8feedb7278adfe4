// Lucene's classic query-string syntax, as Elasticsearch's `query_string` and `q=` read it.
//
//   query  := clause* (with AND / OR / && / || between clauses)
//   clause := [+ | - | ! | NOT] ( '(' query ')' | field ':' value | field ':' '(' query ')' | value
//   ) [^boost] value  := term [~n] | "phrase" [~n] | /regex/ | [a TO b] | {a TO b} | >=a | >a | <=a
//   | <a
//
// How AND, OR and the modifiers combine follows Lucene's QueryParser exactly (it is not an
// operator-precedence grammar): each clause gets an occurrence (must, should, must not) from its
// modifier, the conjunction before it and the default operator, and AND also makes the clause
// before it required.
#include <fmt/format.h>

#include "query/query_string.h"
#include "query/query_string_util.h"

namespace vigil::query {

namespace {

enum class Occur : uint8_t { kMust, kShould, kMustNot };
enum class Conj : uint8_t { kNone, kAnd, kOr };
enum class Mod : uint8_t { kNone, kPlus, kNot };

struct Clause {
  Occur occur;
  std::unique_ptr<Query> query;
};

class LuceneParser {
 public:
  LuceneParser(std::string_view text, const QueryStringOptions& options)
      : text_(text), options_(options) {}

  Result<std::unique_ptr<Query>> Run() {
    Result<std::unique_ptr<Query>> q = ParseQuery(nullptr, 0);
    if (!q.ok()) return q.status();
    SkipSpace();
    if (pos_ < text_.size()) {
      return Error(text_[pos_] == ')' ? "a ')' that closes no group" : "unexpected input");
    }
    return q;
  }

 private:
  Status Error(std::string_view what) const { return Error(what, pos_); }
  Status Error(std::string_view what, size_t at) const { return QueryStringError(text_, what, at); }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }
  // A bare word (AND, OR, NOT, TO) at the cursor, followed by a space, a bracket or the end.
  bool AtWord(std::string_view word) const {
    if (text_.substr(pos_, word.size()) != word) return false;
    const char next = pos_ + word.size() < text_.size() ? text_[pos_ + word.size()] : ' ';
    return IsSpace(next) || next == '(' || next == ')' || next == '"' || next == '[' ||
           next == '{' || next == '-' || next == '+' || next == '!';
  }

  // `field`: the field of an enclosing `field:( ... )` group, or null for the default fields.
  Result<std::unique_ptr<Query>> ParseQuery(const std::string* field, size_t depth) {
    if (depth > kMaxQueryStringDepth) {
      return Error(fmt::format("groups nested deeper than {} levels", kMaxQueryStringDepth));
    }
    std::vector<Clause> clauses;
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() == ')') break;
      Conj conj = Conj::kNone;
      if (!clauses.empty()) {
        if (AtWord("AND") || text_.substr(pos_, 2) == "&&") {
          conj = Conj::kAnd;
          pos_ += Peek() == '&' ? 2 : 3;
        } else if (AtWord("OR") || text_.substr(pos_, 2) == "||") {
          conj = Conj::kOr;
          pos_ += 2;
        }
        SkipSpace();
        if (conj != Conj::kNone && (AtEnd() || Peek() == ')')) {
          return Error(
              fmt::format("expected a clause after {}", conj == Conj::kAnd ? "AND" : "OR"));
        }
      } else if (AtWord("AND") || AtWord("OR")) {
        return Error(fmt::format("{} at the start of a query, with nothing before it",
                                 Peek() == 'A' ? "AND" : "OR"));
      }
      Mod mod = Mod::kNone;
      if (Peek() == '+') {
        mod = Mod::kPlus;
        ++pos_;
      } else if (Peek() == '-' || Peek() == '!') {
        mod = Mod::kNot;
        ++pos_;
      } else if (AtWord("NOT")) {
        mod = Mod::kNot;
        pos_ += 3;
        SkipSpace();
      }
      if (AtEnd() || IsSpace(Peek())) {
        return Error("expected a clause after the modifier");
      }
      Result<std::unique_ptr<Query>> q = ParseClause(field, depth);
      if (!q.ok()) return q.status();
      AddClause(&clauses, conj, mod, std::move(*q));
    }
    if (clauses.empty()) return Query::MatchNone();  // an empty query string
    if (clauses.size() == 1 && clauses[0].occur != Occur::kMustNot) {
      return std::move(clauses[0].query);
    }
    auto b = std::make_unique<Query>();
    b->kind = QueryKind::kBool;
    for (Clause& c : clauses) {
      (c.occur == Occur::kMust     ? b->must
       : c.occur == Occur::kShould ? b->should
                                   : b->must_not)
          .push_back(std::move(c.query));
    }
    // Lucene: with required clauses, the optional ones only add score.
    b->minimum_should_match = b->must.empty() && !b->should.empty() ? 1 : 0;
    return b;
  }

  // Lucene's QueryParserBase.addClause.
  void AddClause(std::vector<Clause>* clauses, Conj conj, Mod mod, std::unique_ptr<Query> q) {
    if (!clauses->empty() && conj == Conj::kAnd && clauses->back().occur != Occur::kMustNot) {
      clauses->back().occur = Occur::kMust;
    }
    if (!clauses->empty() && options_.default_and && conj == Conj::kOr &&
        clauses->back().occur != Occur::kMustNot) {
      clauses->back().occur = Occur::kShould;
    }
    bool required;
    bool prohibited;
    if (!options_.default_and) {
      prohibited = mod == Mod::kNot;
      required = mod == Mod::kPlus || (conj == Conj::kAnd && !prohibited);
    } else {
      prohibited = mod == Mod::kNot;
      required = !prohibited && conj != Conj::kOr;
    }
    Occur occur = required ? Occur::kMust : prohibited ? Occur::kMustNot : Occur::kShould;
    clauses->push_back(Clause{occur, std::move(q)});
  }

  Result<std::unique_ptr<Query>> ParseClause(const std::string* field, size_t depth) {
    const size_t start = pos_;
    if (Peek() == '(') {
      ++pos_;
      Result<std::unique_ptr<Query>> q = ParseQuery(field, depth + 1);
      if (!q.ok()) return q.status();
      if (Peek() != ')') {
        return Error(fmt::format("expected ')' to close the group opened at column {}",
                                 Column(text_, start)));
      }
      ++pos_;
      return Boost(std::move(*q));
    }
    // A field name, if a ':' follows a term.
    if (Peek() != '"' && Peek() != '/' && Peek() != '[' && Peek() != '{') {
      const size_t save = pos_;
      Word w = ReadWord();
      if (!w.text.empty() && Peek() == ':') {
        ++pos_;
        std::string name = w.text;
        if (Peek() == '(') {
          const size_t group = pos_;
          ++pos_;
          Result<std::unique_ptr<Query>> q = ParseQuery(&name, depth + 1);
          if (!q.ok()) return q.status();
          if (Peek() != ')') {
            return Error(fmt::format("expected ')' to close the group opened at column {}",
                                     Column(text_, group)));
          }
          ++pos_;
          return Boost(std::move(*q));
        }
        if (AtEnd() || IsSpace(Peek()))
          return Error(fmt::format("expected a value for field '{}'", name));
        if (name == "_exists_") {
          Word f = ReadWord();
          if (f.text.empty()) return Error("expected a field name after _exists_:");
          auto q = std::make_unique<Query>();
          q->kind = QueryKind::kExists;
          q->field = f.text;
          return Boost(std::move(q));
        }
        return ParseValue(&name);
      }
      pos_ = save;
    }
    return ParseValue(field);
  }

  struct Word {
    std::string text;     // unescaped
    std::string pattern;  // escapes kept (for wildcards)
    bool wildcard = false;
  };

  // A term: up to a space or a special character; `\` escapes the next character.
  Word ReadWord() {
    Word w;
    while (!AtEnd()) {
      char c = Peek();
      if (c == '\\' && pos_ + 1 < text_.size()) {
        w.text.push_back(text_[pos_ + 1]);
        w.pattern.push_back('\\');
        w.pattern.push_back(text_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (IsSpace(c) || c == '(' || c == ')' || c == ':' || c == '^' || c == '[' || c == ']' ||
          c == '"' || c == '{' || c == '}' || c == '~' || c == '/' || c == '\\') {
        break;
      }
      if (c == '*' || c == '?') w.wildcard = true;
      w.text.push_back(c);
      w.pattern.push_back(c);
      ++pos_;
    }
    return w;
  }

  Result<std::unique_ptr<Query>> ParseValue(const std::string* field) {
    const size_t start = pos_;
    const char c = Peek();
    if (c == '"') {
      Result<std::string> phrase = ReadQuoted(text_, &pos_);
      if (!phrase.ok()) return phrase.status();
      if (Peek() == '~') SkipFuzz();
      return Boost(Leaf(field, QueryKind::kMatchPhrase, std::move(*phrase)));
    }
    if (c == '/') {
      size_t end = pos_ + 1;
      while (end < text_.size() && text_[end] != '/') end += text_[end] == '\\' ? 2 : 1;
      if (end >= text_.size()) {
        return Error(
            "a regular expression that is not closed (escape / as \\/ to search for a "
            "slash)",
            start);
      }
      std::string re(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      // Checked here for a located error; the executor translates it.
      Result<std::string> translated = LuceneRegexToRe2(re);
      if (!translated.ok()) return Error(translated.status().message(), start);
      return Boost(Leaf(field, QueryKind::kRegexp, std::move(re)));
    }
    if (c == '[' || c == '{') return ParseRange(field);
    if (c == '>' || c == '<') {
      const bool greater = c == '>';
      ++pos_;
      bool inclusive = false;
      if (Peek() == '=') {
        inclusive = true;
        ++pos_;
      }
      Result<std::string> value =
          Peek() == '"' ? ReadQuoted(text_, &pos_) : Result<std::string>(ReadWord().text);
      if (!value.ok()) return value.status();
      if (value->empty()) return Error("expected a value after the comparison");
      auto q = RangeLeaf(field);
      (greater ? q->lower : q->upper) = RangeBound{Scalar::String(std::move(*value)), inclusive};
      return Boost(std::move(q));
    }
    Word w = ReadWord();
    if (w.text.empty()) {
      if (AtEnd()) return Error("expected a value");
      return Error(fmt::format("unexpected '{}'", Peek()));
    }
    if (Peek() == '~') {
      return Error("fuzzy queries (term~) are not supported; use a wildcard (*, ?)", pos_);
    }
    if (Peek() == ':') {
      return Error(
          "a ':' inside a value: escape it as \\: (type:Recon\\:EC2\\/Portscan) or quote "
          "the value");
    }
    if (w.wildcard) {
      if (w.pattern == "*") {
        if (field == nullptr || *field == "*") return Boost(Query::MatchAll());
        auto q = std::make_unique<Query>();
        q->kind = QueryKind::kExists;
        q->field = *field;
        return Boost(std::move(q));
      }
      if (!options_.allow_leading_wildcard && (w.pattern[0] == '*' || w.pattern[0] == '?')) {
        return Error("a leading wildcard is not allowed (allow_leading_wildcard is false)", start);
      }
      return Boost(Leaf(field, QueryKind::kWildcard, std::move(w.pattern)));
    }
    return Boost(Leaf(field, QueryKind::kMatch, std::move(w.text)));
  }

  void SkipFuzz() {
    ++pos_;
    while (!AtEnd() && (std::isdigit(static_cast<unsigned char>(Peek())) || Peek() == '.')) ++pos_;
  }

  Result<std::unique_ptr<Query>> ParseRange(const std::string* field) {
    const size_t start = pos_;
    const bool include_lower = Peek() == '[';
    ++pos_;
    SkipSpace();
    Result<std::string> lower = ReadRangeValue();
    if (!lower.ok()) return lower.status();
    SkipSpace();
    if (!AtWord("TO")) return Error("expected TO in the range");
    pos_ += 2;
    SkipSpace();
    Result<std::string> upper = ReadRangeValue();
    if (!upper.ok()) return upper.status();
    SkipSpace();
    if (Peek() != ']' && Peek() != '}') {
      return Error(fmt::format("expected ] or }} to close the range opened at column {}",
                               Column(text_, start)));
    }
    const bool include_upper = Peek() == ']';
    ++pos_;
    auto q = RangeLeaf(field);
    if (*lower != "*") q->lower = RangeBound{Scalar::String(std::move(*lower)), include_lower};
    if (*upper != "*") q->upper = RangeBound{Scalar::String(std::move(*upper)), include_upper};
    return Boost(std::move(q));
  }

  Result<std::string> ReadRangeValue() {
    if (Peek() == '"') return ReadQuoted(text_, &pos_);
    std::string out;
    while (!AtEnd() && !IsSpace(Peek()) && Peek() != ']' && Peek() != '}') {
      if (Peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out.push_back(Peek());
      ++pos_;
    }
    if (out.empty()) return Error("expected a value in the range");
    return out;
  }

  std::unique_ptr<Query> RangeLeaf(const std::string* field) {
    auto q = std::make_unique<Query>();
    q->kind = QueryKind::kRange;
    q->field = field != nullptr ? *field : DefaultField();
    q->time_zone = options_.time_zone;
    q->lenient = options_.lenient || q->field.find('*') != std::string::npos;
    return q;
  }

  std::string DefaultField() const {
    return options_.default_fields.size() == 1 ? options_.default_fields[0] : "*";
  }

  // A leaf for `field` (or the default fields: one leaf per field under a should).
  std::unique_ptr<Query> Leaf(const std::string* field, QueryKind kind, std::string value) {
    if (field == nullptr && options_.default_fields.size() > 1) {
      auto b = std::make_unique<Query>();
      b->kind = QueryKind::kBool;
      b->minimum_should_match = 1;
      for (const std::string& f : options_.default_fields) {
        b->should.push_back(Leaf(&f, kind, value));
      }
      return b;
    }
    auto q = std::make_unique<Query>();
    q->kind = kind;
    q->field = field != nullptr ? *field : DefaultField();
    q->values.push_back(Scalar::String(std::move(value)));
    q->case_insensitive = options_.case_insensitive;
    q->lenient = options_.lenient || q->field.find('*') != std::string::npos;
    return q;
  }

  Result<std::unique_ptr<Query>> Boost(std::unique_ptr<Query> q) {
    if (Peek() != '^') return q;
    const size_t at = pos_;
    ++pos_;
    size_t begin = pos_;
    while (!AtEnd() && (std::isdigit(static_cast<unsigned char>(Peek())) || Peek() == '.')) ++pos_;
    if (begin == pos_) return Error("expected a number after ^", at);
    try {
      q->boost *= std::stof(std::string(text_.substr(begin, pos_ - begin)));
    } catch (const std::exception&) {
      return Error("a boost that is not a number", at);
    }
    return q;
  }

  std::string_view text_;
  const QueryStringOptions& options_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<Query>> ParseLuceneQuery(std::string_view text,
                                                const QueryStringOptions& options) {
  if (text.size() > kMaxQueryStringBytes) {
    return Status::ResourceExhausted(
               fmt::format("the query string is {} bytes, over the limit of {}", text.size(),
                           kMaxQueryStringBytes))
        .WithDetail("parse_exception");
  }
  LuceneParser parser(text, options);
  return parser.Run();
}

}  // namespace vigil::query
