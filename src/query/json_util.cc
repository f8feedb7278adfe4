#include "query/json_util.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace vigil::query {

namespace {

constexpr std::string_view kParsing = "parsing_exception";
constexpr std::string_view kIllegal = "illegal_argument_exception";

}  // namespace

Status ParsingError(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail(std::string(kParsing));
}
Status IllegalArgument(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail(std::string(kIllegal));
}

// "a.b" + "." + "c" without temporaries.
std::string Sub(std::string_view path, std::string_view key) {
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out.append(path);
  out.push_back('.');
  out.append(key);
  return out;
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_float:
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "a number";
    default:
      return "a value";
  }
}

Result<Scalar> ToScalar(const json& v, const std::string& path) {
  switch (v.type()) {
    case json::value_t::string:
      return Scalar::String(v.get<std::string>());
    case json::value_t::boolean:
      return Scalar::Bool(v.get<bool>());
    case json::value_t::number_integer:
      return Scalar::Long(v.get<int64_t>());
    case json::value_t::number_unsigned: {
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Scalar::Double(static_cast<double>(u));
      return Scalar::Long(static_cast<int64_t>(u));
    }
    case json::value_t::number_float:
      return Scalar::Double(v.get<double>());
    default:
      return ParsingError(
          fmt::format("[{}] expected a string, number or boolean, got {}", path, TypeName(v)));
  }
}

Result<std::string> GetString(const json& v, const std::string& path) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) {
    Result<Scalar> s = ToScalar(v, path);
    if (!s.ok()) return s.status();
    return s->Text();
  }
  return ParsingError(fmt::format("[{}] expected a string, got {}", path, TypeName(v)));
}

Result<int64_t> GetInt(const json& v, const std::string& path) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return IllegalArgument(fmt::format("[{}] is out of range", path));
    }
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9e18) return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && ptr == s.data() + s.size()) return n;
  }
  return IllegalArgument(
      fmt::format("[{}] expected an integer, got {}", path,
                  v.is_string() ? fmt::format("\"{}\"", v.get<std::string>()) : TypeName(v)));
}

Result<bool> GetBool(const json& v, const std::string& path) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() && (v == "true" || v == "false")) return v == "true";
  return IllegalArgument(fmt::format("[{}] expected true or false, got {}", path, TypeName(v)));
}

Result<float> GetFloat(const json& v, const std::string& path) {
  if (v.is_number()) return v.get<float>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      const std::string s = v.get<std::string>();
      float f = std::stof(s, &used);
      if (used == s.size()) return f;
    } catch (const std::exception&) {
    }
  }
  return IllegalArgument(fmt::format("[{}] expected a number, got {}", path, TypeName(v)));
}

Result<double> GetDouble(const json& v, const std::string& path) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return d;
  }
  return IllegalArgument(fmt::format("[{}] expected a number, got {}", path, TypeName(v)));
}

Result<std::vector<std::string>> StringList(const json& v, const std::string& path) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) {
    return ParsingError(
        fmt::format("[{}] expected a string or an array of strings, got {}", path, TypeName(v)));
  }
  for (const json& s : v) {
    if (!s.is_string()) {
      return ParsingError(fmt::format("[{}] expected strings, got {}", path, TypeName(s)));
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace vigil::query
