#include "storage/term_encoding.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "base/time.h"

namespace vigil::storage {

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kNone:
      return "none";
    case FieldType::kKeyword:
      return "keyword";
    case FieldType::kText:
      return "text";
    case FieldType::kLong:
      return "long";
    case FieldType::kDouble:
      return "double";
    case FieldType::kDate:
      return "date";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kIp:
      return "ip";
    case FieldType::kGeoPoint:
      return "geo_point";
    case FieldType::kObject:
      return "object";
  }
  return "none";
}

std::optional<FieldType> ParseFieldTypeName(std::string_view name) {
  for (uint8_t t = 0; t <= kMaxFieldType; ++t) {
    if (FieldTypeName(static_cast<FieldType>(t)) == name) return static_cast<FieldType>(t);
  }
  return std::nullopt;
}

namespace {

void PutBigEndian64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

uint64_t GetBigEndian64(std::string_view term) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(term[i]);
  return v;
}

constexpr uint64_t kSignBit = 1ULL << 63;

}  // namespace

void EncodeSortableLong(int64_t v, std::string* out) {
  PutBigEndian64(static_cast<uint64_t>(v) ^ kSignBit, out);
}

int64_t DecodeSortableLong(std::string_view term) {
  return static_cast<int64_t>(GetBigEndian64(term) ^ kSignBit);
}

void EncodeSortableDouble(double v, std::string* out) {
  if (v == 0) v = 0;  // -0 and 0 are one term
  uint64_t bits = std::bit_cast<uint64_t>(v);
  bits = (bits & kSignBit) ? ~bits : bits ^ kSignBit;
  PutBigEndian64(bits, out);
}

double DecodeSortableDouble(std::string_view term) {
  uint64_t bits = GetBigEndian64(term);
  bits = (bits & kSignBit) ? bits ^ kSignBit : ~bits;
  return std::bit_cast<double>(bits);
}

bool ParseIp(std::string_view text, std::string* out16) {
  if (text.empty() || text.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<unsigned char, 16> addr{};
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, addr.data() + 12) != 1) return false;
    addr[10] = addr[11] = 0xff;
  } else if (inet_pton(AF_INET6, buf, addr.data()) != 1) {
    return false;
  }
  out16->append(reinterpret_cast<const char*>(addr.data()), 16);
  return true;
}

std::string FormatIp(std::string_view bytes16) {
  if (bytes16.size() != 16) return {};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char buf[INET6_ADDRSTRLEN];
  if (std::memcmp(bytes16.data(), kMapped, 12) == 0) {
    inet_ntop(AF_INET, bytes16.data() + 12, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, bytes16.data(), buf, sizeof(buf));
  }
  return buf;
}

bool EncodeTerm(FieldType type, const FieldValue& value, std::string* out) {
  switch (type) {
    case FieldType::kKeyword:
    case FieldType::kText:
      if (value.kind != ValueKind::kString) return false;
      out->append(value.string);
      return true;
    case FieldType::kLong:
      if (value.kind == ValueKind::kLong) {
        EncodeSortableLong(value.integer, out);
        return true;
      }
      if (value.kind == ValueKind::kDouble && std::trunc(value.number) == value.number &&
          std::abs(value.number) < 9.2e18) {
        EncodeSortableLong(static_cast<int64_t>(value.number), out);
        return true;
      }
      return false;
    case FieldType::kDouble:
      if (value.kind == ValueKind::kDouble) {
        EncodeSortableDouble(value.number, out);
        return true;
      }
      if (value.kind == ValueKind::kLong) {
        EncodeSortableDouble(static_cast<double>(value.integer), out);
        return true;
      }
      return false;
    case FieldType::kDate:
      if (value.kind == ValueKind::kString) {
        Result<int64_t> ms = ParseTimestamp(value.string);
        if (!ms.ok()) return false;
        EncodeSortableLong(*ms, out);
        return true;
      }
      if (value.kind == ValueKind::kLong) {
        EncodeSortableLong(value.integer, out);
        return true;
      }
      return false;
    case FieldType::kBoolean:
      if (value.kind == ValueKind::kBool) {
        out->push_back(value.boolean ? '\1' : '\0');
        return true;
      }
      if (value.kind == ValueKind::kString && (value.string == "true" || value.string == "false")) {
        out->push_back(value.string == "true" ? '\1' : '\0');
        return true;
      }
      return false;
    case FieldType::kIp:
      return value.kind == ValueKind::kString && ParseIp(value.string, out);
    case FieldType::kGeoPoint:
      if (value.kind != ValueKind::kGeoPoint) return false;
      EncodeSortableDouble(value.number, out);
      EncodeSortableDouble(value.number2, out);
      return true;
    case FieldType::kNone:
    case FieldType::kObject:
      return false;
  }
  return false;
}

void ConflictText(const FieldValue& value, std::string* out) {
  switch (value.kind) {
    case ValueKind::kNull:
      out->append("null");
      break;
    case ValueKind::kBool:
      out->append(value.boolean ? "true" : "false");
      break;
    case ValueKind::kLong:
      fmt::format_to(std::back_inserter(*out), "{}", value.integer);
      break;
    case ValueKind::kDouble:
      fmt::format_to(std::back_inserter(*out), "{}", value.number);
      break;
    case ValueKind::kString:
      out->append(value.string);
      break;
    case ValueKind::kGeoPoint:
      fmt::format_to(std::back_inserter(*out), "{},{}", value.number, value.number2);
      break;
  }
}

FieldValue DecodeTerm(FieldType type, std::string_view term) {
  switch (type) {
    case FieldType::kKeyword:
    case FieldType::kText:
      return FieldValue::String(term);
    case FieldType::kLong:
    case FieldType::kDate:
      return term.size() == 8 ? FieldValue::Long(DecodeSortableLong(term)) : FieldValue::Null();
    case FieldType::kDouble:
      return term.size() == 8 ? FieldValue::Double(DecodeSortableDouble(term)) : FieldValue::Null();
    case FieldType::kBoolean:
      return term.size() == 1 ? FieldValue::Bool(term[0] != 0) : FieldValue::Null();
    case FieldType::kIp:
      return term.size() == 16 ? FieldValue::String(term) : FieldValue::Null();
    case FieldType::kGeoPoint:
      return term.size() == 16 ? FieldValue::GeoPoint(DecodeSortableDouble(term.substr(0, 8)),
                                                      DecodeSortableDouble(term.substr(8)))
                               : FieldValue::Null();
    case FieldType::kNone:
    case FieldType::kObject:
      break;
  }
  return FieldValue::Null();
}

std::string TermToString(FieldType type, std::string_view term) {
  FieldValue v = DecodeTerm(type, term);
  std::string out;
  if (type == FieldType::kIp) return FormatIp(term);
  if (type == FieldType::kDate && v.kind == ValueKind::kLong) return FormatTimestamp(v.integer);
  ConflictText(v, &out);
  return out;
}

}  // namespace vigil::storage
