// Alert channels and rules as the API and the configuration file define them (issue 7): their
// JSON shapes, read into typed definitions with every mistake named by its field, and written
// back (without secrets when asked). The evaluation of rules, the outbox and the deliveries build
// on these (not yet built: docs/alerting.md says what is).
//
//   channel: {"name": "sec-webhook", "type": "webhook", "url": "https://...", ...}
//   rule:    {"name": "high-severity", "kind": "finding", "query": {"kql": "severity >= 7"},
//             "channels": ["sec-webhook"], ...}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vigil::alert {

enum class ChannelType { kWebhook, kSlack, kTeams, kEmail, kSns };
std::string_view ChannelTypeName(ChannelType t);

struct Channel {
  std::string name;
  ChannelType type = ChannelType::kWebhook;
  // webhook, slack, teams: where to POST.
  std::string url;
  // webhook: extra request headers, and the key of the X-Vigil-Signature HMAC-SHA256 (secret).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string secret;
  // email: the SMTP server (smtp:// or smtps://), sender, recipients and login (password secret).
  std::string smtp_url;
  std::string from;
  std::vector<std::string> to;
  std::string username;
  std::string password;
  bool starttls = true;
  // sns: the topic (its region is the ARN's); the endpoint (default
  // https://sns.REGION.amazonaws.com/, another for a stand-in); credentials (default: the
  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN environment variables).
  std::string topic_arn;
  std::string endpoint;
  std::string access_key_id;
  std::string secret_access_key;  // secret
  std::string session_token;      // secret
  // Templates of the title and the body ({{field}} for a finding's fields); empty: the default.
  std::string title_template;
  std::string body_template;
  // Every type: a PEM file of the certificate authorities that TLS with the receiver is
  // verified against (a private CA, an SMTP relay's own); empty: the system's. An absolute path.
  std::string ca_file;
};

enum class RuleKind { kFinding, kThreshold, kFirstSeen };
std::string_view RuleKindName(RuleKind k);

// What a rule matches: exactly one of a KQL or Lucene query string, or a query DSL object.
struct RuleQuery {
  enum class Language { kKql, kLucene, kDsl } language = Language::kKql;
  std::string text;  // KQL or Lucene text; the DSL as compact JSON
};

struct Rule {
  std::string name;
  RuleKind kind = RuleKind::kFinding;
  RuleQuery query;
  std::vector<std::string> channels;  // channel names
  bool enabled = true;
  bool include_samples = false;  // sample findings match only when asked
  // At most one notification per rule and group key per throttle (0: none), with a digest of
  // what was held back.
  int64_t throttle_ms = 0;
  std::string group_by;  // a field; empty: one group
  // finding: an update alerts again when its severity rises into a higher label, or when
  // service.count grew by at least `count_increase` (0: never on count).
  bool realert_on_severity_rise = true;
  int64_t count_increase = 0;
  // threshold: more than `threshold` matching findings (or distinct values of
  // `cardinality_field`) within `window_ms`, per group.
  int64_t window_ms = 0;
  int64_t threshold = 0;
  std::string cardinality_field;
  // first_seen: a value of `field` not seen within `lookback_ms` (per group).
  std::string field;
  int64_t lookback_ms = 0;
  // threshold, first_seen: the date field windows and look-backs are measured on.
  std::string time_field = "updatedAt";
};

// 1 to 64 lower-case letters, digits, '-' and '_'; InvalidArgument naming `what` otherwise.
Status ValidateName(std::string_view what, std::string_view name);

// Durations as "30s", "5m", "2h", "7d" (or a number of milliseconds).
Result<int64_t> ParseDuration(std::string_view text);

// A channel or a rule from its JSON text; InvalidArgument naming the field at fault
// ("[url] must be an https:// or http:// URL, got ftp://x"). `max_depth` limits nesting. A rule's
// query is parsed (so that a syntax error is refused here, with its position), and its channel
// names are checked for form only (whether they exist is the caller's to check).
Result<Channel> ParseChannel(std::string_view text, size_t max_depth = 32);
Result<Rule> ParseRule(std::string_view text, size_t max_depth = 32);

// As JSON, in the shape ParseChannel and ParseRule read (so that writing and reading again gives
// the same definition). `redact` replaces secrets (webhook secret, SMTP password, AWS secret key
// and session token) by "********".
std::string ChannelToJson(const Channel& c, bool redact);
std::string RuleToJson(const Rule& r);

}  // namespace vigil::alert
