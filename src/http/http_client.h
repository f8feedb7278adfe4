// A small blocking HTTP/1.1 client (Boost.Beast) for the command line's --url options: one
// connection, reused for every request, to a server given as http://HOST:PORT. Not
// thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vigil::http {

struct ClientResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // `url` is http://HOST[:PORT][/]; InvalidArgument for anything else (https is not supported
  // yet).
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends a request; reconnects once when the kept-alive connection was closed. Unavailable
  // naming the server when it cannot be reached; IOError when the exchange fails.
  Result<ClientResponse> Request(std::string_view method, std::string_view target,
                                 std::string_view body = {},
                                 std::string_view content_type = "application/json");

  const std::string& base() const { return base_; }

 private:
  HttpClient();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string base_;
};

}  // namespace vigil::http
