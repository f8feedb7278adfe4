#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace vigil {
namespace {

TEST(JsonWriterTest, NestsWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("a", int64_t{1});
  w.Key("b");
  w.BeginArray();
  w.Bool(true);
  w.Null();
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.Field("c", "x");
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":[true,null,{}],"c":"x"})");
}

TEST(JsonWriterTest, EscapesControlCharactersQuotesAndBackslashes) {
  std::string out;
  JsonWriter w(&out);
  w.String(std::string("a\"b\\c\n\t\x01\x1f", 9));
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u001f")");
}

TEST(JsonWriterTest, KeepsUtf8AsIs) {
  std::string out;
  JsonWriter w(&out);
  w.String("Türkiye — 東京");
  EXPECT_EQ(out, "\"Türkiye — 東京\"");
}

TEST(JsonWriterTest, DoublesAreShortestAndNonFiniteIsNull) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Double(5.0);
  w.Double(50.6974);
  w.Double(0.1);
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(out, "[5,50.6974,0.1,null,null]");
}

}  // namespace
}  // namespace vigil
