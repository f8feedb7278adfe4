#include "storage/engine.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/index_test_util.h"
#include "testing/test_util.h"

namespace vigil::storage {
namespace {

TEST(EngineTest, SecondWriterIsRefusedWithTheHoldersPid) {
  vigil::testing::TempDir dir;
  auto env = NewPosixEnv();
  auto first = Engine::Open(env.get(), dir.path());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Engine::Open(env.get(), dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kConflict);
  EXPECT_NE(second.status().message().find(std::to_string(::getpid())), std::string::npos)
      << second.status().message();
  first->reset();
  EXPECT_TRUE(Engine::Open(env.get(), dir.path()).ok());
}

TEST(EngineTest, IndexNamesFollowElasticsearchRules) {
  EXPECT_TRUE(Engine::ValidateIndexName("findings").ok());
  EXPECT_TRUE(Engine::ValidateIndexName("guardduty-2026.11").ok());
  for (const char* bad : {"", "Findings", "_x", "-x", "+x", ".", "..", "a/b", "a b", "a*", "a:b"}) {
    EXPECT_EQ(Engine::ValidateIndexName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(EngineTest, CreateListDeleteIndices) {
  vigil::testing::TempDir dir;
  auto env = NewPosixEnv();
  IndexOptions options;
  options.background = false;
  auto engine = Engine::Open(env.get(), dir.path(), options);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->CreateIndex("alerts").ok());
  EXPECT_EQ((*engine)->CreateIndex("alerts").status().code(), StatusCode::kConflict);
  auto findings = (*engine)->GetIndex("findings", true);
  ASSERT_TRUE(findings.ok());
  WriteBatch batch;
  storage::testing::AddDoc(&batch, {"a", {1, 1}});
  ASSERT_TRUE((*findings)->Write(&batch, nullptr).ok());
  EXPECT_EQ(*(*engine)->ListIndices(), (std::vector<std::string>{"alerts", "findings"}));
  EXPECT_EQ((*engine)->GetIndex("nope", false).status().code(), StatusCode::kNotFound);
  auto before = (*findings)->GetSnapshot();
  ASSERT_TRUE((*engine)->DeleteIndex("findings").ok());
  // Its holder keeps a closed index: writes fail, what it read before still reads.
  storage::testing::AddDoc(&batch, {"b", {1, 1}});
  EXPECT_FALSE((*findings)->Write(&batch, nullptr).ok());
  EXPECT_EQ(before->live_docs(), 1u);
  EXPECT_EQ(*(*engine)->ListIndices(), (std::vector<std::string>{"alerts"}));
  EXPECT_EQ((*engine)->DeleteIndex("findings").code(), StatusCode::kNotFound);
  auto recreated = (*engine)->GetIndex("findings", true);
  ASSERT_TRUE(recreated.ok());
  EXPECT_EQ((*recreated)->GetSnapshot()->live_docs(), 0u);
}

}  // namespace
}  // namespace vigil::storage
