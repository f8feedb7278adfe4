#include "findings/input_splitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace vigil::findings {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsJsonLinesName(std::string_view name) {
  if (name.ends_with(".gz")) name.remove_suffix(3);
  return name.ends_with(".jsonl") || name.ends_with(".ndjson");
}

// Tracks the line number of a moving offset in one pass over the input.
class LineCounter {
 public:
  explicit LineCounter(std::string_view data) : data_(data) {}
  // The location of `offset`; offsets must not decrease between calls.
  Location At(size_t offset) {
    while (pos_ < offset) {
      const void* nl = std::memchr(data_.data() + pos_, '\n', offset - pos_);
      if (nl == nullptr) {
        pos_ = offset;
        break;
      }
      pos_ = static_cast<size_t>(static_cast<const char*>(nl) - data_.data()) + 1;
      line_start_ = pos_;
      ++line_;
    }
    return Location{line_, offset - line_start_ + 1, -1};
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  uint64_t line_ = 1;
};

// Finds the end of the JSON value starting at data[pos] by its brackets and strings, without
// validating it. Returns the offset just past it, or npos with *message set.
size_t ScanValue(std::string_view data, size_t pos, std::string* message, size_t* error_at) {
  char c = data[pos];
  if (c == '{' || c == '[' || c == '"') {
    std::vector<char> closers;
    bool in_string = false;
    for (size_t i = pos; i < data.size(); ++i) {
      char ch = data[i];
      if (in_string) {
        if (ch == '\\') {
          ++i;
        } else if (ch == '"') {
          in_string = false;
          if (closers.empty()) return i + 1;
        }
        continue;
      }
      switch (ch) {
        case '"':
          in_string = true;
          break;
        case '{':
          closers.push_back('}');
          break;
        case '[':
          closers.push_back(']');
          break;
        case '}':
        case ']':
          if (closers.empty() || closers.back() != ch) {
            *message = closers.empty()
                           ? fmt::format("unexpected '{}'", ch)
                           : fmt::format("expected '{}' but found '{}'", closers.back(), ch);
            *error_at = i;
            return std::string_view::npos;
          }
          closers.pop_back();
          if (closers.empty()) return i + 1;
          break;
        default:
          break;
      }
    }
    *message = in_string ? "the input ended inside a string (truncated?)"
                         : fmt::format("the input ended before the closing '{}' (truncated?)",
                                       closers.back());
    *error_at = data.size();
    return std::string_view::npos;
  }
  // A bare scalar: runs to the next separator.
  size_t i = pos;
  while (i < data.size() && !IsSpace(data[i]) && data[i] != ',' && data[i] != ']' &&
         data[i] != '}' && data[i] != '[' && data[i] != '{') {
    ++i;
  }
  if (i == pos) {
    *message = fmt::format("unexpected '{}'", c);
    *error_at = pos;
    return std::string_view::npos;
  }
  return i;
}

size_t SkipSpace(std::string_view data, size_t pos) {
  while (pos < data.size() && IsSpace(data[pos])) ++pos;
  return pos;
}

// True when the value starting at data[pos] ends on the same line, followed by a newline.
bool IsCompleteLine(std::string_view data, size_t pos) {
  size_t nl = data.find('\n', pos);
  if (nl == std::string_view::npos) return false;
  std::string message;
  size_t error_at;
  size_t end = ScanValue(data.substr(0, nl), pos, &message, &error_at);
  return end != std::string_view::npos && SkipSpace(data.substr(0, nl), end) == nl;
}

bool SplitLines(std::string_view data, const std::function<void(const RawRecord&)>& on_record) {
  uint64_t line = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    ++line;
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl;
    size_t start = pos;
    while (start < end && IsSpace(data[start])) ++start;
    size_t stop = end;
    while (stop > start && IsSpace(data[stop - 1])) --stop;
    if (stop > start) {
      on_record(
          RawRecord{data.substr(start, stop - start), start, Location{line, start - pos + 1, -1}});
    }
    pos = end + 1;
  }
  return true;
}

bool SplitArray(std::string_view data, size_t pos,
                const std::function<void(const RawRecord&)>& on_record, FramingError* error) {
  LineCounter lines(data);
  int64_t index = 0;
  pos = SkipSpace(data, pos + 1);  // past '['
  if (pos < data.size() && data[pos] == ']') {
    pos = SkipSpace(data, pos + 1);
  } else {
    for (;;) {
      if (pos >= data.size()) {
        error->message = fmt::format(
            "the input ended before the array's closing ']' (truncated?) after {} elements", index);
        error->location = lines.At(data.size());
        return false;
      }
      std::string message;
      size_t error_at = 0;
      size_t end = ScanValue(data, pos, &message, &error_at);
      if (end == std::string_view::npos) {
        error->message = fmt::format("array element {}: {}", index, message);
        error->location = lines.At(error_at);
        error->location.index = index;
        return false;
      }
      Location loc = lines.At(pos);
      loc.index = index;
      on_record(RawRecord{data.substr(pos, end - pos), pos, loc});
      ++index;
      pos = SkipSpace(data, end);
      if (pos < data.size() && data[pos] == ',') {
        pos = SkipSpace(data, pos + 1);
        if (pos < data.size() && data[pos] == ']') {
          error->message = fmt::format("trailing ',' after array element {}", index - 1);
          error->location = lines.At(pos);
          return false;
        }
        continue;
      }
      if (pos < data.size() && data[pos] == ']') {
        pos = SkipSpace(data, pos + 1);
        break;
      }
      if (pos >= data.size()) continue;  // reported as truncated above
      error->message = fmt::format("expected ',' or ']' after array element {}, found '{}'",
                                   index - 1, data[pos]);
      error->location = lines.At(pos);
      return false;
    }
  }
  if (pos < data.size()) {
    error->message = "unexpected content after the array's closing ']'";
    error->location = lines.At(pos);
    return false;
  }
  return true;
}

bool SplitValues(std::string_view data, size_t pos,
                 const std::function<void(const RawRecord&)>& on_record, FramingError* error) {
  LineCounter lines(data);
  while (pos < data.size()) {
    std::string message;
    size_t error_at = 0;
    size_t end = ScanValue(data, pos, &message, &error_at);
    if (end == std::string_view::npos) {
      // Deliver the broken value anyway: parsing it gives the most precise error.
      if (error_at == data.size()) {
        on_record(RawRecord{data.substr(pos), pos, lines.At(pos)});
        return true;
      }
      error->message = message;
      error->location = lines.At(error_at);
      return false;
    }
    on_record(RawRecord{data.substr(pos, end - pos), pos, lines.At(pos)});
    pos = SkipSpace(data, end);
  }
  return true;
}

}  // namespace

std::string Location::ToString(std::string_view source) const {
  std::string out(source);
  if (line > 0) {
    fmt::format_to(std::back_inserter(out), ":{}", line);
    if (column > 1) fmt::format_to(std::back_inserter(out), ":{}", column);
  }
  if (index >= 0) fmt::format_to(std::back_inserter(out), " (array element {})", index);
  return out;
}

Location LocateInText(std::string_view text, size_t offset, const Location& start) {
  Location loc = start;
  offset = std::min(offset, text.size());
  size_t last_nl = std::string_view::npos;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      last_nl = i;
    }
  }
  if (last_nl == std::string_view::npos) {
    loc.column = (start.column == 0 ? 1 : start.column) + offset;
  } else {
    loc.column = offset - last_nl;
  }
  return loc;
}

bool SplitInput(std::string_view name, std::string_view data,
                const std::function<void(const RawRecord&)>& on_record, FramingError* error) {
  // A UTF-8 byte order mark is not JSON; editors on Windows write one.
  if (data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  // Offsets are reported relative to the input after the mark; lines are unaffected.
  if (IsJsonLinesName(name)) return SplitLines(data, on_record);
  size_t pos = SkipSpace(data, 0);
  if (pos == data.size()) return true;
  if (data[pos] == '[') return SplitArray(data, pos, on_record, error);
  if (data[pos] == '{' && IsCompleteLine(data, pos)) {
    // JSON Lines under another name: the first two values each fit on their own line.
    size_t next = SkipSpace(data, data.find('\n', pos));
    if (next < data.size() && data[next] == '{' && IsCompleteLine(data, next)) {
      return SplitLines(data, on_record);
    }
  }
  return SplitValues(data, pos, on_record, error);
}

}  // namespace vigil::findings
