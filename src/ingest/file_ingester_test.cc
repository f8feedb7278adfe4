#include "ingest/file_ingester.h"

#include <gtest/gtest.h>
#include <sched.h>

#include "archive/archive_format.h"
#include "base/gzip.h"
#include "env/fault_injection_env.h"
#include "ingest/findings_deriver.h"
#include "testing/test_util.h"

namespace vigil::ingest {
namespace {

std::string Sample(const std::string& name) {
  return vigil::testing::ReadFileOrDie(vigil::testing::SamplePath(name));
}

struct IngestRun {
  IngestSummary summary;
  std::vector<std::string> issues;
  Status status;
};

IngestRun Ingest(Env* env, const std::string& data_dir, const std::vector<std::string>& paths,
                 storage::Index* index = nullptr, bool archive = true) {
  IngestRun run;
  archive::ArchiveWriter writer(env, data_dir + "/archive");
  archive::CommitStats recovered;
  EXPECT_TRUE(writer.Open(&recovered).ok());
  FileIngester ingester(env, archive ? &writer : nullptr, index, IngestOptions{},
                        [&](const std::string& line) { run.issues.push_back(line); });
  for (const auto& p : paths) {
    run.status = ingester.IngestPath(p);
    if (!run.status.ok()) break;
  }
  if (run.status.ok()) run.status = ingester.Finish();
  run.summary = ingester.summary();
  // As the commands do: the committed findings go from the journal to partition files.
  if (run.status.ok() && archive) run.status = writer.Seal(&run.summary.archive);
  return run;
}

// Lines of every complete archive file.
size_t ArchivedLines(Env* env, const std::string& root) {
  auto files = env->ListFilesRecursive(root);
  if (!files.ok()) return 0;
  size_t n = 0;
  for (const auto& f : *files) {
    if (BaseName(f).starts_with(archive::kTempPrefix)) continue;
    GunzipResult r = Gunzip(*env->ReadFile(f, 1 << 30), 1 << 30);
    EXPECT_TRUE(r.error.ok());
    for (char c : r.data) n += c == '\n';
  }
  return n;
}

TEST(FileIngesterTest, DirectoryOfSamplesIsArchivedByAccountRegionAndDay) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  IngestRun run =
      Ingest(env.get(), dir.Join("data"), {std::string(VIGIL_TEST_DATA_DIR) + "/samples"});
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.summary.files, 46u);
  EXPECT_EQ(run.summary.read, 46u);
  EXPECT_EQ(run.summary.accepted, 46u);
  EXPECT_EQ(run.summary.rejected, 0u);
  EXPECT_TRUE(run.issues.empty()) << run.issues[0];
  EXPECT_EQ(ArchivedLines(env.get(), dir.Join("data/archive")), 46u);
  EXPECT_EQ(run.summary.archive.findings, 46u);
  EXPECT_GT(run.summary.archive.files, 0u);
  // panther__03 is account 123456789012, us-east-1, updatedAt 2018-08-26.
  auto files = env->ListFilesRecursive(
      dir.Join("data/archive/AWSLogs/123456789012/GuardDuty/us-east-1/2018/08/26"));
  ASSERT_TRUE(files.ok());
  EXPECT_FALSE(files->empty());
}

TEST(FileIngesterTest, MixedBatchKeepsTheGoodAndReportsTheBad) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  std::string good = Sample("panther__03__UnauthorizedAccess-EC2-SSHBruteForce.json");
  good.erase(good.find_last_not_of('\n') + 1);
  std::string other_event =
      R"({"detail-type":"GuardDuty Runtime Protection Unhealthy","source":"aws.guardduty","detail":{}})";
  testing::WriteFileOrDie(dir.Join("in/batch.jsonl"),
                          good + "\n{\"id\": \n" + other_event + "\n" + good + "\n");
  testing::WriteFileOrDie(dir.Join("in/notes.txt"), "not json, not read from a directory");
  IngestRun run = Ingest(env.get(), dir.Join("data"), {dir.Join("in"), dir.Join("missing.json")});
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.summary.files, 1u);
  EXPECT_EQ(run.summary.read, 4u);
  EXPECT_EQ(run.summary.accepted, 2u);
  EXPECT_EQ(run.summary.skipped, 1u);
  EXPECT_EQ(run.summary.rejected, 1u);
  EXPECT_EQ(run.summary.errors, 1u);
  ASSERT_EQ(run.issues.size(), 3u);
  EXPECT_NE(run.issues[0].find("batch.jsonl:2:7: rejected: invalid JSON: unexpected end of input"),
            std::string::npos)
      << run.issues[0];
  EXPECT_NE(run.issues[1].find("batch.jsonl:3: skipped:"), std::string::npos) << run.issues[1];
  EXPECT_NE(run.issues[2].find("missing.json: error: no such file"), std::string::npos);
  EXPECT_EQ(ArchivedLines(env.get(), dir.Join("data/archive")), 2u);
}

TEST(FileIngesterTest, ArchiveFailureIsReportedAndNothingIsCountedAsAccepted) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  testing::WriteFileOrDie(dir.Join("f.json"),
                          Sample("panther__03__UnauthorizedAccess-EC2-SSHBruteForce.json"));
  env.FailAfter(0);
  IngestRun run = Ingest(&env, dir.Join("data"), {dir.Join("f.json")});
  EXPECT_EQ(run.status.code(), StatusCode::kIOError);
  EXPECT_EQ(run.summary.read, 1u);
  EXPECT_EQ(run.summary.accepted, 0u);
}

TEST(IsIngestibleNameTest, Extensions) {
  EXPECT_TRUE(IsIngestibleName("a/b/9f7b0b8c.jsonl.gz"));
  EXPECT_TRUE(IsIngestibleName("x.json"));
  EXPECT_TRUE(IsIngestibleName("x.json.gz"));
  EXPECT_TRUE(IsIngestibleName("x.ndjson"));
  EXPECT_FALSE(IsIngestibleName("x.txt"));
  EXPECT_FALSE(IsIngestibleName("dir/.tmp-x.jsonl.gz"));
  EXPECT_FALSE(IsIngestibleName("x.gz"));
}

class FileIngesterCoresTest : public ::testing::TestWithParam<bool> {
 protected:
  // With false, the test thread (and what it starts) may use one CPU only: the ingester then
  // commits on the calling thread instead of a committer thread.
  void SetUp() override {
    ASSERT_EQ(::sched_getaffinity(0, sizeof(saved_), &saved_), 0);
    if (!GetParam()) {
      cpu_set_t one;
      CPU_ZERO(&one);
      for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &saved_)) {
          CPU_SET(cpu, &one);
          break;
        }
      }
      ASSERT_EQ(::sched_setaffinity(0, sizeof(one), &one), 0);
    }
  }
  void TearDown() override { (void)::sched_setaffinity(0, sizeof(saved_), &saved_); }
  cpu_set_t saved_{};
};

INSTANTIATE_TEST_SUITE_P(OneCoreAndAll, FileIngesterCoresTest, ::testing::Bool());

TEST_P(FileIngesterCoresTest, SamplesAreIndexedAndAReplayIsStale) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  storage::IndexOptions options = IngestIndexOptions();
  options.background = false;
  auto index = storage::Index::Open(env.get(), dir.Join("data/indices/findings"), options);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  std::string samples = std::string(VIGIL_TEST_DATA_DIR) + "/samples";
  IngestRun run = Ingest(env.get(), dir.Join("data"), {samples}, index->get());
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.summary.accepted, 46u);
  // Every sample has its own id, except where the samples hold two versions of one finding.
  EXPECT_EQ(run.summary.indexed + run.summary.updated + run.summary.stale, 46u);
  auto snapshot = (*index)->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), run.summary.indexed);
  const storage::FieldMapping* severity = snapshot->mapping->Find("severity");
  ASSERT_NE(severity, nullptr);
  EXPECT_EQ(severity->type, storage::FieldType::kDouble);
  EXPECT_EQ(snapshot->mapping->Find("updatedAt")->type, storage::FieldType::kDate);
  EXPECT_EQ(snapshot->mapping->Find("derived.remote.location")->type,
            storage::FieldType::kGeoPoint);

  // The same files again: archived again (the archive keeps every event), indexed never.
  IngestRun again = Ingest(env.get(), dir.Join("data"), {samples}, index->get());
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.summary.indexed, 0u);
  EXPECT_EQ(again.summary.updated, 0u);
  EXPECT_EQ(again.summary.stale, 46u);
  EXPECT_EQ((*index)->GetSnapshot()->live_docs(), run.summary.indexed);
}

}  // namespace
}  // namespace vigil::ingest
