// The configuration file of `vigil serve --config FILE` (docs/configuration.md): a YAML mapping
// of the server's settings and its API keys. Every option is optional; what the file leaves out
// takes the server's default, and a flag on the command line overrides what the file says (the
// caller merges; this module only reads and checks the file).
//
// Parsing is strict, so that a typo fails at startup instead of silently doing nothing: an unknown
// key, a duplicate key, a value of the wrong type or out of range is InvalidArgument with a message
// "NAME:LINE:COLUMN: KEY.PATH: what is wrong" (lines and columns from 1), for example
//   vigil.yaml:14:13: auth.api_keys[2].role: expected one of ingest, read, admin, got "writer"
// A message never repeats the value of an `sha256` field (someone may have pasted the key itself
// there by mistake).
//
// The functions are pure apart from LoadConfig's read through Env, and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alert/definitions.h"
#include "base/status.h"
#include "env/env.h"

namespace vigil::server {

// One entry of auth.api_keys.
struct ApiKeyConfig {
  std::string name;    // names the key in logs and errors; never the key. Non-empty, unique.
  std::string sha256;  // the SHA-256 of the key: 64 lower-case hex digits; the key is never stored
  std::string role;    // "ingest" | "read" | "admin"
  std::vector<std::string> accounts;  // account scope (12-digit AWS account ids); empty: all
};

struct ServerConfig {
  std::optional<std::string> data_dir;  // data: the data directory
  std::optional<std::string> listen;    // listen: "HOST:PORT" (checked with ParseListen)
  std::optional<int> threads;           // threads: request threads, 1..256
  // limits: each positive.
  std::optional<uint64_t> max_body_bytes;           // limits.max_body_bytes
  std::optional<uint64_t> max_header_bytes;         // limits.max_header_bytes
  std::optional<uint64_t> max_json_depth;           // limits.max_json_depth
  std::optional<uint64_t> max_bulk_items;           // limits.max_bulk_items
  std::optional<uint64_t> max_concurrent_requests;  // limits.max_concurrent_requests
  std::optional<uint64_t> request_timeout_seconds;  // limits.request_timeout_seconds
  // tls: both or neither.
  std::optional<std::string> tls_cert_file;  // tls.cert_file (PEM chain)
  std::optional<std::string> tls_key_file;   // tls.key_file (PEM)
  // auth:
  std::vector<ApiKeyConfig> api_keys;  // auth.api_keys, in file order; sha256 values unique
  // auth.header: a custom header that carries the key as it is (what an EventBridge connection
  // with API-key auth sends, e.g. "x-vigil-key"). Lower-cased; a valid header name, not
  // "authorization".
  std::optional<std::string> auth_header;
  // sns: POST /api/ingest/sns. topic_arns: the topics whose deliveries are taken (none: every
  // delivery is refused). extra_trusted_url_prefixes: where certificates and subscription
  // confirmations may come from besides https://sns.<region>.amazonaws.com (tests only).
  std::vector<std::string> sns_topic_arns;
  std::vector<std::string> sns_extra_trusted_url_prefixes;
  // web.root: the directory of the dashboard's built files (default: web/ beside the binary).
  std::optional<std::string> web_root;
  // alerts: the dashboard's address for links in notifications (base_url), and channels and
  // rules as the alerts API takes them (docs/alerting.md); the API may not change these.
  std::optional<std::string> alerts_base_url;
  std::vector<alert::Channel> alert_channels;
  std::vector<alert::Rule> alert_rules;
};

// The largest configuration file LoadConfig reads.
inline constexpr uint64_t kMaxConfigBytes = 1 << 20;

// Parses and checks YAML text; `name` names the source in errors (the file's path). An empty
// document (or one of comments only) is a valid empty config.
Result<ServerConfig> ParseConfig(std::string_view yaml, std::string_view name);

// Reads `path` through `env` and parses it. A file that cannot be read keeps the code of Env's
// error (NotFound, IOError, ResourceExhausted past kMaxConfigBytes) with a message naming it.
Result<ServerConfig> LoadConfig(Env* env, const std::string& path);

}  // namespace vigil::server
