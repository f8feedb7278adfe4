// The alert definitions' parsers on arbitrary bytes (first byte even: a channel, odd: a rule):
// whatever they accept is written back and read again to the same definition (fuzz/corpus/alert
// holds channels and rules of each kind to start from).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "alert/definitions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    vigil::Result<vigil::alert::Channel> c = vigil::alert::ParseChannel(text);
    if (!c.ok()) return 0;
    const std::string once = vigil::alert::ChannelToJson(*c, false);
    vigil::Result<vigil::alert::Channel> again = vigil::alert::ParseChannel(once);
    if (!again.ok() || vigil::alert::ChannelToJson(*again, false) != once) __builtin_trap();
  } else {
    vigil::Result<vigil::alert::Rule> r = vigil::alert::ParseRule(text);
    if (!r.ok()) return 0;
    const std::string once = vigil::alert::RuleToJson(*r);
    vigil::Result<vigil::alert::Rule> again = vigil::alert::ParseRule(once);
    if (!again.ok() || vigil::alert::RuleToJson(*again) != once) __builtin_trap();
  }
  return 0;
}
