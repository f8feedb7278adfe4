#include "http/http_server.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "http/errors.h"
#include "http/request_reader.h"

namespace vigil::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

// What sessions share. It outlives them: they are destroyed with the io_context, which is
// destroyed before it.
struct ServerState {
  HttpServer::RequestHandler handler;
  ServerLimits limits;
  HttpServer::Log log;
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopping{false};
  net::thread_pool* requests = nullptr;  // where handlers run (set by Start)
  std::atomic<size_t> pending{0};        // requests handed to `requests`, not yet answered
};

}  // namespace

struct HttpServer::Impl {
  Impl(RequestHandler h, ServerLimits l, Log lg) : acceptor(ioc) {
    state.handler = std::move(h);
    state.limits = l;
    state.log = std::move(lg);
  }

  ServerState state;  // declared first: destroyed after the sessions the io_context holds
  std::mutex stop_mu;
  uint16_t port = 0;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;   // the I/O threads, running ioc
  std::unique_ptr<ssl::context> tls;  // set: every connection speaks TLS
  // The request threads. Declared after ioc: destroyed first (it is joined, and so empty, by
  // then; the sessions its work held belong to ioc).
  std::optional<net::thread_pool> requests;

  void Accept();
};

namespace {

// One connection: plain (Stream = beast::tcp_stream) or TLS (beast::ssl_stream over it).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  static constexpr uint64_t kSmallBody = 16 << 10;       // read through the header's buffer
  static constexpr size_t kLargeBodyBuffer = 256 << 10;  // the read size of larger bodies

  template <class... Args>
  Session(ServerState* server, tcp::socket&& socket, Args&&... tls)
      : stream_(std::move(socket), std::forward<Args>(tls)...), server_(server) {
    ++server_->connections;
    beast::error_code ec;
    auto endpoint = Socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }
  ~Session() { --server_->connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        // The handshake has the same deadline as a request.
        beast::get_lowest_layer(self->stream_).expires_after(self->server_->limits.request_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->CloseSocket();
          self->ReadHeader();
        });
      } else {
        self->ReadHeader();
      }
    });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_).socket(); }
  void ExpiresAfter(std::chrono::milliseconds d) {
    beast::get_lowest_layer(stream_).expires_after(d);
  }

  void ReadHeader() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(server_->limits.max_header_bytes);
    parser_->body_limit(server_->limits.max_body_bytes);
    ExpiresAfter(server_->limits.request_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      // Past the body limit already: say so now instead of taking the body.
      if (auto length = parser_->content_length();
          length && *length > server_->limits.max_body_bytes) {
        return TooLarge();
      }
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                           if (e) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    // Beast reads at most the buffer's free capacity at a time, and the parser empties the buffer
    // as it goes, so a buffer left at the size of the headers takes a large body in reads of a
    // few hundred bytes, each a wake-up, a timer update and a thread hand-off (measured: 3,000
    // reads for a 3 MB _bulk, as much time as indexing it). Large bodies get a large buffer,
    // given back once the request is read.
    const auto length = parser_->content_length();  // boost::optional
    if (!length || *length > kSmallBody) buffer_.reserve(kLargeBodyBuffer);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return TooLarge();
    if (ec == bhttp::error::header_limit) {
      return WriteError(431, "request_header_fields_too_large",
                        fmt::format("the request's headers are larger than {} bytes",
                                    server_->limits.max_header_bytes));
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == bhttp::error::partial_message) {
      return Close();
    }
    WriteError(400, "http_parse_exception", "malformed HTTP request: " + ec.message());
  }

  void TooLarge() {
    WriteError(413, "content_too_long_exception",
               fmt::format("the request's body is larger than the limit of {} bytes",
                           server_->limits.max_body_bytes));
  }

  void OnRead(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    if (buffer_.capacity() > kSmallBody) buffer_.shrink_to_fit();
    BeastRequest req = parser_->release();
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    HttpRequest r;
    r.remote = remote_;
    std::optional<HttpResponse> error = FromBeastRequest(std::move(req), server_->limits, &r);
    const bool head = r.method == Method::kHead;
    if (error) return Write(std::move(*error), false, version, head);
    // The handler runs on a request thread, so that a long search or a large bulk never holds up
    // the I/O of other connections; its response is written back on this session's strand. Past
    // the limit of waiting and running requests, the I/O thread answers 429 itself.
    if (server_->pending.fetch_add(1) >= server_->limits.max_pending_requests) {
      server_->pending.fetch_sub(1);
      HttpResponse busy = ErrorResponse(429, "es_rejected_execution_exception",
                                        fmt::format("more than {} requests are waiting or running "
                                                    "(limits.max_concurrent_requests); retry",
                                                    server_->limits.max_pending_requests));
      busy.headers.emplace_back("Retry-After", "1");
      return Write(std::move(busy), keep_alive, version, head);
    }
    // The work guard keeps the I/O threads running while the handler does: without it, a server
    // whose acceptor Stop has closed has no I/O of its own left, ioc.run() returns, and the
    // response the handler then posts is never written (the client waits forever).
    net::post(*server_->requests, [self = shared_from_this(),
                                   work = net::make_work_guard(stream_.get_executor()),
                                   r = std::move(r), keep_alive, version, head]() mutable {
      HttpResponse response = self->server_->handler(r);
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), keep_alive, version, head]() mutable {
                  self->pending_ = true;  // released once the response (or its head) is written
                  if (response.stream && !head) return self->WriteStreamHead(std::move(response));
                  self->Write(std::move(response), keep_alive, version, head);
                });
      work.reset();
    });
  }

  void WriteError(int status, std::string_view type, const std::string& reason) {
    Write(ErrorResponse(status, type, reason), false, 11, false);
  }

  void Write(HttpResponse r, bool keep_alive, unsigned version, bool head) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::server, "vigil");
    res->set(bhttp::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive && !server_->stopping);
    res->body() = std::move(r.body);
    res->prepare_payload();
    if (head) res->body().clear();  // the length of the GET response, no body
    ExpiresAfter(server_->limits.request_timeout);
    const bool again = res->keep_alive();
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, again](beast::error_code ec, std::size_t) {
                         self->ReleasePending();
                         if (ec || !again) return self->Close();
                         self->ReadHeader();
                       });
  }

  // A streamed body: the head, then whatever the stream has, until it ends or the client goes.
  // No Content-Length and Connection: close, so the body ends with the connection.
  void WriteStreamHead(HttpResponse r) {
    body_stream_ = std::move(r.stream);
    const beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    auto head = std::make_shared<std::string>(fmt::format(
        "HTTP/1.1 {} {}\r\nServer: vigil\r\nContent-Type: {}\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\n",
        r.status, std::string_view(reason.data(), reason.size()), r.content_type));
    for (const auto& [name, value] : r.headers) *head += fmt::format("{}: {}\r\n", name, value);
    *head += "\r\n";
    WriteStreamChunk(head, true);
  }

  void WriteStreamChunk(const std::shared_ptr<std::string>& chunk, bool more) {
    ExpiresAfter(server_->limits.request_timeout);
    net::async_write(stream_, net::buffer(*chunk),
                     [self = shared_from_this(), chunk, more](beast::error_code ec, std::size_t) {
                       self->ReleasePending();
                       if (ec || !more) return self->Close();
                       self->StreamNext();
                     });
  }

  void StreamNext() {
    if (server_->stopping) return Close();
    auto chunk = std::make_shared<std::string>();
    const bool more = body_stream_->Take(chunk.get());
    if (!chunk->empty() || !more) return WriteStreamChunk(chunk, more);
    // Nothing yet: wait for the stream's waker or the heartbeat. The waker posts to this
    // session's strand, which runs it after this handler: the timer is set by then.
    std::weak_ptr<Session> weak = shared_from_this();
    const bool armed = body_stream_->Arm([weak, executor = stream_.get_executor()] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->wait_timer_.cancel();
      });
    });
    if (!armed) {
      net::post(stream_.get_executor(), [self = shared_from_this()] { self->StreamNext(); });
      return;
    }
    wait_timer_.expires_after(std::chrono::seconds(15));
    wait_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->StreamNext();  // woken
      self->WriteStreamChunk(std::make_shared<std::string>(": keep-alive\n\n"), true);
    });
  }

  // The request whose response was just written is no longer pending (Stop waits for those).
  void ReleasePending() {
    if (!pending_) return;
    pending_ = false;
    server_->pending.fetch_sub(1);
  }

  void Close() {
    if constexpr (kTls) {
      // close_notify, then the socket; a client that does not answer within the deadline loses
      // the connection anyway.
      ExpiresAfter(server_->limits.request_timeout);
      stream_.async_shutdown(
          [self = shared_from_this()](beast::error_code) { self->CloseSocket(); });
    } else {
      CloseSocket();
    }
  }

  void CloseSocket() {
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_send, ec);
    Socket().close(ec);
  }

  Stream stream_;
  net::steady_timer wait_timer_{stream_.get_executor()};  // a streamed body's wait
  std::shared_ptr<BodyStream> body_stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  ServerState* server_;
  std::string remote_;
  bool pending_ = false;  // on the strand: this session holds one count of server_->pending
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (state.stopping) return;
    if (!ec) {
      // Responses are whole messages: no waiting for the client's ACK of a tail (Nagle).
      beast::error_code nodelay;
      socket.set_option(tcp::no_delay(true), nodelay);
      if (state.connections.load() >= state.limits.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the limit: closed at once
      } else if (tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(&state, std::move(socket),
                                                                        *tls)
            ->Run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(&state, std::move(socket))->Run();
      }
    }
    Accept();
  });
}

HttpServer::HttpServer(RequestHandler handler, ServerLimits limits, Log log)
    : impl_(std::make_unique<Impl>(std::move(handler), limits, std::move(log))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (ec) {
    return Status::InvalidArgument(
        fmt::format("cannot listen on [{}]: not an IP address ({})", host, ec.message()));
  }
  tcp::endpoint endpoint(address, port);
  tcp::acceptor& a = impl_->acceptor;
  auto fail = [&](std::string_view what) {
    return Status::IOError(fmt::format("cannot {} {}:{}: {}", what, host, port, ec.message()));
  };
  if (a.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (a.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("configure");
  if (a.bind(endpoint, ec); ec) return fail("listen on");
  if (a.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  impl_->port = a.local_endpoint(ec).port();
  return Status::Ok();
}

Status HttpServer::EnableTls(const std::string& cert_file, const std::string& key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  // TLS 1.2 and 1.3 only.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (ec) return Status::InvalidArgument(fmt::format("tls: {}", ec.message()));
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return Status::InvalidArgument(fmt::format(
        "tls.cert_file {}: not a usable PEM certificate chain: {}", cert_file, ec.message()));
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return Status::InvalidArgument(
        fmt::format("tls.key_file {}: not a usable PEM private key: {}", key_file, ec.message()));
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return Status::InvalidArgument(fmt::format(
        "tls.key_file {} is not the private key of the certificate in {}", key_file, cert_file));
  }
  impl_->tls = std::move(context);
  return Status::Ok();
}

bool HttpServer::tls() const { return impl_->tls != nullptr; }

uint16_t HttpServer::port() const { return impl_->port; }

size_t HttpServer::connections() const { return impl_->state.connections.load(); }

void HttpServer::Start(int request_threads, int io_threads) {
  impl_->requests.emplace(static_cast<size_t>(std::max(1, request_threads)));
  impl_->state.requests = &*impl_->requests;
  impl_->Accept();
  for (int i = 0; i < std::max(1, io_threads); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->state.stopping.exchange(true)) return;
  net::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  // Running and waiting handlers finish, and their responses are written while the I/O threads
  // still run; then open connections are dropped with the io_context.
  if (impl_->requests) impl_->requests->join();
  // Their responses are being written: wait for that, within the deadline a client has to take a
  // response.
  const auto deadline = std::chrono::steady_clock::now() + impl_->state.limits.request_timeout;
  while (impl_->state.pending.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

}  // namespace vigil::http
