#include "findings/field_types.h"

#include <arpa/inet.h>

#include <cctype>
#include <string>

#include "base/time.h"

namespace vigil::findings {

namespace {

std::string_view LastPart(std::string_view field) {
  size_t dot = field.rfind('.');
  return dot == std::string_view::npos ? field : field.substr(dot + 1);
}

// Field names whose values are IP addresses: ipAddressV4, publicIp, privateIpAddress,
// sourceIPs, ipv6Addresses, derived.*.ip. A value must also look like an address.
bool IpName(std::string_view field) {
  std::string_view last = LastPart(field);
  for (size_t i = 0; i + 1 < last.size(); ++i) {
    if ((last[i] == 'i' || last[i] == 'I') && (last[i + 1] == 'p' || last[i + 1] == 'P')) {
      // "ip" at a word start: the name's start or after a lower-case letter ("publicIp").
      bool word_start =
          i == 0 || (last[i] == 'I' && std::islower(static_cast<unsigned char>(last[i - 1])));
      if (word_start) return true;
    }
  }
  return false;
}

// Types Vigil fixes for GuardDuty fields whatever the first value looks like, so that a finding
// with `"severity": 5` does not make the field a long.
std::string_view FixedType(std::string_view field) {
  if (field == "severity") return "double";
  if (field == "service.count") return "long";
  if (field == "title" || field == "description") return "text";
  if (field == "derived.ingestedAt") return "date";
  if (field.starts_with("derived.") && field.ends_with(".location")) return "geo_point";
  if (field.ends_with(".geoLocation.lat") || field.ends_with(".geoLocation.lon")) return "double";
  if (field.ends_with(".asn")) return "keyword";  // organization.asn, derived.*.asn
  return {};
}

}  // namespace

bool LooksLikeIp(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) return false;
  char buf[64];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  unsigned char addr[16];
  if (text.find(':') != std::string_view::npos) return inet_pton(AF_INET6, buf, addr) == 1;
  return inet_pton(AF_INET, buf, addr) == 1;
}

std::string_view MappedType(std::string_view field, std::span<const Value> values) {
  if (std::string_view fixed = FixedType(field); !fixed.empty()) return fixed;
  for (const Value& v : values) {
    switch (v.kind) {
      case ValueKind::kNull:
      case ValueKind::kEmptyArray:
        continue;
      case ValueKind::kEmptyObject:
        return "object";
      case ValueKind::kBool:
        return "boolean";
      case ValueKind::kInt:
        return "long";
      case ValueKind::kDouble:
        return "double";
      case ValueKind::kGeoPoint:
        return "geo_point";
      case ValueKind::kString:
        if (LooksLikeTimestamp(v.string())) return "date";
        if (IpName(field) && LooksLikeIp(v.string())) return "ip";
        return "keyword";
    }
  }
  return "none";
}

}  // namespace vigil::findings
