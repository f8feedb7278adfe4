// The parts of a notification that do not depend on where it goes: the templates of titles and
// bodies ({{field}} replaced by a finding's value), and the HMAC-SHA256 signature a webhook
// receiver checks (X-Vigil-Signature: sha256=<hex of HMAC-SHA256(secret, body)>, GitHub's
// convention).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::alert {

// A finding's value by flattened field name ("severity", "resource.instanceDetails.instanceId"),
// as text; nullopt when the finding has none.
using FieldLookup = std::function<std::optional<std::string>(std::string_view field)>;

// `tmpl` with each {{ field }} (spaces optional) replaced by the finding's value, or by nothing
// when it has none. "{{" without a closing "}}" is kept as it is; so is a name with characters a
// field name cannot have (letters, digits, '.', '_', '-', '@', ':' only).
std::string RenderTemplate(std::string_view tmpl, const FieldLookup& lookup);

// Lower-case hex of HMAC-SHA256(key, data) (OpenSSL).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The value of the X-Vigil-Signature header for `body`: "sha256=" and HmacSha256Hex.
std::string WebhookSignature(std::string_view secret, std::string_view body);

}  // namespace vigil::alert
