#include "env/fault_injection_env.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace vigil {
namespace {

TEST(FaultInjectionEnvTest, CrashDropsUnsyncedBytes) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  ASSERT_TRUE(env.SyncDir(dir.path()).ok());
  auto file = env.NewWritableFile(dir.Join("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(env.SyncDir(dir.path()).ok());  // the file's entry is durable
  ASSERT_TRUE((*file)->Append("durable").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append(" lost").ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.SimulateCrash().ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("f")), "durable");
}

TEST(FaultInjectionEnvTest, CrashUndoesUnsyncedRenameAndRemovesUnsyncedNewFile) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  auto file = env.NewWritableFile(dir.Join("tmp"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("x").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.RenameFile(dir.Join("tmp"), dir.Join("final")).ok());
  ASSERT_TRUE(env.SimulateCrash().ok());
  EXPECT_FALSE(posix->Stat(dir.Join("final"))->exists);
  EXPECT_FALSE(posix->Stat(dir.Join("tmp"))->exists);
}

TEST(FaultInjectionEnvTest, FailsFromTheNthMutatingCall) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  env.FailAfter(2);
  auto file = env.NewWritableFile(dir.Join("f"));  // call 1
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE((*file)->Append("a").ok());  // call 2
  Status s = (*file)->Sync();              // call 3
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("injected fault in sync"), std::string::npos);
  EXPECT_EQ(env.mutating_calls(), 3);
}

}  // namespace
}  // namespace vigil
