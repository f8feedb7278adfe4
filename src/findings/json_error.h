// Precise JSON syntax errors. simdjson (the fast parser) says what kind of error it met but not
// where; on that slow path this re-reads the text with nlohmann::json's SAX parser, which reports
// the byte, and words the problem for a person.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace vigil::findings {

struct JsonErrorDetail {
  std::string message;  // e.g. "unexpected end of input; expected '}'"
  size_t offset = 0;    // byte in the text where the problem is
};

// Describes why `text` failed to parse with simdjson `code`, given the depth limit in force.
JsonErrorDetail DescribeJsonError(std::string_view text, simdjson::error_code code,
                                  size_t max_depth);

}  // namespace vigil::findings
