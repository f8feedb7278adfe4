#include "ingest/findings_deriver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive/archive_writer.h"
#include "findings/generator.h"
#include "ingest/file_ingester.h"
#include "storage/term_encoding.h"
#include "testing/test_util.h"

namespace vigil::ingest {
namespace {

// `count` generated findings as JSON Lines.
std::string Generated(uint64_t count, uint64_t seed) {
  findings::GeneratorOptions gen;
  gen.count = count;
  gen.seed = seed;
  gen.end_millis = 1767225600000;
  findings::FindingGenerator generator(gen);
  std::string out;
  std::string line;
  while (generator.Next(&line)) {
    out += line + "\n";
    line.clear();
  }
  return out;
}

// A field of a decoded operation, comparable.
struct FieldDump {
  std::string name;
  storage::FieldType hint;
  std::vector<std::string> values;  // kind and payload of each value, as text
  friend bool operator==(const FieldDump&, const FieldDump&) = default;
};

std::vector<FieldDump> DumpFields(const storage::BatchOp& op) {
  std::vector<FieldDump> out;
  std::vector<storage::FieldValue> scratch;
  storage::ForEachField(op, &scratch, [&](const storage::IndexField& f, uint32_t) {
    FieldDump d{std::string(f.name), f.type_hint, {}};
    for (const storage::FieldValue& v : f.values) {
      std::string text = std::to_string(static_cast<int>(v.kind)) + ":";
      switch (v.kind) {
        case storage::ValueKind::kString:
          text += v.string;
          break;
        case storage::ValueKind::kLong:
          text += std::to_string(v.integer);
          break;
        case storage::ValueKind::kBool:
          text += v.boolean ? "true" : "false";
          break;
        default:
          text += std::to_string(v.number) + "," + std::to_string(v.number2);
          break;
      }
      d.values.push_back(text);
    }
    out.push_back(std::move(d));
  });
  return out;
}

// Collects what FileIngester writes: each finding converted into a derived batch, with its raw
// text kept aside.
class Collector : public findings::FindingSink {
 public:
  explicit Collector(int64_t ingested_at) : ingested_at_(ingested_at) {
    batch.SetDerived(kFindingsCodec);
  }
  void OnFinding(const findings::ReadFinding& finding) override {
    raws.emplace_back(finding.raw);
    converter_.AddUpsert(finding, &batch, ingested_at_);
  }
  void OnIssue(const findings::ReadIssue& issue) override { issues.push_back(issue.ToString()); }

  storage::WriteBatch batch;
  std::vector<std::string> raws;
  std::vector<std::string> issues;

 private:
  int64_t ingested_at_;
  DocumentConverter converter_;
};

// Every finding of the real samples and of a generated set, rebuilt from its raw JSON and ingest
// time, gives the operation it was written with, field for field.
TEST(FindingsDeriverTest, RebuildsExactlyTheFieldsOfEveryFinding) {
  std::vector<std::string> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(testing::SamplePath(""))) {
    inputs.push_back(testing::ReadFileOrDie(entry.path().string()));
  }
  ASSERT_GT(inputs.size(), 20u);
  inputs.push_back(Generated(3000, 11));

  const int64_t ingested_at = 1767225600123;
  findings::ReaderOptions options;
  options.keep_raw = true;
  findings::FindingReader reader(options);
  Collector collector(ingested_at);
  for (size_t i = 0; i < inputs.size(); ++i) {
    reader.Read(i + 1 == inputs.size() ? "generated.jsonl" : "sample.json", inputs[i], ingested_at,
                &collector);
  }
  ASSERT_GT(collector.raws.size(), 3000u);

  FindingsDeriver deriver;
  storage::WriteBatch rebuilt;
  std::vector<storage::BatchOp> original_ops;
  std::vector<std::string_view> original_names;
  std::string original_rep(collector.batch.rep());
  ASSERT_TRUE(storage::DecodeBatch(original_rep, &original_ops, &original_names).ok());
  ASSERT_EQ(original_ops.size(), collector.raws.size());
  for (size_t i = 0; i < original_ops.size(); ++i) {
    const storage::BatchOp& op = original_ops[i];
    EXPECT_EQ(op.context, static_cast<uint64_t>(ingested_at));
    ASSERT_TRUE(
        deriver.Derive(op.kind, op.id, op.version, collector.raws[i], op.context, &rebuilt).ok())
        << op.id;
  }
  std::vector<storage::BatchOp> ops;
  std::vector<std::string_view> names;
  std::string rep(rebuilt.rep());
  ASSERT_TRUE(storage::DecodeBatch(rep, &ops, &names).ok());
  ASSERT_EQ(ops.size(), original_ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].kind, original_ops[i].kind);
    EXPECT_EQ(ops[i].id, original_ops[i].id);
    EXPECT_EQ(ops[i].version, original_ops[i].version);
    EXPECT_EQ(ops[i].source, collector.raws[i]);
    EXPECT_EQ(DumpFields(ops[i]), DumpFields(original_ops[i])) << ops[i].id;
  }

  // A source that is not the finding the log names is refused.
  EXPECT_FALSE(deriver
                   .Derive(storage::OpKind::kUpsert, "someone-else", original_ops[0].version,
                           collector.raws[0], 0, &rebuilt)
                   .ok());
  EXPECT_FALSE(deriver.Derive(storage::OpKind::kUpsert, "x", {}, "{not json", 0, &rebuilt).ok());
}

// Every live document: id -> (source, and every field's terms).
std::map<std::string, std::string> DumpIndex(const storage::Snapshot& snapshot) {
  std::map<std::string, std::string> out;
  for (const storage::SegmentView& view : snapshot.segments) {
    const storage::SegmentReader& seg = *view.segment;
    std::vector<std::string> per_doc(seg.num_docs());
    std::string term;
    for (size_t f = 0; f < seg.fields().size(); ++f) {
      auto dict = seg.Terms(static_cast<int>(f));
      auto column = seg.GetColumn(static_cast<int>(f));
      EXPECT_TRUE(dict.ok() && column.ok());
      for (uint32_t doc = 0; doc < seg.num_docs(); ++doc) {
        column->ForEach(doc, [&](uint32_t ord) {
          EXPECT_TRUE(dict->Term(ord, &term).ok());
          per_doc[doc] +=
              seg.fields()[f].name + "=" + storage::TermToString(seg.fields()[f].type, term) + "\n";
        });
      }
    }
    for (uint32_t doc = 0; doc < seg.num_docs(); ++doc) {
      if (!view.IsLive(doc)) continue;
      auto id = seg.Id(doc);
      auto source = seg.Source(doc);
      EXPECT_TRUE(id.ok() && source.ok());
      out[*id] = *source + "\n" + per_doc[doc];
    }
  }
  return out;
}

// Findings ingested and never flushed are rebuilt from the log on reopen, identical.
TEST(FindingsDeriverTest, ReplayOfDerivedBatchesGivesTheSameIndex) {
  testing::TempDir dir;
  auto env = NewPosixEnv();
  testing::WriteFileOrDie(dir.Join("in.jsonl"), Generated(4000, 5));

  storage::IndexOptions options = IngestIndexOptions();
  options.background = false;
  options.flush_bytes = 1ULL << 40;  // nothing is flushed: all of it is replayed
  std::map<std::string, std::string> before;
  {
    auto index = storage::Index::Open(env.get(), dir.Join("index"), options);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    IngestOptions ingest_options;
    ingest_options.commit_findings = 700;  // several batches, updates across them
    FileIngester ingester(env.get(), nullptr, index->get(), ingest_options,
                          [](const std::string& issue) { ADD_FAILURE() << issue; });
    ASSERT_TRUE(ingester.IngestPath(dir.Join("in.jsonl")).ok());
    ASSERT_TRUE(ingester.Finish().ok());
    EXPECT_GT(ingester.summary().updated, 0u);
    EXPECT_EQ((*index)->stats().file_segments, 0u);
    // The index learnt its source dictionary from its first 2,000 findings (before any flush),
    // and the batches after that compressed their sources with it: their log records name it.
    ASSERT_NE((*index)->SourceDictionary(), nullptr);
    before = DumpIndex(*(*index)->GetSnapshot());
    // Destroyed without Close: like a process that dies, it leaves its memory unflushed.
  }
  std::string dict_file;
  Result<std::vector<std::string>> files = env->ListFilesRecursive(dir.Join("index"));
  ASSERT_TRUE(files.ok());
  for (const std::string& f : *files) {
    if (f.ends_with(".zdict")) dict_file = f;
  }
  ASSERT_FALSE(dict_file.empty()) << "no source-<id>.zdict in the index directory";
  auto reopened = storage::Index::Open(env.get(), dir.Join("index"), options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_GT((*reopened)->recovery().replayed_ops, 3000u);
  EXPECT_EQ(DumpIndex(*(*reopened)->GetSnapshot()), before);
  reopened->reset();

  // Without the dictionary file, the records that need it cannot be replayed: the index says
  // which file is missing instead of opening without those findings.
  const std::string moved = dir.Join("dict.bak");
  ASSERT_TRUE(env->RenameFile(dict_file, moved).ok());
  auto no_dict = storage::Index::Open(env.get(), dir.Join("index"), options);
  ASSERT_FALSE(no_dict.ok());
  EXPECT_NE(no_dict.status().message().find(std::string(BaseName(dict_file))), std::string::npos)
      << no_dict.status().ToString();
  // A damaged one is reported as such, and refused the same way.
  testing::WriteFileOrDie(dict_file, "not a dictionary");
  std::vector<std::string> lines;
  storage::IndexOptions logged = options;
  logged.log = [&lines](std::string_view line) { lines.emplace_back(line); };
  ASSERT_FALSE(storage::Index::Open(env.get(), dir.Join("index"), logged).ok());
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.find(dict_file) != std::string::npos && l.find("damaged") != std::string::npos;
  })) << "no log line names the damaged dictionary";
  ASSERT_TRUE(env->RemoveFile(dict_file).ok());
  ASSERT_TRUE(env->RenameFile(moved, dict_file).ok());
  auto restored = storage::Index::Open(env.get(), dir.Join("index"), options);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(DumpIndex(*(*restored)->GetSnapshot()), before);
  restored->reset();

  // Without the deriver the log cannot be replayed, and the index says so instead of opening
  // without the findings.
  storage::IndexOptions bare;
  bare.log = [](std::string_view) {};
  auto refused = storage::Index::Open(env.get(), dir.Join("index"), bare);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("deriver"), std::string::npos)
      << refused.status().ToString();
}

}  // namespace
}  // namespace vigil::ingest
