// Document: one finding as it is indexed. A list of named fields in first-seen order, each with
// one or more values: the flattened original fields (npm `flat` keys), the array-collapsed
// multi-valued fields, and the derived.* fields (DESIGN.md section 2.3).
//
// A Document owns the bytes of its names and string values (an arena reused across Clear()), so
// views it hands out stay valid until the next Clear() or destruction. Not thread-safe; reuse
// one Document per thread to avoid allocations.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::findings {

enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kDouble,
  kString,
  kEmptyObject,  // a `{}` leaf (npm flat keeps it as a value)
  kEmptyArray,   // a `[]` leaf
  kGeoPoint,     // derived.*.location: lat in number, lon in number2
};

struct Value {
  ValueKind kind = ValueKind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  double number2 = 0;
  std::string_view string;

  static Value Null() { return {}; }
  static Value Bool(bool b) {
    Value v;
    v.kind = ValueKind::kBool;
    v.boolean = b;
    return v;
  }
  static Value Int(int64_t i) {
    Value v;
    v.kind = ValueKind::kInt;
    v.integer = i;
    return v;
  }
  static Value Double(double d) {
    Value v;
    v.kind = ValueKind::kDouble;
    v.number = d;
    return v;
  }
  // The view must point into the owning Document (see Document::Intern).
  static Value String(std::string_view s) {
    Value v;
    v.kind = ValueKind::kString;
    v.string = s;
    return v;
  }
  static Value Empty(ValueKind kind) {
    Value v;
    v.kind = kind;
    return v;
  }
  static Value GeoPoint(double lat, double lon) {
    Value v;
    v.kind = ValueKind::kGeoPoint;
    v.number = lat;
    v.number2 = lon;
    return v;
  }
};

// How a field came to be; decides how it prints (see WriteJson) and how it is checked.
enum class FieldOrigin : uint8_t {
  kFlat,       // a leaf under its npm-flat key: exactly one value
  kCollapsed,  // a leaf inside arrays, under its key without the array indices: always a list
  kDerived,    // derived.*: one value, or a list when there are several
};

struct Field {
  std::string_view name;
  FieldOrigin origin;
  uint32_t begin = 0;  // range in Document::values(), valid after Finish()
  uint32_t end = 0;
};

class Document {
 public:
  Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  Document(Document&&) = default;
  Document& operator=(Document&&) = default;

  // Forgets every field, keeping the memory for reuse.
  void Clear();

  // Copies `s` into the document's arena; the view lives until Clear().
  std::string_view Intern(std::string_view s);

  // Adds a value to the field `name` (copied), creating the field if it is new. Returns false,
  // adding nothing, when a kFlat field of that name already exists (a duplicate key in the JSON).
  bool Add(std::string_view name, FieldOrigin origin, const Value& value);
  // Groups the values added so far by field; call once after the last Add() and before reading.
  // Values may arrive in any order; each field keeps its own values in arrival order.
  void Finish();

  const std::vector<Field>& fields() const { return fields_; }
  std::span<const Value> values(const Field& f) const {
    return std::span<const Value>(values_).subspan(f.begin, f.end - f.begin);
  }
  // The field named `name`, or nullptr. Valid after Finish().
  const Field* Find(std::string_view name) const;

  // Appends the document as one JSON object: name -> value; a list for collapsed fields and for
  // any field with several values. With `types`, name -> mapped type instead (field_types.h).
  void WriteJson(std::string* out, bool types = false) const;

 private:
  struct Pending {
    uint32_t field;
    Value value;
  };

  int32_t Lookup(std::string_view name, uint64_t hash) const;
  void Insert(uint32_t field, uint64_t hash);
  void Rehash(size_t buckets);

  // Arena: fixed-size blocks reused across Clear(); strings never straddle blocks. Strings over a
  // quarter block get an allocation of their own, freed by Clear().
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;
  size_t block_index_ = 0;
  size_t block_used_ = 0;

  std::vector<Field> fields_;
  std::vector<uint64_t> field_hashes_;
  std::vector<Pending> pending_;
  std::vector<Value> values_;
  std::vector<uint32_t> counts_;
  // Open-addressing table of field indices + 1 (0 = empty).
  std::vector<uint32_t> table_;
};

}  // namespace vigil::findings
