// Upsert ordering with real update chains: the findings `vigil generate` writes (updates of
// earlier findings with a higher service.count and a later updatedAt, some out of order, some
// duplicated), delivered shuffled and duplicated again, in several files and commits. Whatever
// the order, the index must end with the newest version of every finding.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <random>

#include "archive/archive_writer.h"
#include "base/time.h"
#include "findings/generator.h"
#include "ingest/file_ingester.h"
#include "ingest/findings_deriver.h"
#include "storage/index.h"
#include "testing/test_util.h"

namespace vigil::ingest {
namespace {

struct Newest {
  storage::Version version;
  std::string line;
};

TEST(UpsertOrderTest, ShuffledAndDuplicatedUpdateChainsEndAtTheNewestVersion) {
  findings::GeneratorOptions gen;
  gen.count = 3000;
  gen.seed = 11;
  gen.accounts = 3;
  gen.days = 2;
  gen.end_millis = ParseTimestamp("2026-06-01T00:00:00Z").value();
  findings::FindingGenerator generator(gen);
  std::vector<std::string> lines;
  std::string line;
  while (generator.Next(&line)) {
    lines.push_back(line);
    line.clear();
  }

  // The expected state, from the data itself: per id the largest (updatedAt, service.count).
  simdjson::dom::parser parser;
  std::map<std::string, storage::Version> newest;
  size_t updates = 0;
  for (const std::string& l : lines) {
    simdjson::dom::element doc = parser.parse(l);
    std::string id{std::string_view(doc["id"])};
    int64_t updated = ParseTimestamp(std::string_view(doc["updatedAt"])).value();
    int64_t count = 0;
    auto c = doc.at_pointer("/service/count");
    if (!c.error()) count = int64_t(c);
    storage::Version v{updated, count};
    auto [it, inserted] = newest.emplace(id, v);
    if (!inserted) {
      ++updates;
      it->second = std::max(it->second, v);
    }
  }
  ASSERT_GT(updates, 100u) << "the generated set should hold update chains";

  // Shuffled, a tenth of the lines twice, in three files.
  std::vector<std::string> delivered = lines;
  std::mt19937 rng(5);
  for (size_t i = 0; i < lines.size(); i += 10) delivered.push_back(lines[i]);
  std::shuffle(delivered.begin(), delivered.end(), rng);
  vigil::testing::TempDir dir;
  std::vector<std::string> files;
  for (int f = 0; f < 3; ++f) {
    std::string content;
    for (size_t i = f; i < delivered.size(); i += 3) content += delivered[i] + "\n";
    files.push_back(dir.Join("part" + std::to_string(f) + ".jsonl"));
    vigil::testing::WriteFileOrDie(files.back(), content);
  }

  auto env = NewPosixEnv();
  storage::IndexOptions options = IngestIndexOptions();
  options.background = false;
  options.flush_bytes = 256 << 10;  // flushes and merges happen along the way
  options.merge_factor = 3;
  auto index = storage::Index::Open(env.get(), dir.Join("data/indices/findings"), options);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  archive::ArchiveWriter archive(env.get(), dir.Join("data/archive"));
  archive::CommitStats archive_stats;
  ASSERT_TRUE(archive.Open(&archive_stats).ok());
  IngestOptions ingest_options;
  ingest_options.commit_findings = 500;
  FileIngester ingester(env.get(), &archive, index->get(), ingest_options,
                        [](const std::string& issue) { ADD_FAILURE() << issue; });
  for (const std::string& f : files) ASSERT_TRUE(ingester.IngestPath(f).ok());
  ASSERT_TRUE(ingester.Finish().ok());
  ASSERT_TRUE(archive.Seal(&archive_stats).ok());
  EXPECT_EQ(ingester.summary().accepted, delivered.size());
  EXPECT_EQ(ingester.summary().indexed, newest.size());

  auto check = [&](const storage::Snapshot& snapshot) {
    EXPECT_EQ(snapshot.live_docs(), newest.size());
    std::map<std::string, storage::Version, std::less<>> live;
    for (const storage::SegmentView& view : snapshot.segments) {
      for (uint32_t doc = 0; doc < view.segment->num_docs(); ++doc) {
        if (!view.IsLive(doc)) continue;
        auto id = view.segment->Id(doc);
        auto version = view.segment->GetVersion(doc);
        ASSERT_TRUE(id.ok() && version.ok());
        EXPECT_TRUE(live.emplace(std::string(*id), *version).second) << "live twice: " << *id;
      }
    }
    EXPECT_EQ(live.size(), newest.size());
    for (const auto& [id, version] : newest) {
      auto it = live.find(id);
      ASSERT_NE(it, live.end()) << id;
      EXPECT_EQ(it->second.primary, version.primary) << id;
      EXPECT_EQ(it->second.secondary, version.secondary) << id;
    }
  };
  check(*(*index)->GetSnapshot());
  EXPECT_GT((*index)->stats().merges, 0u);
  // And after a restart that replays the log.
  index->reset();
  auto reopened = storage::Index::Open(env.get(), dir.Join("data/indices/findings"), options);
  ASSERT_TRUE(reopened.ok());
  check(*(*reopened)->GetSnapshot());
}

}  // namespace
}  // namespace vigil::ingest
