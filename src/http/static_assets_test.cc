#include "http/static_assets.h"

#include <gtest/gtest.h>

#include "base/gzip.h"
#include "testing/test_util.h"

namespace vigil::http {
namespace {

class StaticAssetsTest : public ::testing::Test {
 protected:
  StaticAssetsTest() : env_(NewPosixEnv()) {}

  std::unique_ptr<StaticAssets> LoadOrDie() {
    Result<std::unique_ptr<StaticAssets>> a = StaticAssets::Load(env_.get(), dir_.path());
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(*a) : nullptr;
  }

  static std::string HeaderOf(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  testing::TempDir dir_;
  std::unique_ptr<Env> env_;
};

TEST_F(StaticAssetsTest, ServesFilesWithTypesEtagsAndGzip) {
  const std::string script(20000, 'a');  // compresses well
  testing::WriteFileOrDie(dir_.Join("index.html"), "<!doctype html><p>hi</p>");
  testing::WriteFileOrDie(dir_.Join("app.js"), script);
  auto assets = LoadOrDie();
  ASSERT_NE(assets, nullptr);
  EXPECT_EQ(assets->files(), 2u);

  HttpRequest plain;
  std::optional<HttpResponse> r = assets->Serve("app.js", plain);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/javascript; charset=UTF-8");
  EXPECT_EQ(r->body, script);
  EXPECT_EQ(HeaderOf(*r, "Content-Encoding"), "");
  const std::string etag = HeaderOf(*r, "ETag");
  EXPECT_EQ(etag.size(), 18u);  // a quoted 64-bit hash

  HttpRequest gz;
  gz.headers.emplace_back("accept-encoding", "br, gzip;q=0.8");
  r = assets->Serve("app.js", gz);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(HeaderOf(*r, "Content-Encoding"), "gzip");
  EXPECT_LT(r->body.size(), script.size());
  GunzipResult unzipped = Gunzip(r->body, script.size() + 1);
  ASSERT_TRUE(unzipped.error.ok());
  EXPECT_EQ(unzipped.data, script);

  HttpRequest refused;
  refused.headers.emplace_back("accept-encoding", "gzip;q=0, identity");
  r = assets->Serve("app.js", refused);
  EXPECT_EQ(HeaderOf(*r, "Content-Encoding"), "");

  // Revalidation: the same ETag is a 304 without a body.
  HttpRequest again;
  again.headers.emplace_back("if-none-match", etag);
  r = assets->Serve("app.js", again);
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());

  // The page gets a content security policy; an unknown name is not served.
  r = assets->Serve("index.html", plain);
  EXPECT_NE(HeaderOf(*r, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_FALSE(assets->Serve("../index.html", plain).has_value());
  EXPECT_FALSE(assets->Serve("missing.js", plain).has_value());
}

TEST_F(StaticAssetsTest, ADirectoryWithoutIndexOrMissingIsNotFound) {
  testing::WriteFileOrDie(dir_.Join("app.js"), "x");
  Result<std::unique_ptr<StaticAssets>> a = StaticAssets::Load(env_.get(), dir_.path());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kNotFound);
  EXPECT_NE(a.status().message().find("index.html"), std::string::npos);
  a = StaticAssets::Load(env_.get(), dir_.Join("nowhere"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kNotFound);
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(ContentTypeOf("a.css"), "text/css; charset=UTF-8");
  EXPECT_EQ(ContentTypeOf("index.html"), "text/html; charset=UTF-8");
  EXPECT_EQ(ContentTypeOf("x.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace vigil::http
