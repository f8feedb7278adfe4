#include "storage/packed_ints.h"

#include <gtest/gtest.h>

#include <random>

namespace vigil::storage {
namespace {

TEST(PackedIntsTest, BitsFor) {
  EXPECT_EQ(BitsFor(0), 0);
  EXPECT_EQ(BitsFor(1), 1);
  EXPECT_EQ(BitsFor(255), 8);
  EXPECT_EQ(BitsFor(256), 9);
  EXPECT_EQ(BitsFor(1ULL << 56), 64);
  EXPECT_EQ(BitsFor(UINT64_MAX), 64);
}

TEST(PackedIntsTest, RoundTripEveryWidth) {
  std::mt19937_64 rng(7);
  for (int bits : {0, 1, 3, 7, 8, 13, 31, 32, 33, 55, 56, 64}) {
    std::vector<uint64_t> values(1000);
    for (auto& v : values) v = bits == 0 ? 0 : (bits == 64 ? rng() : rng() & ((1ULL << bits) - 1));
    std::string buf = "xx";  // packing starts at any offset
    PackInts(values, bits, &buf);
    EXPECT_EQ(buf.size(), 2 + PackedSize(values.size(), bits));
    PackedInts ints;
    ASSERT_TRUE(ints.Init(std::string_view(buf).substr(2), values.size(), bits));
    for (size_t i = 0; i < values.size(); ++i)
      ASSERT_EQ(ints.Get(i), values[i]) << bits << " " << i;
  }
}

TEST(PackedIntsTest, InitRejectsShortData) {
  std::vector<uint32_t> values = {1, 2, 3};
  std::string buf;
  PackInts(values, 2, &buf);
  PackedInts ints;
  EXPECT_FALSE(ints.Init(std::string_view(buf).substr(0, buf.size() - 1), 3, 2));
  EXPECT_FALSE(ints.Init(buf, 3, 60));
}

}  // namespace
}  // namespace vigil::storage
