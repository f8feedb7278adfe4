// HttpServer: an asynchronous HTTP/1.1 server (Boost.Beast on Asio) that hands each complete
// request to one handler. It keeps connections alive, reads chunked bodies, decompresses gzip'd
// request bodies, answers `Expect: 100-continue`, and enforces its limits itself: header and body
// sizes (431 and 413, then the connection is closed), a deadline for each request to arrive and
// for each response to be taken (a slow client loses its connection and holds nothing else up),
// and a maximum of open connections (more are closed at once). With EnableTls, every connection
// speaks TLS (OpenSSL through Asio), the handshake under the same deadline as a request.
//
// Handlers run on a pool of request threads, apart from the I/O threads that read requests and
// write responses: a handler may block (a search, a large bulk) and holds one request thread, but
// never the I/O of other connections. When more than max_pending_requests are waiting or running,
// the I/O thread answers 429 at once.
// Thread-safe: Stop() may be called from any thread (a signal watcher).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/http_types.h"

namespace vigil::http {

struct ServerLimits {
  uint64_t max_body_bytes = 100ULL << 20;  // Elasticsearch's http.max_content_length
  uint32_t max_header_bytes = 16 << 10;
  // A request must arrive whole, and a response be taken, within this; also the keep-alive
  // idle time.
  std::chrono::milliseconds request_timeout{30'000};
  size_t max_connections = 4096;
  // Requests waiting for a request thread or running; more are answered 429 (Elasticsearch's
  // es_rejected_execution_exception) by the I/O thread.
  size_t max_pending_requests = 1024;  // Elasticsearch's search queue holds 1,000
};

class HttpServer {
 public:
  using RequestHandler = std::function<HttpResponse(HttpRequest&)>;
  using Log = std::function<void(std::string_view)>;

  HttpServer(RequestHandler handler, ServerLimits limits, Log log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0: any free port; port() tells which). InvalidArgument for a host
  // that is not an IP address, IOError naming the address when it cannot be bound.
  Status Listen(const std::string& host, uint16_t port);
  // Makes every connection speak TLS (1.2 or 1.3) with the certificate chain and private key of
  // these PEM files; InvalidArgument naming the file that cannot be used. Call before Start.
  Status EnableTls(const std::string& cert_file, const std::string& key_file);
  bool tls() const;
  uint16_t port() const;
  // Starts accepting: `io_threads` run the connections, `request_threads` the handlers.
  void Start(int request_threads, int io_threads = 1);
  // Stops accepting, lets running handlers finish, closes every connection and joins the
  // threads. Idempotent.
  void Stop();
  // Connections open now.
  size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::http
