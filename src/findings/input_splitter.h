// InputSplitter: cuts one input (a file's bytes, already decompressed) into the JSON texts of
// individual events, without parsing them, so that one bad event does not stop the others.
//
// Three shapes are recognised:
//   * JSON Lines: one value per line (names ending .jsonl or .ndjson, or any input whose first
//     line is a complete JSON value with more content after it). A bad line is one bad record.
//   * an array: the top-level value is `[...]`; each element is a record.
//   * a sequence of values: one value (an event, a finding), or several written one after the
//     other, pretty-printed or not.
// Framing problems (an array that is never closed, a missing comma, content after the end) stop
// the split at that point with an error saying where; the records before it are delivered.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vigil::findings {

// Where something is in an input. Lines and columns are 1-based; 0 means unknown.
struct Location {
  uint64_t line = 0;
  uint64_t column = 0;
  int64_t index = -1;  // element of a top-level array, -1 otherwise

  // "events.json:12:5 (array element 3)", "export.jsonl:7", "finding.json".
  std::string ToString(std::string_view source) const;
};

struct RawRecord {
  std::string_view text;  // the event's JSON text, trimmed
  uint64_t offset = 0;    // byte offset of text in the input
  Location location;      // line (and column when not 1) of the first byte
};

struct FramingError {
  std::string message;
  Location location;
};

// Splits `data` and calls on_record for each record in order. Returns false and fills *error when
// a framing problem stopped the split. `name` only selects JSON Lines by its extension.
bool SplitInput(std::string_view name, std::string_view data,
                const std::function<void(const RawRecord&)>& on_record, FramingError* error);

// The line and column of byte `offset` of `text`, given the location of text's first byte.
Location LocateInText(std::string_view text, size_t offset, const Location& start);

}  // namespace vigil::findings
