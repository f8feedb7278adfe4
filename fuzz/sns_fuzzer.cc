// The SNS delivery parser on arbitrary bytes: ParseSnsMessage, then the string to sign and the
// URL checks on whatever it accepted, and the signature check against a certificate that does
// not parse (fuzz/corpus/sns holds a notification and a confirmation to start from).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aws/sns.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::Result<vigil::aws::SnsMessage> m = vigil::aws::ParseSnsMessage(text);
  if (!m.ok()) return 0;
  const std::string signed_text = vigil::aws::SnsStringToSign(*m);
  if (signed_text.find(m->message) == std::string::npos) __builtin_trap();
  (void)vigil::aws::IsSnsUrl(m->signing_cert_url);
  (void)vigil::aws::IsSnsUrl(m->subscribe_url);
  if (vigil::aws::VerifySnsSignature(*m, "not a certificate").ok()) __builtin_trap();
  return 0;
}
