// FindingMeta: the fields of a finding that Vigil itself relies on (identity, version, archive
// partition), checked by ValidateFinding.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace vigil::findings {

inline constexpr int64_t kNoTime = INT64_MIN;

struct FindingMeta {
  // Views into the parsed JSON: valid while the parser that produced it is not reused.
  std::string_view id;
  std::string_view type;
  std::string_view account_id;
  std::string_view region;
  double severity = 0;
  int64_t updated_at = kNoTime;       // epoch ms
  int64_t created_at = kNoTime;       // epoch ms, kNoTime when absent or not a timestamp
  int64_t event_last_seen = kNoTime;  // epoch ms, kNoTime when absent or not a timestamp
  int64_t service_count = 0;          // service.count, 0 when absent
  bool sample = false;                // service.additionalInfo.sample is true
};

// Checks the required fields of a bare finding and fills *meta:
//   id (non-empty string), type (non-empty string), accountId (digits: it names an archive
//   directory), region (lower-case letters, digits and '-'), severity (number 0..10),
//   updatedAt (an ISO-8601 timestamp string; see ParseTimestamp).
// The error names the field, what was wrong and the value found, e.g.
//   field "severity": expected a number from 0 to 10, got the string "high"
Status ValidateFinding(simdjson::dom::object finding, FindingMeta* meta);

// "the string \"x\"", "the number 12", "an object", ... for error messages.
std::string DescribeJson(simdjson::dom::element element);

}  // namespace vigil::findings
