#include "storage/index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "storage/index_test_util.h"
#include "testing/test_util.h"

namespace vigil::storage {
namespace {

using storage::testing::AddDoc;
using storage::testing::LiveSource;
using storage::testing::TestDoc;

std::string Src(const std::string& id, int64_t primary, int64_t secondary) {
  return TestDoc{id, {primary, secondary}}.Source();
}

class IndexTest : public ::testing::Test {
 protected:
  IndexTest() : env_(NewPosixEnv()) {
    options_.background = false;
    options_.log = [this](std::string_view line) { log_.emplace_back(line); };
  }

  std::unique_ptr<Index> OpenIndex() {
    auto index = Index::Open(env_.get(), dir_.Join("idx"), options_);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? std::move(*index) : nullptr;
  }

  std::vector<WriteOutcome> Write(Index* index, const std::vector<TestDoc>& docs,
                                  OpKind kind = OpKind::kUpsert) {
    WriteBatch batch;
    for (const TestDoc& d : docs) AddDoc(&batch, d, kind);
    std::vector<WriteOutcome> outcomes;
    Status s = index->Write(&batch, &outcomes);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return outcomes;
  }

  vigil::testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  IndexOptions options_;
  std::vector<std::string> log_;
};

TEST_F(IndexTest, AcknowledgedDocumentsAreVisibleAtOnce) {
  auto index = OpenIndex();
  auto outcomes = Write(index.get(), {{"a", {1, 1}}, {"b", {1, 1}}, {"c", {1, 1}}});
  EXPECT_EQ(outcomes, std::vector<WriteOutcome>(3, WriteOutcome::kCreated));
  auto snapshot = index->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 3u);
  EXPECT_EQ(LiveSource(*snapshot, "b"), Src("b", 1, 1));
  EXPECT_EQ(LiveSource(*snapshot, "zzz"), "");
  ASSERT_NE(snapshot->mapping->Find("type"), nullptr);
  EXPECT_EQ(snapshot->mapping->Find("type")->type, FieldType::kKeyword);
  EXPECT_EQ(snapshot->mapping->Find("severity")->type, FieldType::kDouble);
}

TEST_F(IndexTest, NewerVersionReplacesOlderIsStale) {
  auto index = OpenIndex();
  Write(index.get(), {{"f", {100, 2}}});
  EXPECT_EQ(Write(index.get(), {{"f", {100, 1}}}), std::vector{WriteOutcome::kStale});
  EXPECT_EQ(Write(index.get(), {{"f", {100, 2}}}), std::vector{WriteOutcome::kStale});
  EXPECT_EQ(Write(index.get(), {{"f", {99, 9}}}), std::vector{WriteOutcome::kStale});
  EXPECT_EQ(Write(index.get(), {{"f", {100, 3}}}), std::vector{WriteOutcome::kUpdated});
  EXPECT_EQ(Write(index.get(), {{"f", {101, 1}}}), std::vector{WriteOutcome::kUpdated});
  auto snapshot = index->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 1u);
  EXPECT_EQ(LiveSource(*snapshot, "f"), Src("f", 101, 1));
}

TEST_F(IndexTest, VersionsWithinOneBatch) {
  auto index = OpenIndex();
  auto outcomes = Write(index.get(), {{"x", {5, 1}}, {"x", {7, 1}}, {"x", {6, 1}}, {"y", {1, 1}}});
  EXPECT_EQ(outcomes, (std::vector{WriteOutcome::kCreated, WriteOutcome::kUpdated,
                                   WriteOutcome::kStale, WriteOutcome::kCreated}));
  auto snapshot = index->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 2u);
  EXPECT_EQ(LiveSource(*snapshot, "x"), Src("x", 7, 1));
}

TEST_F(IndexTest, TraceSaysWhereEachOperationsDocumentWent) {
  auto index = OpenIndex();
  Write(index.get(), {{"old", {5, 1}}});
  WriteBatch batch;
  for (const TestDoc& d : std::vector<TestDoc>{{"x", {5, 1}}, {"x", {7, 1}}, {"old", {1, 1}}}) {
    AddDoc(&batch, d);
  }
  batch.Delete("old");
  std::vector<WriteOutcome> outcomes;
  WriteTrace trace;
  ASSERT_TRUE(index->Write(&batch, &outcomes, &trace).ok());
  ASSERT_NE(trace.segment, nullptr);
  ASSERT_NE(trace.mapping, nullptr);
  EXPECT_NE(trace.mapping->Find("severity"), nullptr);
  // Both versions of x are in the group's segment (the first one replaced); the stale write and
  // the delete added nothing.
  ASSERT_EQ(trace.docs.size(), 4u);
  EXPECT_EQ(trace.docs[2], WriteTrace::kNoDoc);
  EXPECT_EQ(trace.docs[3], WriteTrace::kNoDoc);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_LT(trace.docs[i], trace.segment->num_docs());
    Result<std::string> source = trace.segment->Source(trace.docs[i]);
    ASSERT_TRUE(source.ok());
    EXPECT_EQ(*source, Src("x", i == 0 ? 5 : 7, 1));
  }
  // A write that adds no document leaves no segment.
  WriteBatch stale;
  AddDoc(&stale, {"x", {6, 1}});
  ASSERT_TRUE(index->Write(&stale, &outcomes, &trace).ok());
  EXPECT_EQ(trace.segment, nullptr);
  EXPECT_EQ(trace.docs, std::vector<uint32_t>{WriteTrace::kNoDoc});
}

TEST_F(IndexTest, GenericIndexCreateDelete) {
  auto index = OpenIndex();
  EXPECT_EQ(Write(index.get(), {{"g", {5, 0}}}, OpKind::kIndex),
            std::vector{WriteOutcome::kCreated});
  EXPECT_EQ(Write(index.get(), {{"g", {1, 0}}}, OpKind::kIndex),
            std::vector{WriteOutcome::kUpdated});
  EXPECT_EQ(Write(index.get(), {{"g", {9, 0}}}, OpKind::kCreate),
            std::vector{WriteOutcome::kExists});
  EXPECT_EQ(LiveSource(*index->GetSnapshot(), "g"), Src("g", 1, 0));
  WriteBatch batch;
  batch.Delete("g");
  batch.Delete("g");
  std::vector<WriteOutcome> outcomes;
  ASSERT_TRUE(index->Write(&batch, &outcomes).ok());
  EXPECT_EQ(outcomes, (std::vector{WriteOutcome::kDeleted, WriteOutcome::kNotFound}));
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 0u);
  EXPECT_EQ(Write(index.get(), {{"g", {2, 0}}}, OpKind::kCreate),
            std::vector{WriteOutcome::kCreated});
}

TEST_F(IndexTest, SnapshotDoesNotSeeLaterWrites) {
  auto index = OpenIndex();
  Write(index.get(), {{"a", {1, 1}}});
  auto before = index->GetSnapshot();
  Write(index.get(), {{"a", {2, 1}}, {"b", {1, 1}}});
  EXPECT_EQ(before->live_docs(), 1u);
  EXPECT_EQ(LiveSource(*before, "a"), Src("a", 1, 1));
  EXPECT_EQ(LiveSource(*before, "b"), "");
  auto after = index->GetSnapshot();
  EXPECT_EQ(after->live_docs(), 2u);
  EXPECT_EQ(LiveSource(*after, "a"), Src("a", 2, 1));
}

TEST_F(IndexTest, ReopenReplaysTheLog) {
  {
    auto index = OpenIndex();
    Write(index.get(), {{"a", {1, 1}}, {"b", {1, 1}}});
    Write(index.get(), {{"a", {2, 1}}});
    // Destroyed without Close: nothing flushed, the log holds everything.
  }
  auto index = OpenIndex();
  EXPECT_EQ(index->recovery().replayed_ops, 3u);
  auto snapshot = index->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 2u);
  EXPECT_EQ(LiveSource(*snapshot, "a"), Src("a", 2, 1));
  EXPECT_EQ(Write(index.get(), {{"b", {1, 1}}}), std::vector{WriteOutcome::kStale});
}

TEST_F(IndexTest, FlushWritesAFileAndTheLogIsNotReplayedAgain) {
  {
    auto index = OpenIndex();
    Write(index.get(), {{"a", {1, 1}}, {"b", {1, 1}}});
    ASSERT_TRUE(index->Flush().ok());
    IndexStats stats = index->stats();
    EXPECT_EQ(stats.file_segments, 1u);
    EXPECT_EQ(stats.memory_segments, 0u);
    EXPECT_EQ(stats.docs, 2u);
    // A delete that hits the file, not flushed: replayed on reopen.
    WriteBatch batch;
    batch.Delete("a");
    ASSERT_TRUE(index->Write(&batch, nullptr).ok());
  }
  auto index = OpenIndex();
  EXPECT_EQ(index->recovery().replayed_ops, 1u);
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 1u);
  EXPECT_EQ(LiveSource(*index->GetSnapshot(), "a"), "");
  ASSERT_TRUE(index->Close().ok());
  auto again = OpenIndex();
  EXPECT_EQ(again->recovery().replayed_ops, 0u);
  EXPECT_EQ(again->GetSnapshot()->live_docs(), 1u);
  EXPECT_EQ(LiveSource(*again->GetSnapshot(), "b"), Src("b", 1, 1));
}

TEST_F(IndexTest, MergesKeepTheNewestVersionsAndDropDeleted) {
  options_.flush_bytes = 1;  // every write group becomes a file
  options_.merge_factor = 3;
  auto index = OpenIndex();
  for (int round = 0; round < 20; ++round) {
    std::vector<TestDoc> docs;
    for (int i = 0; i < 10; ++i) docs.push_back({"doc-" + std::to_string(i * 7 % 13), {round, i}});
    Write(index.get(), docs);
  }
  IndexStats stats = index->stats();
  EXPECT_GT(stats.merges, 0u);
  EXPECT_LT(stats.file_segments, 10u);
  EXPECT_EQ(stats.docs, 10u);
  auto snapshot = index->GetSnapshot();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(LiveSource(*snapshot, "doc-" + std::to_string(i * 7 % 13)),
              Src("doc-" + std::to_string(i * 7 % 13), 19, i));
  }
  ASSERT_TRUE(index->Close().ok());
  auto again = OpenIndex();
  EXPECT_EQ(again->GetSnapshot()->live_docs(), 10u);
  // Only the files the manifest names are left, and one log.
  auto files = env_->ListFilesRecursive(dir_.Join("idx"));
  ASSERT_TRUE(files.ok());
  size_t logs = 0;
  for (const auto& f : *files) logs += f.ends_with(".log") ? 1 : 0;
  EXPECT_EQ(logs, 1u);
}

// Tiered merges stop at max_segment_docs: no file grows past it, and files of half of it or more
// are left alone until enough of them is deleted, when one is rewritten by itself.
TEST_F(IndexTest, MergesStopAtTheMaximumSegmentSizeAndExpungeDeletedDocuments) {
  options_.flush_bytes = 1;  // every write group becomes a file
  options_.merge_factor = 3;
  options_.max_segment_docs = 40;
  auto index = OpenIndex();
  for (int round = 0; round < 30; ++round) {
    std::vector<TestDoc> docs;
    for (int i = 0; i < 10; ++i) docs.push_back({"d" + std::to_string(round * 10 + i), {1, 0}});
    Write(index.get(), docs);
  }
  auto sizes = [&] {
    std::vector<uint32_t> docs;
    for (const SegmentView& v : index->GetSnapshot()->segments) {
      docs.push_back(v.segment->num_docs());
    }
    return docs;
  };
  EXPECT_GT(index->stats().merges, 0u);
  for (uint32_t n : sizes()) EXPECT_LE(n, 40u);
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 300u);
  // Replace most documents of the first (full) file: it is rewritten alone, without them.
  const SegmentView first = index->GetSnapshot()->segments[0];
  ASSERT_GE(first.segment->num_docs(), 20u);
  std::vector<TestDoc> updates;
  for (uint32_t doc = 0; doc < first.segment->num_docs() * 2 / 3; ++doc) {
    updates.push_back({*first.segment->Id(doc), {2, 0}});
  }
  const uint64_t merges_before = index->stats().merges;
  Write(index.get(), updates);
  EXPECT_GT(index->stats().merges, merges_before);
  for (const SegmentView& v : index->GetSnapshot()->segments) {
    EXPECT_LE(static_cast<double>(v.deleted->cardinality()), 0.3 * v.segment->num_docs() + 1)
        << v.segment->name();
  }
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 300u);
}

// With the background threads, a write that finds the in-memory segments over max_memory_bytes
// waits for a flush; every write still completes and is visible, and memory stays bounded.
TEST_F(IndexTest, WritesWaitForFlushesWhenMemoryIsFull) {
  options_.background = true;
  options_.flush_bytes = 1;
  options_.max_memory_bytes = 1;
  auto index = OpenIndex();
  for (int i = 0; i < 40; ++i) {
    Write(index.get(), {{"w" + std::to_string(i), {1, 0}}});
    // When Write returns its document is visible, whatever the flushes are doing.
    EXPECT_FALSE(LiveSource(*index->GetSnapshot(), "w" + std::to_string(i)).empty()) << i;
    // At most the group just written and the ones being flushed are in memory: writes that
    // found memory over the limit waited.
    EXPECT_LE(index->stats().memory_segments, 2u);
  }
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 40u);
  ASSERT_TRUE(index->Close().ok());
  auto again = OpenIndex();
  EXPECT_EQ(again->GetSnapshot()->live_docs(), 40u);
}

TEST_F(IndexTest, TornLogTailIsTruncatedAndReported) {
  {
    auto index = OpenIndex();
    Write(index.get(), {{"a", {1, 1}}});
  }
  auto files = env_->ListFilesRecursive(dir_.Join("idx"));
  ASSERT_TRUE(files.ok());
  std::string wal;
  for (const auto& f : *files) {
    if (f.ends_with(".log")) wal = f;
  }
  ASSERT_FALSE(wal.empty());
  std::string contents = vigil::testing::ReadFileOrDie(wal);
  vigil::testing::WriteFileOrDie(wal, contents + std::string("\x10\x20\x30garbage", 10));
  auto index = OpenIndex();
  EXPECT_EQ(index->recovery().wal_bytes_dropped, 10u);
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 1u);
  bool logged = false;
  for (const auto& line : log_)
    logged = logged || line.find("dropping 10 bytes") != std::string::npos;
  EXPECT_TRUE(logged);
  EXPECT_EQ(vigil::testing::ReadFileOrDie(wal).size(), contents.size());
}

TEST_F(IndexTest, MappingIsFixedOnFirstSightAndConflictsAreKept) {
  auto index = OpenIndex();
  WriteBatch batch;
  FieldValue number = FieldValue::Long(7);
  FieldValue word = FieldValue::String("high");
  IndexField first[] = {{"severity", FieldType::kLong, {&number, 1}}};
  IndexField second[] = {{"severity", FieldType::kKeyword, {&word, 1}}};
  batch.Upsert({"a", {1, 0}, "{}", first});
  batch.Upsert({"b", {1, 0}, "{}", second});
  ASSERT_TRUE(index->Write(&batch, nullptr).ok());
  auto snapshot = index->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 2u);
  const FieldMapping* m = snapshot->mapping->Find("severity");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, FieldType::kLong);
  EXPECT_EQ(m->conflicts, 1u);
  const SegmentReader& seg = *snapshot->segments.back().segment;
  int conflicts = seg.FindField("severity", true);
  ASSERT_GE(conflicts, 0);
  std::string term;
  ASSERT_TRUE(seg.Terms(conflicts)->Term(0, &term).ok());
  EXPECT_EQ(term, "high");
  ASSERT_TRUE(index->Close().ok());
  auto again = OpenIndex();
  EXPECT_EQ(again->GetSnapshot()->mapping->Find("severity")->conflicts, 1u);
}

TEST_F(IndexTest, ThousandsOfFieldsAreAccepted) {
  auto index = OpenIndex();
  std::vector<std::string> names;
  std::vector<FieldValue> values;
  for (int i = 0; i < 5000; ++i) {
    names.push_back("field." + std::to_string(i));
    values.push_back(FieldValue::Long(i));
  }
  std::vector<IndexField> fields;
  for (int i = 0; i < 5000; ++i) fields.push_back({names[i], FieldType::kLong, {&values[i], 1}});
  WriteBatch batch;
  batch.Upsert({"wide", {1, 0}, "{}", fields});
  ASSERT_TRUE(index->Write(&batch, nullptr).ok());
  EXPECT_EQ(index->GetSnapshot()->live_docs(), 1u);
  EXPECT_EQ(index->GetSnapshot()->mapping->size(), 5000u);
  ASSERT_TRUE(index->Flush().ok());
  EXPECT_EQ(index->GetSnapshot()->segments[0].segment->fields().size(), 5001u);  // + _id
}

TEST_F(IndexTest, RetentionDeletesOlderDocuments) {
  auto index = OpenIndex();
  Write(index.get(), {{"old", {100, 1}}, {"new", {300, 1}}, {"edge", {200, 1}}});
  auto deleted = index->DeleteOlderThan(200);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1u);
  auto snapshot = index->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 2u);
  EXPECT_EQ(LiveSource(*snapshot, "old"), "");
}

TEST_F(IndexTest, ConcurrentWritersAreGroupCommitted) {
  options_.background = true;
  options_.flush_bytes = 64 << 10;
  auto index = OpenIndex();
  constexpr int kThreads = 4;
  constexpr int kBatches = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        WriteBatch batch;
        AddDoc(&batch, {"t" + std::to_string(t) + "-" + std::to_string(b), {1, 1}});
        std::vector<WriteOutcome> outcomes;
        Status s = index->Write(&batch, &outcomes);
        EXPECT_TRUE(s.ok()) << s.ToString();
        EXPECT_EQ(outcomes, std::vector{WriteOutcome::kCreated});
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(index->GetSnapshot()->live_docs(), static_cast<uint64_t>(kThreads * kBatches));
  ASSERT_TRUE(index->Close().ok());
  auto again = OpenIndex();
  EXPECT_EQ(again->GetSnapshot()->live_docs(), static_cast<uint64_t>(kThreads * kBatches));
}

}  // namespace
}  // namespace vigil::storage

namespace vigil::storage {
namespace {

// Segment files compress their sources with one dictionary the index learns from its first
// flush and keeps across reopening, so that later files share it (and merges copy blocks).
TEST_F(IndexTest, SegmentFilesShareOneLearntSourceDictionary) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  std::vector<TestDoc> docs;
  for (int i = 0; i < 4000; ++i) docs.push_back({fmt::format("finding-{:05d}", i), {i + 1, 1}});
  Write(index.get(), docs);
  ASSERT_TRUE(index->Flush().ok());
  auto dict_of_files = [](const Snapshot& snap) {
    std::vector<uint64_t> ids;
    for (const SegmentView& v : snap.segments) {
      if (v.segment->in_memory()) continue;
      Result<std::shared_ptr<const ZstdDictionary>> d = v.segment->SourceDictionary();
      EXPECT_TRUE(d.ok());
      ids.push_back(d.ok() && *d != nullptr ? (*d)->id() : 0);
    }
    return ids;
  };
  std::vector<uint64_t> first = dict_of_files(*index->GetSnapshot());
  ASSERT_EQ(first.size(), 1u);
  ASSERT_NE(first[0], 0u) << "the first flush learnt no dictionary";
  EXPECT_EQ(std::count_if(log_.begin(), log_.end(),
                          [](const std::string& l) {
                            return l.find("source dictionary") != std::string::npos;
                          }),
            1);
  ASSERT_TRUE(index->Close().ok());
  index.reset();

  index = OpenIndex();
  ASSERT_NE(index, nullptr);
  std::vector<TestDoc> more;
  for (int i = 0; i < 200; ++i) more.push_back({fmt::format("later-{:05d}", i), {i + 1, 1}});
  Write(index.get(), more);
  ASSERT_TRUE(index->Flush().ok());
  std::vector<uint64_t> after = dict_of_files(*index->GetSnapshot());
  ASSERT_GE(after.size(), 1u);
  for (uint64_t id : after) EXPECT_EQ(id, first[0]);
  // Nothing new was learnt after the reopen, and every document reads back.
  EXPECT_EQ(std::count_if(log_.begin(), log_.end(),
                          [](const std::string& l) {
                            return l.find("source dictionary") != std::string::npos;
                          }),
            1);
  auto snap = index->GetSnapshot();
  EXPECT_EQ(testing::LiveSource(*snap, "finding-00123"), docs[123].Source());
  EXPECT_EQ(testing::LiveSource(*snap, "later-00007"), more[7].Source());
}

}  // namespace
}  // namespace vigil::storage
