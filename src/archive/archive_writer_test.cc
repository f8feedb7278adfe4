#include "archive/archive_writer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "archive/archive_format.h"
#include "base/crc32.h"
#include "base/gzip.h"
#include "base/time.h"
#include "env/fault_injection_env.h"
#include "testing/test_util.h"

namespace vigil::archive {
namespace {

int64_t T(const char* iso) { return ParseTimestamp(iso).value(); }

struct Archive {
  std::map<std::string, std::multiset<std::string>> lines;  // relative directory -> lines
  std::map<std::string, std::vector<std::string>> files;    // relative directory -> file paths
};

// Every complete archive file under root (not the journal, not temporary files). Fails the test
// on a file with a final name that is not a complete gzip stream of whole lines.
Archive ReadArchive(Env* env, const std::string& root) {
  Archive out;
  auto files = env->ListFilesRecursive(root);
  if (!files.ok()) return out;
  const std::string journal_dir = JoinPath(root, kJournalDirName);
  for (const std::string& path : *files) {
    if (DirName(path) == journal_dir) continue;
    std::string_view name = BaseName(path);
    if (name.starts_with(kTempPrefix)) continue;
    EXPECT_TRUE(name.ends_with(kFileSuffix)) << path;
    auto data = env->ReadFile(path, 1 << 30);
    EXPECT_TRUE(data.ok());
    GunzipResult r = Gunzip(*data, 1 << 30);
    EXPECT_TRUE(r.error.ok()) << path
                              << ": a file with a final name is corrupt: " << r.error.ToString();
    std::string dir = DirName(path).substr(root.size() + 1);
    out.files[dir].push_back(path);
    size_t pos = 0;
    while (pos < r.data.size()) {
      size_t nl = r.data.find('\n', pos);
      EXPECT_NE(nl, std::string::npos) << "last line without newline in " << path;
      if (nl == std::string::npos) break;
      out.lines[dir].insert(r.data.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  return out;
}

// The journal files under root.
std::vector<std::string> Journals(Env* env, const std::string& root) {
  auto files = env->ListFilesRecursive(JoinPath(root, kJournalDirName));
  if (!files.ok()) return {};
  return *files;
}

bool LooksLikeUuidFileName(std::string_view name) {
  if (!name.ends_with(kFileSuffix)) return false;
  name.remove_suffix(kFileSuffix.size());
  if (name.size() != 36 || name[14] != '4') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (name[i] == '-')) return false;
    if (!dash && std::string_view("0123456789abcdef").find(name[i]) == std::string_view::npos) {
      return false;
    }
  }
  return std::string_view("89ab").find(name[19]) != std::string_view::npos;
}

TEST(ArchiveWriterTest, PartitionsByAccountRegionAndUpdatedAtDay) {
  EXPECT_EQ(ArchiveWriter::PartitionDir("123456789012", "us-east-1", T("2024-03-05T23:59:59.999Z")),
            "AWSLogs/123456789012/GuardDuty/us-east-1/2024/03/05");
  EXPECT_EQ(ArchiveWriter::PartitionDir("1", "eu-west-3", T("2024-03-06T00:00:00Z")),
            "AWSLogs/1/GuardDuty/eu-west-3/2024/03/06");
}

TEST(ArchiveWriterTest, SealedFileNamesAreUuidsDeterminedByJournalAndPartition) {
  const std::string id = "0000018d2b3c4d5e-3b1f0c2a-9d4e-4f6a-8b7c-0123456789ab";
  const std::string dir = "AWSLogs/1/GuardDuty/us-east-1/2024/01/01";
  std::string name = ArchiveWriter::SealedFileName(id, dir);
  EXPECT_TRUE(LooksLikeUuidFileName(name)) << name;
  EXPECT_EQ(ArchiveWriter::SealedFileName(id, dir), name);
  EXPECT_NE(ArchiveWriter::SealedFileName(id, "AWSLogs/1/GuardDuty/us-east-1/2024/01/02"), name);
  EXPECT_NE(ArchiveWriter::SealedFileName("0000018d2b3c4d5f-" + id.substr(17), dir), name);
}

TEST(ArchiveWriterTest, CommitJournalsAndSealWritesOneGzipJsonlFilePerPartition) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  const std::string root = dir.Join("archive");
  ArchiveWriter writer(env.get(), root);
  CommitStats stats;
  ASSERT_TRUE(writer.Open(&stats).ok());
  writer.Add("111111111111", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  writer.Add("111111111111", "us-east-1", T("2024-01-01T11:00:00Z"), R"({"id":"b"})");
  writer.Add("222222222222", "eu-west-1", T("2024-01-02T00:00:00Z"), R"({"id":"c"})");
  EXPECT_EQ(writer.pending_findings(), 3u);
  ASSERT_TRUE(writer.Commit(&stats).ok());
  EXPECT_EQ(stats.findings, 3u);
  EXPECT_EQ(stats.files, 0u);
  EXPECT_EQ(writer.pending_findings(), 0u);
  EXPECT_GT(writer.unsealed_bytes(), 0u);
  // Committed: in the journal, nothing under a final name yet.
  EXPECT_TRUE(ReadArchive(env.get(), root).files.empty());
  ASSERT_EQ(Journals(env.get(), root).size(), 1u);

  ASSERT_TRUE(writer.Seal(&stats).ok());
  EXPECT_EQ(stats.files, 2u);
  EXPECT_EQ(stats.findings, 3u);
  EXPECT_EQ(writer.unsealed_bytes(), 0u);
  EXPECT_TRUE(Journals(env.get(), root).empty());
  Archive archive = ReadArchive(env.get(), root);
  ASSERT_EQ(archive.lines.size(), 2u);
  EXPECT_EQ(archive.lines["AWSLogs/111111111111/GuardDuty/us-east-1/2024/01/01"],
            (std::multiset<std::string>{R"({"id":"a"})", R"({"id":"b"})"}));
  EXPECT_EQ(archive.lines["AWSLogs/222222222222/GuardDuty/eu-west-1/2024/01/02"],
            (std::multiset<std::string>{R"({"id":"c"})"}));
  for (const auto& [part, paths] : archive.files) {
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_TRUE(LooksLikeUuidFileName(BaseName(paths[0]))) << paths[0];
    EXPECT_GT(stats.compressed_bytes, 0u);
  }
  // Nothing to seal: nothing happens.
  ASSERT_TRUE(writer.Seal(&stats).ok());
  EXPECT_EQ(stats.files, 2u);
}

TEST(ArchiveWriterTest, CommitsBeforeASealShareOneFilePerPartitionOneMemberEach) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  const std::string root = dir.Join("archive");
  ArchiveWriter writer(env.get(), root);
  CommitStats stats;
  ASSERT_TRUE(writer.Open(&stats).ok());
  writer.Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  writer.Add("1", "us-east-1", T("2024-01-01T12:00:00Z"), R"({"id":"a","v":2})");
  writer.Add("2", "us-east-1", T("2024-01-01T12:00:00Z"), R"({"id":"b"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  ASSERT_EQ(Journals(env.get(), root).size(), 1u) << "one journal for both commits";
  ASSERT_TRUE(writer.Seal(&stats).ok());
  EXPECT_EQ(stats.files, 2u);
  EXPECT_EQ(stats.findings, 3u);
  const std::string part = "AWSLogs/1/GuardDuty/us-east-1/2024/01/01";
  Archive archive = ReadArchive(env.get(), root);
  ASSERT_EQ(archive.files[part].size(), 1u);
  std::string expected;
  ASSERT_TRUE(GzipAppendFast("{\"id\":\"a\"}\n", &expected).ok());
  ASSERT_TRUE(GzipAppendFast("{\"id\":\"a\",\"v\":2}\n", &expected).ok());
  EXPECT_EQ(*env->ReadFile(archive.files[part][0], 1 << 20), expected) << "two gzip members";

  // A commit after the seal goes to a new journal and, once sealed, to a new file.
  writer.Add("1", "us-east-1", T("2024-01-01T13:00:00Z"), R"({"id":"a","v":3})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  ASSERT_TRUE(writer.Seal(&stats).ok());
  archive = ReadArchive(env.get(), root);
  EXPECT_EQ(archive.files[part].size(), 2u);
  EXPECT_EQ(archive.lines[part].size(), 3u);
  EXPECT_EQ(stats.files, 3u);
}

TEST(ArchiveWriterTest, CommitSealsByItselfPastSealBytes) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  const std::string root = dir.Join("archive");
  ArchiveOptions options;
  options.seal_bytes = 1;
  ArchiveWriter writer(env.get(), root, options);
  CommitStats stats;
  ASSERT_TRUE(writer.Open(&stats).ok());
  writer.Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  writer.Add("2", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"b"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  EXPECT_EQ(stats.files, 2u);
  EXPECT_EQ(writer.unsealed_bytes(), 0u);
  EXPECT_TRUE(Journals(env.get(), root).empty());
  writer.Add("1", "us-east-1", T("2024-01-01T11:00:00Z"), R"({"id":"c"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  EXPECT_EQ(stats.files, 3u);
  Archive archive = ReadArchive(env.get(), root);
  EXPECT_EQ(archive.files["AWSLogs/1/GuardDuty/us-east-1/2024/01/01"].size(), 2u);
  EXPECT_EQ(archive.lines["AWSLogs/1/GuardDuty/us-east-1/2024/01/01"].size(), 2u);
  EXPECT_EQ(archive.lines["AWSLogs/2/GuardDuty/us-east-1/2024/01/01"].size(), 1u);
}

TEST(ArchiveWriterTest, CommitBeforeOpenIsRefused) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  ArchiveWriter writer(env.get(), dir.Join("archive"));
  writer.Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  CommitStats stats;
  EXPECT_FALSE(writer.Commit(&stats).ok());
  EXPECT_EQ(stats.findings, 0u);
  EXPECT_EQ(writer.pending_findings(), 1u);
}

TEST(ArchiveWriterTest, JournalRecordLayoutIsAsDocumented) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  const std::string root = dir.Join("archive");
  ArchiveWriter writer(env.get(), root);
  CommitStats stats;
  ASSERT_TRUE(writer.Open(&stats).ok());
  writer.Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  writer.Add("1", "us-east-1", T("2024-01-01T11:00:00Z"), R"({"id":"b"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  std::vector<std::string> journals = Journals(env.get(), root);
  ASSERT_EQ(journals.size(), 1u);
  // journal-<16 hex digits>-<uuid>.log
  std::string_view name = BaseName(journals[0]);
  ASSERT_TRUE(name.starts_with(kJournalPrefix) && name.ends_with(kJournalSuffix)) << name;
  EXPECT_EQ(name.size(), kJournalPrefix.size() + 16 + 1 + 36 + kJournalSuffix.size()) << name;
  std::string data = *env->ReadFile(journals[0], 1 << 20);
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<uint32_t>(static_cast<uint8_t>(data[at + i])) << 8 * i;
    return v;
  };
  ASSERT_GE(data.size(), 8u);
  EXPECT_EQ(u32(0), data.size() - 8);
  std::string_view payload = std::string_view(data).substr(8);
  EXPECT_EQ(u32(4), Crc32(payload));
  const std::string part = "AWSLogs/1/GuardDuty/us-east-1/2024/01/01";
  ASSERT_GT(payload.size(), 4 + part.size());
  EXPECT_EQ(payload[0], 1);  // one entry
  EXPECT_EQ(static_cast<size_t>(payload[1]), part.size());
  EXPECT_EQ(payload.substr(2, part.size()), part);
  EXPECT_EQ(payload[2 + part.size()], 2);  // two findings
  size_t member_length = static_cast<uint8_t>(payload[3 + part.size()]);
  ASSERT_LT(member_length, 128u);
  ASSERT_EQ(payload.size(), 4 + part.size() + member_length);
  GunzipResult r = Gunzip(payload.substr(4 + part.size()), 1 << 20);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.data, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
}

// A power cut after acknowledged commits and before the seal: the next Open() seals them.
TEST(ArchiveWriterTest, OpenSealsTheJournalACrashLeft) {
  testing::TempDir dir;
  auto posix = NewPosixEnv();
  const std::string root = dir.Join("archive");
  {
    FaultInjectionEnv env(posix.get());
    auto writer = std::make_unique<ArchiveWriter>(&env, root);
    CommitStats stats;
    ASSERT_TRUE(writer->Open(&stats).ok());
    writer->Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
    writer->Add("2", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"b"})");
    ASSERT_TRUE(writer->Commit(&stats).ok());
    writer->Add("1", "us-east-1", T("2024-01-01T11:00:00Z"), R"({"id":"c"})");
    ASSERT_TRUE(writer->Commit(&stats).ok());
    writer->Add("1", "us-east-1", T("2024-01-01T12:00:00Z"), R"({"id":"never committed"})");
    writer.reset();
    ASSERT_TRUE(env.SimulateCrash().ok());
  }
  EXPECT_TRUE(ReadArchive(posix.get(), root).files.empty());
  ASSERT_EQ(Journals(posix.get(), root).size(), 1u);

  std::vector<std::string> log;
  ArchiveOptions options;
  options.log = [&](std::string_view line) { log.emplace_back(line); };
  ArchiveWriter writer(posix.get(), root, options);
  CommitStats stats;
  ASSERT_TRUE(writer.Open(&stats).ok());
  EXPECT_EQ(stats.findings, 3u);
  EXPECT_EQ(stats.files, 2u);
  EXPECT_TRUE(Journals(posix.get(), root).empty());
  Archive archive = ReadArchive(posix.get(), root);
  EXPECT_EQ(archive.lines["AWSLogs/1/GuardDuty/us-east-1/2024/01/01"],
            (std::multiset<std::string>{R"({"id":"a"})", R"({"id":"c"})"}));
  EXPECT_EQ(archive.lines["AWSLogs/2/GuardDuty/us-east-1/2024/01/01"],
            (std::multiset<std::string>{R"({"id":"b"})"}));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("sealed 3 findings of 2 commits into 2 files"), std::string::npos)
      << log[0];

  // The writer goes on with a new journal.
  writer.Add("1", "us-east-1", T("2024-01-01T13:00:00Z"), R"({"id":"d"})");
  ASSERT_TRUE(writer.Commit(&stats).ok());
  ASSERT_TRUE(writer.Seal(&stats).ok());
  EXPECT_EQ(ReadArchive(posix.get(), root).lines["AWSLogs/1/GuardDuty/us-east-1/2024/01/01"].size(),
            3u);
}

// Writes two commits to a journal and leaves it unsealed; returns its path and the size of the
// first record.
std::string TwoCommitJournal(Env* env, const std::string& root, uint64_t* first_record_size) {
  ArchiveWriter writer(env, root);
  CommitStats stats;
  EXPECT_TRUE(writer.Open(&stats).ok());
  writer.Add("1", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"a"})");
  writer.Add("2", "us-east-1", T("2024-01-01T10:00:00Z"), R"({"id":"b"})");
  EXPECT_TRUE(writer.Commit(&stats).ok());
  std::vector<std::string> journals = Journals(env, root);
  EXPECT_EQ(journals.size(), 1u);
  *first_record_size = env->Stat(journals[0])->size;
  writer.Add("1", "us-east-1", T("2024-01-01T11:00:00Z"), R"({"id":"c"})");
  EXPECT_TRUE(writer.Commit(&stats).ok());
  return journals[0];
}

TEST(ArchiveWriterTest, TornJournalTailIsDroppedAndLogged) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  const std::string root = dir.Join("archive");
  uint64_t first = 0;
  std::string journal = TwoCommitJournal(env.get(), root, &first);
  uint64_t size = env->Stat(journal)->size;
  ASSERT_TRUE(env->TruncateFile(journal, size - 3).ok());

  std::vector<std::string> log;
  ArchiveOptions options;
  options.log = [&](std::string_view line) { log.emplace_back(line); };
  ArchiveWriter writer(env.get(), root, options);
  CommitStats stats;
  ASSERT_TRUE(writer.Open(&stats).ok());
  EXPECT_EQ(stats.findings, 2u);
  Archive archive = ReadArchive(env.get(), root);
  EXPECT_EQ(archive.lines["AWSLogs/1/GuardDuty/us-east-1/2024/01/01"],
            (std::multiset<std::string>{R"({"id":"a"})"}));
  EXPECT_EQ(archive.lines["AWSLogs/2/GuardDuty/us-east-1/2024/01/01"],
            (std::multiset<std::string>{R"({"id":"b"})"}));
  EXPECT_TRUE(Journals(env.get(), root).empty());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], fmt::format("archive journal {}: torn record at byte {} (its length runs past "
                                "the end of the file); dropping {} bytes (a commit that was never "
                                "acknowledged)",
                                journal, first, size - 3 - first));
  EXPECT_NE(log[1].find("sealed 2 findings of 1 commits into 2 files"), std::string::npos)
      << log[1];
}

TEST(ArchiveWriterTest, GarbageOrZerosAfterTheLastRecordAreDropped) {
  for (const std::string& tail :
       {std::string("garbage!!"), std::string(4096, '\0'), std::string("\x05\0\0\0", 4)}) {
    testing::TempDir dir;
    auto env = NewPosixEnv();
    const std::string root = dir.Join("archive");
    uint64_t first = 0;
    std::string journal = TwoCommitJournal(env.get(), root, &first);
    uint64_t size = env->Stat(journal)->size;
    testing::WriteFileOrDie(journal, *env->ReadFile(journal, 1 << 20) + tail);

    std::vector<std::string> log;
    ArchiveOptions options;
    options.log = [&](std::string_view line) { log.emplace_back(line); };
    ArchiveWriter writer(env.get(), root, options);
    CommitStats stats;
    ASSERT_TRUE(writer.Open(&stats).ok());
    EXPECT_EQ(stats.findings, 3u);
    EXPECT_EQ(ReadArchive(env.get(), root).lines["AWSLogs/1/GuardDuty/us-east-1/2024/01/01"],
              (std::multiset<std::string>{R"({"id":"a"})", R"({"id":"c"})"}));
    ASSERT_EQ(log.size(), 2u);
    EXPECT_NE(log[0].find(fmt::format("torn record at byte {} (", size)), std::string::npos)
        << log[0];
    EXPECT_NE(log[0].find(fmt::format("dropping {} bytes", tail.size())), std::string::npos)
        << log[0];
  }
}

// The crash tests' lines: two commits, in three partitions.
struct Line {
  const char* account;
  const char* updated_at;
  const char* raw;
};
const std::vector<std::vector<Line>> kCommits = {
    {{"1", "2024-01-01T01:00:00Z", R"({"id":"a1"})"},
     {"1", "2024-01-01T02:00:00Z", R"({"id":"a2"})"},
     {"2", "2024-01-01T02:00:00Z", R"({"id":"b1"})"}},
    {{"1", "2024-01-01T03:00:00Z", R"({"id":"a3"})"},
     {"3", "2024-01-01T03:00:00Z", R"({"id":"c1"})"}},
};

// What a run offered and what it was told was acknowledged (counted by Commit).
struct Outcome {
  std::set<std::string> acknowledged;
  std::set<std::string> offered;
  std::map<std::string, std::string> dir_of;  // line -> partition directory
  bool failed = false;
  bool completed = false;  // every step returned OK
};

void Offer(ArchiveWriter* writer, const std::vector<Line>& commit, Outcome* run) {
  for (const Line& l : commit) {
    writer->Add(l.account, "us-east-1", T(l.updated_at), l.raw);
    run->offered.insert(l.raw);
    run->dir_of[l.raw] = ArchiveWriter::PartitionDir(l.account, "us-east-1", T(l.updated_at));
  }
}

// Two commits and a seal, stopping at the first failure.
Outcome CommitCommitSeal(ArchiveWriter* writer, CommitStats* stats) {
  Outcome run;
  for (const auto& commit : kCommits) {
    Offer(writer, commit, &run);
    uint64_t before = stats->findings;
    Status s = writer->Commit(stats);
    // Counted means acknowledged, even when a seal that followed the commit failed.
    if (stats->findings - before == commit.size()) {
      for (const Line& l : commit) run.acknowledged.insert(l.raw);
    } else {
      EXPECT_EQ(stats->findings, before);
      EXPECT_FALSE(s.ok());
    }
    if (!s.ok()) {
      run.failed = true;
      return run;
    }
  }
  run.failed = !writer->Seal(stats).ok();
  run.completed = !run.failed;
  return run;
}

// Every acknowledged line exactly once, in its partition; nothing else but offered lines, each at
// most once (ReadArchive fails the test on an incomplete file or a cut line).
void CheckArchive(const Archive& archive, const Outcome& run, const std::string& context) {
  std::map<std::string, int> seen;
  for (const auto& [part, lines] : archive.lines) {
    for (const std::string& line : lines) {
      ++seen[line];
      EXPECT_EQ(run.offered.count(line), 1u) << "not a line that was offered: " << line << context;
      auto it = run.dir_of.find(line);
      if (it != run.dir_of.end()) {
        EXPECT_EQ(it->second, part) << line << context;
      }
    }
  }
  for (const auto& [line, n] : seen) EXPECT_EQ(n, 1) << "archived twice: " << line << context;
  for (const std::string& line : run.acknowledged) {
    EXPECT_EQ(seen.count(line), 1u) << "acknowledged but lost: " << line << context;
  }
}

// The crash test: fail at every mutating call of two commits and a seal in turn, simulate a power
// cut, and recover with a new writer on a healthy disk. Every acknowledged line must be there
// exactly once, every file with a final name complete, and no line half there.
void CrashAtEveryStep(uint64_t seal_bytes) {
  auto posix = NewPosixEnv();
  ArchiveOptions options;
  options.seal_bytes = seal_bytes;
  int failures_seen = 0;
  bool completed = false;
  for (int64_t fail_at = 0; fail_at < 200 && !completed; ++fail_at) {
    const std::string context = fmt::format(" (seal_bytes={}, fail_at={})", seal_bytes, fail_at);
    testing::TempDir dir;
    const std::string root = dir.Join("archive");
    FaultInjectionEnv env(posix.get());
    auto writer = std::make_unique<ArchiveWriter>(&env, root, options);
    CommitStats stats;
    ASSERT_TRUE(writer->Open(&stats).ok());
    env.FailAfter(fail_at);
    Outcome run = CommitCommitSeal(writer.get(), &stats);
    completed = run.completed;
    failures_seen += run.failed ? 1 : 0;
    writer.reset();
    ASSERT_TRUE(env.SimulateCrash().ok());

    ArchiveWriter recovered(posix.get(), root, options);
    CommitStats recovery;
    ASSERT_TRUE(recovered.Open(&recovery).ok()) << context;
    EXPECT_TRUE(Journals(posix.get(), root).empty()) << context;
    Archive archive = ReadArchive(posix.get(), root);
    CheckArchive(archive, run, context);
    if (completed) {
      EXPECT_EQ(run.acknowledged.size(), 5u) << context;
      EXPECT_EQ(recovery.findings, 0u) << "sealed, yet a journal was left" << context;
    }
    // A second recovery finds nothing to do.
    ArchiveWriter again(posix.get(), root, options);
    CommitStats nothing;
    ASSERT_TRUE(again.Open(&nothing).ok());
    EXPECT_EQ(nothing.findings, 0u) << context;
  }
  EXPECT_TRUE(completed) << "the fault injection never let the run complete";
  EXPECT_GT(failures_seen, 12) << "the fault injection never reached the steps";
}

TEST(ArchiveWriterTest, CrashAtEveryStepOfCommitAndSealKeepsEachAcknowledgedLineExactlyOnce) {
  CrashAtEveryStep(128 << 20);
}

TEST(ArchiveWriterTest, CrashAtEveryStepOfCommitsThatSealByThemselves) { CrashAtEveryStep(1); }

// Without a crash: after a failure anywhere, the same writer retries the step on a healthy disk
// (a failed commit goes to a new journal, a failed seal is redone onto the same names) and goes
// on; every line ends up archived exactly once.
TEST(ArchiveWriterTest, RetryAfterAFailureAtEveryStepArchivesEachLineExactlyOnce) {
  auto posix = NewPosixEnv();
  int failures_seen = 0;
  for (int64_t fail_at = 0; fail_at < 40; ++fail_at) {
    const std::string context = fmt::format(" (fail_at={})", fail_at);
    testing::TempDir dir;
    const std::string root = dir.Join("archive");
    FaultInjectionEnv env(posix.get());
    ArchiveWriter writer(&env, root);
    CommitStats stats;
    ASSERT_TRUE(writer.Open(&stats).ok());
    env.FailAfter(fail_at);
    Outcome run;
    for (const auto& commit : kCommits) {
      Offer(&writer, commit, &run);
      if (!writer.Commit(&stats).ok()) {
        ++failures_seen;
        env.FailAfter(-1);
        ASSERT_TRUE(writer.Commit(&stats).ok()) << context;
      }
    }
    if (!writer.Seal(&stats).ok()) {
      ++failures_seen;
      env.FailAfter(-1);
      ASSERT_TRUE(writer.Seal(&stats).ok()) << context;
    }
    EXPECT_EQ(stats.findings, 5u) << context;
    EXPECT_EQ(writer.pending_findings(), 0u) << context;
    EXPECT_TRUE(Journals(posix.get(), root).empty()) << context;
    run.acknowledged = run.offered;
    CheckArchive(ReadArchive(posix.get(), root), run, context);
    // And it is all durable.
    ASSERT_TRUE(env.SimulateCrash().ok());
    CheckArchive(ReadArchive(posix.get(), root), run, context);
  }
  EXPECT_GT(failures_seen, 12);
}

}  // namespace
}  // namespace vigil::archive
