#include "archive/archive_writer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "archive/archive_format.h"
#include "base/gzip.h"
#include "base/time.h"
#include "env/fault_injection_env.h"
#include "testing/test_util.h"

namespace vigil::archive {
namespace {

int64_t T(const char* iso) { return ParseTimestamp(iso).value(); }

// Every complete archive file under root: relative directory -> lines. Fails the test on a file
// with a final name that is not a complete gzip stream.
std::map<std::string, std::multiset<std::string>> ReadArchive(Env* env, const std::string& root) {
  std::map<std::string, std::multiset<std::string>> out;
  auto files = env->ListFilesRecursive(root);
  if (!files.ok()) return out;
  for (const std::string& path : *files) {
    std::string_view name = BaseName(path);
    if (name.starts_with(kTempPrefix)) continue;
    EXPECT_TRUE(name.ends_with(kFileSuffix)) << path;
    auto data = env->ReadFile(path, 1 << 30);
    EXPECT_TRUE(data.ok());
    GunzipResult r = Gunzip(*data, 1 << 30);
    EXPECT_TRUE(r.error.ok()) << path
                              << ": a file with a final name is corrupt: " << r.error.ToString();
    std::string dir = DirName(path).substr(root.size() + 1);
    size_t pos = 0;
    while (pos < r.data.size()) {
      size_t nl = r.data.find('\n', pos);
      EXPECT_NE(nl, std::string::npos) << "last line without newline in " << path;
      if (nl == std::string::npos) break;
      out[dir].insert(r.data.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  return out;
}

TEST(ArchiveWriterTest, PartitionsByAccountRegionAndUpdatedAtDay) {
  EXPECT_EQ(ArchiveWriter::PartitionDir("123456789012", "us-east-1", T("2024-03-05T23:59:59.999Z")),
            "AWSLogs/123456789012/GuardDuty/us-east-1/2024/03/05");
  EXPECT_EQ(ArchiveWriter::PartitionDir("1", "eu-west-3", T("2024-03-06T00:00:00Z")),
            "AWSLogs/1/GuardDuty/eu-west-3/2024/03/06");
}

TEST(ArchiveWriterTest, CommitWritesOneGzipJsonlFilePerPartition) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  ArchiveWriter writer(env.get(), dir.Join("archive"));
  writer.Add("111111111111", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  writer.Add("111111111111", "us-east-1", T("2024-01-01T11:00:00Z"), R"({"id":"b"})");
  writer.Add("222222222222", "eu-west-1", T("2024-01-02T00:00:00Z"), R"({"id":"c"})");
  EXPECT_EQ(writer.pending_findings(), 3u);
  CommitStats stats;
  ASSERT_TRUE(writer.Commit(&stats).ok());
  EXPECT_EQ(stats.files, 2u);
  EXPECT_EQ(stats.findings, 3u);
  EXPECT_EQ(writer.pending_findings(), 0u);
  auto archive = ReadArchive(env.get(), dir.Join("archive"));
  ASSERT_EQ(archive.size(), 2u);
  EXPECT_EQ(archive["AWSLogs/111111111111/GuardDuty/us-east-1/2024/01/01"],
            (std::multiset<std::string>{R"({"id":"a"})", R"({"id":"b"})"}));
  EXPECT_EQ(archive["AWSLogs/222222222222/GuardDuty/eu-west-1/2024/01/02"],
            (std::multiset<std::string>{R"({"id":"c"})"}));
}

TEST(ArchiveWriterTest, SecondCommitAddsNewFilesNeverRewritesOld) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  ArchiveWriter writer(env.get(), dir.Join("archive"));
  CommitStats stats;
  writer.Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  writer.Add("1", "us-east-1", T("2024-01-01T12:00:00Z"), R"({"id":"a","v":2})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  EXPECT_EQ(stats.files, 2u);
  auto archive = ReadArchive(env.get(), dir.Join("archive"));
  EXPECT_EQ(archive.begin()->second.size(), 2u);
}

// The crash test: fail at every mutating call in turn, simulate a power cut, and check that
// (1) every file with a final name is complete and holds exactly its partition's findings,
// (2) when Commit returned OK, everything is there, and (3) a retry after the failure completes.
TEST(ArchiveWriterTest, CrashAtEveryStepNeverLeavesACorruptFileAndLosesNothingAcknowledged) {
  const std::multiset<std::string> part_a = {R"({"id":"a1"})", R"({"id":"a2"})"};
  const std::multiset<std::string> part_b = {R"({"id":"b1"})"};
  const std::string dir_a = "AWSLogs/1/GuardDuty/us-east-1/2024/01/01";
  const std::string dir_b = "AWSLogs/2/GuardDuty/us-east-1/2024/01/01";
  auto posix = NewPosixEnv();
  int failures_seen = 0;
  for (int64_t fail_at = 0; fail_at < 40; ++fail_at) {
    testing::TempDir dir;
    FaultInjectionEnv env(posix.get());
    ArchiveWriter writer(&env, dir.Join("archive"));
    for (const auto& line : part_a) writer.Add("1", "us-east-1", T("2024-01-01T01:00:00Z"), line);
    for (const auto& line : part_b) writer.Add("2", "us-east-1", T("2024-01-01T02:00:00Z"), line);
    env.FailAfter(fail_at);
    CommitStats stats;
    Status s = writer.Commit(&stats);
    if (!s.ok()) ++failures_seen;
    ASSERT_TRUE(env.SimulateCrash().ok());
    auto archive = ReadArchive(posix.get(), dir.Join("archive"));
    for (const auto& [part, lines] : archive) {
      if (part == dir_a) {
        EXPECT_EQ(lines, part_a) << "fail_at=" << fail_at;
      } else {
        EXPECT_EQ(part, dir_b) << "fail_at=" << fail_at;
        EXPECT_EQ(lines, part_b) << "fail_at=" << fail_at;
      }
    }
    if (s.ok()) {
      EXPECT_EQ(archive.size(), 2u) << "acknowledged but lost, fail_at=" << fail_at;
      continue;
    }
    // What was not committed is still buffered; a retry on a healthy disk completes it.
    env.FailAfter(-1);
    ASSERT_TRUE(writer.Commit(&stats).ok());
    archive = ReadArchive(posix.get(), dir.Join("archive"));
    EXPECT_EQ(archive.size(), 2u);
    EXPECT_EQ(stats.findings, 3u) << "fail_at=" << fail_at;
  }
  EXPECT_GT(failures_seen, 5) << "the fault injection never reached the commit's steps";
}

}  // namespace
}  // namespace vigil::archive
