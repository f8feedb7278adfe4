#include "base/percent_encode.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(PercentEncode, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("id:(\"a b\")"), "id%3A%28%22a%20b%22%29");
  EXPECT_EQ(PercentEncode("a+b=c&d/e"), "a%2Bb%3Dc%26d%2Fe");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");  // é: each byte, upper-case hex
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(PercentEncode(""), "");
}

}  // namespace
}  // namespace vigil
