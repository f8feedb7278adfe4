// A request as handlers see it (the body whole, decompressed when it came gzip'd) and the
// response they give back. Plain values: no Beast types cross into the handlers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vigil::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kOther };

std::string_view MethodName(Method m);

struct HttpRequest {
  Method method = Method::kGet;
  std::string path;                          // percent-decoded, without the query string
  std::map<std::string, std::string> query;  // the query string's parameters, decoded
  // Header names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The route's {parameters} ("index", "id"), filled by the router.
  std::map<std::string, std::string, std::less<>> params;
  std::string remote;  // the client's address
  // Set by the API once the request is authenticated: the key's name (empty when the server is
  // open) and its account scope (empty: every account). Searches see only the scope's findings.
  std::string principal;
  std::vector<std::string> account_scope;

  std::optional<std::string_view> Header(std::string_view lower_name) const;
  std::optional<std::string_view> Query(std::string_view name) const;
  std::string_view Param(std::string_view name) const;
};

// A response body written as it is produced (Server-Sent Events). The server sends the status and
// headers, then loops: Take() what is ready and write it; when nothing is, Arm() a waker and
// wait for it (sending a comment line every 15 s so that proxies and clients see a live
// connection). The connection ends when Take() returns false, the client goes, or the server
// stops.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Appends what is ready to *out; false when the body ends after it.
  virtual bool Take(std::string* out) = 0;
  // Keeps `wake` to call once, from any thread, when Take() will have something; returns false
  // (keeping nothing) when it has something already.
  virtual bool Arm(std::function<void()> wake) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=UTF-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<BodyStream> stream;  // set: the body is this stream, not `body`

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);
};

// Splits "HOST:PORT" ("[::1]:9750" for IPv6) into its parts; InvalidArgument saying what is
// wrong (without naming the option it came from).
Status ParseHostPort(std::string_view text, std::string* host, uint16_t* port);

// Decodes %XX escapes (and, when `plus_is_space`, '+' as a space, as in a query string).
// Malformed escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);

// Splits "a=1&b=x%20y" into decoded pairs; a key without '=' gets an empty value.
std::map<std::string, std::string> ParseQueryString(std::string_view s);

}  // namespace vigil::http
