// Amazon SNS HTTP(S) deliveries (docs/http-api.md, "POST /api/ingest/sns"): the JSON document SNS
// posts to a subscribed endpoint, the string SNS signs, and the check of its signature against
// the signing certificate.
//
// SNS signs each message with the private key of a certificate it publishes at SigningCertURL:
// SignatureVersion 1 is RSA with SHA-1, version 2 RSA with SHA-256, over "Key\nvalue\n" lines of
// some fields in a fixed order (Message, MessageId, Subject if present, Timestamp, TopicArn, Type
// for a notification; Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type for a
// (un)subscription confirmation). A certificate or a subscription URL is trusted only from an
// https://sns.<region>.amazonaws.com (or .amazonaws.com.cn) host, fetched over verified TLS.
//
// SnsReceiver puts it together for the server: which topics are accepted, the certificate cache,
// and the GET of SubscribeURL that confirms a subscription. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::aws {

// The detail of a refusal: InvalidArgument with this detail, which the http module answers with
// 403 (an authentication failure, not a malformed request).
inline constexpr std::string_view kRefused = "security_exception";

enum class SnsType { kNotification, kSubscriptionConfirmation, kUnsubscribeConfirmation };

// "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation".
std::string_view SnsTypeName(SnsType type);

struct SnsMessage {
  SnsType type = SnsType::kNotification;
  std::string message_id;
  std::string topic_arn;
  std::string message;
  std::string timestamp;
  bool has_subject = false;  // Subject is signed only when the message has one
  std::string subject;
  std::string token;          // confirmations only
  std::string subscribe_url;  // confirmations only
  int signature_version = 1;  // 1: SHA-1, 2: SHA-256
  std::string signature;      // decoded from base64
  std::string signing_cert_url;
};

// Reads the JSON document of an SNS delivery. InvalidArgument naming the field when the body is
// not a JSON object, a required field is missing or not a string, Type or SignatureVersion is
// unknown, or Signature is not base64.
Result<SnsMessage> ParseSnsMessage(std::string_view body);

// The exact bytes SNS signed for `m`.
std::string SnsStringToSign(const SnsMessage& m);

// True for "https://sns.<region>.amazonaws.com/..." and the .amazonaws.com.cn partition: the
// only URLs a certificate or a subscription confirmation is taken from by default.
bool IsSnsUrl(std::string_view url);

// Checks m.signature over SnsStringToSign(m) with the public key of `cert_pem` (an X.509
// certificate in PEM). A refusal (see kRefused) when the signature does not match or the
// certificate cannot be read, is not RSA or is outside its validity.
Status VerifySnsSignature(const SnsMessage& m, std::string_view cert_pem);

// Fetches a URL and returns its body; Unavailable on any failure. Used for certificates and
// subscription confirmations.
using UrlGetter = std::function<Result<std::string>(const std::string& url)>;

struct SnsOptions {
  // TopicArns accepted. A message from any other topic is refused (kRefused), so an
  // endpoint whose list is empty takes nothing: SNS lets any AWS account subscribe any URL.
  std::vector<std::string> topic_arns;
  // URL prefixes trusted besides IsSnsUrl, for a local stand-in of SNS in tests (for example
  // "http://127.0.0.1:8080/"); never needed in production.
  std::vector<std::string> extra_trusted_url_prefixes;
  UrlGetter get;  // empty: HttpsGet with a 10-second timeout
};

class SnsReceiver {
 public:
  explicit SnsReceiver(SnsOptions options);

  // Parses and authenticates a delivery: the topic must be listed, the certificate URL trusted,
  // the certificate fetched (and cached) and the signature valid. InvalidArgument for a bad
  // document, a refusal (kRefused) for an unlisted topic, an untrusted URL or a bad signature,
  // Unavailable when the certificate cannot be fetched (SNS then retries).
  Result<SnsMessage> Authenticate(std::string_view body);

  // Confirms a subscription: GETs m.subscribe_url, which must be trusted. Unavailable when the
  // request fails.
  Status Confirm(const SnsMessage& m);

  bool TopicAllowed(std::string_view arn) const;
  bool UrlTrusted(std::string_view url) const;

 private:
  Result<std::string> Certificate(const std::string& url);

  SnsOptions options_;
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> certs_;  // GUARDED_BY(mu_): url -> PEM
};

// GET `url` with libcurl: TLS peer and host verified against the system's CA store, redirects not
// followed, `timeout_ms` for the whole transfer, at most `max_bytes` of body. A status other than
// 2xx is Unavailable naming it.
Result<std::string> HttpsGet(const std::string& url, int64_t timeout_ms = 10'000,
                             size_t max_bytes = 1 << 20);

}  // namespace vigil::aws
