// What a webhook notification becomes on the wire: the alert as the outbox keeps it, with the
// notification id and channel added, signed over exactly the bytes sent.
#include "alert/delivery.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alert/notification.h"

namespace vigil::alert {
namespace {

using json = nlohmann::ordered_json;

std::string Header(const OutgoingRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WebhookRender, TheAlertWithTheNotificationIdAndChannelSigned) {
  Channel c;
  c.name = "sec\"hook";
  c.url = "http://127.0.0.1:1/in";
  c.secret = "s3cret";
  c.headers = {{"X-Team", "blue"}};
  Notification n;
  n.id = "a1.sec\"hook";
  n.alert_id = "a1";
  n.channel = c.name;
  n.alert = R"( {"id":"a1","finding_ids":["f1","f2"],"title":"t \u00e9"} )";
  Result<OutgoingRequest> r = RenderNotification(c, n, 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  json body = json::parse(r->body);
  EXPECT_EQ(body["id"], "a1");
  EXPECT_EQ(body["finding_ids"], json::array({"f1", "f2"}));
  EXPECT_EQ(body["title"], "t \u00e9");
  EXPECT_EQ(body["notification_id"], "a1.sec\"hook");
  EXPECT_EQ(body["channel"], "sec\"hook");
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(r->url, c.url);
  EXPECT_EQ(Header(*r, "X-Vigil-Signature"), WebhookSignature("s3cret", r->body));
  EXPECT_EQ(Header(*r, "X-Team"), "blue");
  EXPECT_EQ(Header(*r, "Idempotency-Key"), n.id);
  EXPECT_EQ(Header(*r, "Content-Type"), "application/json");
  EXPECT_EQ(r->ca_file, "");  // the system's certificate authorities
  c.ca_file = "/etc/vigil/ca.pem";
  EXPECT_EQ(RenderNotification(c, n, 0)->ca_file, "/etc/vigil/ca.pem");

  n.alert = "{ }";  // an empty object gets no leading comma
  r = RenderNotification(c, n, 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(r->body).size(), 2u);

  // What is not one JSON object is refused, not spliced into a broken body.
  for (const char* bad :
       {"", "[1]", "{", "\"x\"", "}", "{x}", "{\"a\":1}}", "{\"a\":}", "{\"a\":1} {\"b\":2}"}) {
    n.alert = bad;
    EXPECT_FALSE(RenderNotification(c, n, 0).ok()) << bad;
  }
}

}  // namespace
}  // namespace vigil::alert
