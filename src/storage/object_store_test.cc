#include "storage/object_store.h"

#include <gtest/gtest.h>

#include "env/fault_injection_env.h"
#include "testing/test_util.h"

namespace vigil::storage {
namespace {

using vigil::testing::ReadFileOrDie;
using vigil::testing::TempDir;
using vigil::testing::WriteFileOrDie;

constexpr const char* kVis = R"({"title":"By type","kind":"pie","agg":{"field":"type"}})";
constexpr const char* kDash =
    R"({"title":"SOC","panels":[{"visualization":"v1","x":0,"y":0,"w":6,"h":4}]})";

ObjectStoreOptions FixedClock() {
  ObjectStoreOptions o;
  o.clock = [] { return int64_t{1700000000000}; };
  return o;
}

template <typename T>
std::string Error(const Result<T>& r) {
  return r.ok() ? "OK" : r.status().message();
}

TEST(ObjectStore, PutGetListDeleteAndReopen) {
  TempDir dir;
  auto env = NewPosixEnv();
  {
    auto store = ObjectStore::Open(env.get(), dir.Join("objects"), FixedClock());
    ASSERT_TRUE(store.ok()) << store.status().message();
    bool created = false;
    Result<SavedObject> v = (*store)->Put("visualization", "v1", kVis, std::nullopt, &created);
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_TRUE(created);
    EXPECT_EQ(v->version, 1u);
    EXPECT_EQ(v->title, "By type");
    EXPECT_EQ(v->updated_at, 1700000000000);
    Result<SavedObject> d = (*store)->Put("dashboard", "", kDash, 0);
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(d->id.size(), 16u);  // a generated id
    Result<SavedObject> again =
        (*store)->Put("visualization", "v1", R"({"title":"by Type","kind":"bar"})", 1, &created);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_FALSE(created);
    EXPECT_EQ(again->version, 2u);
    ASSERT_TRUE(
        (*store)
            ->Put("visualization", "a0", R"({"title":"Attackers","kind":"map"})", std::nullopt)
            .ok());
    // Sorted by type, then title whatever its case.
    std::vector<SavedObject> all = (*store)->List("");
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].type, "dashboard");
    EXPECT_EQ(all[1].title, "Attackers");
    EXPECT_EQ(all[2].title, "by Type");
    EXPECT_EQ((*store)->List("visualization").size(), 2u);
    EXPECT_EQ((*store)->List("search").size(), 0u);
    EXPECT_TRUE((*store)->Delete("visualization", "a0", std::nullopt).ok());
    EXPECT_EQ(Error((*store)->Get("visualization", "a0")),
              "saved object [visualization/a0] not found");
  }
  // What was written is there after a restart, with its version; the file is plain JSON.
  auto store = ObjectStore::Open(env.get(), dir.Join("objects"), FixedClock());
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->warnings().empty());
  Result<SavedObject> v = (*store)->Get("visualization", "v1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->version, 2u);
  EXPECT_EQ(v->attributes, R"({"title":"by Type","kind":"bar"})");
  EXPECT_EQ(ReadFileOrDie(dir.Join("objects/visualization/v1.json")),
            R"({"type":"visualization","id":"v1","version":2,"updated_at":1700000000000,)"
            R"("attributes":{"title":"by Type","kind":"bar"}})"
            "\n");
  EXPECT_EQ((*store)->size(), 2u);
}

TEST(ObjectStore, VersionConflicts) {
  TempDir dir;
  auto env = NewPosixEnv();
  auto store = ObjectStore::Open(env.get(), dir.path(), FixedClock());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(Error((*store)->Put("visualization", "v1", kVis, 3)),
            "saved object [visualization/v1]: version 3 was expected, but it does not exist");
  ASSERT_TRUE((*store)->Put("visualization", "v1", kVis, 0).ok());
  Result<SavedObject> second = (*store)->Put("visualization", "v1", kVis, 0);
  EXPECT_EQ(second.status().code(), StatusCode::kConflict);
  ASSERT_TRUE((*store)->Put("visualization", "v1", kVis, 1).ok());
  EXPECT_EQ(Error((*store)->Put("visualization", "v1", kVis, 1)),
            "saved object [visualization/v1]: version conflict, the current version is 2 and 1 "
            "was given (somebody else saved it in the meantime)");
  EXPECT_EQ((*store)->Delete("visualization", "v1", 1).code(), StatusCode::kConflict);
  EXPECT_TRUE((*store)->Delete("visualization", "v1", 2).ok());
  EXPECT_EQ((*store)->Delete("visualization", "v1", std::nullopt).code(), StatusCode::kNotFound);
}

TEST(ObjectStore, RefusesBadInputNamingIt) {
  TempDir dir;
  auto env = NewPosixEnv();
  ObjectStoreOptions options = FixedClock();
  options.max_objects = 2;
  options.max_object_bytes = 200;
  options.max_json_depth = 4;
  auto store = ObjectStore::Open(env.get(), dir.path(), options);
  ASSERT_TRUE(store.ok());
  ObjectStore& s = **store;
  auto put = [&](const char* type, const char* id, std::string_view body) {
    return Error(s.Put(type, id, body, std::nullopt));
  };
  EXPECT_EQ(put("rule", "x", kVis),
            "unknown saved object type [rule]: use dashboard, search or visualization");
  EXPECT_EQ(put("visualization", "../etc", kVis),
            "invalid saved object id [../etc]: use 1 to 64 letters, digits, '-' and '_'");
  EXPECT_EQ(put("visualization", "v", "[1]"), "[attributes] must be an object, got an array");
  EXPECT_EQ(put("visualization", "v", R"({"kind":"pie"})"), "[title] is missing");
  EXPECT_EQ(put("visualization", "v", R"({"title":" ","kind":"pie"})"),
            "[title] must not be empty");
  EXPECT_EQ(put("visualization", "v", R"({"title":7,"kind":"pie"})"),
            "[title] must be a string, got a number");
  EXPECT_EQ(put("visualization", "v", R"({"title":"t","kind":"radar"})"),
            "[kind] must be one of metric, table, pie, bar, line, map; got \"radar\"");
  EXPECT_EQ(put("visualization", "v", R"({"title":"t",)"),
            "the attributes are not valid JSON: syntax error while parsing object key - "
            "unexpected end of input; expected string literal");
  EXPECT_EQ(put("search", "s", R"({"title":"t","a":[[[[1]]]]})"),
            "the attributes are nested deeper than 4 levels (at byte 20)");
  EXPECT_EQ(put("search", "s", std::string(201, ' ')),
            "the attributes are 201 bytes, more than the 200 a saved object may hold");
  EXPECT_EQ(put("dashboard", "d", R"({"title":"t"})"), "[panels] is missing");
  EXPECT_EQ(put("dashboard", "d", R"({"title":"t","panels":[{"x":0,"y":0,"w":6,"h":4}]})"),
            "[panels[0].visualization] is missing");
  EXPECT_EQ(put("dashboard", "d",
                R"({"title":"t","panels":[{"visualization":"v","x":8,"y":0,"w":6,"h":4}]})"),
            "[panels[0]] goes past the grid's 12 columns (x 8 + w 6)");
  EXPECT_EQ(put("dashboard", "d",
                R"({"title":"t","panels":[{"visualization":"v","x":0,"y":0,"w":0,"h":4}]})"),
            "[panels[0].w] must be between 1 and 12, got 0");
  EXPECT_EQ(put("dashboard", "d",
                R"({"title":"t","panels":[{"visualization":"v","x":0,"y":"1","w":1,"h":4}]})"),
            "[panels[0].y] must be an integer, got a string");
  EXPECT_EQ(put("search", "s1", R"({"title":"a"})"), "OK");
  EXPECT_EQ(put("search", "s2", R"({"title":"b"})"), "OK");
  EXPECT_EQ(put("search", "s3", R"({"title":"c"})"),
            "there are 2 saved objects, the most the server keeps: delete some first");
  EXPECT_EQ(put("search", "s2", R"({"title":"b2"})"), "OK");  // replacing is not adding
  EXPECT_EQ(s.size(), 2u);
}

TEST(ObjectStore, SkipsUnreadableFilesAndRemovesUnfinishedWrites) {
  TempDir dir;
  auto env = NewPosixEnv();
  WriteFileOrDie(dir.Join("search/bad.json"), "{not json");
  WriteFileOrDie(dir.Join("search/other.json"),
                 R"({"type":"search","id":"someone-else","version":1,"updated_at":1,)"
                 R"("attributes":{"title":"x"}})");
  WriteFileOrDie(dir.Join("search/ok.json"),
                 R"({"type":"search","id":"ok","version":4,"updated_at":1,)"
                 R"("attributes":{"title":"x"}})");
  WriteFileOrDie(dir.Join("search/ok.json.tmp"), "half a fi");
  WriteFileOrDie(dir.Join("notes.txt"), "hello");
  auto store = ObjectStore::Open(env.get(), dir.path(), FixedClock());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->size(), 1u);
  EXPECT_EQ((*store)->Get("search", "ok")->version, 4u);
  ASSERT_EQ((*store)->warnings().size(), 3u);
  EXPECT_NE((*store)->warnings()[0].find("notes.txt skipped: not a .json file"), std::string::npos);
  EXPECT_NE((*store)->warnings()[1].find("search/bad.json skipped: the attributes are not valid"),
            std::string::npos);
  EXPECT_NE((*store)->warnings()[2].find("search/other.json skipped: not a saved object"),
            std::string::npos);
  EXPECT_FALSE(env->Stat(dir.Join("search/ok.json.tmp"))->exists);
  EXPECT_TRUE(env->Stat(dir.Join("search/bad.json"))->exists);  // left for a human to look at
}

// A crash at any point of a write leaves the object either as it was or as written, never
// half-written, and a write that returned OK is there after the crash.
TEST(ObjectStore, CrashAtEveryStepOfAWrite) {
  for (int64_t fail_after = 0; fail_after < 8; ++fail_after) {
    TempDir dir;
    auto base = NewPosixEnv();
    FaultInjectionEnv env(base.get());
    {
      auto store = ObjectStore::Open(&env, dir.path(), FixedClock());
      ASSERT_TRUE(store.ok());
      ASSERT_TRUE((*store)->Put("visualization", "v1", kVis, std::nullopt).ok());
      env.FailAfter(env.mutating_calls() + fail_after);
      Result<SavedObject> second =
          (*store)->Put("visualization", "v1", R"({"title":"second","kind":"bar"})", 1);
      ASSERT_TRUE(env.SimulateCrash().ok());
      env.FailAfter(-1);
      auto reopened = ObjectStore::Open(&env, dir.path(), FixedClock());
      ASSERT_TRUE(reopened.ok());
      EXPECT_TRUE((*reopened)->warnings().empty()) << (*reopened)->warnings()[0];
      Result<SavedObject> v = (*reopened)->Get("visualization", "v1");
      ASSERT_TRUE(v.ok()) << "fail_after " << fail_after;
      if (second.ok()) {
        EXPECT_EQ(v->title, "second") << "fail_after " << fail_after;
      } else {
        EXPECT_TRUE(v->title == "By type" || v->title == "second") << v->title;
      }
    }
  }
}

}  // namespace
}  // namespace vigil::storage
