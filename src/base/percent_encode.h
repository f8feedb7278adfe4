// Percent-encoding (RFC 3986, section 2.1): every byte but the unreserved characters (ASCII
// letters, digits, '-', '.', '_', '~') as %XX with upper-case hex. What URL query values, HTML
// form bodies and AWS Signature Version 4 all accept.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

std::string PercentEncode(std::string_view s);

}  // namespace vigil
