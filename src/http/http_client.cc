#include "http/http_client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "http/http_types.h"

namespace vigil::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  std::string host;
  std::string port;
  std::chrono::seconds timeout{300};  // a big push or search may take a while

  Status Connect() {
    stream.reset();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec) {
      return Status::Unavailable(
          fmt::format("cannot resolve the server {}:{}: {}", host, port, ec.message()));
    }
    stream.emplace(ioc);
    // Asynchronous, run to completion here: Beast's deadlines apply only to asynchronous
    // operations (a blocking connect or read would wait forever on a server that never answers).
    stream->expires_after(std::chrono::seconds(10));
    stream->async_connect(results, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    RunIo();
    if (ec) {
      stream.reset();
      return Status::Unavailable(
          fmt::format("cannot connect to the server at {}:{}: {}", host, port, ec.message()));
    }
    // Requests and answers are whole messages: no waiting for the peer's ACK of a tail (Nagle).
    stream->socket().set_option(tcp::no_delay(true), ec);
    return Status::Ok();
  }

  void RunIo() {
    ioc.restart();
    ioc.run();
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return Status::InvalidArgument(
        fmt::format("--url [{}]: expected http://HOST:PORT (https is not supported yet)", url));
  }
  std::string_view rest = url.substr(kScheme.size());
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.empty()) {
    return Status::InvalidArgument(fmt::format("--url [{}]: expected http://HOST:PORT", url));
  }
  std::unique_ptr<HttpClient> c(new HttpClient());
  // Without a port, Vigil's default.
  const bool has_port = rest.starts_with('[') ? rest.find("]:") != std::string_view::npos
                                              : rest.find(':') != std::string_view::npos;
  const std::string address = has_port ? std::string(rest) : std::string(rest) + ":9750";
  std::string host;
  uint16_t port = 0;
  Status parsed = ParseHostPort(address, &host, &port);
  if (!parsed.ok() || port == 0) {
    return Status::InvalidArgument(fmt::format(
        "--url [{}]: {}", url, parsed.ok() ? "the port must not be 0" : parsed.message()));
  }
  c->impl_->host = host;
  c->impl_->port = std::to_string(port);
  c->base_ = std::string(url.substr(0, kScheme.size())) + std::string(rest);
  return c;
}

Result<ClientResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                           std::string_view body, std::string_view content_type) {
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb({method.data(), method.size()}),
                                         std::string(target), 11);
  req.set(bhttp::field::host, impl_->host + ":" + impl_->port);
  req.set(bhttp::field::user_agent, "vigil-cli");
  if (!body.empty()) {
    req.set(bhttp::field::content_type, std::string(content_type));
    req.body() = std::string(body);
  }
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = !impl_->stream.has_value();
    if (fresh) VIGIL_RETURN_IF_ERROR(impl_->Connect());
    beast::error_code ec;
    beast::flat_buffer buffer;
    buffer.reserve(256 << 10);  // Beast reads at most the free capacity at a time
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ULL << 31);
    // The whole exchange within the deadline: a server that stops answering is an error after
    // `timeout`, not a hang.
    beast::tcp_stream& stream = *impl_->stream;
    stream.expires_after(impl_->timeout);
    bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (ec) return;
      bhttp::async_read(stream, buffer, parser,
                        [&ec](beast::error_code e2, std::size_t) { ec = e2; });
    });
    impl_->RunIo();
    if (ec) {
      impl_->stream.reset();
      // A kept-alive connection the server closed meanwhile: once more on a new one.
      if (!fresh) continue;
      return Status::IOError(
          fmt::format("the request {} {} to {} failed: {}", method, target, base_, ec.message()));
    }
    auto res = parser.release();
    if (!res.keep_alive()) impl_->stream.reset();
    return ClientResponse{static_cast<int>(res.result_int()), std::move(res.body())};
  }
  return Status::IOError(fmt::format("the request {} {} to {} failed", method, target, base_));
}

}  // namespace vigil::http
