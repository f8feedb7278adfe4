#include "ingest/finding_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ingest/findings_deriver.h"
#include "ingest/push_ingester.h"
#include "testing/test_util.h"

namespace vigil::ingest {
namespace {

using json = nlohmann::json;

FindingEvent Event(std::string id) {
  FindingEvent e;
  e.change = "created";
  e.id = std::move(id);
  e.summary = "{}";
  return e;
}

std::vector<std::string> TakeIds(FindingEventHub::Subscription& s, size_t max = 100) {
  std::vector<std::shared_ptr<const FindingEvent>> got;
  s.Take(&got, max);
  std::vector<std::string> ids;
  for (const auto& e : got) ids.push_back(e->id + "#" + std::to_string(e->seq));
  return ids;
}

TEST(FindingEventHubTest, EverySubscriberGetsEveryEventInOrderNumbered) {
  FindingEventHub hub;
  auto a = hub.Subscribe();
  hub.Publish({Event("x"), Event("y")});
  auto b = hub.Subscribe();  // sees only what comes after it
  hub.Publish({Event("z")});
  EXPECT_EQ(TakeIds(*a, 2), (std::vector<std::string>{"x#1", "y#2"}));
  EXPECT_EQ(TakeIds(*a), (std::vector<std::string>{"z#3"}));
  EXPECT_EQ(TakeIds(*b), (std::vector<std::string>{"z#3"}));
  EXPECT_EQ(hub.subscribers(), 2u);
  b.reset();
  hub.Publish({Event("w")});
  EXPECT_EQ(hub.subscribers(), 1u);
}

TEST(FindingEventHubTest, AnArmedSubscriberIsWokenOnceAndAFullOneOverflows) {
  FindingEventHub hub(3);
  auto s = hub.Subscribe();
  int woken = 0;
  ASSERT_TRUE(s->Arm([&] { ++woken; }));
  hub.Publish({Event("a")});
  hub.Publish({Event("b")});
  EXPECT_EQ(woken, 1);                     // once: it must arm again
  EXPECT_FALSE(s->Arm([&] { ++woken; }));  // events are waiting: take them now
  EXPECT_EQ(TakeIds(*s).size(), 2u);
  EXPECT_TRUE(s->Arm([&] { ++woken; }));
  hub.Publish({Event("c"), Event("d"), Event("e"), Event("f")});  // more than 3 waiting
  EXPECT_EQ(woken, 2);
  EXPECT_TRUE(s->overflowed());
  EXPECT_TRUE(TakeIds(*s).empty());
  EXPECT_FALSE(s->Arm([] {}));
}

TEST(FindingEventHubTest, PushesPublishCreatedAndUpdatedFindingsButNotStaleOnes) {
  testing::TempDir dir;
  std::unique_ptr<Env> env = NewPosixEnv();
  storage::IndexOptions options = IngestIndexOptions();
  options.background = false;
  options.log = [](std::string_view) {};
  auto index = storage::Index::Open(env.get(), dir.Join("index"), options);
  ASSERT_TRUE(index.ok());
  archive::ArchiveWriter archive(env.get(), dir.Join("archive"));
  archive::CommitStats recovered;
  ASSERT_TRUE(archive.Open(&recovered).ok());
  PushIngester push(&archive, index->get());
  FindingEventHub hub;
  push.SetEvents(&hub);
  auto s = hub.Subscribe();
  json e = json::parse(testing::ReadFileOrDie(
      testing::SamplePath("foxsec__01__Stealth-IAMUser-LoggingConfigurationModified.json")));
  const std::string v1 = e.dump();
  e["detail"]["service"]["count"] = 99;
  const std::string v2 = e.dump();
  ASSERT_TRUE(push.Ingest("push.jsonl", v1 + "\n" + v1 + "\n" + v2 + "\n", 1).ok());
  std::vector<std::shared_ptr<const FindingEvent>> got;
  s->Take(&got, 10);
  ASSERT_EQ(got.size(), 2u);  // created, (stale: nothing), updated
  EXPECT_EQ(got[0]->change, "created");
  EXPECT_EQ(got[1]->change, "updated");
  json summary = json::parse(got[1]->summary);
  EXPECT_EQ(summary["id"], e["detail"]["id"]);
  EXPECT_EQ(summary["count"], 99);
  EXPECT_EQ(summary["accountId"], e["detail"]["accountId"]);
  EXPECT_EQ(summary["title"], e["detail"]["title"]);
  EXPECT_TRUE(summary.contains("severityLabel"));
  EXPECT_EQ(got[1]->account_id, e["detail"]["accountId"]);
}

// Reads one finding; keeps its summary and its flattened document (as `vigil flatten` prints it).
class SummarySink : public findings::FindingSink {
 public:
  void OnFinding(const findings::ReadFinding& f) override {
    summary = json::parse(SummarizeFinding(f));
    std::string text;
    f.document->WriteJson(&text);
    document = json::parse(text);
  }
  void OnIssue(const findings::ReadIssue& issue) override { ADD_FAILURE() << issue.reason; }
  json summary;
  json document;
};

TEST(SummarizeFindingTest, NamesTheFindingAndTheFirstValueOfTheFieldsItPicks) {
  findings::FindingReader reader;
  SummarySink sink;
  reader.Read("probe.json",
              testing::ReadFileOrDie(testing::SamplePath(
                  "security_monkey-fork__01__Recon-EC2-PortProbeUnprotectedPort.json")),
              1, &sink);
  const json& s = sink.summary;
  const json& d = sink.document;
  ASSERT_TRUE(s.is_object());
  auto first = [&d](const char* field) { return d[field].is_array() ? d[field][0] : d[field]; };
  EXPECT_EQ(s["id"], d["id"]);
  EXPECT_EQ(s["type"], d["type"]);
  EXPECT_EQ(s["severity"], d["severity"]);
  EXPECT_EQ(s["accountId"], d["accountId"]);
  EXPECT_EQ(s["region"], d["region"]);
  EXPECT_EQ(s["updatedAt"], d["updatedAt"]);
  EXPECT_EQ(s["count"], d["service.count"]);
  EXPECT_EQ(s["title"], d["title"]);
  EXPECT_EQ(s["severityLabel"], d["derived.severityLabel"]);
  // A port probe by two attackers (KR, US): the first one's address, country and location.
  ASSERT_TRUE(d.contains("derived.attacker.ip"));
  EXPECT_EQ(s["attackerIp"], first("derived.attacker.ip"));
  EXPECT_EQ(s["attackerCountryCode"], "KR");
  EXPECT_EQ(s["attackerCountryCode"], first("derived.attacker.countryCode"));
  EXPECT_EQ(s["attackerCountry"], first("derived.attacker.countryName"));
  EXPECT_EQ(s["attackerLocation"], first("derived.attacker.location"));
  EXPECT_TRUE(s["attackerLocation"].contains("lat"));
  EXPECT_EQ(s.size(), 13u);
}

}  // namespace
}  // namespace vigil::ingest
