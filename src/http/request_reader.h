// From Beast's parsed request to the HttpRequest handlers see: the target split into a decoded
// path and query parameters, header names in lower case, a gzip'd body decompressed (within the
// body limit). Internal to the http module (it includes Beast).
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>

#include "http/http_server.h"
#include "http/http_types.h"

namespace vigil::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Fills *out from `req` (whose body it takes). Returns the error response to send instead when
// the body's Content-Encoding is unknown or it does not decompress.
std::optional<HttpResponse> FromBeastRequest(BeastRequest&& req, const ServerLimits& limits,
                                             HttpRequest* out);

// Parses `raw`, one request as a client's bytes (headers and body), with the server's limits,
// into *out: what the server does with a request that arrived whole. Returns the error response
// the server would send (400 malformed, 413 too large, 431 headers too large, ...) otherwise.
// For the fuzzer and the tests.
std::optional<HttpResponse> ParseRawRequest(std::string_view raw, const ServerLimits& limits,
                                            HttpRequest* out);

}  // namespace vigil::http
