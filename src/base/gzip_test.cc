#include "base/gzip.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

std::string Compress(const std::string& data) {
  std::string out;
  EXPECT_TRUE(GzipAppend(data, 6, &out).ok());
  return out;
}

TEST(GzipTest, RoundTrips) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += "{\"id\":\"" + std::to_string(i) + "\"}\n";
  std::string gz = Compress(data);
  ASSERT_TRUE(IsGzip(gz));
  GunzipResult r = Gunzip(gz, 1 << 30);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.data, data);
}

TEST(GzipTest, ReadsConcatenatedMembers) {
  std::string gz = Compress("first\n") + Compress("second\n");
  GunzipResult r = Gunzip(gz, 1 << 20);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.data, "first\nsecond\n");
}

TEST(GzipTest, FileCutInHalfIsTruncatedWithWhatCameBefore) {
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "line " + std::to_string(i) + "\n";
  std::string gz = Compress(data);
  GunzipResult r = Gunzip(gz.substr(0, gz.size() / 2), 1 << 30);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.error.code(), StatusCode::kCorruption);
  EXPECT_NE(r.error.message().find("unexpected end of compressed data"), std::string::npos)
      << r.error.message();
  ASSERT_FALSE(r.data.empty());
  EXPECT_EQ(data.compare(0, r.data.size(), r.data), 0) << "recovered bytes must be a prefix";
}

TEST(GzipTest, CorruptDataNamesTheByte) {
  std::string gz = Compress(std::string(5000, 'x') + "tail");
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC32/size trailer
  GunzipResult r = Gunzip(gz, 1 << 20);
  EXPECT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("at compressed byte"), std::string::npos) << r.error.message();
}

TEST(GzipTest, StopsAtTheOutputLimit) {
  std::string gz = Compress(std::string(1 << 20, 'a'));
  GunzipResult r = Gunzip(gz, 1000);
  EXPECT_EQ(r.error.code(), StatusCode::kResourceExhausted);
  EXPECT_LE(r.data.size(), 1000u);
}

TEST(GzipTest, TrailingGarbageIsReported) {
  std::string gz = Compress("ok\n") + "garbage";
  GunzipResult r = Gunzip(gz, 1 << 20);
  EXPECT_EQ(r.data, "ok\n");
  EXPECT_NE(r.error.message().find("trailing data"), std::string::npos) << r.error.message();
}

}  // namespace
}  // namespace vigil
