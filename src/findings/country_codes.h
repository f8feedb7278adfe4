// Country names as GuardDuty writes them (MaxMind GeoIP English names) <-> ISO 3166-1 alpha-2.
//
// GuardDuty's remoteIpDetails carry only `country.countryName` in most findings; newer API output
// adds `countryCode`. These lookups let the indexer derive one from the other. Pure functions
// over a compiled-in table, thread-safe.
#pragma once

#include <string_view>

namespace vigil::findings {

// ISO 3166-1 alpha-2 code ("FR") for a country name as GuardDuty writes it: the English short
// names of all ISO 3166-1 countries and territories, the formal ISO forms ("Korea, Republic of",
// "Russian Federation") and the common variants MaxMind and GuardDuty use ("United States",
// "South Korea", "Russia", "Iran", "Vietnam", "Taiwan", "Czech Republic", "Türkiye",
// "The Netherlands", "Ivory Coast", "Macau", "Kosovo" -> "XK", ...). Matching ignores ASCII case.
// Returns an empty view when the name is unknown.
std::string_view CountryCodeForName(std::string_view name);

// The English short name for a code, in the form GuardDuty writes it ("FR" -> "France",
// "KR" -> "South Korea", "US" -> "United States"). Matching ignores case. Empty if unknown.
std::string_view CountryNameForCode(std::string_view code);

}  // namespace vigil::findings
