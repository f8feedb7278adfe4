// The alert definitions' parsers on arbitrary bytes (first byte % 3: 0 a channel, 1 a rule, 2 a
// notification template): whatever the parsers accept is written back and read again to the
// same definition; a template renders without a field's braces left where the field was
// (fuzz/corpus/alert holds channels and rules of each kind and a template to start from).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alert/definitions.h"
#include "alert/notification.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 3 == 2) {
    const std::string out = vigil::alert::RenderTemplate(
        text, [](std::string_view) { return std::optional<std::string>("v"); });
    if (out.size() > text.size() * 2 + 1) __builtin_trap();  // "v" never outgrows "{{x}}"
    return 0;
  }
  if (data[0] % 3 == 0) {
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
