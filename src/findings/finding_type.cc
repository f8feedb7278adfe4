#include "findings/finding_type.h"

namespace vigil::findings {

std::optional<FindingType> ParseFindingType(std::string_view type) {
  size_t colon = type.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  size_t slash = type.find('/', colon + 1);
  if (slash == std::string_view::npos || slash == colon + 1) return std::nullopt;
  FindingType out;
  out.threat_purpose = type.substr(0, colon);
  out.resource_type_affected = type.substr(colon + 1, slash - colon - 1);
  std::string_view rest = type.substr(slash + 1);
  if (size_t bang = rest.find('!'); bang != std::string_view::npos) {
    out.artifact = rest.substr(bang + 1);
    rest = rest.substr(0, bang);
  }
  if (size_t dot = rest.find('.'); dot != std::string_view::npos) {
    out.detection_mechanism = rest.substr(dot + 1);
    rest = rest.substr(0, dot);
  }
  if (rest.empty()) return std::nullopt;
  out.threat_family_name = rest;
  return out;
}

}  // namespace vigil::findings
