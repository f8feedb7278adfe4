// JsonWriter: appends compact JSON to a std::string, managing commas and escaping.
//
// The writer does not own the output string: `*out` must outlive the writer. It does not check
// that calls form a well-nested document (an assertion does in debug builds); callers pair
// Begin/End calls themselves. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // Writes an object key; the next call writes its value.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  // Shortest text that reads back as the same double; NaN and infinities become null.
  void Double(double value);
  void Bool(bool value);
  void Null();
  // Appends already-serialised JSON as one value.
  void Raw(std::string_view json);

  // Convenience: Key(k) then the value.
  void Field(std::string_view key, std::string_view value) { Key(key), String(value); }
  void Field(std::string_view key, const char* value) { Key(key), String(value); }
  void Field(std::string_view key, int64_t value) { Key(key), Int(value); }
  void Field(std::string_view key, int value) { Key(key), Int(value); }
  void Field(std::string_view key, double value) { Key(key), Double(value); }
  void Field(std::string_view key, bool value) { Key(key), Bool(value); }

 private:
  void BeforeValue();

  std::string* out_;
  // One entry per open container: true once it holds an element (a comma is needed next).
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string with the escapes JSON requires.
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace vigil
