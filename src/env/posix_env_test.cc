#include <gtest/gtest.h>

#include <memory>

#include "env/env.h"
#include "testing/test_util.h"

namespace vigil {
namespace {

TEST(PosixEnvTest, WritesSyncsRenamesAndReadsBack) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  std::string tmp = dir.Join("a.tmp");
  auto file = env->NewWritableFile(tmp);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append("hello ").ok());
  ASSERT_TRUE((*file)->Append(std::string(100000, 'x')).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env->RenameFile(tmp, dir.Join("a")).ok());
  ASSERT_TRUE(env->SyncDir(dir.path()).ok());
  auto data = env->ReadFile(dir.Join("a"), 1 << 20);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->size(), 100006u);
  EXPECT_EQ(data->substr(0, 6), "hello ");
  EXPECT_FALSE(env->Stat(tmp)->exists);
}

TEST(PosixEnvTest, ReadFileEnforcesTheLimitAndNamesMissingFiles) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  testing::WriteFileOrDie(dir.Join("big"), std::string(2000, 'a'));
  auto r = env->ReadFile(dir.Join("big"), 1000);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  r = env->ReadFile(dir.Join("nope"), 1000);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
}

TEST(PosixEnvTest, CreateDirsAndListRecursivelySorted) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  ASSERT_TRUE(env->CreateDirs(dir.Join("x/y/z")).ok());
  ASSERT_TRUE(env->CreateDirs(dir.Join("x/y/z")).ok());  // idempotent
  testing::WriteFileOrDie(dir.Join("x/y/z/2.json"), "{}");
  testing::WriteFileOrDie(dir.Join("x/1.json"), "{}");
  testing::WriteFileOrDie(dir.Join("x/y/0.json"), "{}");
  auto files = env->ListFilesRecursive(dir.Join("x"));
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0], dir.Join("x/1.json"));
  EXPECT_EQ((*files)[1], dir.Join("x/y/0.json"));
  EXPECT_EQ((*files)[2], dir.Join("x/y/z/2.json"));
  EXPECT_EQ(env->ListFilesRecursive(dir.Join("missing")).status().code(), StatusCode::kNotFound);
}

TEST(PathTest, DirNameBaseNameJoin) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(BaseName("a/b/c.json"), "c.json");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
}

}  // namespace
}  // namespace vigil
