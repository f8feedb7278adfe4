#include "base/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
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

TEST(Crc32Test, AgreesWithZlibOnEveryLengthAndAlignment) {
  // ISA-L computes it with SIMD folding over 64-byte chunks: every tail length and start
  // alignment must give zlib's answer.
  std::mt19937 rng(7);
  std::string data(5000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 16; ++start) {
    for (size_t len : {0, 1, 15, 16, 63, 64, 65, 127, 128, 255, 256, 1000, 4096, 4980}) {
      std::string_view v = std::string_view(data).substr(start, len);
      uint32_t expected =
          static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(v.data()), v.size()));
      EXPECT_EQ(Crc32(v), expected) << "start " << start << " length " << len;
    }
  }
}

}  // namespace
}  // namespace vigil
