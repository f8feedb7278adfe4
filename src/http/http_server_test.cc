// HttpServer on loopback with its own client: handlers run apart from the I/O thread, and past
// the limit of pending requests the I/O thread itself answers 429.
#include "http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/http_client.h"

namespace vigil::http {
namespace {

// A handler whose "/block" requests wait until released; everything else answers at once.
class Gate {
 public:
  HttpResponse Handle(HttpRequest& r) {
    if (r.path == "/block") {
      std::unique_lock<std::mutex> lock(mu_);
      ++blocked_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return open_; });
    }
    return HttpResponse::Json(200, "{\"path\":\"" + r.path + "\"}");
  }
  void WaitBlocked(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return blocked_ >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int blocked_ = 0;
  bool open_ = false;
};

std::unique_ptr<HttpClient> Client(const HttpServer& server) {
  Result<std::unique_ptr<HttpClient>> c =
      HttpClient::Create("http://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

TEST(HttpServerTest, BlockedHandlersDoNotHoldUpOtherConnections) {
  Gate gate;
  ServerLimits limits;
  limits.max_pending_requests = 2;
  HttpServer server([&](HttpRequest& r) { return gate.Handle(r); }, limits, nullptr);
  ASSERT_TRUE(server.Listen("127.0.0.1", 0).ok());
  server.Start(/*request_threads=*/2, /*io_threads=*/1);

  // Two requests hold both request threads.
  Result<ClientResponse> first = Status::Unavailable("not sent"), second = first;
  std::thread a([&] { first = Client(server)->Request("GET", "/block"); });
  std::thread b([&] { second = Client(server)->Request("GET", "/block"); });
  gate.WaitBlocked(2);

  // A third connection is still read and answered, by the I/O thread: 429, not a hang.
  Result<ClientResponse> busy = Client(server)->Request("GET", "/other");
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  EXPECT_EQ(busy->status, 429);
  EXPECT_NE(busy->body.find("es_rejected_execution_exception"), std::string::npos);

  gate.Open();
  a.join();
  b.join();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  // With the threads free again, requests are handled as usual.
  Result<ClientResponse> after = Client(server)->Request("GET", "/other");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "{\"path\":\"/other\"}");
  server.Stop();
}

TEST(HttpServerTest, StopLetsWaitingRequestsFinish) {
  Gate gate;
  HttpServer server([&](HttpRequest& r) { return gate.Handle(r); }, ServerLimits{}, nullptr);
  ASSERT_TRUE(server.Listen("127.0.0.1", 0).ok());
  server.Start(1, 1);
  Result<ClientResponse> held = Status::Unavailable("not sent");
  std::thread a([&] { held = Client(server)->Request("GET", "/block"); });
  gate.WaitBlocked(1);
  std::thread stopper([&] { server.Stop(); });
  // Once the acceptor is closed and only the held connection is left, the I/O threads have no I/O
  // of their own: the response must still be written (it once was not, and the client hung).
  boost::asio::io_context probe;
  for (;;) {
    boost::asio::ip::tcp::socket s(probe);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()}, ec);
    if (ec) break;  // refused: the acceptor is closed
  }
  while (server.connections() > 1) std::this_thread::yield();
  gate.Open();
  stopper.join();
  a.join();
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->status, 200);
}

// A large body arrives whole through the large read buffer, and a later small request on the
// same connection still works (the buffer was given back).
TEST(HttpServerTest, LargeBodiesAndKeepAlive) {
  ServerLimits limits;
  HttpServer server(
      [](HttpRequest& r) {
        return HttpResponse::Json(200, "{\"bytes\":" + std::to_string(r.body.size()) + "}");
      },
      limits, nullptr);
  ASSERT_TRUE(server.Listen("127.0.0.1", 0).ok());
  server.Start(2, 1);
  std::unique_ptr<HttpClient> c = Client(server);
  std::string big(5 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
  Result<ClientResponse> r = c->Request("POST", "/big", big, "text/plain");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "{\"bytes\":" + std::to_string(big.size()) + "}");
  r = c->Request("POST", "/small", "abc", "text/plain");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "{\"bytes\":3}");
  server.Stop();
}

}  // namespace
}  // namespace vigil::http
