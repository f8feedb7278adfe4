#include "base/gzip.h"

#include <gtest/gtest.h>

#include <random>

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

std::string Fast(std::string_view data) {
  std::string out;
  EXPECT_TRUE(GzipAppendFast(data, &out).ok());
  return out;
}

void ExpectFastRoundTrip(const std::string& data) {
  std::string gz = Fast(data);
  ASSERT_TRUE(IsGzip(gz));
  GunzipResult r = Gunzip(gz, uint64_t{1} << 30);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.data.size(), data.size());
  EXPECT_TRUE(r.data == data);
}

TEST(GzipFastTest, RoundTripsEmptyAndSmallInputs) {
  ExpectFastRoundTrip("");
  ExpectFastRoundTrip("x");
  ExpectFastRoundTrip("{\"id\":\"a\"}\n");
}

TEST(GzipFastTest, RoundTripsFiveMegabytesOfJsonLinesAndCompressesThem) {
  std::string data;
  std::mt19937_64 rng(1);
  while (data.size() < (5u << 20)) {
    data += R"({"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","id":")" +
            std::to_string(rng()) + R"(","severity":)" + std::to_string(rng() % 9) +
            R"(,"type":"Recon:EC2/PortProbeUnprotectedPort"})" + "\n";
  }
  ExpectFastRoundTrip(data);
  EXPECT_LT(Fast(data).size(), data.size() / 3);
}

TEST(GzipFastTest, RoundTripsIncompressibleBytes) {
  std::string data(3 << 20, '\0');
  std::mt19937_64 rng(2);
  for (char& c : data) c = static_cast<char>(rng());
  ExpectFastRoundTrip(data);
}

TEST(GzipFastTest, AppendsAMemberAfterWhatIsThere) {
  std::string gz;
  ASSERT_TRUE(GzipAppendFast("first\n", &gz).ok());
  size_t first = gz.size();
  ASSERT_TRUE(GzipAppendFast("second\n", &gz).ok());
  EXPECT_GT(gz.size(), first);
  EXPECT_TRUE(IsGzip(std::string_view(gz).substr(first)));
  GunzipResult r = Gunzip(gz, 1 << 20);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.data, "first\nsecond\n");
}

}  // namespace
}  // namespace vigil
