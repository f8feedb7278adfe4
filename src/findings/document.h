// Document: one finding as it is indexed. A list of named fields in first-seen order, each with
// one or more values: the flattened original fields (npm `flat` keys), the array-collapsed
// multi-valued fields, and the derived.* fields (DESIGN.md section 2.3).
//
// A Document owns the bytes of its names (an arena reused across Clear()); string values may
// borrow memory that outlives the document's use (see Value::String). Views it hands out stay
// valid until the next Clear() or destruction. Not thread-safe; reuse
// one Document per thread to avoid allocations.
#pragma once

#include <cstdint>
#include <cstring>
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

// One value of a field: 24 bytes, copied freely. A string value is a view (see String()).
struct Value {
  ValueKind kind = ValueKind::kNull;
  bool boolean = false;
  union {
    int64_t integer = 0;
    double number;      // kDouble; latitude for kGeoPoint
    const char* chars;  // kString
  };
  union {
    double number2 = 0;  // longitude for kGeoPoint
    size_t length;       // kString
  };

  std::string_view string() const { return {chars, length}; }

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
  // The view must stay valid as long as the Document is used: memory the Document owns (see
  // Document::Intern), static data, or memory its user guarantees (the reader's parser).
  static Value String(std::string_view s) {
    Value v;
    v.kind = ValueKind::kString;
    v.chars = s.data();
    v.length = s.size();
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
static_assert(sizeof(Value) == 24);

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
  std::string_view Intern(std::string_view s) {
    // s.size() - 1 wraps for "", which takes the slow path (no memcpy to a null block).
    if (s.size() - 1 < block_left_) {
      char* dst = block_cursor_;
      std::memcpy(dst, s.data(), s.size());
      block_cursor_ += s.size();
      block_left_ -= s.size();
      return {dst, s.size()};
    }
    return InternSlow(s);
  }

  // Adds a value to the field `name` (copied), creating the field if it is new. Returns false,
  // adding nothing, when a kFlat field of that name already exists (a duplicate key in the JSON).
  // A kFlat value added to an existing collapsed field (or the reverse: possible only with dots
  // inside JSON keys) makes the field a list of all its values.
  bool Add(std::string_view name, FieldOrigin origin, const Value& value) {
    return Add(name, HashName(name), origin, value);
  }
  // The same with the name's HashName() computed by the caller.
  bool Add(std::string_view name, uint64_t hash, FieldOrigin origin, const Value& value);

  // A fast hash of a field name, eight bytes at a time. Not collision-resistant against a
  // hostile document; a collision costs a string comparison, and a document is size-limited.
  static uint64_t HashName(std::string_view name) {
    const char* p = name.data();
    size_t n = name.size();
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
      h = (h << 31) | (h >> 33);
      p += 8;
      n -= 8;
    }
    if (n > 0) {
      uint64_t w = 0;
      if (name.size() >= 8) {
        std::memcpy(&w, name.data() + name.size() - 8, 8);  // the last 8 bytes, overlapping
        w >>= (8 - n) * 8;
      } else {
        for (size_t i = 0; i < n; ++i)
          w |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
      }
      h = (h ^ w) * 0x94d049bb133111ebULL;
    }
    return h ^ (h >> 32);
  }
  // Adds a kFlat field that the caller knows is new, without looking its name up: the flattener's
  // fast path (it checks duplicate keys per object). Until IndexAll() is called, a later Add()
  // of the same name is not merged with it, so callers that cannot rule out such collisions
  // (JSON keys containing '.') call IndexAll() first.
  void AddNewFlat(std::string_view name, const Value& value);
  // Puts every field added so far in the name table, and makes later AddNewFlat() calls go
  // through Add().
  void IndexAll();

  // Groups the values added so far by field; call once after the last Add() and before reading.
  // Values may arrive in any order; each field keeps its own values in arrival order.
  void Finish();

  const std::vector<Field>& fields() const { return fields_; }
  std::span<const Value> values(const Field& f) const {
    return std::span<const Value>(values_).subspan(f.begin, f.end - f.begin);
  }
  // The field named `name`, or nullptr. Valid after Finish().
  const Field* Find(std::string_view name);

  // Appends the document as one JSON object: name -> value; a list for collapsed fields and for
  // any field with several values. With `types`, name -> mapped type instead (field_types.h).
  void WriteJson(std::string* out, bool types = false) const;

 private:
  struct Pending {
    uint32_t field;
    Value value;
  };

  // The field's index, or -1 with *empty_slot (when given) set to where it would go.
  int32_t Lookup(std::string_view name, uint64_t hash, size_t* empty_slot) const;
  void InsertNew(uint32_t field, uint64_t hash, size_t empty_slot);
  void Rehash(size_t buckets);

  std::string_view InternSlow(std::string_view s);

  // Arena: fixed-size blocks reused across Clear(); strings never straddle blocks. Strings over a
  // quarter block get an allocation of their own, freed by Clear().
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;
  size_t block_index_ = 0;  // the block block_cursor_ points into, when block_left_ > 0
  char* block_cursor_ = nullptr;
  size_t block_left_ = 0;

  std::vector<Field> fields_;
  // A field's HashName() | 1 once it is in table_; 0 for a field added by AddNewFlat() and not
  // indexed yet.
  std::vector<uint64_t> field_hashes_;
  bool index_all_ = false;
  bool has_unindexed_ = false;
  // Flat values go straight to values_ (one each, in field order); the values of collapsed and
  // derived fields, which arrive interleaved, wait in pending_ until Finish() groups them.
  std::vector<Pending> pending_;
  std::vector<Value> values_;
  std::vector<uint32_t> counts_;
  // Open-addressing table of field indices + 1 (0 = empty).
  std::vector<uint32_t> table_;
};

}  // namespace vigil::findings
