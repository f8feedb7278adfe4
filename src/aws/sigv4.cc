#include "aws/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>

namespace vigil::aws {

namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A header value as SigV4 canonicalises it: trimmed, inner runs of spaces made one.
std::string Trimmed(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<Credentials> CredentialsFromEnvironment() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || secret == nullptr || *id == '\0' || *secret == '\0') return std::nullopt;
  Credentials c{id, secret, ""};
  if (const char* token = std::getenv("AWS_SESSION_TOKEN")) c.session_token = token;
  return c;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof(digest));
}

std::string AmzDate(int64_t epoch_ms) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::vector<std::pair<std::string, std::string>> SignV4(const SignableRequest& request,
                                                        std::string_view region,
                                                        std::string_view service,
                                                        const Credentials& credentials,
                                                        std::string_view amz_date) {
  std::vector<std::pair<std::string, std::string>> added = {{"X-Amz-Date", std::string(amz_date)}};
  if (!credentials.session_token.empty()) {
    added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::vector<std::pair<std::string, std::string>> signed_headers = {{"host", request.host}};
  for (const auto& [k, v] : request.headers) signed_headers.emplace_back(Lower(k), Trimmed(v));
  for (const auto& [k, v] : added) signed_headers.emplace_back(Lower(k), v);
  std::sort(signed_headers.begin(), signed_headers.end());
  std::string canonical_headers;
  std::string names;
  for (const auto& [k, v] : signed_headers) {
    canonical_headers.append(k).append(":").append(v).append("\n");
    if (!names.empty()) names += ";";
    names += k;
  }
  // The query's parameters sorted by name (they come encoded already).
  std::vector<std::string> params;
  for (size_t start = 0; start < request.query.size();) {
    size_t end = request.query.find('&', start);
    if (end == std::string::npos) end = request.query.size();
    std::string p = request.query.substr(start, end - start);
    if (p.find('=') == std::string::npos) p += "=";
    if (!p.empty()) params.push_back(std::move(p));
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string query;
  for (const std::string& p : params) query += (query.empty() ? "" : "&") + p;
  const std::string canonical =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.path, query, canonical_headers,
                  names, Sha256Hex(request.body));
  const std::string date(amz_date.substr(0, 8));
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  const std::string to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256Hex(canonical));
  std::string key = Hmac("AWS4" + credentials.secret_access_key, date);
  key = Hmac(key, region);
  key = Hmac(key, service);
  key = Hmac(key, "aws4_request");
  const std::string signature = Hmac(key, to_sign);
  added.emplace_back(
      "Authorization",
      fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                  credentials.access_key_id, scope, names,
                  Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size())));
  return added;
}

}  // namespace vigil::aws
