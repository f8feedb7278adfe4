// API-key authentication (docs/configuration.md, "API keys"): who a request comes from, and
// whether its role may do what it asks.
//
// A client presents its key in `Authorization: ApiKey <key>`, `Authorization: Bearer <key>`,
// `Authorization: Basic <base64 of user:key>` (the user name is ignored; what an SNS subscription
// to https://user:key@host/api/ingest/sns sends) or, when configured, a custom header that carries
// the key as it is (what an EventBridge connection with API-key auth sends). The server stores only
// the SHA-256 of each key, and a key is looked up by the hash of what was presented. No key, nor
// any part of one, ever appears in a reason, a log line or an error.
//
// Failed attempts are limited per client: an address that presents 10 invalid keys within 60
// seconds is refused (kThrottled) until the oldest of those 10 is 60 seconds old, a sliding window
// (so no 60-second span ever sees more than 10 failures from one address). IPv6 clients are
// counted per /64 network, since one host usually holds a whole /64. The limiter remembers at most
// 10,000 addresses, forgetting the least recently failed first.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vigil::http {

enum class Role { kIngest, kRead, kAdmin };

// "ingest" | "read" | "admin" (exactly; the config file's spelling); nullopt for anything else.
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

// What a request needs: kWrite for ingest and document/bulk writes; kRead for search, count, get,
// mapping, _cat and the stream; kAdmin for index create/delete and /metrics; kOpen for GET / and
// /api/health (no key needed).
enum class Access { kOpen, kRead, kWrite, kAdmin };

// ingest: kWrite only; read: kRead only; admin: everything. Every role: kOpen.
bool RoleAllows(Role role, Access access);

// The client a request was authenticated as.
struct Principal {
  std::string name;  // the key's name from the config; never the key
  Role role;
  std::vector<std::string> accounts;  // account scope (12-digit AWS account ids); empty: all
};

struct ApiKey {
  std::string name;
  std::string sha256_hex;  // SHA-256 of the key, 64 hex digits
  Role role;
  std::vector<std::string> accounts;
};

// Lower-case hex SHA-256 of `data` ("abc" -> "ba7816bf...").
std::string Sha256Hex(std::string_view data);

// A fresh key: "vgl_" and 32 random bytes from OpenSSL's RAND_bytes in base64url without padding
// (47 characters in all). Aborts the process if the random generator fails: it never returns a
// weak key.
std::string NewApiKey();

// Thread-safe: Check may be called from any number of threads at once.
class Authenticator {
 public:
  static constexpr int kMaxFailures = 10;  // invalid keys per address per window
  static constexpr int64_t kWindowMillis = 60'000;
  static constexpr size_t kMaxTrackedAddresses = 10'000;

  // `header` is the custom header's name (any case) or empty. `clock` returns steady-clock
  // milliseconds; empty: std::chrono::steady_clock. Keys have distinct hashes (the config checks
  // that); of two with one hash, the first is kept.
  explicit Authenticator(std::vector<ApiKey> keys, std::string header = {},
                         std::function<int64_t()> clock = {});

  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // False when there are no keys: then every request is open.
  bool enabled() const { return !keys_.empty(); }

  enum class Verdict {
    kOk,         // go ahead; `principal` is set unless authentication is off or access is kOpen
    kMissing,    // no credentials (HTTP 401)
    kInvalid,    // credentials that match no key (401)
    kForbidden,  // a valid key whose role may not do this (403)
    kThrottled,  // too many invalid keys from this address lately (429)
  };
  struct Decision {
    Verdict verdict = Verdict::kOk;
    std::optional<Principal> principal;
    std::string reason;           // a one-line message for the error body; empty for kOk
    int retry_after_seconds = 0;  // kThrottled: when the address may try again (Retry-After)
  };

  // Decides whether the request may go ahead. `headers` have lower-case names (HttpRequest's);
  // `remote` is the client's address (what the limiter counts by). The Authorization scheme is
  // case-insensitive and spaces around the key are ignored. When a request carries its key in
  // more than one place, the copies must agree. kOpen requests pass without a look at their
  // headers (a health check needs no key, so limiting it would protect nothing). A throttled
  // address is refused before its key is read. kInvalid counts as a failure; kMissing and
  // kForbidden do not, and a success does not clear earlier failures (or one valid key would let
  // a client guess others without limit).
  Decision Check(const std::vector<std::pair<std::string, std::string>>& headers,
                 std::string_view remote, Access access);

 private:
  // The failures of one address: the times of its last kMaxFailures, oldest first from `next`.
  struct Failures {
    std::array<int64_t, kMaxFailures> times{};
    int count = 0;
    int next = 0;  // where the next time goes; the oldest when count == kMaxFailures
    std::list<std::string>::iterator lru;
  };

  // How long `address` must still wait (ms), or 0.
  int64_t ThrottledFor(const std::string& address, int64_t now);
  void RecordFailure(const std::string& address, int64_t now);

  std::unordered_map<std::string, ApiKey> keys_;  // by sha256_hex; immutable after construction
  std::string header_;
  std::function<int64_t()> clock_;

  std::mutex mu_;
  std::unordered_map<std::string, Failures> failures_;  // GUARDED_BY(mu_)
  std::list<std::string> lru_;  // GUARDED_BY(mu_): addresses, most recently failed first
};

}  // namespace vigil::http
