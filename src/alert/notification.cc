#include "alert/notification.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>

namespace vigil::alert {

namespace {

bool FieldChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@' || c == ':';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string RenderTemplate(std::string_view tmpl, const FieldLookup& lookup) {
  std::string out;
  out.reserve(tmpl.size());
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t open = tmpl.find("{{", i);
    if (open == std::string_view::npos) break;
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    const std::string_view name = Trim(tmpl.substr(open + 2, close - open - 2));
    bool valid = !name.empty();
    for (char c : name) valid = valid && FieldChar(c);
    out.append(tmpl.substr(i, open - i));
    if (valid) {
      if (std::optional<std::string> v = lookup(name)) out += *v;
    } else {
      out.append(tmpl.substr(open, close + 2 - open));
    }
    i = close + 2;
  }
  out.append(tmpl.substr(i));
  return out;
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &size) == nullptr) {
    // Only a broken OpenSSL installation fails here; an unsigned notification would be refused.
    std::fputs("vigil: OpenSSL's HMAC-SHA256 failed\n", stderr);
    std::abort();
  }
  std::string hex;
  hex.reserve(size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  return "sha256=" + HmacSha256Hex(secret, body);
}

}  // namespace vigil::alert
