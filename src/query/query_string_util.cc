#include "query/query_string_util.h"

#include <fmt/format.h>

#include "query/query_string.h"

namespace vigil::query {

size_t Column(std::string_view text, size_t at) {
  size_t col = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
  }
  if (at > text.size()) col += at - text.size();
  return col;
}

Status QueryStringError(std::string_view text, std::string_view what, size_t at) {
  std::string where =
      at >= text.size() ? std::string("at the end") : fmt::format("at column {}", Column(text, at));
  return Status::InvalidArgument(fmt::format("Cannot parse '{}': {}, {}", text, what, where))
      .WithDetail("parse_exception");
}

Result<std::string> ReadQuoted(std::string_view text, size_t* pos) {
  const size_t start = *pos;
  std::string out;
  size_t i = start + 1;
  while (i < text.size() && text[i] != '"') {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out.push_back(text[i]);
    ++i;
  }
  if (i >= text.size()) {
    return QueryStringError(
        text, fmt::format("the quote opened at column {} is not closed", Column(text, start)),
        text.size());
  }
  *pos = i + 1;
  return out;
}

Result<std::string> LuceneRegexToRe2(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    switch (c) {
      case '\\':
        if (i + 1 >= p.size()) {
          return Status::InvalidArgument(
              fmt::format("invalid regular expression \"{}\": it ends with a lone \\", p));
        }
        ++i;
        // Lucene escapes any character; RE2 only the punctuation ones (\d would be a class).
        if (std::isalnum(static_cast<unsigned char>(p[i]))) {
          out.push_back(p[i]);
        } else {
          out.push_back('\\');
          out.push_back(p[i]);
        }
        break;
      case '@':
        out += ".*";
        break;
      case '#':
        out += "[^\\x00-\\x{10FFFF}]";  // the empty language: matches nothing
        break;
      case '^':
      case '$':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '"': {
        size_t end = p.find('"', i + 1);
        if (end == std::string_view::npos) {
          return Status::InvalidArgument(
              fmt::format("invalid regular expression \"{}\": a quote that is not closed", p));
        }
        for (size_t k = i + 1; k < end; ++k) {
          if (!std::isalnum(static_cast<unsigned char>(p[k]))) out.push_back('\\');
          out.push_back(p[k]);
        }
        i = end;
        break;
      }
      case '<': {
        // <min-max>: a decimal number in the range.
        size_t end = p.find('>', i);
        size_t dash = p.find('-', i);
        if (end == std::string_view::npos || dash == std::string_view::npos || dash > end) {
          out += "<";
          break;
        }
        std::string lo(p.substr(i + 1, dash - i - 1));
        std::string hi(p.substr(dash + 1, end - dash - 1));
        uint64_t a = 0;
        uint64_t b = 0;
        try {
          a = std::stoull(lo);
          b = std::stoull(hi);
        } catch (const std::exception&) {
          return Status::InvalidArgument(
              fmt::format("invalid regular expression \"{}\": bad interval <{}>", p,
                          p.substr(i + 1, end - i - 1)));
        }
        if (a > b) std::swap(a, b);
        if (b - a > 1000) {
          return Status::InvalidArgument(fmt::format(
              "invalid regular expression \"{}\": the interval <{}-{}> is too wide (at most 1000 "
              "numbers)",
              p, a, b));
        }
        out += "(?:";
        for (uint64_t n = a; n <= b; ++n) {
          if (n > a) out.push_back('|');
          out += "0*" + std::to_string(n);
        }
        out += ")";
        i = end;
        break;
      }
      case '~':
      case '&':
        return Status::InvalidArgument(
            fmt::format("invalid regular expression \"{}\": the {} operator ({}) is not supported",
                        p, c == '~' ? "complement" : "intersection", c));
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace vigil::query
