#include "ingest/document_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "ingest/findings_deriver.h"
#include "testing/test_util.h"

namespace vigil::ingest {
namespace {

using json = nlohmann::json;

constexpr std::string_view kSampleId = "70b59ed2edb335b9fd22b159aa3234a0";

class DocumentWriterTest : public ::testing::Test {
 protected:
  DocumentWriterTest() : env_(NewPosixEnv()) {
    storage::IndexOptions options = IngestIndexOptions();
    options.background = false;
    options.log = [](std::string_view) {};
    auto engine = storage::Engine::Open(env_.get(), dir_.Join("data"), options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    archive_ = std::make_unique<archive::ArchiveWriter>(env_.get(), dir_.Join("data/archive"));
    archive::CommitStats recovered;
    EXPECT_TRUE(archive_->Open(&recovered).ok());
    push_ = std::make_unique<PushIngester>(
        archive_.get(), [this] { return engine_->GetIndex(storage::kDefaultIndex, true); });
    writer_ = std::make_unique<DocumentWriter>(engine_.get(), push_.get());
  }

  std::vector<DocResult> Apply(std::string_view index, const std::vector<DocOp>& ops) {
    Result<std::vector<DocResult>> r = writer_->Apply(index, ops, 1'700'000'000'000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<DocResult>{};
  }

  std::optional<json> Get(std::string_view index, std::string_view id) {
    auto ix = engine_->GetIndex(index, false);
    if (!ix.ok()) return std::nullopt;
    auto source = (*ix)->GetSnapshot()->GetSource(id);
    if (!source.ok() || !source->has_value()) return std::nullopt;
    return json::parse(**source);
  }

  static std::vector<std::string> Results(const std::vector<DocResult>& results) {
    std::vector<std::string> out;
    for (const DocResult& r : results) {
      out.emplace_back(r.kind == DocResultKind::kFailed ? r.error.detail()
                                                        : std::string(DocResultName(r.kind)));
    }
    return out;
  }

  static std::string Sample(const std::string& updated_at, int count) {
    json e = json::parse(testing::ReadFileOrDie(
        testing::SamplePath("foxsec__01__Stealth-IAMUser-LoggingConfigurationModified.json")));
    e["detail"]["updatedAt"] = updated_at;
    e["detail"]["service"]["count"] = count;
    return e["detail"].dump();
  }

  testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<archive::ArchiveWriter> archive_;
  std::unique_ptr<PushIngester> push_;
  std::unique_ptr<DocumentWriter> writer_;
};

DocOp Op(DocOpType type, std::string id, std::string_view source = {}) {
  DocOp op;
  op.type = type;
  op.id = std::move(id);
  op.source = source;
  return op;
}

TEST_F(DocumentWriterTest, GenericDocumentsFollowElasticsearchSemanticsInOrder) {
  const std::string a1 = R"({"user":{"name":"ann","age":30},"tags":["x"]})";
  const std::string a2 = R"({"user":{"name":"ann","age":31}})";
  const std::string patch = R"({"user":{"age":32},"extra":true})";
  const std::string same = R"({"extra":true})";
  const std::string bad = R"({"user": )";
  std::vector<DocOp> ops = {
      Op(DocOpType::kIndex, "a", a1),    Op(DocOpType::kCreate, "a", a2),
      Op(DocOpType::kIndex, "a", a2),    Op(DocOpType::kUpdate, "a", patch),
      Op(DocOpType::kUpdate, "a", same), Op(DocOpType::kUpdate, "missing", patch),
      Op(DocOpType::kIndex, "b", bad),   Op(DocOpType::kIndex, "c", "[1,2]"),
      Op(DocOpType::kDelete, "nothing"), Op(DocOpType::kCreate, "d", a1),
      Op(DocOpType::kDelete, "d"),
  };
  std::vector<DocResult> r = Apply("people", ops);
  EXPECT_EQ(Results(r), (std::vector<std::string>{
                            "created", "version_conflict_engine_exception", "updated", "updated",
                            "noop", "document_missing_exception", "mapper_parsing_exception",
                            "mapper_parsing_exception", "not_found", "created", "deleted"}));
  // The update merged into what the index op before it wrote, in the same batch.
  EXPECT_EQ(Get("people", "a"), json::parse(R"({"user":{"name":"ann","age":32},"extra":true})"));
  EXPECT_FALSE(Get("people", "d").has_value());
  EXPECT_NE(r[6].error.message().find("byte"), std::string::npos) << r[6].error.ToString();
  // Fields are flattened and searchable by their dotted names: the mapping says so.
  auto ix = engine_->GetIndex("people", false);
  ASSERT_TRUE(ix.ok());
  auto snapshot = (*ix)->GetSnapshot();
  EXPECT_NE(snapshot->mapping->Find("user.age"), nullptr);
  EXPECT_EQ(snapshot->live_docs(), 1u);
}

TEST_F(DocumentWriterTest, UpsertsAndGeneratedIds) {
  DocOp upsert = Op(DocOpType::kUpdate, "u", R"({"n":2})");
  upsert.upsert = R"({"n":1})";
  DocOp as_upsert = Op(DocOpType::kUpdate, "v", R"({"n":5})");
  as_upsert.doc_as_upsert = true;
  std::vector<DocResult> r =
      Apply("counters", {upsert, as_upsert, Op(DocOpType::kIndex, "", R"({"n":7})"),
                         Op(DocOpType::kIndex, "", R"({"n":8})"), upsert});
  EXPECT_EQ(Results(r),
            (std::vector<std::string>{"created", "created", "created", "created", "updated"}));
  EXPECT_EQ(Get("counters", "u"), json::parse(R"({"n":2})"));
  EXPECT_EQ(Get("counters", "v"), json::parse(R"({"n":5})"));
  EXPECT_EQ(r[2].id.size(), 20u);
  EXPECT_NE(r[2].id, r[3].id);
  EXPECT_EQ(Get("counters", r[3].id), json::parse(R"({"n":8})"));
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(DocumentWriter::NewId());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST_F(DocumentWriterTest, TheFindingsIndexTakesFindingsOnlyNewestVersionWins) {
  const std::string v1 = Sample("2024-01-01T00:00:00.000Z", 1);
  const std::string v2 = Sample("2024-01-02T00:00:00.000Z", 2);
  std::vector<DocResult> r =
      Apply("findings", {Op(DocOpType::kIndex, "", v2), Op(DocOpType::kIndex, "", v1),
                         Op(DocOpType::kCreate, std::string(kSampleId), v2),
                         Op(DocOpType::kIndex, "wrong-id", v2),
                         Op(DocOpType::kIndex, "", R"({"not":"a finding"})"),
                         Op(DocOpType::kUpdate, std::string(kSampleId), R"({"a":1})")});
  EXPECT_EQ(Results(r),
            (std::vector<std::string>{"created", "noop", "version_conflict_engine_exception",
                                      "mapper_parsing_exception", "mapper_parsing_exception",
                                      "illegal_argument_exception"}));
  EXPECT_EQ(r[0].id, kSampleId);
  std::optional<json> stored = Get("findings", kSampleId);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ((*stored)["service"]["count"], 2);
  // Enriched like any ingested finding: the derived fields are in the mapping.
  auto ix = engine_->GetIndex("findings", false);
  EXPECT_NE((*ix)->GetSnapshot()->mapping->Find("derived.severityLabel"), nullptr);
  // Deleted by id, in order with the writes around it.
  r = Apply("findings",
            {Op(DocOpType::kDelete, std::string(kSampleId)),
             Op(DocOpType::kDelete, std::string(kSampleId)), Op(DocOpType::kIndex, "", v1)});
  EXPECT_EQ(Results(r), (std::vector<std::string>{"deleted", "not_found", "created"}));
  EXPECT_EQ((*Get("findings", kSampleId))["service"]["count"], 1);
}

TEST_F(DocumentWriterTest, AnInvalidIndexNameFailsTheWholeCall) {
  Result<std::vector<DocResult>> r =
      writer_->Apply("Bad*Name", std::vector<DocOp>{Op(DocOpType::kIndex, "a", "{}")}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// An account-scoped writer indexes its own accounts' findings only, and may neither delete nor
// write generic documents (they have no account to check).
TEST_F(DocumentWriterTest, AScopedWriterWritesItsAccountsFindingsOnly) {
  const std::vector<std::string> scope = {"999999999"};  // the sample's account
  json other = json::parse(Sample("2024-01-01T00:00:00.000Z", 1));
  other["accountId"] = "111111111111";
  other["id"] = "other-account";
  const std::string mine = Sample("2024-01-01T00:00:00.000Z", 1);
  const std::string theirs = other.dump();  // DocOp holds a view
  const std::vector<DocOp> ops = {Op(DocOpType::kIndex, "", mine),
                                  Op(DocOpType::kIndex, "", theirs),
                                  Op(DocOpType::kDelete, std::string(kSampleId))};
  Result<std::vector<DocResult>> r = writer_->Apply("findings", ops, 1, scope);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Results(*r),
            (std::vector<std::string>{"created", "security_exception", "security_exception"}));
  EXPECT_NE((*r)[1].error.message().find("account [111111111111]"), std::string::npos)
      << (*r)[1].error.ToString();
  EXPECT_TRUE(Get("findings", kSampleId).has_value());  // the delete did not happen
  EXPECT_FALSE(Get("findings", "other-account").has_value());
  r = writer_->Apply("notes", std::vector<DocOp>{Op(DocOpType::kIndex, "a", R"({"x":1})")}, 1,
                     scope);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Results(*r), std::vector<std::string>{"security_exception"});
  EXPECT_FALSE(Get("notes", "a").has_value());
}

}  // namespace
}  // namespace vigil::ingest
