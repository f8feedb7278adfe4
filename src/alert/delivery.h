// What a notification becomes on the wire for each type of channel (docs/alerting.md), and the
// libcurl client that sends it.
//
//   webhook  POST of the alert as JSON (with "notification_id"); Idempotency-Key; the
//            X-Vigil-Signature HMAC when the channel has a secret; the channel's headers
//   slack    POST of a Block Kit message (header, fields for severity, type, account, resource
//            and attacker, the body, the finding ids, a button to the findings in Vigil)
//   teams    POST of a message with an Adaptive Card (the same content)
//   email    an RFC 5322 message, multipart/alternative (text and HTML), over SMTP with STARTTLS
//            (unless starttls is false; smtps:// is TLS from the start) and login when given;
//            Message-ID <notification id@vigil>
//   sns      SNS Publish (Query API, POST form) signed with SigV4: Subject the title, Message the
//            alert as JSON, message attributes severity (Number), severity_label, type and rule
//            (String) for subscription filter policies; a FIFO topic also gets
//            MessageDeduplicationId (the notification id) and MessageGroupId (the rule)
//
// Every HTTP request carries `Idempotency-Key: <notification id>`: a notification sent again
// after a crash that raced its settlement has the same key.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "alert/definitions.h"
#include "alert/outbox.h"
#include "base/status.h"

namespace vigil::alert {

struct OutgoingRequest {
  bool smtp = false;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // HTTP
  std::string body;                                          // HTTP body, or the mail message
  // SMTP
  std::string mail_from;
  std::vector<std::string> recipients;
  std::string username;
  std::string password;
  bool starttls = true;
  // Both: the certificate authorities to verify TLS against (empty: the system's).
  std::string ca_file;
};

// The request that delivers `n` over `c` at `now` (epoch ms; SNS signs with it).
// InvalidArgument when it cannot be built (an SNS channel without credentials, an alert that is
// not JSON).
Result<OutgoingRequest> RenderNotification(const Channel& c, const Notification& n, int64_t now);

struct DeliveryResult {
  bool ok = false;
  long code = 0;      // HTTP status, or SMTP reply code; 0 when no answer
  std::string error;  // why it failed: the answer's status and start of body, or curl's error
};

struct TransportOptions {
  long timeout_ms = 10'000;
  // Verify TLS certificates (only tests against self-signed stand-ins turn it off).
  bool verify_tls = true;
};

// Sends the request with libcurl: an HTTP POST succeeds on a 2xx, an SMTP transaction when the
// server accepts the message (250). Thread-safe (a handle per call).
DeliveryResult Send(const OutgoingRequest& request, const TransportOptions& options = {});

}  // namespace vigil::alert
