#include "http/router.h"

#include <gtest/gtest.h>

#include "http/api.h"

namespace vigil::http {
namespace {

HttpResponse Named(std::string name) { return HttpResponse::Text(200, std::move(name)); }

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add(Method::kGet, "/{index}/_search", [](HttpRequest&) { return Named("search"); });
    router_.Add(Method::kPost, "/{index}/_search", [](HttpRequest&) { return Named("psearch"); });
    router_.Add(Method::kGet, "/_cat/indices", [](HttpRequest&) { return Named("cat"); });
    router_.Add(Method::kGet, "/{index}/{action}", [](HttpRequest&) { return Named("generic"); });
    router_.Add(Method::kGet, "/{index}/_doc/{id}", [](HttpRequest& r) {
      return Named(std::string(r.Param("index")) + "/" + std::string(r.Param("id")));
    });
    router_.Add(Method::kGet, "/", [](HttpRequest&) { return Named("root"); });
  }

  // The body of the matched handler, or "404" / "405:<allowed>".
  std::string Route(Method m, std::string path) {
    HttpRequest r;
    r.method = m;
    r.path = std::move(path);
    Router::Match match = router_.Find(&r);
    if (match.outcome == Router::Outcome::kNotFound) return "404";
    if (match.outcome == Router::Outcome::kMethodNotAllowed) {
      std::string out = "405:";
      for (Method a : match.allowed) out += std::string(MethodName(a)) + " ";
      return out;
    }
    return (*match.handler)(r).body;
  }

  Router router_;
};

TEST_F(RouterTest, LiteralsWinOverParametersAndParametersAreDecoded) {
  EXPECT_EQ(Route(Method::kGet, "/"), "root");
  EXPECT_EQ(Route(Method::kGet, "/findings/_search"), "search");
  EXPECT_EQ(Route(Method::kPost, "/findings/_search"), "psearch");
  EXPECT_EQ(Route(Method::kHead, "/findings/_search"), "search");  // HEAD takes GET's route
  EXPECT_EQ(Route(Method::kGet, "/_cat/indices"), "cat");          // not {index}/{action}
  EXPECT_EQ(Route(Method::kGet, "/findings/_doc/a%2Fb"), "findings/a/b");
  EXPECT_EQ(Route(Method::kGet, "/findings/_doc/x/"), "findings/x");  // a trailing slash
  EXPECT_EQ(Route(Method::kGet, "/findings/stats"), "generic");
}

TEST_F(RouterTest, UnknownPathsAre404AndWrongMethods405WithTheAllowedOnes) {
  EXPECT_EQ(Route(Method::kGet, "/a/b/c/d"), "404");
  // A parameter never takes a reserved name: "_x" is not an index.
  EXPECT_EQ(Route(Method::kGet, "/_x/_search"), "404");
  EXPECT_EQ(Route(Method::kDelete, "/findings/_search"), "405:GET POST ");
}

TEST(HttpTypesTest, QueryStringsAndPercentDecoding) {
  auto q = ParseQueryString("q=type%3ARecon*+AND+severity%3A%3E5&size=3&pretty&=x&a=%zz");
  EXPECT_EQ(q["q"], "type:Recon* AND severity:>5");
  EXPECT_EQ(q["size"], "3");
  EXPECT_EQ(q["pretty"], "");
  EXPECT_EQ(q["a"], "%zz");  // a malformed escape is kept
  EXPECT_EQ(PercentDecode("a+b%20c", false), "a+b c");
  EXPECT_EQ(PercentDecode("%4", true), "%4");
}

TEST(HttpTypesTest, HostAndPort) {
  std::string host;
  uint16_t port = 1;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:9750", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9750);
  ASSERT_TRUE(ParseHostPort("[::1]:0", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  EXPECT_FALSE(ParseHostPort("127.0.0.1", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:65536", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort(":80", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("[::1]80", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:8x", &host, &port).ok());
}

}  // namespace
}  // namespace vigil::http
