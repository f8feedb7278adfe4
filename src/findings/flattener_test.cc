#include "findings/flattener.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::findings {
namespace {

// Flattens `json` and prints the document as `vigil flatten` would.
std::string FlattenToJson(const std::string& json, Status* status = nullptr) {
  simdjson::dom::parser parser;
  simdjson::dom::object object = parser.parse(json).get_object().value();
  Document doc;
  Flattener flattener;
  Status s = flattener.Flatten(object, &doc);
  if (status != nullptr) *status = s;
  doc.Finish();
  std::string out;
  doc.WriteJson(&out);
  return out;
}

TEST(FlattenerTest, NestedObjectsBecomeDottedKeys) {
  EXPECT_EQ(FlattenToJson(R"({"a":{"b":{"c":1}},"d":"x"})"), R"({"a.b.c":1,"d":"x"})");
}

TEST(FlattenerTest, ArrayElementsGetTheirIndexAndACollapsedList) {
  EXPECT_EQ(FlattenToJson(R"({"p":[{"ip":"1.1.1.1"},{"ip":"2.2.2.2"}]})"),
            R"({"p.0.ip":"1.1.1.1","p.ip":["1.1.1.1","2.2.2.2"],"p.1.ip":"2.2.2.2"})");
}

TEST(FlattenerTest, ArraysOfScalarsCollapseToTheArrayKey) {
  EXPECT_EQ(FlattenToJson(R"({"s":["a","b"]})"), R"({"s.0":"a","s":["a","b"],"s.1":"b"})");
}

TEST(FlattenerTest, NestedArraysCollapseAllLevels) {
  EXPECT_EQ(FlattenToJson(R"({"a":[[1,2],[3]]})"),
            R"({"a.0.0":1,"a":[1,2,3],"a.0.1":2,"a.1.0":3})");
}

TEST(FlattenerTest, EmptyContainersAndNullAreLeavesLikeNpmFlat) {
  EXPECT_EQ(FlattenToJson(R"({"e":{},"a":[],"n":null,"x":{"y":[]}})"),
            R"({"e":{},"a":[],"n":null,"x.y":[]})");
}

TEST(FlattenerTest, NullAndEmptyValuesStayOutOfCollapsedLists) {
  EXPECT_EQ(FlattenToJson(R"({"t":[{"v":null},{"v":1},{"v":{}}]})"),
            R"({"t.0.v":null,"t.1.v":1,"t.v":[1],"t.2.v":{}})");
}

TEST(FlattenerTest, KeepsValueTypes) {
  // Past int64 a number becomes a double, as in JavaScript: 2^64 exactly.
  EXPECT_EQ(FlattenToJson(R"({"i":-5,"d":2.5,"b":false,"big":18446744073709551615,"s":"é"})"),
            R"({"i":-5,"d":2.5,"b":false,"big":18446744073709551616,"s":"é"})");
}

TEST(FlattenerTest, EmptyAndDottedKeysAreKeptAsNpmFlatKeepsThem) {
  EXPECT_EQ(FlattenToJson(R"({"a":{"":{"b":1}},"":{"c":2},"x.y":[{"z":3}]})"),
            R"({"a..b":1,".c":2,"x.y.0.z":3,"x.y.z":[3]})");
}

TEST(FlattenerTest, DottedKeysFindTheirFieldByName) {
  simdjson::dom::parser parser;
  Document doc;
  Flattener flattener;
  ASSERT_TRUE(
      flattener
          .Flatten(
              parser.parse(std::string(R"({"a.b":{"c":1},"d":[{"e.f":2}]})")).get_object().value(),
              &doc)
          .ok());
  doc.Finish();
  ASSERT_NE(doc.Find("a.b.c"), nullptr);
  ASSERT_NE(doc.Find("d.0.e.f"), nullptr);
  ASSERT_NE(doc.Find("d.e.f"), nullptr);
  EXPECT_EQ(doc.values(*doc.Find("d.e.f"))[0].integer, 2);
}

TEST(FlattenerTest, DuplicateKeyIsAnErrorNamingIt) {
  Status s;
  FlattenToJson(R"({"a":{"b":1},"a":{"b":2}})", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "duplicate key \"a\"");
  FlattenToJson(R"({"x":[{"k":1,"j":0,"k":2}]})", &s);
  EXPECT_EQ(s.message(), "duplicate key \"x.0.k\"");
}

TEST(FlattenerTest, DuplicateKeyInALargeObject) {
  std::string json = "{";
  for (int i = 0; i < 100; ++i) json += "\"k" + std::to_string(i) + "\":1,";
  json += "\"k42\":2}";
  Status s;
  FlattenToJson(json, &s);
  EXPECT_EQ(s.message(), "duplicate key \"k42\"");
}

TEST(FlattenerTest, OwnDerivedObjectMergesWithDerivedFields) {
  simdjson::dom::parser parser;
  Document doc;
  Flattener flattener;
  ASSERT_TRUE(
      flattener
          .Flatten(parser.parse(std::string(R"({"derived":{"x":1}})")).get_object().value(), &doc)
          .ok());
  ASSERT_TRUE(doc.Add("derived.x", FieldOrigin::kDerived, Value::Int(2)));
  doc.Finish();
  ASSERT_EQ(doc.fields().size(), 1u);
  EXPECT_EQ(doc.values(doc.fields()[0]).size(), 2u);
}

TEST(FlattenerTest, ManyFieldsAreAllKept) {
  std::string json = "{";
  for (int i = 0; i < 5000; ++i)
    json += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":" + std::to_string(i);
  json += "}";
  simdjson::dom::parser parser;
  Document doc;
  Flattener flattener;
  ASSERT_TRUE(flattener.Flatten(parser.parse(json).get_object().value(), &doc).ok());
  doc.Finish();
  EXPECT_EQ(doc.fields().size(), 5000u);
  const Field* f = doc.Find("f4321");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(doc.values(*f)[0].integer, 4321);
}

TEST(DocumentTest, ClearReusesAndForgets) {
  Document doc;
  ASSERT_TRUE(doc.Add("a", FieldOrigin::kFlat, Value::String(doc.Intern(std::string(10000, 'x')))));
  doc.Finish();
  doc.Clear();
  EXPECT_EQ(doc.Find("a"), nullptr);
  ASSERT_TRUE(doc.Add("a", FieldOrigin::kFlat, Value::Int(1)));
  doc.Finish();
  ASSERT_NE(doc.Find("a"), nullptr);
}

}  // namespace
}  // namespace vigil::findings
