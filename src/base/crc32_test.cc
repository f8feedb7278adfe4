#include "base/crc32.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

TEST(Crc32Test, KnownValues) {
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the standard check value of CRC-32/ISO-HDLC
  EXPECT_EQ(Crc32("a"), 0xE8B7BE43u);
}

TEST(Crc32Test, ExtendsAPreviousCrc) {
  std::string data = "The quick brown fox jumps over the lazy dog";
  uint32_t whole = Crc32(data);
  EXPECT_EQ(whole, 0x414FA339u);
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    std::string_view v = data;
    EXPECT_EQ(Crc32(v.substr(cut), Crc32(v.substr(0, cut))), whole) << "cut at " << cut;
  }
}

TEST(Crc32Test, DetectsASingleFlippedBit) {
  std::string data(1000, 'x');
  uint32_t original = Crc32(data);
  data[500] ^= 0x04;
  EXPECT_NE(Crc32(data), original);
}

}  // namespace
}  // namespace vigil
