#include "query/term_values.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <charconv>

#include "query/date_math.h"
#include "storage/field_value.h"
#include "storage/term_encoding.h"

namespace vigil::query {

using storage::FieldType;

Result<std::string> ValueToTerm(FieldType type, const Scalar& value, std::string_view field) {
  std::string out;
  auto fail = [&](std::string_view what) {
    return ShardError(fmt::format("failed to create query: field [{}] is of type [{}] and [{}] {}",
                                  field, storage::FieldTypeName(type), value.Text(), what));
  };
  switch (type) {
    case FieldType::kKeyword:
    case FieldType::kText:
      return value.Text();
    case FieldType::kLong: {
      if (value.kind == Scalar::Kind::kLong) {
        storage::EncodeSortableLong(value.long_value, &out);
        return out;
      }
      double d = 0;
      if (value.kind == Scalar::Kind::kDouble) {
        d = value.double_value;
      } else if (value.kind == Scalar::Kind::kString) {
        const std::string& s = value.string;
        int64_t n = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
          storage::EncodeSortableLong(n, &out);
          return out;
        }
        auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec2 != std::errc() || p2 != s.data() + s.size() || s.empty()) {
          return fail("is not a number");
        }
      } else {
        return fail("is not a number");
      }
      if (std::floor(d) != d || std::fabs(d) > 9.2e18) return fail("is not a whole number");
      storage::EncodeSortableLong(static_cast<int64_t>(d), &out);
      return out;
    }
    case FieldType::kDouble: {
      double d = 0;
      if (value.kind == Scalar::Kind::kLong) {
        d = static_cast<double>(value.long_value);
      } else if (value.kind == Scalar::Kind::kDouble) {
        d = value.double_value;
      } else if (value.kind == Scalar::Kind::kString) {
        const std::string& s = value.string;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
          return fail("is not a number");
        }
      } else {
        return fail("is not a number");
      }
      storage::EncodeSortableDouble(d, &out);
      return out;
    }
    case FieldType::kDate: {
      if (value.kind == Scalar::Kind::kLong) {
        storage::EncodeSortableLong(value.long_value, &out);
        return out;
      }
      if (value.kind != Scalar::Kind::kString) return fail("is not a date");
      Result<int64_t> ms = DateFormat().ParseValue(value.string, TimeZone{});
      if (!ms.ok()) return fail("is not a date (ISO-8601 or epoch milliseconds)");
      storage::EncodeSortableLong(*ms, &out);
      return out;
    }
    case FieldType::kBoolean: {
      std::string t = value.Text();
      if (t != "true" && t != "false") return fail("is not a boolean (true or false)");
      out.push_back(t == "true" ? 1 : 0);
      return out;
    }
    case FieldType::kIp: {
      if (value.kind != Scalar::Kind::kString || !storage::ParseIp(value.string, &out)) {
        return fail("is not an IP address");
      }
      return out;
    }
    case FieldType::kGeoPoint:
      return fail("cannot be searched by value: geo_point fields take no term queries");
    case FieldType::kNone:
    case FieldType::kObject:
      break;
  }
  return fail("cannot be searched");
}

bool CidrRange(const std::string& text, std::string* low, std::string* high) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string ip;
  if (!storage::ParseIp(text.substr(0, slash), &ip)) return false;
  int bits = 0;
  auto [p, ec] = std::from_chars(text.data() + slash + 1, text.data() + text.size(), bits);
  if (ec != std::errc() || p != text.data() + text.size()) return false;
  const bool v4 = text.find(':') == std::string::npos;
  if (v4) bits += 96;
  if (bits < 0 || bits > 128) return false;
  *low = ip;
  *high = ip;
  for (int b = bits; b < 128; ++b) {
    const int byte = b / 8;
    const auto mask = static_cast<uint8_t>(0x80 >> (b % 8));
    (*low)[byte] = static_cast<char>(static_cast<uint8_t>((*low)[byte]) & ~mask);
    (*high)[byte] = static_cast<char>(static_cast<uint8_t>((*high)[byte]) | mask);
  }
  return true;
}

std::string CaseInsensitiveRegex(const std::vector<std::string>& literals) {
  std::string re = "(?:";
  for (size_t i = 0; i < literals.size(); ++i) {
    if (i > 0) re += "|";
    re += re2::RE2::QuoteMeta(literals[i]);
  }
  return re + ")";
}

}  // namespace vigil::query
