#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>

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

TEST(PosixEnvTest, ReadFileReusingKeepsTheBufferAndViewsExactlyTheFile) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  testing::WriteFileOrDie(dir.Join("big"), std::string(5000, 'b'));
  testing::WriteFileOrDie(dir.Join("small"), "small file");
  testing::WriteFileOrDie(dir.Join("empty"), "");
  std::string buffer;
  Result<std::string_view> r = env->ReadFileReusing(dir.Join("big"), 10000, &buffer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, std::string(5000, 'b'));
  const char* memory = buffer.data();
  r = env->ReadFileReusing(dir.Join("small"), 10000, &buffer);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "small file");   // not the rest of the bigger file
  EXPECT_EQ(r->data(), memory);  // the same memory, not a new allocation
  r = env->ReadFileReusing(dir.Join("empty"), 10000, &buffer);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  // Errors as ReadFile's.
  EXPECT_EQ(env->ReadFileReusing(dir.Join("big"), 100, &buffer).status().code(),
            StatusCode::kResourceExhausted);
  r = env->ReadFileReusing(dir.Join("nope"), 100, &buffer);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
  EXPECT_EQ(env->ReadFileReusing(dir.path(), 100, &buffer).status().code(),
            StatusCode::kInvalidArgument);
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

TEST(PosixEnvTest, TruncateFileCutsTheTail) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  testing::WriteFileOrDie(dir.Join("f"), "0123456789");
  ASSERT_TRUE(env->TruncateFile(dir.Join("f"), 4).ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("f")), "0123");
  ASSERT_TRUE(env->TruncateFile(dir.Join("f"), 0).ok());
  EXPECT_EQ(env->Stat(dir.Join("f"))->size, 0u);
  Status s = env->TruncateFile(dir.Join("nope"), 0);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_FALSE(env->Stat(dir.Join("nope"))->exists);  // never creates the file
}

TEST(PosixEnvTest, MapFileSeesTheWholeFile) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  std::string contents = "head" + std::string(100000, 'x') + "tail";
  testing::WriteFileOrDie(dir.Join("f"), contents);
  auto mapped = env->MapFile(dir.Join("f"));
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_EQ((*mapped)->data(), contents);

  testing::WriteFileOrDie(dir.Join("empty"), "");
  auto empty = env->MapFile(dir.Join("empty"));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE((*empty)->data().empty());

  EXPECT_EQ(env->MapFile(dir.Join("nope")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env->MapFile(dir.path()).status().code(), StatusCode::kInvalidArgument);
}

TEST(PosixEnvTest, ReleasedPagesOfAMappingReadTheSameAgain) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  std::string contents;
  for (int i = 0; i < 100000; ++i) contents += std::to_string(i) + ",";
  testing::WriteFileOrDie(dir.Join("f"), contents);
  auto mapped = env->MapFile(dir.Join("f"));
  ASSERT_TRUE(mapped.ok());
  ASSERT_EQ((*mapped)->data(), contents);
  (*mapped)->Release(100, 300000);  // not page-aligned: only whole pages inside are dropped
  (*mapped)->Release(0, contents.size());
  (*mapped)->Release(contents.size() + 5, 10);  // past the end: nothing
  EXPECT_EQ((*mapped)->data(), contents);
}

TEST(PosixEnvTest, LockFileNamesTheHolderAndIsReleasedOnDestruction) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  std::string path = dir.Join("LOCK");
  std::string pid = std::to_string(::getpid());
  {
    auto lock = env->LockFile(path);
    ASSERT_TRUE(lock.ok()) << lock.status().ToString();
    EXPECT_EQ(testing::ReadFileOrDie(path), pid + "\n");
    // flock locks belong to the open file description, so a second open in this same process
    // conflicts too.
    auto second = env->LockFile(path);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kConflict);
    EXPECT_EQ(second.status().message(), path + " is locked by process " + pid);
  }
  auto again = env->LockFile(path);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(PosixEnvTest, LockFileWithoutAPidSaysAnotherProcess) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  std::string path = dir.Join("LOCK");
  // A holder that has not written its pid (yet).
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto lock = env->LockFile(path);
  EXPECT_EQ(lock.status().code(), StatusCode::kConflict);
  EXPECT_EQ(lock.status().message(), path + " is locked by another process");
  ::close(fd);
}

TEST(PosixEnvTest, LockFileHeldByAnotherProcessNamesItsPid) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  std::string path = dir.Join("LOCK");
  int ready[2];  // child -> parent: 'L' once it holds the lock, 'F' if it could not take it
  int done[2];   // parent -> child: closed when the child may exit
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(done[1]);
    auto lock = env->LockFile(path);
    char c = lock.ok() ? 'L' : 'F';
    (void)!::write(ready[1], &c, 1);
    (void)!::read(done[0], &c, 1);  // returns when the parent closes its end
    // _exit runs no destructors: the lock is released by the OS when the process dies.
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(done[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_EQ(c, 'L');
  auto lock = env->LockFile(path);
  EXPECT_EQ(lock.status().code(), StatusCode::kConflict);
  EXPECT_EQ(lock.status().message(), path + " is locked by process " + std::to_string(child));
  ::close(done[1]);
  ::close(ready[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  lock = env->LockFile(path);
  EXPECT_TRUE(lock.ok()) << lock.status().ToString();
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
