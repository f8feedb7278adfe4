// The HTTP request path on arbitrary bytes: Beast's parser under the server's limits, then the
// conversion handlers see (target, query string, percent decoding, gzip bodies), the routing of
// the result, and the --listen parser. Errors must be responses, never crashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_reader.h"
#include "http/router.h"
#include "server/server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  vigil::http::ServerLimits limits;
  limits.max_body_bytes = 1 << 16;
  limits.max_header_bytes = 4096;
  vigil::http::HttpRequest request;
  std::optional<vigil::http::HttpResponse> error =
      vigil::http::ParseRawRequest(raw, limits, &request);
  if (error) {
    if (error->status < 400 || error->status > 499) __builtin_trap();
  } else {
    static vigil::http::Router* router = [] {
      auto* r = new vigil::http::Router();
      auto ok = [](vigil::http::HttpRequest&) { return vigil::http::HttpResponse::Text(200, ""); };
      r->Add(vigil::http::Method::kGet, "/{index}/_doc/{id}", ok);
      r->Add(vigil::http::Method::kPost, "/{index}/_search", ok);
      r->Add(vigil::http::Method::kGet, "/_cat/indices", ok);
      return r;
    }();
    (void)router->Find(&request);
  }
  std::string host;
  uint16_t port = 0;
  (void)vigil::server::ParseListen(raw.substr(0, 64), &host, &port);
  (void)vigil::http::ParseQueryString(raw);
  return 0;
}
