// The parts of a GuardDuty finding type:
//   ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact
// e.g. "Backdoor:EC2/C&CActivity.B!DNS" -> Backdoor, EC2, C&CActivity, B, DNS. The family may
// contain '&'; the mechanism and the artifact are optional.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace vigil::findings {

struct FindingType {
  std::string_view threat_purpose;
  std::string_view resource_type_affected;
  std::string_view threat_family_name;
  std::string_view detection_mechanism;  // empty when absent
  std::string_view artifact;             // empty when absent
};

// Parses a finding type; the views point into `type`. Returns nullopt unless the type has a
// non-empty purpose before ':', a resource type before '/', and a family name after it.
std::optional<FindingType> ParseFindingType(std::string_view type);

// The active finding types of the GuardDuty User Guide (data/guardduty/finding-types.txt,
// compiled into the binary), in the file's order.
std::span<const std::string_view> ActiveFindingTypes();

}  // namespace vigil::findings
