#include "findings/json_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace vigil::findings {

namespace {

// A SAX handler that builds nothing and remembers the first error.
class ErrorFinder : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    failed_ = true;
    position_ = position;
    message_ = ex.what();
    return false;
  }

  bool failed() const { return failed_; }
  size_t position() const { return position_; }
  const std::string& message() const { return message_; }

 private:
  bool failed_ = false;
  size_t position_ = 0;
  std::string message_;
};

// nlohmann's messages read "[json.exception.parse_error.101] parse error at line 1, column 9:
// syntax error while parsing object - unexpected end of input; expected '}'". Keep the part
// after the location; we report the location ourselves, relative to the whole file.
std::string TrimNlohmannMessage(std::string message) {
  size_t colon = message.find(": ");
  if (colon != std::string::npos) message = message.substr(colon + 2);
  constexpr std::string_view kSyntax = "syntax error while parsing ";
  if (message.starts_with(kSyntax)) {
    size_t dash = message.find(" - ");
    if (dash != std::string::npos) message = message.substr(dash + 3);
  }
  return message;
}

// The byte where the token that ends just before `end` starts: nlohmann reports the position
// after the offending token ("type" "x" -> after "x"); a person wants its first character.
size_t TokenStart(std::string_view text, size_t end) {
  end = std::min(end, text.size());
  if (end == 0) return 0;
  char c = text[end - 1];
  if (c == '"') {
    for (size_t i = end - 1; i > 0; --i) {
      if (text[i - 1] == '"' && (i < 2 || text[i - 2] != '\\')) return i - 1;
    }
    return 0;
  }
  auto literal = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '+' || ch == '.';
  };
  if (literal(c)) {
    size_t i = end;
    while (i > 0 && literal(text[i - 1])) --i;
    return i;
  }
  return end - 1;
}

// The offset of the first byte that does not start or continue a valid UTF-8 sequence
// (overlong forms, surrogates and code points past U+10FFFF are invalid), or npos.
size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    } else {
      return i;
    }
    if (i + len > text.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      auto cb = static_cast<unsigned char>(text[i + k]);
      if ((cb & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cb & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

size_t FindDepthExceeded(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return 0;
}

}  // namespace

JsonErrorDetail DescribeJsonError(std::string_view text, simdjson::error_code code,
                                  size_t max_depth) {
  if (code == simdjson::DEPTH_ERROR) {
    return {fmt::format("nesting deeper than the limit of {} levels", max_depth),
            FindDepthExceeded(text, max_depth)};
  }
  if (code == simdjson::UTF8_ERROR) {
    size_t bad = FindInvalidUtf8(text);
    if (bad != std::string_view::npos) {
      return {fmt::format("invalid UTF-8: byte 0x{:02X} does not start a valid sequence",
                          static_cast<unsigned char>(text[bad])),
              bad};
    }
  }
  ErrorFinder finder;
  nlohmann::json::sax_parse(text.begin(), text.end(), &finder, nlohmann::json::input_format_t::json,
                            /*strict=*/true);
  if (finder.failed()) {
    // nlohmann's position counts the bytes read, the offending token included.
    std::string message = TrimNlohmannMessage(finder.message());
    size_t read = std::min(finder.position(), text.size());  // it counts the end of input too
    size_t offset;
    if (message.find("end of input") != std::string::npos) {
      offset = text.size();
    } else if (size_t lr = message.find("; last read: '"); lr != std::string::npos) {
      // A lexer error names the text it read; the problem starts where that text does.
      size_t token_len = message.size() - (lr + 14) - 1;
      offset = read >= token_len ? read - token_len : 0;
    } else {
      offset = TokenStart(text, read);
    }
    return {message, std::min(offset, text.size())};
  }
  // The two parsers disagree (simdjson is stricter about a few things, such as lone surrogates
  // in \u escapes); fall back to simdjson's own words.
  return {simdjson::error_message(code), 0};
}

}  // namespace vigil::findings
