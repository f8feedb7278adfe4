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

TEST(FaultInjectionEnvTest, CrashKeepsTheFileAnUnsyncedRenameReplaced) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  testing::WriteFileOrDie(dir.Join("MANIFEST"), "old");
  FaultInjectionEnv env(posix.get());
  auto file = env.NewWritableFile(dir.Join("MANIFEST.tmp"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("new").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.RenameFile(dir.Join("MANIFEST.tmp"), dir.Join("MANIFEST")).ok());
  ASSERT_TRUE(env.SimulateCrash().ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("MANIFEST")), "old");

  // Once the directory is synced the rename is durable.
  FaultInjectionEnv env2(posix.get());
  auto again = env2.NewWritableFile(dir.Join("MANIFEST.tmp"));
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Append("newer").ok());
  ASSERT_TRUE((*again)->Sync().ok());
  ASSERT_TRUE((*again)->Close().ok());
  ASSERT_TRUE(env2.RenameFile(dir.Join("MANIFEST.tmp"), dir.Join("MANIFEST")).ok());
  ASSERT_TRUE(env2.SyncDir(dir.path()).ok());
  ASSERT_TRUE(env2.SimulateCrash().ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("MANIFEST")), "newer");
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

TEST(FaultInjectionEnvTest, TruncationIsDurableAndCounted) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  auto file = env.NewWritableFile(dir.Join("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(env.SyncDir(dir.path()).ok());
  ASSERT_TRUE((*file)->Append("0123456789").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("unsynced").ok());
  ASSERT_TRUE((*file)->Close().ok());
  int64_t before = env.mutating_calls();
  ASSERT_TRUE(env.TruncateFile(dir.Join("f"), 4).ok());
  EXPECT_EQ(env.mutating_calls(), before + 1);
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("f")), "0123");
  // The cut survives a crash: the synced size went down to 4, nothing comes back.
  ASSERT_TRUE(env.SimulateCrash().ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("f")), "0123");
}

TEST(FaultInjectionEnvTest, TruncationKeepsTheSyncedSizeWhenCuttingOnlyUnsyncedBytes) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  auto file = env.NewWritableFile(dir.Join("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(env.SyncDir(dir.path()).ok());
  ASSERT_TRUE((*file)->Append("durable").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append(" lost").ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.TruncateFile(dir.Join("f"), 9).ok());
  ASSERT_TRUE(env.SimulateCrash().ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("f")), "durable");
}

TEST(FaultInjectionEnvTest, TruncationCanFail) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  testing::WriteFileOrDie(dir.Join("f"), "0123456789");
  env.FailAfter(0);
  Status s = env.TruncateFile(dir.Join("f"), 4);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("injected fault in truncate"), std::string::npos);
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("f")), "0123456789");
}

TEST(FaultInjectionEnvTest, MappingAndLockingAreNotMutatingCalls) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  testing::WriteFileOrDie(dir.Join("f"), "mapped");
  env.FailAfter(0);  // any mutating call would fail
  auto mapped = env.MapFile(dir.Join("f"));
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_EQ((*mapped)->data(), "mapped");
  auto lock = env.LockFile(dir.Join("LOCK"));
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(env.LockFile(dir.Join("LOCK")).status().code(), StatusCode::kConflict);
  EXPECT_EQ(env.mutating_calls(), 0);
}

}  // namespace
}  // namespace vigil
