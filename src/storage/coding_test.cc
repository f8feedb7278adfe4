#include "storage/coding.h"

#include <gtest/gtest.h>

namespace vigil::storage {
namespace {

TEST(CodingTest, VarintRoundTrip) {
  std::string buf;
  const uint64_t values[] = {0, 1, 127, 128, 300, 1ULL << 32, UINT64_MAX};
  for (uint64_t v : values) PutVarint64(&buf, v);
  Decoder in(buf);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(in.GetVarint64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, TruncatedVarintFails) {
  std::string buf;
  PutVarint64(&buf, 1ULL << 40);
  buf.pop_back();
  Decoder in(buf);
  uint64_t v;
  EXPECT_FALSE(in.GetVarint64(&v));
}

TEST(CodingTest, OverlongVarintFails) {
  std::string buf(11, '\xff');
  Decoder in(buf);
  uint64_t v;
  EXPECT_FALSE(in.GetVarint64(&v));
}

TEST(CodingTest, Varint32RejectsWideValues) {
  std::string buf;
  PutVarint64(&buf, 1ULL << 33);
  Decoder in(buf);
  uint32_t v;
  EXPECT_FALSE(in.GetVarint32(&v));
}

TEST(CodingTest, LengthPrefixedChecksBounds) {
  std::string buf;
  PutLengthPrefixed(&buf, "hello");
  Decoder ok(buf);
  std::string_view got;
  ASSERT_TRUE(ok.GetLengthPrefixed(&got));
  EXPECT_EQ(got, "hello");
  Decoder short_input(std::string_view(buf).substr(0, 3));
  EXPECT_FALSE(short_input.GetLengthPrefixed(&got));
}

TEST(CodingTest, FixedWidth) {
  std::string buf;
  PutFixed32(&buf, 0xdeadbeef);
  PutFixed64(&buf, 0x0123456789abcdefULL);
  Decoder in(buf);
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(in.GetFixed32(&a));
  ASSERT_TRUE(in.GetFixed64(&b));
  EXPECT_EQ(a, 0xdeadbeefu);
  EXPECT_EQ(b, 0x0123456789abcdefULL);
  EXPECT_FALSE(in.GetFixed32(&a));
}

}  // namespace
}  // namespace vigil::storage
