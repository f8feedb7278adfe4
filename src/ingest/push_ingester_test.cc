#include "ingest/push_ingester.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "archive/archive_format.h"
#include "env/fault_injection_env.h"
#include "ingest/findings_deriver.h"
#include "query/search.h"
#include "testing/test_util.h"

namespace vigil::ingest {
namespace {

using json = nlohmann::json;

class PushIngesterTest : public ::testing::Test {
 protected:
  PushIngesterTest() : base_(NewPosixEnv()), env_(base_.get()) {}

  void Open() {
    storage::IndexOptions options = IngestIndexOptions();
    options.background = false;
    options.log = [](std::string_view) {};
    auto index = storage::Index::Open(&env_, dir_.Join("data/indices/findings"), options);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(*index);
    archive_ = std::make_unique<archive::ArchiveWriter>(&env_, dir_.Join("data/archive"));
    archive::CommitStats recovered;
    ASSERT_TRUE(archive_->Open(&recovered).ok());
    push_ = std::make_unique<PushIngester>(archive_.get(), index_.get());
  }

  // The sample event with its finding's updatedAt and service.count changed.
  static std::string Version(const std::string& updated_at, int count) {
    json e = json::parse(testing::ReadFileOrDie(
        testing::SamplePath("foxsec__01__Stealth-IAMUser-LoggingConfigurationModified.json")));
    e["detail"]["updatedAt"] = updated_at;
    e["detail"]["service"]["count"] = count;
    return e.dump();
  }

  std::vector<std::string> Statuses(const PushResult& r) {
    std::vector<std::string> out;
    for (const PushItem& i : r.items) out.emplace_back(PushOutcomeName(i.outcome));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Env> base_;
  FaultInjectionEnv env_;
  std::unique_ptr<storage::Index> index_;
  std::unique_ptr<archive::ArchiveWriter> archive_;
  std::unique_ptr<PushIngester> push_;
};

TEST_F(PushIngesterTest, EachEventGetsItsOutcomeInOrderAndTheNewestVersionWins) {
  Open();
  const std::string v1 = Version("2024-01-01T00:00:00.000Z", 1);
  const std::string v2 = Version("2024-01-02T00:00:00.000Z", 2);
  const std::string v2_more = Version("2024-01-02T00:00:00.000Z", 3);
  Result<PushResult> r = push_->Ingest("push", v2, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Statuses(*r), std::vector<std::string>{"created"});
  EXPECT_EQ(r->items[0].id, "70b59ed2edb335b9fd22b159aa3234a0");
  // JSON Lines: an older version, a broken line, the same version, a higher count.
  r = push_->Ingest("push.jsonl", v1 + "\n{\"x\":\n" + v2 + "\n" + v2_more + "\n", 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Statuses(*r), (std::vector<std::string>{"stale", "rejected", "stale", "updated"}));
  EXPECT_EQ(r->items[1].location, "line 2, column 6");  // where the JSON breaks
  EXPECT_FALSE(r->items[1].reason.empty());
  EXPECT_EQ(r->stale, 2u);
  EXPECT_EQ(r->rejected, 1u);
  EXPECT_EQ(r->updated, 1u);
  auto snapshot = index_->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 1u);
  Result<std::optional<std::string>> doc =
      query::GetById(*snapshot, "70b59ed2edb335b9fd22b159aa3234a0");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ(json::parse(**doc)["service"]["count"], 3);
  // A push with nothing usable commits nothing and says why.
  r = push_->Ingest("push", "[1, 2]", 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Statuses(*r), (std::vector<std::string>{"rejected", "rejected"}));
  EXPECT_EQ(r->items[1].location, "line 1, column 5, array element 1");
}

TEST_F(PushIngesterTest, AFailedArchiveCommitAcknowledgesNothing) {
  Open();
  ASSERT_TRUE(push_->Ingest("push", Version("2024-01-01T00:00:00.000Z", 1), 1).ok());
  env_.FailAfter(0);  // every file write fails from now on
  Result<PushResult> r = push_->Ingest("push", Version("2024-01-05T00:00:00.000Z", 5), 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("archive"), std::string::npos) << r.status().ToString();
  // The index still holds the first version only.
  auto snapshot = index_->GetSnapshot();
  Result<std::optional<std::string>> doc =
      query::GetById(*snapshot, "70b59ed2edb335b9fd22b159aa3234a0");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ(json::parse(**doc)["service"]["count"], 1);
}

TEST_F(PushIngesterTest, AScopedPushTakesItsAccountsFindingsOnly) {
  Open();
  const std::string mine = Version("2024-01-01T00:00:00.000Z", 1);  // account 999999999
  json other = json::parse(mine);
  other["detail"]["accountId"] = "111111111111";
  other["detail"]["id"] = "another-account-finding";
  other["account"] = "111111111111";
  const std::vector<std::string> scope = {"999999999"};
  Result<PushResult> r = push_->Ingest("push.jsonl", other.dump() + "\n" + mine + "\n", 1, scope);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Statuses(*r), (std::vector<std::string>{"rejected", "created"}));
  EXPECT_EQ(r->items[0].id, "another-account-finding");
  EXPECT_EQ(r->items[0].location, "line 1");
  EXPECT_NE(r->items[0].reason.find("account [111111111111], outside the account scope"),
            std::string::npos)
      << r->items[0].reason;
  auto snapshot = index_->GetSnapshot();
  EXPECT_EQ(snapshot->live_docs(), 1u);
  // The scope lasts one call: an unscoped push takes the other account's finding.
  r = push_->Ingest("push", other.dump(), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Statuses(*r), std::vector<std::string>{"created"});
  // Write() refuses the same way, item by item.
  std::vector<FindingWrite> writes(2);
  const std::string v2 = Version("2024-01-02T00:00:00.000Z", 2);
  other["detail"]["updatedAt"] = "2024-01-02T00:00:00.000Z";
  const std::string other_detail = other["detail"].dump();
  const std::string mine_detail = json::parse(v2)["detail"].dump();
  writes[0].json = other_detail;
  writes[1].json = mine_detail;
  Result<std::vector<FindingWriteResult>> w = push_->Write(writes, 3, scope);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE((*w)[0].out_of_scope);
  EXPECT_FALSE((*w)[0].accepted);
  EXPECT_FALSE((*w)[1].out_of_scope);
  EXPECT_TRUE((*w)[1].accepted);
  EXPECT_EQ((*w)[1].outcome, storage::WriteOutcome::kUpdated);
}

}  // namespace
}  // namespace vigil::ingest
