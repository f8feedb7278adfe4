#include "aws/sns.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vigil::aws {
namespace {

constexpr std::string_view kTopic = "arn:aws:sns:us-east-1:123456789012:guardduty";
constexpr std::string_view kCertUrl =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem";

// A signer standing in for SNS: an RSA key and a certificate for it, made with OpenSSL here
// (SNS's own key is, of course, not available to a test).
class Signer {
 public:
  explicit Signer(long valid_from_seconds = -60, long valid_for_seconds = 3600) {
    key_.reset(EVP_RSA_gen(2048));
    cert_.reset(X509_new());
    X509_set_version(cert_.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_.get()), valid_from_seconds);
    X509_gmtime_adj(X509_getm_notAfter(cert_.get()), valid_from_seconds + valid_for_seconds);
    X509_set_pubkey(cert_.get(), key_.get());
    X509_NAME* name = X509_get_subject_name(cert_.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("sns.amazonaws.com"), -1, -1,
                               0);
    X509_set_issuer_name(cert_.get(), name);
    X509_sign(cert_.get(), key_.get(), EVP_sha256());
  }

  std::string CertPem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert_.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
  }

  // Base64 of the RSA signature of `text` with SHA-1 (version 1) or SHA-256 (version 2).
  std::string Sign(const std::string& text, int version) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, version == 2 ? EVP_sha256() : EVP_sha1(), nullptr,
                       key_.get());
    size_t size = 0;
    EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(text.data()),
                   text.size());
    std::vector<unsigned char> sig(size);
    EVP_DigestSign(ctx.get(), sig.data(), &size,
                   reinterpret_cast<const unsigned char*>(text.data()), text.size());
    std::string b64(4 * ((size + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), sig.data(),
                                  static_cast<int>(size));
    b64.resize(static_cast<size_t>(n));
    return b64;
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_{nullptr, EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert_{nullptr, X509_free};
};

nlohmann::json Notification(std::string_view message, int version = 1) {
  return {{"Type", "Notification"},
          {"MessageId", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"},
          {"TopicArn", kTopic},
          {"Subject", "GuardDuty finding"},
          {"Message", message},
          {"Timestamp", "2026-12-02T18:00:00.000Z"},
          {"SignatureVersion", std::to_string(version)},
          {"Signature", "AAAA"},
          {"SigningCertURL", kCertUrl},
          {"UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}};
}

nlohmann::json Confirmation() {
  return {{"Type", "SubscriptionConfirmation"},
          {"MessageId", "165545c9-2a5c-472c-8df2-7ff2be2b3b1b"},
          {"Token", "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a"},
          {"TopicArn", kTopic},
          {"Message", "You have chosen to subscribe to the topic. To confirm, visit SubscribeURL."},
          {"SubscribeURL",
           "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f"},
          {"Timestamp", "2026-12-02T18:00:00.000Z"},
          {"SignatureVersion", "2"},
          {"Signature", "AAAA"},
          {"SigningCertURL", kCertUrl}};
}

// Signs `doc` in place as SNS would.
std::string Signed(nlohmann::json doc, const Signer& signer) {
  Result<SnsMessage> m = ParseSnsMessage(doc.dump());
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  doc["Signature"] = signer.Sign(SnsStringToSign(*m), m->signature_version);
  return doc.dump();
}

TEST(SnsMessageTest, ParsesANotification) {
  Result<SnsMessage> m = ParseSnsMessage(Notification("{\"detail\":{}}").dump());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->type, SnsType::kNotification);
  EXPECT_EQ(m->topic_arn, kTopic);
  EXPECT_EQ(m->message, "{\"detail\":{}}");
  EXPECT_TRUE(m->has_subject);
  EXPECT_EQ(m->signature_version, 1);
  EXPECT_EQ(m->signature, std::string(3, '\0'));
}

TEST(SnsMessageTest, NamesWhatIsWrong) {
  EXPECT_NE(ParseSnsMessage("not json").status().message().find("not an SNS message"),
            std::string::npos);
  EXPECT_NE(ParseSnsMessage("[1]").status().message().find("not an SNS message"),
            std::string::npos);
  nlohmann::json m = Notification("x");
  m.erase("TopicArn");
  EXPECT_NE(ParseSnsMessage(m.dump()).status().message().find("no [TopicArn]"), std::string::npos);
  m = Notification("x");
  m["Message"] = 5;
  EXPECT_NE(ParseSnsMessage(m.dump()).status().message().find("[Message] of the SNS message is "
                                                              "not a string"),
            std::string::npos);
  m = Notification("x");
  m["Type"] = "Other";
  EXPECT_NE(ParseSnsMessage(m.dump()).status().message().find("unknown SNS message [Type] [Other]"),
            std::string::npos);
  m = Notification("x", 3);
  EXPECT_NE(ParseSnsMessage(m.dump()).status().message().find("[SignatureVersion] [3]"),
            std::string::npos);
  for (const char* bad : {"", "AAA", "AA=A", "A===", "AA*A", "AAAA\n"}) {
    m = Notification("x");
    m["Signature"] = bad;
    EXPECT_NE(ParseSnsMessage(m.dump()).status().message().find("not base64"), std::string::npos)
        << bad;
  }
  m = Confirmation();
  m.erase("Token");
  EXPECT_NE(ParseSnsMessage(m.dump()).status().message().find("no [Token]"), std::string::npos);
}

TEST(SnsMessageTest, DecodesPaddedBase64) {
  nlohmann::json m = Notification("x");
  m["Signature"] = "YWJjZA==";  // "abcd"
  EXPECT_EQ(ParseSnsMessage(m.dump())->signature, "abcd");
  m["Signature"] = "YWJjZGU=";  // "abcde"
  EXPECT_EQ(ParseSnsMessage(m.dump())->signature, "abcde");
}

TEST(SnsMessageTest, StringToSignFollowsTheDocumentedOrder) {
  SnsMessage n = *ParseSnsMessage(Notification("line1\nline2").dump());
  EXPECT_EQ(SnsStringToSign(n),
            "Message\nline1\nline2\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n"
            "Subject\nGuardDuty finding\nTimestamp\n2026-12-02T18:00:00.000Z\n"
            "TopicArn\narn:aws:sns:us-east-1:123456789012:guardduty\nType\nNotification\n");
  nlohmann::json without = Notification("m");
  without.erase("Subject");
  SnsMessage n2 = *ParseSnsMessage(without.dump());
  EXPECT_EQ(SnsStringToSign(n2).find("Subject"), std::string::npos);
  SnsMessage c = *ParseSnsMessage(Confirmation().dump());
  const std::string s = SnsStringToSign(c);
  EXPECT_TRUE(s.starts_with("Message\nYou have chosen"));
  const size_t id = s.find("\nMessageId\n"), url = s.find("\nSubscribeURL\n"),
               ts = s.find("\nTimestamp\n"), token = s.find("\nToken\n"),
               topic = s.find("\nTopicArn\n"), type = s.find("\nType\nSubscriptionConfirmation\n");
  EXPECT_TRUE(id < url && url < ts && ts < token && token < topic && topic < type) << s;
}

TEST(SnsUrlTest, TrustsOnlySnsHostsOverHttps) {
  EXPECT_TRUE(IsSnsUrl("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem"));
  EXPECT_TRUE(IsSnsUrl("https://sns.cn-north-1.amazonaws.com.cn/x.pem"));
  EXPECT_TRUE(IsSnsUrl("https://sns.eu-west-3.amazonaws.com/?Action=ConfirmSubscription"));
  for (const char* bad :
       {"http://sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com:8443/x.pem",
        "https://user@sns.us-east-1.amazonaws.com/x.pem", "https://sns..amazonaws.com/x.pem",
        "https://sns.US.amazonaws.com/x.pem", "https://sns.a.b.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com", "https://s3.amazonaws.com/x.pem", ""}) {
    EXPECT_FALSE(IsSnsUrl(bad)) << bad;
  }
}

TEST(SnsSignatureTest, VerifiesVersionOneAndTwo) {
  Signer signer;
  for (int version : {1, 2}) {
    SnsMessage m = *ParseSnsMessage(Signed(Notification("{\"a\":1}", version), signer));
    EXPECT_TRUE(VerifySnsSignature(m, signer.CertPem()).ok()) << version;
  }
  SnsMessage c = *ParseSnsMessage(Signed(Confirmation(), signer));
  EXPECT_TRUE(VerifySnsSignature(c, signer.CertPem()).ok());
}

TEST(SnsSignatureTest, RefusesTamperingAndOtherKeys) {
  Signer signer, other;
  nlohmann::json doc = nlohmann::json::parse(Signed(Notification("{\"a\":1}", 2), signer));
  doc["Message"] = "{\"a\":2}";
  SnsMessage tampered = *ParseSnsMessage(doc.dump());
  Status st = VerifySnsSignature(tampered, signer.CertPem());
  EXPECT_EQ(st.detail(), kRefused);
  EXPECT_NE(st.message().find("does not match"), std::string::npos);

  SnsMessage m = *ParseSnsMessage(Signed(Notification("{\"a\":1}", 2), signer));
  EXPECT_EQ(VerifySnsSignature(m, other.CertPem()).detail(), kRefused);
  // Signed with SHA-256 but declared as version 1: the digest differs, so it fails.
  nlohmann::json v1 = nlohmann::json::parse(Signed(Notification("{\"a\":1}", 2), signer));
  v1["SignatureVersion"] = "1";
  EXPECT_FALSE(VerifySnsSignature(*ParseSnsMessage(v1.dump()), signer.CertPem()).ok());
  // A subject added after signing.
  nlohmann::json subject = nlohmann::json::parse(Signed(Notification("{\"a\":1}", 2), signer));
  subject["Subject"] = "changed";
  EXPECT_FALSE(VerifySnsSignature(*ParseSnsMessage(subject.dump()), signer.CertPem()).ok());
}

TEST(SnsSignatureTest, RefusesBadCertificates) {
  Signer expired(-7200, 3600), future(3600, 3600), signer;
  SnsMessage m = *ParseSnsMessage(Signed(Notification("x", 2), expired));
  Status st = VerifySnsSignature(m, expired.CertPem());
  EXPECT_NE(st.message().find("not valid now"), std::string::npos) << st.ToString();
  m = *ParseSnsMessage(Signed(Notification("x", 2), future));
  EXPECT_NE(VerifySnsSignature(m, future.CertPem()).message().find("not valid now"),
            std::string::npos);
  m = *ParseSnsMessage(Signed(Notification("x", 2), signer));
  st = VerifySnsSignature(m, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(st.detail(), kRefused);
  EXPECT_NE(st.message().find("not a PEM X.509 certificate"), std::string::npos);
  std::string pem = signer.CertPem();
  EXPECT_FALSE(VerifySnsSignature(m, pem.substr(0, pem.size() / 2)).ok());
}

class SnsReceiverTest : public ::testing::Test {
 protected:
  SnsReceiver Receiver(std::vector<std::string> topics = {std::string(kTopic)}) {
    SnsOptions o;
    o.topic_arns = std::move(topics);
    o.get = [this](const std::string& url) -> Result<std::string> {
      fetched_.push_back(url);
      if (fail_) return Status::Unavailable("connection refused");
      return signer_.CertPem();
    };
    return SnsReceiver(std::move(o));
  }
  Signer signer_;
  std::vector<std::string> fetched_;
  bool fail_ = false;
};

TEST_F(SnsReceiverTest, AuthenticatesAndCachesTheCertificate) {
  SnsReceiver r = Receiver();
  for (int i = 0; i < 3; ++i) {
    Result<SnsMessage> m = r.Authenticate(Signed(Notification("{\"n\":1}", 2), signer_));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->message, "{\"n\":1}");
  }
  EXPECT_EQ(fetched_, std::vector<std::string>{std::string(kCertUrl)});
}

TEST_F(SnsReceiverTest, RefusesUnlistedTopicsBeforeFetching) {
  SnsReceiver none = Receiver({});
  Result<SnsMessage> m = none.Authenticate(Signed(Notification("x", 2), signer_));
  EXPECT_EQ(m.status().detail(), kRefused);
  EXPECT_NE(m.status().message().find("is not in sns.topic_arns"), std::string::npos);
  EXPECT_TRUE(fetched_.empty());
}

TEST_F(SnsReceiverTest, RefusesUntrustedCertificateUrlsBeforeFetching) {
  SnsReceiver r = Receiver();
  nlohmann::json doc = Notification("x", 2);
  doc["SigningCertURL"] = "https://evil.example/cert.pem";
  Result<SnsMessage> m = r.Authenticate(Signed(doc, signer_));
  EXPECT_EQ(m.status().detail(), kRefused);
  EXPECT_TRUE(fetched_.empty());
}

TEST_F(SnsReceiverTest, AnUnreachableCertificateIsUnavailableAndNotCached) {
  SnsReceiver r = Receiver();
  fail_ = true;
  Result<SnsMessage> m = r.Authenticate(Signed(Notification("x", 2), signer_));
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("connection refused"), std::string::npos);
  fail_ = false;
  EXPECT_TRUE(r.Authenticate(Signed(Notification("x", 2), signer_)).ok());
  EXPECT_EQ(fetched_.size(), 2u);
}

TEST_F(SnsReceiverTest, ConfirmsThroughTheSubscribeUrl) {
  SnsReceiver r = Receiver();
  Result<SnsMessage> m = r.Authenticate(Signed(Confirmation(), signer_));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(r.Confirm(*m).ok());
  EXPECT_EQ(fetched_.back(),
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f");
  SnsMessage evil = *m;
  evil.subscribe_url = "https://evil.example/?Action=ConfirmSubscription";
  EXPECT_EQ(r.Confirm(evil).detail(), kRefused);
  fail_ = true;
  EXPECT_EQ(r.Confirm(*m).code(), StatusCode::kUnavailable);
}

TEST(SnsReceiverOptionsTest, ExtraPrefixesAreTrusted) {
  SnsOptions o;
  o.extra_trusted_url_prefixes = {"http://127.0.0.1:9999/"};
  SnsReceiver r(std::move(o));
  EXPECT_TRUE(r.UrlTrusted("http://127.0.0.1:9999/cert.pem"));
  EXPECT_FALSE(r.UrlTrusted("http://127.0.0.1:9998/cert.pem"));
  EXPECT_TRUE(r.UrlTrusted(kCertUrl));
}

TEST(HttpsGetTest, NamesTheFailure) {
  // Nothing listens on port 1 of loopback: the connection is refused at once.
  Result<std::string> r = HttpsGet("http://127.0.0.1:1/x?Token=secret", 2000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("GET http://127.0.0.1:1/x"), std::string::npos);
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos);  // the query is not shown
}

}  // namespace
}  // namespace vigil::aws
