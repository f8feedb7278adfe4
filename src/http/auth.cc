#include "http/auth.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace vigil::http {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string s) {
  for (char& c : s) c = Lower(c);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kOpen:
      return "open";
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
    case Access::kAdmin:
      return "admin";
  }
  return "?";
}

// What the limiter counts by: the address itself, except that an IPv6 client is counted by its
// /64 (a host can pick any address in it) and an IPv4-mapped IPv6 address as the IPv4 one.
std::string LimiterKey(std::string_view remote) {
  std::string text(remote);
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) != 1) return text;
  const uint8_t* b = a6.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a6)) return fmt::format("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
  return fmt::format("{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}::/64", b[0], b[1], b[2],
                     b[3], b[4], b[5], b[6], b[7]);
}

std::string Base64UrlNoPadding(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size - i == 1) {
    const uint32_t v = data[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (size - i == 2) {
    const uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

// Standard base64 with padding; false for anything else.
bool DecodeBase64(std::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  out->clear();
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const int v = value(in[i]);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out->push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return true;
}

}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "ingest") return Role::kIngest;
  if (name == "read") return Role::kRead;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kIngest:
      return "ingest";
    case Role::kRead:
      return "read";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

bool RoleAllows(Role role, Access access) {
  if (access == Access::kOpen || role == Role::kAdmin) return true;
  if (role == Role::kIngest) return access == Access::kWrite;
  return access == Access::kRead;  // Role::kRead
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    // Only a broken OpenSSL installation fails here; a wrong hash would lock every client out.
    std::fputs("vigil: OpenSSL's SHA-256 failed\n", stderr);
    std::abort();
  }
  std::string hex;
  hex.reserve(size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string NewApiKey() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::fputs("vigil: OpenSSL's random generator failed; no key was made\n", stderr);
    std::abort();
  }
  return "vgl_" + Base64UrlNoPadding(bytes, sizeof bytes);
}

Authenticator::Authenticator(std::vector<ApiKey> keys, std::string header,
                             std::function<int64_t()> clock)
    : header_(Lowered(std::move(header))), clock_(std::move(clock)) {
  for (ApiKey& key : keys) {
    std::string hash = Lowered(key.sha256_hex);
    keys_.emplace(std::move(hash), std::move(key));
  }
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
}

Authenticator::Decision Authenticator::Check(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view remote,
    Access access) {
  if (access == Access::kOpen || !enabled()) return {};
  const int64_t now = clock_();
  const std::string address = LimiterKey(remote);
  if (const int64_t wait = ThrottledFor(address, now); wait > 0) {
    Decision d{Verdict::kThrottled, std::nullopt,
               fmt::format("too many failed authentication attempts from [{}]; retry in {} s",
                           remote, (wait + 999) / 1000)};
    d.retry_after_seconds = static_cast<int>((wait + 999) / 1000);
    return d;
  }

  // The presented key and where it came from. Reasons name the header, never its value: the
  // value is the key (or, with an unknown scheme, may be).
  std::string_view key;
  std::string_view source;
  bool other_scheme = false;
  std::string basic_password;  // the key of a Basic credential, decoded
  for (const auto& [name, value] : headers) {
    std::string_view presented;
    if (name == "authorization") {
      const std::string_view v = Trim(value);
      const size_t space = v.find_first_of(" \t");
      const std::string_view scheme = v.substr(0, space);
      presented = space == std::string_view::npos ? std::string_view() : Trim(v.substr(space));
      if (EqualsIgnoreCase(scheme, "basic")) {
        // Basic "user:key" (what an SNS subscription URL https://user:key@host/ sends): the
        // password is the key, the user name is ignored. Undecodable is an invalid credential.
        if (presented.empty()) continue;
        std::string decoded;
        if (!DecodeBase64(presented, &decoded) || decoded.find(':') == std::string::npos) {
          RecordFailure(address, now);
          return {Verdict::kInvalid, std::nullopt,
                  "the Basic credentials of the Authorization header are not base64 of "
                  "user:key"};
        }
        basic_password = decoded.substr(decoded.find(':') + 1);
        presented = basic_password;
      } else if (!EqualsIgnoreCase(scheme, "apikey") && !EqualsIgnoreCase(scheme, "bearer")) {
        other_scheme = true;
        continue;
      }
    } else if (!header_.empty() && name == header_) {
      presented = Trim(value);
    } else {
      continue;
    }
    if (presented.empty()) continue;  // "Bearer" alone: as if absent
    if (key.empty()) {
      key = presented;
      source = name;
    } else if (presented != key) {
      RecordFailure(address, now);
      return {Verdict::kInvalid, std::nullopt,
              fmt::format("conflicting API keys in [{}] and [{}]", source, name)};
    }
  }
  if (key.empty()) {
    return {Verdict::kMissing, std::nullopt,
            other_scheme ? "unsupported authentication scheme in the Authorization header; send "
                           "[ApiKey <key>], [Bearer <key>] or [Basic base64(user:key)]"
                         : "missing authentication credentials for REST request"};
  }

  // The lookup is by the hash of the presented secret, so its timing (hashing, bucket probe,
  // string comparison of hashes) depends on that hash only. It tells an attacker at most how a
  // hash of their own guess relates to a stored hash, and knowing part of a SHA-256 does not help
  // to find a key with it: no constant-time comparison is needed.
  const auto it = keys_.find(Sha256Hex(key));
  if (it == keys_.end()) {
    RecordFailure(address, now);
    return {Verdict::kInvalid, std::nullopt, "unable to authenticate with the provided API key"};
  }
  const ApiKey& k = it->second;
  if (!RoleAllows(k.role, access)) {
    return {Verdict::kForbidden, std::nullopt,
            fmt::format("action [{}] is unauthorized for API key [{}] with role [{}]",
                        AccessName(access), k.name, RoleName(k.role))};
  }
  return {Verdict::kOk, Principal{k.name, k.role, k.accounts}, ""};
}

int64_t Authenticator::ThrottledFor(const std::string& address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return 0;
  Failures& f = it->second;
  const int64_t newest = f.times[(f.next + kMaxFailures - 1) % kMaxFailures];
  if (now - newest >= kWindowMillis) {  // nothing left in the window: forget the address
    lru_.erase(f.lru);
    failures_.erase(it);
    return 0;
  }
  if (f.count < kMaxFailures) return 0;
  const int64_t oldest = f.times[f.next];
  return std::max<int64_t>(0, oldest + kWindowMillis - now);
}

// Concurrent requests from one address may all pass ThrottledFor before any records its failure,
// so a burst can exceed kMaxFailures by up to the number of request threads; the window then
// holds it back as usual.
void Authenticator::RecordFailure(const std::string& address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = failures_.try_emplace(address);
  Failures& f = it->second;
  if (inserted) {
    lru_.push_front(address);
    f.lru = lru_.begin();
  } else {
    lru_.splice(lru_.begin(), lru_, f.lru);
  }
  f.times[f.next] = now;
  f.next = (f.next + 1) % kMaxFailures;
  f.count = std::min(f.count + 1, kMaxFailures);
  if (failures_.size() > kMaxTrackedAddresses) {
    failures_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace vigil::http
