#include "aws/sns.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

namespace vigil::aws {
namespace {

Status Refused(std::string message) {
  return Status::InvalidArgument(std::move(message)).WithDetail(std::string(kRefused));
}

bool IsRegionCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Standard base64 with padding (what SNS sends), whitespace not allowed.
bool DecodeBase64(std::string_view in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const char c = in[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/')) {
      return false;
    }
  }
  std::string buf(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return false;
  buf.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts padding as zero bytes
  *out = std::move(buf);
  return true;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

void AppendField(std::string* out, std::string_view key, std::string_view value) {
  out->append(key);
  out->push_back('\n');
  out->append(value);
  out->push_back('\n');
}

size_t CollectBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<std::pair<std::string*, size_t>*>(user);
  const size_t n = size * count;
  if (sink->first->size() + n > sink->second) return 0;  // past the limit: curl aborts
  sink->first->append(data, n);
  return n;
}

}  // namespace

std::string_view SnsTypeName(SnsType type) {
  switch (type) {
    case SnsType::kNotification:
      return "Notification";
    case SnsType::kSubscriptionConfirmation:
      return "SubscriptionConfirmation";
    case SnsType::kUnsubscribeConfirmation:
      return "UnsubscribeConfirmation";
  }
  return "?";
}

Result<SnsMessage> ParseSnsMessage(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(
        "the body is not an SNS message: expected a JSON object with Type, MessageId, TopicArn, "
        "Message, Timestamp, SignatureVersion, Signature and SigningCertURL");
  }
  auto field = [&](const char* name, std::string* out, bool required) -> Status {
    auto it = doc.find(name);
    if (it == doc.end() || it->is_null()) {
      return required ? Status::InvalidArgument(fmt::format("the SNS message has no [{}]", name))
                      : Status::Ok();
    }
    if (!it->is_string()) {
      return Status::InvalidArgument(fmt::format("[{}] of the SNS message is not a string", name));
    }
    *out = it->get<std::string>();
    return Status::Ok();
  };
  SnsMessage m;
  std::string type, version, signature;
  VIGIL_RETURN_IF_ERROR(field("Type", &type, true));
  if (type == "Notification") {
    m.type = SnsType::kNotification;
  } else if (type == "SubscriptionConfirmation") {
    m.type = SnsType::kSubscriptionConfirmation;
  } else if (type == "UnsubscribeConfirmation") {
    m.type = SnsType::kUnsubscribeConfirmation;
  } else {
    return Status::InvalidArgument(fmt::format(
        "unknown SNS message [Type] [{}]; expected Notification, SubscriptionConfirmation or "
        "UnsubscribeConfirmation",
        type.substr(0, 64)));
  }
  const bool confirmation = m.type != SnsType::kNotification;
  VIGIL_RETURN_IF_ERROR(field("MessageId", &m.message_id, true));
  VIGIL_RETURN_IF_ERROR(field("TopicArn", &m.topic_arn, true));
  VIGIL_RETURN_IF_ERROR(field("Message", &m.message, true));
  VIGIL_RETURN_IF_ERROR(field("Timestamp", &m.timestamp, true));
  VIGIL_RETURN_IF_ERROR(field("SignatureVersion", &version, true));
  VIGIL_RETURN_IF_ERROR(field("Signature", &signature, true));
  VIGIL_RETURN_IF_ERROR(field("SigningCertURL", &m.signing_cert_url, true));
  VIGIL_RETURN_IF_ERROR(field("Token", &m.token, confirmation));
  VIGIL_RETURN_IF_ERROR(field("SubscribeURL", &m.subscribe_url, confirmation));
  if (!confirmation) {
    if (doc.contains("Subject") && !doc["Subject"].is_null()) {
      VIGIL_RETURN_IF_ERROR(field("Subject", &m.subject, true));
      m.has_subject = true;
    }
  }
  if (version == "1") {
    m.signature_version = 1;
  } else if (version == "2") {
    m.signature_version = 2;
  } else {
    return Status::InvalidArgument(
        fmt::format("unknown SNS [SignatureVersion] [{}]; expected 1 or 2", version.substr(0, 16)));
  }
  if (!DecodeBase64(signature, &m.signature)) {
    return Status::InvalidArgument("[Signature] of the SNS message is not base64");
  }
  return m;
}

std::string SnsStringToSign(const SnsMessage& m) {
  std::string s;
  s.reserve(m.message.size() + 512);
  AppendField(&s, "Message", m.message);
  AppendField(&s, "MessageId", m.message_id);
  if (m.type == SnsType::kNotification) {
    if (m.has_subject) AppendField(&s, "Subject", m.subject);
    AppendField(&s, "Timestamp", m.timestamp);
  } else {
    AppendField(&s, "SubscribeURL", m.subscribe_url);
    AppendField(&s, "Timestamp", m.timestamp);
    AppendField(&s, "Token", m.token);
  }
  AppendField(&s, "TopicArn", m.topic_arn);
  AppendField(&s, "Type", SnsTypeName(m.type));
  return s;
}

bool IsSnsUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return false;
  url.remove_prefix(kScheme.size());
  const size_t end = url.find_first_of("/?#");
  std::string_view host = url.substr(0, end);
  if (end == std::string_view::npos || url[end] != '/') return false;  // a path is required
  // No user info and no port: the host is exactly sns.<region>.amazonaws.com[.cn].
  if (!host.starts_with("sns.")) return false;
  host.remove_prefix(4);
  std::string_view rest;
  if (host.ends_with(".amazonaws.com")) {
    rest = host.substr(0, host.size() - std::string_view(".amazonaws.com").size());
  } else if (host.ends_with(".amazonaws.com.cn")) {
    rest = host.substr(0, host.size() - std::string_view(".amazonaws.com.cn").size());
  } else {
    return false;
  }
  return !rest.empty() && std::all_of(rest.begin(), rest.end(), IsRegionCharacter);
}

Status VerifySnsSignature(const SnsMessage& m, std::string_view cert_pem) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  if (!bio) return Status::Unavailable("out of memory reading the SNS signing certificate");
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return Refused(fmt::format("the signing certificate at [{}] is not a PEM X.509 certificate",
                               m.signing_cert_url));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) >= 0 ||
      X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) {
    return Refused(
        fmt::format("the signing certificate at [{}] is not valid now (expired or not "
                    "yet valid)",
                    m.signing_cert_url));
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> key(X509_get_pubkey(cert.get()));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return Refused(fmt::format("the signing certificate at [{}] does not hold an RSA key",
                               m.signing_cert_url));
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = m.signature_version == 2 ? EVP_sha256() : EVP_sha1();
  const std::string signed_text = SnsStringToSign(m);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) {
    return Status::Unavailable("OpenSSL could not set up the signature check");
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(m.signature.data()), m.signature.size(),
      reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
  if (ok != 1) {
    return Refused(
        fmt::format("the signature of SNS message [{}] does not match its content and "
                    "the certificate at [{}]",
                    m.message_id.substr(0, 128), m.signing_cert_url));
  }
  return Status::Ok();
}

SnsReceiver::SnsReceiver(SnsOptions options) : options_(std::move(options)) {
  if (!options_.get) {
    options_.get = [](const std::string& url) { return HttpsGet(url); };
  }
}

bool SnsReceiver::TopicAllowed(std::string_view arn) const {
  return std::find(options_.topic_arns.begin(), options_.topic_arns.end(), arn) !=
         options_.topic_arns.end();
}

bool SnsReceiver::UrlTrusted(std::string_view url) const {
  if (IsSnsUrl(url)) return true;
  return std::any_of(options_.extra_trusted_url_prefixes.begin(),
                     options_.extra_trusted_url_prefixes.end(),
                     [&](const std::string& prefix) { return url.starts_with(prefix); });
}

Result<std::string> SnsReceiver::Certificate(const std::string& url) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = certs_.find(url); it != certs_.end()) return it->second;
  }
  Result<std::string> pem = options_.get(url);
  if (!pem.ok()) {
    return Status::Unavailable(
        fmt::format("cannot fetch the SNS signing certificate: {}", pem.status().message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (certs_.size() >= 64) certs_.clear();  // SNS rotates certificates rarely; bound the cache
  certs_.emplace(url, *pem);
  return *pem;
}

Result<SnsMessage> SnsReceiver::Authenticate(std::string_view body) {
  Result<SnsMessage> m = ParseSnsMessage(body);
  if (!m.ok()) return m.status();
  if (!TopicAllowed(m->topic_arn)) {
    return Refused(fmt::format("SNS topic [{}] is not in sns.topic_arns of the configuration",
                               m->topic_arn.substr(0, 256)));
  }
  if (!UrlTrusted(m->signing_cert_url)) {
    return Refused(
        fmt::format("[SigningCertURL] [{}] is not an https://sns.<region>.amazonaws.com "
                    "URL",
                    m->signing_cert_url.substr(0, 256)));
  }
  Result<std::string> pem = Certificate(m->signing_cert_url);
  if (!pem.ok()) return pem.status();
  VIGIL_RETURN_IF_ERROR(VerifySnsSignature(*m, *pem));
  return m;
}

Status SnsReceiver::Confirm(const SnsMessage& m) {
  if (!UrlTrusted(m.subscribe_url)) {
    return Refused(
        fmt::format("[SubscribeURL] [{}] is not an https://sns.<region>.amazonaws.com "
                    "URL",
                    m.subscribe_url.substr(0, 256)));
  }
  Result<std::string> answer = options_.get(m.subscribe_url);
  if (!answer.ok()) {
    return Status::Unavailable(fmt::format("cannot confirm the subscription to [{}]: {}",
                                           m.topic_arn, answer.status().message()));
  }
  return Status::Ok();
}

Result<std::string> HttpsGet(const std::string& url, int64_t timeout_ms, size_t max_bytes) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::Unavailable("libcurl could not start a transfer");
  std::string body;
  std::pair<std::string*, size_t> sink{&body, max_bytes};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil");
  const CURLcode rc = curl_easy_perform(c);
  // The URL is named without its query string, which may hold a token.
  const std::string shown = url.substr(0, url.find('?'));
  if (rc != CURLE_OK) {
    if (rc == CURLE_WRITE_ERROR) {
      return Status::Unavailable(
          fmt::format("GET {}: the answer is larger than {} bytes", shown, max_bytes));
    }
    return Status::Unavailable(
        fmt::format("GET {}: {}", shown, error[0] != 0 ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return Status::Unavailable(fmt::format("GET {}: HTTP status {}", shown, status));
  }
  return body;
}

}  // namespace vigil::aws
