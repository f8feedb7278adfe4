#include "alert/notification.h"

#include <gtest/gtest.h>

#include <map>

namespace vigil::alert {
namespace {

FieldLookup Finding(std::map<std::string, std::string, std::less<>> fields) {
  return [fields = std::move(fields)](std::string_view name) -> std::optional<std::string> {
    auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    return it->second;
  };
}

TEST(AlertTemplates, FieldsReplacedMissingEmptyMalformedKept) {
  FieldLookup f = Finding({{"type", "Recon:EC2/PortProbeUnprotectedPort"},
                           {"severity", "8"},
                           {"resource.instanceDetails.instanceId", "i-0abc"}});
  EXPECT_EQ(
      RenderTemplate("[{{severity}}] {{ type }} on {{resource.instanceDetails.instanceId}}", f),
      "[8] Recon:EC2/PortProbeUnprotectedPort on i-0abc");
  EXPECT_EQ(RenderTemplate("region {{region}}.", f), "region .");
  EXPECT_EQ(RenderTemplate("{{ not a field }} and {{type", f), "{{ not a field }} and {{type");
  EXPECT_EQ(RenderTemplate("{{}}{{severity}}}}", f), "{{}}8}}");
  EXPECT_EQ(RenderTemplate("", f), "");
  EXPECT_EQ(RenderTemplate("no fields", f), "no fields");
}

TEST(AlertSignatures, HmacSha256AsRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(WebhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(WebhookSignature("Jefe", "what do ya want for nothing!"),
            WebhookSignature("Jefe", "what do ya want for nothing?"));
}

}  // namespace
}  // namespace vigil::alert
