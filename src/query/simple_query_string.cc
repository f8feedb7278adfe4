// simple_query_string: Lucene's SimpleQueryParser, which never fails on syntax.
//
//   `|` OR, `+` AND, `-` NOT (prefix), "phrase", word* (prefix), ( ) grouping, and word~N or
//   "phrase"~N (fuzziness and slop: accepted, and the word or phrase matched as it is).
//
// Clauses are combined left to right: OR groups (split at `|`) of clauses joined by AND when
// `+` (or the default operator AND) joins them, else OR. Unbalanced quotes and brackets are
// read as if closed at the end; stray operators are ignored.
#include "query/query_string.h"
#include "query/query_string_util.h"

namespace vigil::query {

namespace {

class SimpleParser {
 public:
  SimpleParser(std::string_view text, const QueryStringOptions& options)
      : text_(text), options_(options) {}

  std::unique_ptr<Query> Run() {
    std::unique_ptr<Query> q = Sequence(0);
    return q ? std::move(q) : Query::MatchNone();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  // Returns null for an empty sequence.
  std::unique_ptr<Query> Sequence(size_t depth) {
    std::vector<std::unique_ptr<Query>> or_groups;
    std::vector<std::unique_ptr<Query>> group;
    bool group_and = options_.default_and;
    bool explicit_and = false;
    auto close_group = [&] {
      if (group.empty()) return;
      if (group.size() == 1) {
        or_groups.push_back(std::move(group[0]));
      } else {
        auto b = std::make_unique<Query>();
        b->kind = QueryKind::kBool;
        if (group_and || explicit_and) {
          b->must = std::move(group);
        } else {
          b->should = std::move(group);
          b->minimum_should_match = 1;
        }
        or_groups.push_back(std::move(b));
      }
      group.clear();
      explicit_and = false;
    };
    while (true) {
      SkipSpace();
      if (AtEnd()) break;
      char c = Peek();
      if (c == ')') {
        if (depth > 0) {
          ++pos_;
          break;
        }
        ++pos_;  // a stray ')': ignored
        continue;
      }
      if (c == '|') {
        ++pos_;
        close_group();
        continue;
      }
      if (c == '+') {
        ++pos_;
        if (!group.empty()) explicit_and = true;
        continue;
      }
      std::unique_ptr<Query> q = Unary(depth);
      if (q) group.push_back(std::move(q));
    }
    close_group();
    if (or_groups.empty()) return nullptr;
    if (or_groups.size() == 1) return std::move(or_groups[0]);
    auto b = std::make_unique<Query>();
    b->kind = QueryKind::kBool;
    b->should = std::move(or_groups);
    b->minimum_should_match = 1;
    return b;
  }

  std::unique_ptr<Query> Unary(size_t depth) {
    SkipSpace();
    if (AtEnd()) return nullptr;
    const char c = Peek();
    if (c == '-') {
      ++pos_;
      std::unique_ptr<Query> inner = Unary(depth);
      if (!inner) return nullptr;
      auto b = std::make_unique<Query>();
      b->kind = QueryKind::kBool;
      b->must_not.push_back(std::move(inner));
      return b;
    }
    if (c == '(') {
      ++pos_;
      if (depth >= kMaxQueryStringDepth) return nullptr;
      return Sequence(depth + 1);
    }
    if (c == '"') {
      ++pos_;
      std::string phrase;
      while (!AtEnd() && Peek() != '"') {
        if (Peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
        phrase.push_back(Peek());
        ++pos_;
      }
      if (!AtEnd()) ++pos_;
      SkipSlop();
      if (phrase.empty()) return nullptr;
      return Leaf(QueryKind::kMatchPhrase, phrase);
    }
    std::string word;
    while (!AtEnd()) {
      char ch = Peek();
      if (ch == '\\' && pos_ + 1 < text_.size()) {
        word.push_back(text_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (IsSpace(ch) || ch == '|' || ch == '+' || ch == '(' || ch == ')' || ch == '"' ||
          ch == '~') {
        break;
      }
      if (ch == '-' && word.empty()) break;
      word.push_back(ch);
      ++pos_;
    }
    SkipSlop();
    if (word.empty()) {
      if (!AtEnd() && Peek() != ')') ++pos_;  // a character that starts nothing: skipped
      return nullptr;
    }
    if (word.size() > 1 && word.back() == '*') {
      // A prefix query: the rest escaped as a wildcard pattern.
      std::string pattern;
      for (size_t i = 0; i + 1 < word.size(); ++i) {
        if (word[i] == '*' || word[i] == '?' || word[i] == '\\') pattern.push_back('\\');
        pattern.push_back(word[i]);
      }
      pattern.push_back('*');
      return Leaf(QueryKind::kWildcard, pattern);
    }
    if (word == "*") return Query::MatchAll();
    return Leaf(QueryKind::kMatch, word);
  }

  void SkipSlop() {
    if (Peek() != '~') return;
    ++pos_;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
  }

  std::unique_ptr<Query> Leaf(QueryKind kind, const std::string& value) {
    auto one = [&](const std::string& field) {
      auto q = std::make_unique<Query>();
      q->kind = kind;
      q->field = field;
      q->values.push_back(Scalar::String(value));
      q->case_insensitive = options_.case_insensitive;
      q->lenient = true;  // simple_query_string is always lenient
      return q;
    };
    if (options_.default_fields.size() == 1) return one(options_.default_fields[0]);
    auto b = std::make_unique<Query>();
    b->kind = QueryKind::kBool;
    b->minimum_should_match = 1;
    for (const std::string& f : options_.default_fields) b->should.push_back(one(f));
    return b;
  }

  std::string_view text_;
  const QueryStringOptions& options_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<Query>> ParseSimpleQueryString(std::string_view text,
                                                      const QueryStringOptions& options) {
  if (text.size() > kMaxQueryStringBytes) {
    return Status::ResourceExhausted("the query string is over the limit of 64 KiB")
        .WithDetail("parse_exception");
  }
  SimpleParser parser(text, options);
  return parser.Run();
}

}  // namespace vigil::query
