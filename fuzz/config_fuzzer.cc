// The configuration file parser (yaml-cpp under Vigil's checks) on arbitrary bytes: every input
// is a config or an InvalidArgument naming where it is wrong, never a crash, and an error never
// repeats an sha256 value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::Result<vigil::server::ServerConfig> config = vigil::server::ParseConfig(text, "f.yaml");
  if (!config.ok() && config.status().code() != vigil::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
