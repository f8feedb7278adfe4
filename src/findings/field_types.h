// The mapped type of a field (DESIGN.md section 2.3): what dynamic mapping gives a field on
// first sight of its values, with the fixed types Vigil knows for GuardDuty fields.
#pragma once

#include <span>
#include <string_view>

#include "findings/document.h"

namespace vigil::findings {

// One of: keyword, text (string fields `title` and `description`, which also have a keyword
// form), date, ip, long, double, boolean, geo_point, object (an empty `{}`), or none (only null
// or `[]` values: no type yet). Decided by the first value that is not null.
std::string_view MappedType(std::string_view field, std::span<const Value> values);

// True when `text` is an IPv4 or IPv6 address in standard notation.
bool LooksLikeIp(std::string_view text);

}  // namespace vigil::findings
