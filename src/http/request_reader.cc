#include "http/request_reader.h"

#include <fmt/format.h>

#include <boost/beast/core.hpp>
#include <cctype>
#include <string>

#include "base/gzip.h"
#include "http/errors.h"

namespace vigil::http {

namespace bhttp = boost::beast::http;

namespace {

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::delete_:
      return Method::kDelete;
    default:
      break;
  }
  return Method::kOther;
}

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<HttpResponse> FromBeastRequest(BeastRequest&& req, const ServerLimits& limits,
                                             HttpRequest* out) {
  out->method = ToMethod(req.method());
  std::string_view target = View(req.target());
  const size_t q = target.find('?');
  out->path = PercentDecode(target.substr(0, q), false);
  out->query.clear();
  if (q != std::string_view::npos) out->query = ParseQueryString(target.substr(q + 1));
  out->headers.clear();
  for (const auto& field : req) {
    out->headers.emplace_back(Lower(View(field.name_string())), std::string(View(field.value())));
  }
  out->body = std::move(req.body());
  std::optional<std::string_view> encoding = out->Header("content-encoding");
  if (!encoding || out->body.empty()) return std::nullopt;
  const std::string e = Lower(*encoding);
  if (e == "identity") return std::nullopt;
  if (e != "gzip" && e != "x-gzip") {
    return ErrorResponse(
        415, "illegal_argument_exception",
        fmt::format("unsupported Content-Encoding [{}]: gzip or identity", *encoding));
  }
  GunzipResult g = Gunzip(out->body, limits.max_body_bytes);
  if (!g.error.ok()) {
    return ErrorResponse(g.error.code() == StatusCode::kResourceExhausted ? 413 : 400,
                         "parse_exception",
                         "the gzip'd request body does not decompress: " + g.error.message());
  }
  out->body = std::move(g.data);
  return std::nullopt;
}

std::optional<HttpResponse> ParseRawRequest(std::string_view raw, const ServerLimits& limits,
                                            HttpRequest* out) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(limits.max_header_bytes);
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < raw.size() && !parser.is_done()) {
    const size_t n = parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      // Every remaining byte was offered, so more can only mean the end. Offering the same bytes
      // again breaks Beast's contract (it asserts in a final chunk's trailer: found by the fuzzer).
      ec = {};
      break;
    }
    if (ec) break;
  }
  if (!ec && !parser.is_done()) {
    // The connection ended here. (put_eof() may only follow bytes: found by the fuzzer.)
    if (parser.got_some()) {
      parser.put_eof(ec);
    } else {
      ec = bhttp::error::partial_message;
    }
    if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
  }
  if (ec == bhttp::error::body_limit) {
    return ErrorResponse(413, "content_too_long_exception",
                         fmt::format("the request's body is larger than the limit of {} bytes",
                                     limits.max_body_bytes));
  }
  if (ec == bhttp::error::header_limit) {
    return ErrorResponse(
        431, "request_header_fields_too_large",
        fmt::format("the request's headers are larger than {} bytes", limits.max_header_bytes));
  }
  if (ec)
    return ErrorResponse(400, "http_parse_exception", "malformed HTTP request: " + ec.message());
  return FromBeastRequest(parser.release(), limits, out);
}

}  // namespace vigil::http
