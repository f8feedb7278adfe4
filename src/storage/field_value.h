// What the engine indexes: documents made of named fields, each with typed values, and the
// mapped types of fields (DESIGN.md section 2.3). The storage module knows nothing of GuardDuty:
// the ingest module turns a flattened finding into an IndexDoc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::storage {

// The mapped type of a field, fixed on first sight. The numeric values are stored on disk.
enum class FieldType : uint8_t {
  kNone = 0,      // only nulls / empty arrays seen so far
  kKeyword = 1,   // exact string
  kText = 2,      // a keyword that is also full-text searchable (title, description)
  kLong = 3,      // 64-bit integer
  kDouble = 4,    // IEEE double
  kDate = 5,      // epoch milliseconds
  kBoolean = 6,   //
  kIp = 7,        // IPv4 or IPv6, stored as 16 bytes (IPv4-mapped)
  kGeoPoint = 8,  // latitude, longitude
  kObject = 9,    // an empty `{}` leaf: nothing indexed
};
inline constexpr uint8_t kMaxFieldType = 9;

// "keyword", "text", "long", ... as in Elasticsearch's mapping API.
std::string_view FieldTypeName(FieldType type);
std::optional<FieldType> ParseFieldTypeName(std::string_view name);

enum class ValueKind : uint8_t { kNull, kBool, kLong, kDouble, kString, kGeoPoint };

// One value of a field. A string is a view: it must outlive the call it is passed to.
struct FieldValue {
  ValueKind kind = ValueKind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;   // kDouble; latitude for kGeoPoint
  double number2 = 0;  // longitude for kGeoPoint
  std::string_view string;

  static FieldValue Null() { return {}; }
  static FieldValue Bool(bool b) {
    FieldValue v;
    v.kind = ValueKind::kBool;
    v.boolean = b;
    return v;
  }
  static FieldValue Long(int64_t i) {
    FieldValue v;
    v.kind = ValueKind::kLong;
    v.integer = i;
    return v;
  }
  static FieldValue Double(double d) {
    FieldValue v;
    v.kind = ValueKind::kDouble;
    v.number = d;
    return v;
  }
  static FieldValue String(std::string_view s) {
    FieldValue v;
    v.kind = ValueKind::kString;
    v.string = s;
    return v;
  }
  static FieldValue GeoPoint(double lat, double lon) {
    FieldValue v;
    v.kind = ValueKind::kGeoPoint;
    v.number = lat;
    v.number2 = lon;
    return v;
  }
};

// A field of a document to index: its name, the type it gets if the index has not seen it yet,
// and its values (several for a multi-valued field; nulls are ignored).
struct IndexField {
  std::string_view name;
  FieldType type_hint = FieldType::kKeyword;
  std::span<const FieldValue> values;
  // FlatStringMap::Hash(name) when the caller has it already; 0: not given.
  uint64_t name_hash = 0;
};

// The version of a document, compared lexicographically: for findings (updatedAt in epoch ms,
// service.count). Generic documents have version {0, 0}.
struct Version {
  int64_t primary = 0;
  int64_t secondary = 0;
  // Spelled out: clang-tidy 14 misreads a defaulted operator<=> (modernize-use-nullptr).
  friend bool operator==(const Version& a, const Version& b) {
    return a.primary == b.primary && a.secondary == b.secondary;
  }
  friend bool operator<(const Version& a, const Version& b) {
    return a.primary != b.primary ? a.primary < b.primary : a.secondary < b.secondary;
  }
  friend bool operator>(const Version& a, const Version& b) { return b < a; }
};

}  // namespace vigil::storage
