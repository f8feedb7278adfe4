#include "findings/finding_meta.h"

#include <fmt/format.h>

#include <cmath>

#include "base/time.h"

namespace vigil::findings {

namespace dom = simdjson::dom;

namespace {

constexpr size_t kMaxQuoted = 60;

Status FieldError(std::string_view field, std::string_view expected, dom::element found) {
  return Status::InvalidArgument(
      fmt::format("field \"{}\": expected {}, got {}", field, expected, DescribeJson(found)));
}

Status Missing(std::string_view field) {
  return Status::InvalidArgument(fmt::format("field \"{}\" is missing", field));
}

// Reads a required non-empty string field.
Status RequiredString(dom::object finding, std::string_view field, std::string_view* out) {
  dom::element e;
  if (finding[field].get(e) != simdjson::SUCCESS) return Missing(field);
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return FieldError(field, "a string", e);
  if (s.empty()) return FieldError(field, "a non-empty string", e);
  *out = s;
  return Status::Ok();
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

template <typename Parent>
int64_t OptionalTime(Parent parent, std::string_view field) {
  std::string_view s;
  if (parent[field].get(s) != simdjson::SUCCESS) return kNoTime;
  Result<int64_t> t = ParseTimestamp(s);
  return t.ok() ? *t : kNoTime;
}

}  // namespace

std::string DescribeJson(dom::element element) {
  switch (element.type()) {
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::STRING: {
      std::string_view s = element.get_string().value_unsafe();
      if (s.size() > kMaxQuoted)
        return fmt::format("the string \"{}...\"", s.substr(0, kMaxQuoted));
      return fmt::format("the string \"{}\"", s);
    }
    case dom::element_type::INT64:
      return fmt::format("the number {}", element.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      return fmt::format("the number {}", element.get_uint64().value_unsafe());
    case dom::element_type::DOUBLE:
      return fmt::format("the number {}", element.get_double().value_unsafe());
    case dom::element_type::BOOL:
      return element.get_bool().value_unsafe() ? "true" : "false";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

Status ValidateFinding(dom::object finding, FindingMeta* meta) {
  VIGIL_RETURN_IF_ERROR(RequiredString(finding, "id", &meta->id));
  VIGIL_RETURN_IF_ERROR(RequiredString(finding, "type", &meta->type));

  VIGIL_RETURN_IF_ERROR(RequiredString(finding, "accountId", &meta->account_id));
  if (meta->account_id.size() > 20 ||
      !AllOf(meta->account_id, [](char c) { return c >= '0' && c <= '9'; })) {
    return FieldError("accountId", "an AWS account id (up to 20 digits)",
                      finding["accountId"].value());
  }

  VIGIL_RETURN_IF_ERROR(RequiredString(finding, "region", &meta->region));
  if (meta->region.size() > 32 || !AllOf(meta->region, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return FieldError("region", "an AWS region name like \"us-east-1\"", finding["region"].value());
  }

  dom::element severity;
  if (finding["severity"].get(severity) != simdjson::SUCCESS) return Missing("severity");
  double sev;
  if (severity.get(sev) != simdjson::SUCCESS || !std::isfinite(sev) || sev < 0 || sev > 10) {
    return FieldError("severity", "a number from 0 to 10", severity);
  }
  meta->severity = sev;

  dom::element updated;
  if (finding["updatedAt"].get(updated) != simdjson::SUCCESS) return Missing("updatedAt");
  std::string_view updated_text;
  if (updated.get(updated_text) != simdjson::SUCCESS) {
    return FieldError("updatedAt", "an ISO-8601 timestamp string", updated);
  }
  Result<int64_t> updated_at = ParseTimestamp(updated_text);
  if (!updated_at.ok()) {
    return Status::InvalidArgument(
        fmt::format("field \"updatedAt\": {}", updated_at.status().message()));
  }
  meta->updated_at = *updated_at;
  meta->created_at = OptionalTime(finding, "createdAt");

  meta->event_last_seen = kNoTime;
  meta->service_count = 0;
  meta->sample = false;
  dom::element service;
  if (finding["service"].get(service) == simdjson::SUCCESS && service.is_object()) {
    meta->event_last_seen = OptionalTime(service, "eventLastSeen");
    int64_t count;
    if (service["count"].get(count) == simdjson::SUCCESS) meta->service_count = count;
    dom::element sample;
    if (service["additionalInfo"]["sample"].get(sample) == simdjson::SUCCESS) {
      bool b;
      std::string_view s;
      meta->sample = (sample.get(b) == simdjson::SUCCESS && b) ||
                     (sample.get(s) == simdjson::SUCCESS && (s == "true" || s == "True"));
    }
  }
  return Status::Ok();
}

}  // namespace vigil::findings
