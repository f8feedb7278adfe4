#include "cli/commands.h"

#include <cstdio>

#include "base/time.h"

namespace vigil::cli {

int64_t ParseTimeOption(const std::string& name, const std::string& value) {
  if (value == "now") return NowMillis();
  Result<int64_t> t = ParseTimestamp(value);
  if (!t.ok()) throw CLI::ValidationError(name, t.status().message());
  return *t;
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "vigil: %s\n", message.c_str());
}

}  // namespace vigil::cli
