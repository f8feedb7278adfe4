#include "server/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace vigil::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
const std::string kHashC(64, 'c');

// The message of a config that must fail to parse.
std::string ErrorOf(const std::string& yaml) {
  Result<ServerConfig> c = ParseConfig(yaml, "vigil.yaml");
  EXPECT_FALSE(c.ok()) << yaml;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << c.status().ToString();
  return c.status().message();
}

// A valid auth section with one key, then `extra` lines inside the key's entry.
std::string OneKey(const std::string& extra) {
  return "auth:\n"
         "  api_keys:\n"
         "    - name: ci\n"
         "      sha256: " +
         kHashA + "\n" + "      role: ingest\n" + extra;
}

TEST(ConfigTest, FullFile) {
  const std::string yaml =
      "# Vigil\n"
      "data: /var/lib/vigil\n"
      "listen: 0.0.0.0:9750\n"
      "threads: 8\n"
      "limits:\n"
      "  max_body_bytes: 52428800\n"
      "  max_header_bytes: 32768\n"
      "  max_json_depth: 32\n"
      "  max_bulk_items: 5000\n"
      "  max_concurrent_requests: 128\n"
      "  request_timeout_seconds: \"15\"\n"
      "tls:\n"
      "  cert_file: /etc/vigil/cert.pem\n"
      "  key_file: /etc/vigil/key.pem\n"
      "auth:\n"
      "  header: X-Vigil-Key\n"
      "  api_keys:\n"
      "    - name: eventbridge\n"
      "      sha256: " +
      std::string(64, 'A') +
      "\n"
      "      role: ingest\n"
      "    - name: analyst\n"
      "      sha256: " +
      kHashB +
      "\n"
      "      role: read\n"
      "      accounts: [123456789012, \"012345678901\"]\n"
      "    - {name: ops, sha256: " +
      kHashC + ", role: admin, accounts: []}\n";
  Result<ServerConfig> c = ParseConfig(yaml, "vigil.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "/var/lib/vigil");
  EXPECT_EQ(c->listen, "0.0.0.0:9750");
  EXPECT_EQ(c->threads, 8);
  EXPECT_EQ(c->max_body_bytes, 52428800u);
  EXPECT_EQ(c->max_header_bytes, 32768u);
  EXPECT_EQ(c->max_json_depth, 32u);
  EXPECT_EQ(c->max_bulk_items, 5000u);
  EXPECT_EQ(c->max_concurrent_requests, 128u);
  EXPECT_EQ(c->request_timeout_seconds, 15u);  // a quoted number is a number
  EXPECT_EQ(c->tls_cert_file, "/etc/vigil/cert.pem");
  EXPECT_EQ(c->tls_key_file, "/etc/vigil/key.pem");
  EXPECT_EQ(c->auth_header, "x-vigil-key");  // lower-cased
  ASSERT_EQ(c->api_keys.size(), 3u);
  EXPECT_EQ(c->api_keys[0].name, "eventbridge");
  EXPECT_EQ(c->api_keys[0].sha256, kHashA);  // lower-cased
  EXPECT_EQ(c->api_keys[0].role, "ingest");
  EXPECT_TRUE(c->api_keys[0].accounts.empty());
  EXPECT_EQ(c->api_keys[1].name, "analyst");
  EXPECT_EQ(c->api_keys[1].sha256, kHashB);
  EXPECT_EQ(c->api_keys[1].role, "read");
  // YAML would read 012345678901 unquoted as a number; yaml-cpp keeps the text either way.
  EXPECT_EQ(c->api_keys[1].accounts, (std::vector<std::string>{"123456789012", "012345678901"}));
  EXPECT_EQ(c->api_keys[2].role, "admin");
}

TEST(ConfigTest, EmptyFileIsAnEmptyConfig) {
  for (const std::string yaml : {"", "\n\n", "# nothing yet\n", "---\n", "auth:\nlimits:\n"}) {
    Result<ServerConfig> c = ParseConfig(yaml, "vigil.yaml");
    ASSERT_TRUE(c.ok()) << "[" << yaml << "]: " << c.status().ToString();
    EXPECT_FALSE(c->data_dir || c->listen || c->threads || c->max_body_bytes || c->tls_cert_file ||
                 c->auth_header);
    EXPECT_TRUE(c->api_keys.empty());
  }
}

TEST(ConfigTest, RoleErrorNamesFileLineColumnAndKeyPath) {
  const std::string yaml =
      "auth:\n"
      "  api_keys:\n"
      "    - {name: a, sha256: " +
      kHashA +
      ", role: read}\n"
      "    - {name: b, sha256: " +
      kHashB +
      ", role: read}\n"
      "    - name: c\n"
      "      sha256: " +
      kHashC +
      "\n"
      "      role: writer\n";
  EXPECT_EQ(ErrorOf(yaml),
            "vigil.yaml:7:13: auth.api_keys[2].role: expected one of ingest, read, admin, got "
            "\"writer\"");
}

TEST(ConfigTest, WebRoot) {
  Result<ServerConfig> c = ParseConfig("web:\n  root: /srv/vigil/web\n", "vigil.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->web_root, "/srv/vigil/web");
  EXPECT_EQ(ErrorOf("web:\n  dir: x\n"),
            "vigil.yaml:2:3: web.dir: unknown key; expected one of root");
}

TEST(ConfigTest, Alerts) {
  const std::string yaml =
      "alerts:\n"
      "  base_url: https://vigil.example.com/\n"
      "  channels:\n"
      "    - name: hook\n"
      "      type: webhook\n"
      "      url: https://hooks.example.com/x\n"
      "  rules:\n"
      "    - name: high\n"
      "      query: {kql: \"severity >= 7\"}\n"
      "      channels: [hook]\n"
      "      enabled: false\n"
      "      throttle: 5m\n"
      "      count_increase: 10\n";
  Result<ServerConfig> c = ParseConfig(yaml, "vigil.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->alerts_base_url, "https://vigil.example.com");
  ASSERT_EQ(c->alert_channels.size(), 1u);
  EXPECT_EQ(c->alert_channels[0].url, "https://hooks.example.com/x");
  ASSERT_EQ(c->alert_rules.size(), 1u);
  EXPECT_FALSE(c->alert_rules[0].enabled);  // a YAML boolean
  EXPECT_EQ(c->alert_rules[0].throttle_ms, 300000);
  EXPECT_EQ(c->alert_rules[0].count_increase, 10);  // a YAML integer
  // A mistake inside an entry is placed at the entry and named by the alert module.
  EXPECT_EQ(ErrorOf("alerts:\n  channels:\n    - {name: a, type: webhook, url: ftp://x}\n"),
            "vigil.yaml:3:7: alerts.channels[0]: [url] must be an https:// or http:// URL, got "
            "ftp://x");
  // A quoted "true" is a string, which [enabled] refuses.
  EXPECT_THAT(ErrorOf("alerts:\n  channels:\n    - {name: a, type: webhook, url: http://x}\n"
                      "  rules:\n    - {name: r, query: {kql: x}, channels: [a], enabled: "
                      "\"true\"}\n"),
              HasSubstr("alerts.rules[0]: [enabled]"));
  EXPECT_THAT(ErrorOf("alerts:\n  rules:\n    - {name: r, query: {kql: x}, channels: [b]}\n"),
              HasSubstr("alerts: alert rule [r]: no channel is named [b]"));
  EXPECT_THAT(ErrorOf("alerts:\n  base_url: ftp://x\n"), HasSubstr("alerts.base_url: expected"));
}

TEST(ConfigTest, UnknownKeysAreErrors) {
  EXPECT_EQ(ErrorOf("data: x\nlisten_on: 1.2.3.4:1\n"),
            "vigil.yaml:2:1: listen_on: unknown key; expected one of data, listen, threads, "
            "limits, tls, auth, sns, web, alerts");
  EXPECT_THAT(ErrorOf("limits:\n  max_body_byte: 10\n"),
              HasSubstr("vigil.yaml:2:3: limits.max_body_byte: unknown key; expected one of "
                        "max_body_bytes,"));
  EXPECT_THAT(ErrorOf(OneKey("      acounts: []\n")),
              HasSubstr("vigil.yaml:6:7: auth.api_keys[0].acounts: unknown key"));
  EXPECT_THAT(ErrorOf("tls:\n  cert: a\n"), HasSubstr("tls.cert: unknown key"));
  EXPECT_THAT(ErrorOf("auth:\n  keys: []\n"), HasSubstr("auth.keys: unknown key"));
}

TEST(ConfigTest, SnsTopicsAndTrustedPrefixes) {
  Result<ServerConfig> c = ParseConfig(
      "sns:\n  topic_arns:\n    - arn:aws:sns:us-east-1:123456789012:guardduty\n"
      "    - arn:aws-cn:sns:cn-north-1:210987654321:gd\n"
      "  extra_trusted_url_prefixes: [\"http://127.0.0.1:8080/\"]\n",
      "vigil.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sns_topic_arns,
            (std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:guardduty",
                                      "arn:aws-cn:sns:cn-north-1:210987654321:gd"}));
  EXPECT_EQ(c->sns_extra_trusted_url_prefixes, std::vector<std::string>{"http://127.0.0.1:8080/"});
  EXPECT_EQ(ErrorOf("sns:\n  topic_arns:\n    - arn:aws:sqs:us-east-1:123456789012:q\n"),
            "vigil.yaml:3:7: sns.topic_arns[0]: expected an SNS topic ARN "
            "(arn:aws:sns:REGION:ACCOUNT:NAME), got \"arn:aws:sqs:us-east-1:123456789012:q\"");
  EXPECT_THAT(ErrorOf("sns:\n  topic_arns: arn:aws:sns:us-east-1:123456789012:t\n"),
              HasSubstr("sns.topic_arns: expected a list"));
  EXPECT_THAT(ErrorOf("sns:\n  topic_arns: [\"arn:aws:sns:us-east-1:1234:t\"]\n"),
              HasSubstr("sns.topic_arns[0]: expected an SNS topic ARN"));
  EXPECT_THAT(ErrorOf("sns:\n  extra_trusted_url_prefixes: [\"ftp://x/\"]\n"),
              HasSubstr("sns.extra_trusted_url_prefixes[0]: expected a URL prefix"));
  EXPECT_THAT(ErrorOf("sns:\n  extra_trusted_url_prefixes: [\"http://127.0.0.1:1\"]\n"),
              HasSubstr("expected a URL prefix"));  // must end with '/'
  EXPECT_THAT(ErrorOf("sns:\n  topics: []\n"), HasSubstr("sns.topics: unknown key"));
}

TEST(ConfigTest, RepeatedKeysAreErrors) {
  EXPECT_EQ(ErrorOf("threads: 2\ndata: x\nthreads: 4\n"),
            "vigil.yaml:3:1: threads: repeats the key of line 1");
}

TEST(ConfigTest, WrongTypesNameTheKeyAndTheExpectedType) {
  EXPECT_EQ(ErrorOf("threads: many\n"),
            "vigil.yaml:1:10: threads: expected a positive integer, got \"many\"");
  EXPECT_EQ(ErrorOf("threads: 2.5\n"),
            "vigil.yaml:1:10: threads: expected a positive integer, got \"2.5\"");
  EXPECT_EQ(ErrorOf("limits: 5\n"), "vigil.yaml:1:9: limits: expected a mapping, got \"5\"");
  EXPECT_EQ(ErrorOf("limits:\n  max_bulk_items: [1]\n"),
            "vigil.yaml:2:19: limits.max_bulk_items: expected a positive integer, got a list");
  EXPECT_EQ(ErrorOf("data: {a: 1}\n"), "vigil.yaml:1:7: data: expected a string, got a mapping");
  EXPECT_EQ(ErrorOf("data:\n"), "vigil.yaml:1:1: data: expected a string, got nothing");
  EXPECT_EQ(ErrorOf("data: ''\n"), "vigil.yaml:1:7: data: must not be empty");
  EXPECT_EQ(ErrorOf("auth:\n  api_keys: {name: x}\n"),
            "vigil.yaml:2:13: auth.api_keys: expected a list, got a mapping");
  EXPECT_EQ(ErrorOf("auth:\n  api_keys: [abc]\n"),
            "vigil.yaml:2:14: auth.api_keys[0]: expected a mapping (name, sha256, role, "
            "accounts), got \"abc\"");
  EXPECT_EQ(ErrorOf("- data\n"), "vigil.yaml:1:1: expected a mapping, got a list");
  EXPECT_EQ(ErrorOf("hello\n"), "vigil.yaml:1:1: expected a mapping, got \"hello\"");
  EXPECT_THAT(ErrorOf(OneKey("      accounts: 123456789012\n")),
              HasSubstr("auth.api_keys[0].accounts: expected a list of account ids, got "
                        "\"123456789012\""));
}

TEST(ConfigTest, NumbersArePositiveAndInRange) {
  EXPECT_EQ(ErrorOf("limits:\n  max_json_depth: 0\n"),
            "vigil.yaml:2:19: limits.max_json_depth: must be positive, got 0");
  EXPECT_EQ(ErrorOf("limits:\n  max_body_bytes: -1\n"),
            "vigil.yaml:2:19: limits.max_body_bytes: expected a positive integer, got \"-1\"");
  EXPECT_EQ(ErrorOf("limits:\n  max_body_bytes: 99999999999999999999999\n"),
            "vigil.yaml:2:19: limits.max_body_bytes: must be at most 18446744073709551615, got "
            "99999999999999999999999");
  EXPECT_EQ(ErrorOf("threads: 257\n"), "vigil.yaml:1:10: threads: must be at most 256, got 257");
  EXPECT_EQ(ErrorOf("threads: 0\n"), "vigil.yaml:1:10: threads: must be positive, got 0");
  Result<ServerConfig> c = ParseConfig("limits:\n  max_body_bytes: 18446744073709551615\n", "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_body_bytes, 18446744073709551615u);
}

TEST(ConfigTest, ListenIsHostAndPort) {
  EXPECT_EQ(ErrorOf("listen: localhost\n"),
            "vigil.yaml:1:9: listen: expected HOST:PORT, got \"localhost\"");
  EXPECT_THAT(ErrorOf("listen: 127.0.0.1:70000\n"),
              HasSubstr("listen: expected HOST:PORT with a port from 0 to 65535"));
  EXPECT_THAT(ErrorOf("listen: 127.0.0.1:70000\n"), Not(HasSubstr("--listen")));
  EXPECT_THAT(ErrorOf("listen: [::1]\n"), HasSubstr("quote an IPv6 address"));
  Result<ServerConfig> c = ParseConfig("listen: \"[::1]:9750\"\n", "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen, "[::1]:9750");
}

TEST(ConfigTest, TlsNeedsBothFiles) {
  EXPECT_EQ(ErrorOf("tls:\n  cert_file: /c.pem\n"),
            "vigil.yaml:2:3: tls: cert_file and key_file go together; key_file is missing");
  EXPECT_EQ(ErrorOf("tls:\n  key_file: /k.pem\n"),
            "vigil.yaml:2:3: tls: cert_file and key_file go together; cert_file is missing");
  EXPECT_TRUE(ParseConfig("tls:\n", "x").ok());
}

TEST(ConfigTest, RoleMustBeOneOfThree) {
  EXPECT_THAT(ErrorOf(OneKey("").replace(OneKey("").find("ingest"), 6, "Admin")),
              HasSubstr("auth.api_keys[0].role: expected one of ingest, read, admin, got "
                        "\"Admin\""));
}

TEST(ConfigTest, Sha256IsSixtyFourHexDigitsAndNeverEchoed) {
  const std::string key = "vgl_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd";
  std::string yaml = "auth:\n  api_keys:\n    - {name: ci, role: read, sha256: " + key + "}\n";
  std::string error = ErrorOf(yaml);
  EXPECT_EQ(error,
            "vigil.yaml:3:38: auth.api_keys[0].sha256: expected 64 hex digits (the SHA-256 of the "
            "key, as `vigil keygen` prints it), got 46 characters that are not all hex digits");
  EXPECT_THAT(error, Not(HasSubstr("AbCd")));

  yaml = "auth:\n  api_keys:\n    - {name: ci, role: read, sha256: " + kHashA.substr(1) + "}\n";
  EXPECT_THAT(ErrorOf(yaml), HasSubstr("got 63 characters"));
  yaml = "auth:\n  api_keys:\n    - {name: ci, role: read, sha256: " + kHashA.substr(1) + "g}\n";
  EXPECT_THAT(ErrorOf(yaml), HasSubstr("got 64 characters that are not all hex digits"));
}

TEST(ConfigTest, AccountsAreTwelveDigits) {
  EXPECT_EQ(ErrorOf(OneKey("      accounts:\n        - 123456789012\n        - 12345\n")),
            "vigil.yaml:8:11: auth.api_keys[0].accounts[1]: expected a 12-digit AWS account id, "
            "got \"12345\"");
  EXPECT_THAT(ErrorOf(OneKey("      accounts: [12345678901a]\n")),
              HasSubstr("accounts[0]: expected a 12-digit AWS account id"));
  EXPECT_THAT(ErrorOf(OneKey("      accounts: [[123456789012]]\n")),
              HasSubstr("accounts[0]: expected a 12-digit AWS account id, got a list"));
}

TEST(ConfigTest, EachKeyNeedsNameHashAndRole) {
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n    - {name: ci, sha256: " + kHashA + "}\n"),
            "vigil.yaml:3:7: auth.api_keys[0]: missing role");
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n    - {role: read, sha256: " + kHashA + "}\n"),
            "vigil.yaml:3:7: auth.api_keys[0]: missing name");
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n    - {role: read, name: x}\n"),
            "vigil.yaml:3:7: auth.api_keys[0]: missing sha256");
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n    -\n"),
            "vigil.yaml:3:5: auth.api_keys[0]: expected a mapping (name, sha256, role, accounts), "
            "got nothing");
}

TEST(ConfigTest, DuplicateHashesAndNamesAreErrors) {
  // The same hash in another case is the same key.
  std::string upper(64, 'A');
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n"
                    "    - {name: a, role: read, sha256: " +
                    kHashA +
                    "}\n"
                    "    - {name: b, role: admin, sha256: " +
                    upper + "}\n"),
            "vigil.yaml:4:38: auth.api_keys[1].sha256: the same key as auth.api_keys[0] (\"a\"); "
            "give each client its own key");
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n"
                    "    - {name: a, role: read, sha256: " +
                    kHashA +
                    "}\n"
                    "    - {name: a, role: admin, sha256: " +
                    kHashB + "}\n"),
            "vigil.yaml:4:14: auth.api_keys[1].name: \"a\" is already the name of "
            "auth.api_keys[0]; names tell keys apart in logs");
}

TEST(ConfigTest, AuthHeaderIsAHeaderName) {
  EXPECT_EQ(ErrorOf("auth:\n  header: x vigil\n"),
            "vigil.yaml:2:11: auth.header: expected a header name (letters, digits, '-'...), got "
            "\"x vigil\"");
  EXPECT_THAT(ErrorOf("auth:\n  header: Authorization\n"),
              HasSubstr("auth.header: Authorization is always read"));
}

TEST(ConfigTest, MalformedYamlNamesLineAndColumn) {
  Result<ServerConfig> c = ParseConfig("data: x\nlimits: [1,\n", "/etc/vigil.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("/etc/vigil.yaml:3:1: "));
  EXPECT_THAT(ErrorOf("data: a: b\n"), HasSubstr("vigil.yaml:1:8: "));
  EXPECT_THAT(ErrorOf("data: *nowhere\n"), HasSubstr("vigil.yaml:1:7: "));
  EXPECT_THAT(ErrorOf("data: a\n---\ndata: b\n"),
              HasSubstr("expected one YAML document (a mapping of settings), found another"));
  // A stray ',' made yaml-cpp 0.7's LoadAll loop forever (found by fuzz/config_fuzzer.cc).
  EXPECT_THAT(ErrorOf(",a: 1\n"), HasSubstr("vigil.yaml:"));
  EXPECT_THAT(ErrorOf(","), HasSubstr("vigil.yaml:"));
  // yaml-cpp limits nesting itself; deep input is an error, not a crash.
  EXPECT_THAT(ErrorOf("data: " + std::string(100'000, '[')), HasSubstr("vigil.yaml:"));
}

TEST(ConfigTest, ControlCharactersAreRefusedAndEscapedInMessages) {
  EXPECT_EQ(ErrorOf("auth:\n  api_keys:\n    - {name: \"a\\x1b[31m\", role: read, sha256: " +
                    kHashA + "}\n"),
            "vigil.yaml:3:14: auth.api_keys[0].name: must not contain control characters");
  EXPECT_EQ(ErrorOf("threads: \"4\\n\"\n"),
            "vigil.yaml:1:10: threads: expected a positive integer, got \"4\\x0a\"");
}

TEST(ConfigTest, LoadConfigReadsThroughEnv) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  testing::WriteFileOrDie(dir.Join("vigil.yaml"), "threads: 3\n");
  Result<ServerConfig> c = LoadConfig(env.get(), dir.Join("vigil.yaml"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->threads, 3);

  testing::WriteFileOrDie(dir.Join("bad.yaml"), "threads: x\n");
  c = LoadConfig(env.get(), dir.Join("bad.yaml"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr(dir.Join("bad.yaml") + ":1:10: threads:"));

  c = LoadConfig(env.get(), dir.Join("missing.yaml"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound) << c.status().ToString();
  EXPECT_THAT(c.status().message(), HasSubstr("missing.yaml"));

  testing::WriteFileOrDie(dir.Join("big.yaml"), std::string(kMaxConfigBytes + 1, '#'));
  c = LoadConfig(env.get(), dir.Join("big.yaml"));
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted) << c.status().ToString();
}

}  // namespace
}  // namespace vigil::server
