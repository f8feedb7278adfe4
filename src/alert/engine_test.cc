#include "alert/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "base/time.h"
#include "findings/finding_reader.h"
#include "ingest/finding_events.h"
#include "ingest/findings_deriver.h"
#include "testing/test_util.h"

namespace vigil::alert {
namespace {

using json = nlohmann::json;

const int64_t kNow = *ParseTimestamp("2026-12-01T12:00:00.000Z");

// A finding: the sample with its id, type, account, severity, count and updatedAt (minutes
// before kNow) replaced.
std::string Finding(const std::string& id, double severity, int count, int minutes_ago = 1,
                    const std::string& type = "Recon:EC2/PortProbeUnprotectedPort",
                    const std::string& account = "111111111111", bool sample = false) {
  json f = json::parse(vigil::testing::ReadFileOrDie(vigil::testing::SamplePath(
      "foxsec__01__Stealth-IAMUser-LoggingConfigurationModified.json")))["detail"];
  f["id"] = id;
  f["type"] = type;
  f["accountId"] = account;
  f["severity"] = severity;
  f["service"]["count"] = count;
  f["service"]["additionalInfo"] = {{"sample", sample}};
  f["updatedAt"] = FormatTimestamp(kNow - minutes_ago * 60'000LL + count);
  return f.dump();
}

// Shows the engine every commit without letting it capture the findings as the ingester reads
// them (CommitObserver::Capture): it reads them back from the index instead, as it does for an
// offline load or when its rules changed between the read and the commit.
class ReadBack : public ingest::CommitObserver {
 public:
  explicit ReadBack(AlertEngine* engine) : engine_(engine) {}
  bool active() const override { return engine_->active(); }
  Status OnCommit(const ingest::CommittedWrite& write) override { return engine_->OnCommit(write); }

 private:
  AlertEngine* engine_;
};

class AlertEngineTest : public ::testing::Test {
 protected:
  AlertEngineTest() : env_(NewPosixEnv()) { Open(); }

  void Open() {
    push_.reset();
    read_back_.reset();
    engine_.reset();
    archive_.reset();
    outbox_.reset();
    store_.reset();
    db_.reset();
    storage::IndexOptions options = ingest::IngestIndexOptions();
    options.background = false;
    options.log = [](std::string_view) {};
    auto db = storage::Engine::Open(env_.get(), dir_.Join(data_), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    archive_ = std::make_unique<archive::ArchiveWriter>(env_.get(), dir_.Join(data_ + "/archive"));
    archive::CommitStats recovered;
    ASSERT_TRUE(archive_->Open(&recovered).ok());
    push_ = std::make_unique<ingest::PushIngester>(
        archive_.get(), [this] { return db_->GetIndex(storage::kDefaultIndex, true); });
    auto store = AlertStore::Open(env_.get(), dir_.Join(data_ + "/alerts/definitions.json"), {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto outbox = Outbox::Open(env_.get(), dir_.Join(data_ + "/alerts/outbox"));
    ASSERT_TRUE(outbox.ok());
    outbox_ = std::move(*outbox);
    AlertEngineOptions eo;
    eo.clock = [this] { return now_; };
    eo.threshold_min_interval_ms = threshold_interval_;
    eo.log = [this](std::string_view line) { log_.emplace_back(line); };
    engine_ = std::make_unique<AlertEngine>(db_.get(), store_.get(), outbox_.get(), eo);
    ASSERT_TRUE(engine_->Start().ok());
    engine_->SetSink([this](std::vector<Notification> ns) {
      for (Notification& n : ns) sent_.push_back(std::move(n));
    });
    read_back_ = std::make_unique<ReadBack>(engine_.get());
    push_->SetObserver(capture_ ? static_cast<ingest::CommitObserver*>(engine_.get())
                                : read_back_.get());
  }

  void Channel(const std::string& name) {
    auto c =
        ParseChannel(R"({"name":")" + name + R"(","type":"webhook","url":"http://127.0.0.1:9/"})");
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(store_->PutChannel(*c, true).ok());
  }

  void AddRule(const std::string& text) {
    auto r = ParseRule(text);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Status s = store_->PutRule(*r, true);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Pushes `body`; returns the alerts notified since the last call (one per notification's
  // alert, as JSON), in order.
  std::vector<json> Push(const std::string& body) {
    Result<ingest::PushResult> r = push_->Ingest("push.jsonl", body, now_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return Take();
  }

  std::vector<json> Take() {
    std::vector<json> out;
    for (const Notification& n : sent_) out.push_back(json::parse(n.alert));
    sent_.clear();
    return out;
  }

  std::vector<json> AlertDocs() {
    std::vector<json> out;
    auto index = db_->GetIndex(kAlertsIndex, false);
    if (!index.ok()) return out;
    auto snapshot = (*index)->GetSnapshot();
    for (const storage::SegmentView& v : snapshot->segments) {
      for (uint32_t d = 0; d < v.segment->num_docs(); ++d) {
        if (v.IsLive(d)) out.push_back(json::parse(*v.segment->Source(d)));
      }
    }
    return out;
  }

  vigil::testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  std::unique_ptr<storage::Engine> db_;
  std::unique_ptr<archive::ArchiveWriter> archive_;
  std::unique_ptr<ingest::PushIngester> push_;
  std::unique_ptr<AlertStore> store_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<AlertEngine> engine_;
  std::unique_ptr<ReadBack> read_back_;
  std::string data_ = "data";  // the data directory, under dir_
  bool capture_ = true;        // false: the engine reads the findings back (ReadBack)
  std::vector<Notification> sent_;
  std::vector<std::string> log_;
  int64_t now_ = kNow;
  int64_t threshold_interval_ = 0;  // every commit searches (ThresholdWaitsForTheTick: not)
};

TEST_F(AlertEngineTest, FindingRuleAlertsOnceAndAgainOnlyOnARiseOrAGrowth) {
  Channel("hook");
  AddRule(R"({"name":"high","query":{"kql":"severity >= 5"},"channels":["hook"],
              "count_increase":10})");
  // A new matching finding alerts; one that does not match does not.
  std::vector<json> a = Push(Finding("f1", 5, 1) + "\n" + Finding("f2", 2, 1));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["rule"], "high");
  EXPECT_EQ(a[0]["reason"], "new finding");
  EXPECT_EQ(a[0]["finding_ids"], json::array({"f1"}));
  EXPECT_EQ(a[0]["findings"][0]["id"], "f1");
  // The same version again (stale), a newer one with no change that matters: nothing.
  EXPECT_TRUE(Push(Finding("f1", 5, 1)).empty());
  EXPECT_TRUE(Push(Finding("f1", 6, 5)).empty());
  // Severity rises into High: again.
  a = Push(Finding("f1", 7.5, 6));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["reason"], "severity rose into High");
  // The count grows by 10 since the last alert (6 -> 16).
  EXPECT_TRUE(Push(Finding("f1", 7.5, 15)).empty());
  a = Push(Finding("f1", 7.5, 16));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["reason"], "service.count grew by 10 or more");
  // f2 rises into the query: a first alert for it.
  a = Push(Finding("f2", 5, 2));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["finding_ids"], json::array({"f2"}));
  // Every alert is in the alerts index and its notification in the outbox.
  EXPECT_EQ(AlertDocs().size(), 4u);
  EXPECT_EQ(outbox_->pending(), 4u);
  for (const json& doc : AlertDocs()) EXPECT_EQ(doc["delivery"]["hook"]["status"], "pending");
  // The alerts index maps the lists as multi-valued fields, not one field per position.
  auto mapping = (*db_->GetIndex(kAlertsIndex, false))->GetSnapshot()->mapping;
  EXPECT_NE(mapping->Find("finding_ids"), nullptr);
  EXPECT_NE(mapping->Find("findings.type"), nullptr);
  EXPECT_NE(mapping->Find("delivery.hook.status"), nullptr);
  EXPECT_EQ(mapping->Find("finding_ids.0"), nullptr);
  EXPECT_EQ(mapping->Find("findings.0.id"), nullptr);
}

TEST_F(AlertEngineTest, StateSurvivesARestart) {
  Channel("hook");
  AddRule(R"({"name":"any","query":{"kql":"*"},"channels":["hook"]})");
  ASSERT_EQ(Push(Finding("f1", 5, 1)).size(), 1u);
  Open();
  EXPECT_TRUE(Push(Finding("f1", 5, 2)).empty());  // already alerted before the restart
  EXPECT_EQ(Push(Finding("f1", 8, 3)).size(), 1u);
  EXPECT_EQ(outbox_->pending(), 2u);  // nothing was delivered in this test
}

TEST_F(AlertEngineTest, VersionsInOneCommitAreJudgedInTurn) {
  Channel("hook");
  AddRule(R"({"name":"any","query":{"kql":"severity >= 4"},"channels":["hook"]})");
  // f1 appears at Medium and rises into High within one push: two reasons, two alerts.
  std::vector<json> a = Push(Finding("f1", 5, 1) + "\n" + Finding("f1", 8, 2));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0]["reason"], "new finding");
  EXPECT_EQ(a[1]["reason"], "severity rose into High");
}

TEST_F(AlertEngineTest, SampleFindingsAlertOnlyWhenAsked) {
  Channel("hook");
  AddRule(R"({"name":"real","query":{"kql":"*"},"channels":["hook"]})");
  AddRule(R"({"name":"all","query":{"kql":"*"},"channels":["hook"],"include_samples":true})");
  std::vector<json> a = Push(Finding("s1", 5, 1, 1, "Recon:EC2/Portscan", "111111111111", true));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["rule"], "all");
}

TEST_F(AlertEngineTest, ThrottleHoldsBackAndTheDigestSumsUp) {
  Channel("hook");
  AddRule(R"({"name":"t","query":{"kql":"*"},"channels":["hook"],"throttle":"1m"})");
  ASSERT_EQ(Push(Finding("f1", 5, 1)).size(), 1u);
  now_ += 10'000;
  EXPECT_TRUE(Push(Finding("f2", 5, 1)).empty());
  EXPECT_TRUE(Push(Finding("f3", 5, 1)).empty());
  ASSERT_TRUE(engine_->Tick(now_).ok());
  EXPECT_TRUE(Take().empty());  // the throttle has not ended
  now_ += 60'000;
  ASSERT_TRUE(engine_->Tick(now_).ok());
  std::vector<json> a = Take();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["kind"], "digest");
  EXPECT_EQ(a[0]["finding_ids"], json::array({"f2", "f3"}));
  EXPECT_EQ(a[0]["digest_of"].size(), 2u);
  ASSERT_TRUE(engine_->Tick(now_ + 120'000).ok());
  EXPECT_TRUE(Take().empty());  // nothing more to sum up
  size_t suppressed = 0;
  for (const json& d : AlertDocs()) suppressed += d["status"] == "suppressed" ? 1 : 0;
  EXPECT_EQ(suppressed, 2u);
}

TEST_F(AlertEngineTest, SuppressedAlertsAwaitingADigestSurviveARestart) {
  Channel("hook");
  AddRule(R"({"name":"t","query":{"kql":"*"},"channels":["hook"],"throttle":"1m"})");
  ASSERT_EQ(Push(Finding("f1", 5, 1)).size(), 1u);
  EXPECT_TRUE(Push(Finding("f2", 5, 1)).empty());
  Open();
  now_ += 61'000;
  ASSERT_TRUE(engine_->Tick(now_).ok());
  std::vector<json> a = Take();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["finding_ids"], json::array({"f2"}));
}

TEST_F(AlertEngineTest, ThresholdPerGroupWithinItsWindow) {
  Channel("hook");
  AddRule(R"({"name":"burst","kind":"threshold","query":{"kql":"type:Recon*"},
              "channels":["hook"],"window":"5m","threshold":2,"group_by":"accountId"})");
  EXPECT_TRUE(Push(Finding("a1", 5, 1, 1, "Recon:A", "111111111111")).empty());
  EXPECT_TRUE(Push(Finding("b1", 5, 1, 1, "Recon:A", "222222222222")).empty());
  // Outside the window: not counted.
  EXPECT_TRUE(Push(Finding("a0", 5, 1, 30, "Recon:A", "111111111111")).empty());
  EXPECT_TRUE(Push(Finding("a2", 5, 1, 2, "Recon:A", "111111111111")).empty());
  std::vector<json> a = Push(Finding("a3", 5, 1, 1, "Recon:A", "111111111111"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["kind"], "threshold");
  EXPECT_EQ(a[0]["group"], "111111111111");
  EXPECT_EQ(a[0]["count"], 3);
  EXPECT_EQ(a[0]["finding_ids"].size(), 3u);
  // Still over, within the window: quiet. The other account is not over.
  EXPECT_TRUE(Push(Finding("a4", 5, 1, 1, "Recon:A", "111111111111")).empty());
  EXPECT_TRUE(Push(Finding("b2", 5, 1, 1, "Recon:A", "222222222222")).empty());
  // The scheduled evaluation: the second account has two matches (b3 does not match), the
  // first is quiet within its window.
  EXPECT_TRUE(Push(Finding("b3", 5, 1, 1, "Other:A", "222222222222")).empty());
  ASSERT_TRUE(engine_->Tick(now_).ok());
  EXPECT_TRUE(Take().empty());
}

TEST_F(AlertEngineTest, PreviewReplaysWhatTheRuleWouldHaveSent) {
  // Findings pushed with no rule: three of one type a minute apart, one of another.
  Push(Finding("p1", 5, 1, 3, "A:B/C") + "\n" + Finding("p2", 5, 1, 2, "A:B/C") + "\n" +
       Finding("p3", 5, 1, 1, "A:B/C") + "\n" + Finding("p4", 8, 1, 1, "X:Y/Z"));
  auto preview = [&](const std::string& text) {
    Result<Rule> rule = ParseRule(text);
    EXPECT_TRUE(rule.ok()) << rule.status().ToString();
    Result<std::string> p = engine_->Preview(*rule, 86'400'000);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? json::parse(*p) : json();
  };
  json p =
      preview(R"({"name":"r","query":{"kql":"type:A*"},"channels":["a","b"],"throttle":"5m"})");
  EXPECT_EQ(p["matches"], 3);
  EXPECT_EQ(p["would_send"]["replayed"], 3);
  EXPECT_EQ(p["would_send"]["alerts"], 1);  // the first; the throttle holds the others back
  EXPECT_EQ(p["would_send"]["notifications"], 2);
  EXPECT_EQ(p["would_send"]["held_back"], 2);
  EXPECT_EQ(p["would_send"]["alerts_listed"][0]["finding_ids"], json::array({"p1"}));
  p = preview(R"({"name":"t","kind":"threshold","query":{"kql":"*"},"channels":["a"],
                  "window":"5m","threshold":2})");
  EXPECT_EQ(p["would_send"]["alerts"], 1);
  EXPECT_EQ(p["would_send"]["alerts_listed"][0]["count"], 3);  // at the third of the minute
  p = preview(R"({"name":"f","kind":"first_seen","query":{"kql":"*"},"channels":["a"],
                  "field":"type","lookback":"1d"})");
  EXPECT_EQ(p["would_send"]["alerts"], 2);
  EXPECT_EQ(outbox_->pending(), 0u);  // nothing was sent
}

TEST_F(AlertEngineTest, ThresholdWaitsForTheTickBetweenSearches) {
  threshold_interval_ = 1000;
  Open();
  Channel("hook");
  AddRule(R"({"name":"burst","kind":"threshold","query":{"kql":"*"},"channels":["hook"],
              "window":"5m","threshold":1,"group_by":"accountId"})");
  EXPECT_TRUE(Push(Finding("a1", 5, 1)).empty());  // searched: 1 is not more than 1
  EXPECT_TRUE(Push(Finding("a2", 5, 1)).empty());  // within the interval: not searched yet
  now_ += 500;
  ASSERT_TRUE(engine_->Tick(now_).ok());  // the tick evaluates the waiting group
  std::vector<json> a = Take();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["count"], 2);
}

TEST_F(AlertEngineTest, FirstSeenValuesWithinTheLookback) {
  Channel("hook");
  AddRule(R"({"name":"new-type","kind":"first_seen","query":{"kql":"*"},"channels":["hook"],
              "field":"type","lookback":"1d","group_by":"accountId"})");
  // An old finding of type A (two days ago) is outside the look-back.
  EXPECT_EQ(Push(Finding("old", 5, 1, 2 * 24 * 60, "A:B/C", "111111111111")).size(), 1u);
  std::vector<json> a =
      Push(Finding("f1", 5, 1, 1, "A:B/C") + "\n" + Finding("f2", 5, 1, 1, "A:B/C"));
  ASSERT_EQ(a.size(), 1u);  // the old one is outside the look-back: new again, once
  EXPECT_EQ(a[0]["finding_ids"], json::array({"f1", "f2"}));
  EXPECT_TRUE(Push(Finding("f3", 5, 1, 1, "A:B/C")).empty());
  // The same type in another account is new there.
  EXPECT_EQ(Push(Finding("f4", 5, 1, 1, "A:B/C", "222222222222")).size(), 1u);
  // An update of f1 with its type is not new.
  EXPECT_TRUE(Push(Finding("f1", 5, 2, 1, "A:B/C")).empty());
  // Findings delivered late (an export, a replay) are judged against the look-back before
  // their own time: five days old and new then, alerts; an hour later with the same type, does
  // not (though both are older than the day before now); a day and a half later, new again.
  EXPECT_EQ(Push(Finding("late1", 5, 1, 5 * 24 * 60, "X:Y/Z")).size(), 1u);
  EXPECT_TRUE(Push(Finding("late2", 5, 1, 5 * 24 * 60 - 60, "X:Y/Z")).empty());
  EXPECT_EQ(Push(Finding("late3", 5, 1, 3 * 24 * 60 + 12 * 60, "X:Y/Z")).size(), 1u);
}

TEST_F(AlertEngineTest, CapturedAndReadBackFindingsAlertAlike) {
  // The same pushes through every kind of rule, with templates naming the finding's fields: the
  // engine that captures the findings as they are read and the one that reads them back from
  // the index send the same alerts.
  auto run = [this](bool capture) {
    data_ = capture ? "captured" : "read-back";
    capture_ = capture;
    Open();
    auto c = ParseChannel(R"({"name":"hook","type":"webhook","url":"http://127.0.0.1:9/",
        "title_template":"{{type}} in {{accountId}} by {{resource.accessKeyDetails.userName}}",
        "body_template":"{{region}} {{severity}} {{service.count}} {{missing.field}}"})");
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE(store_->PutChannel(*c, true).ok());
    AddRule(R"({"name":"high","query":{"kql":"severity >= 5"},"channels":["hook"],
                "group_by":"accountId"})");
    AddRule(R"({"name":"new-type","kind":"first_seen","query":{"kql":"*"},"channels":["hook"],
                "field":"type","lookback":"1d","group_by":"accountId"})");
    AddRule(R"({"name":"burst","kind":"threshold","query":{"kql":"type:Recon*"},
                "channels":["hook"],"window":"5m","threshold":1,"group_by":"accountId",
                "cardinality_field":"type"})");
    std::vector<json> alerts;
    for (const std::string& body : {Finding("a1", 5, 1, 1, "Recon:A/B", "111111111111") + "\n" +
                                        Finding("b1", 2, 1, 1, "Recon:C/D", "222222222222"),
                                    Finding("a1", 8, 2, 1, "Recon:A/B", "111111111111"),
                                    Finding("a2", 3, 1, 1, "Recon:E/F", "111111111111") + "\n" +
                                        Finding("b2", 6, 1, 1, "Trojan:A/B", "222222222222")}) {
      for (json& a : Push(body)) alerts.push_back(std::move(a));
    }
    return alerts;
  };
  const std::vector<json> captured = run(true);
  const std::vector<json> read_back = run(false);
  ASSERT_EQ(captured.size(), read_back.size());
  ASSERT_GE(captured.size(), 6u);
  std::set<std::string> kinds;
  for (size_t i = 0; i < captured.size(); ++i) {
    for (const char* key : {"rule", "kind", "reason", "group", "resource", "title", "body",
                            "severity", "count", "finding_ids", "findings"}) {
      EXPECT_EQ(captured[i][key], read_back[i][key]) << key << " of alert " << i;
    }
    kinds.insert(captured[i]["kind"].get<std::string>());
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"finding", "first_seen", "threshold"}));
  // The templates were filled from the finding's fields.
  EXPECT_EQ(captured[0]["title"], "Recon:A/B in 111111111111 by GeneratedFindingUserName");
}

// Keeps the summary (ingest::SummarizeFinding) of each finding read.
class SummarySink : public findings::FindingSink {
 public:
  void OnFinding(const findings::ReadFinding& f) override {
    summaries[std::string(f.meta.id)] = json::parse(ingest::SummarizeFinding(f));
  }
  void OnIssue(const findings::ReadIssue& issue) override { ADD_FAILURE() << issue.reason; }
  std::map<std::string, json> summaries;
};

TEST_F(AlertEngineTest, AnAlertSummarizesItsFindingsAsTheLiveEventsDo) {
  // An alert's summaries are made from the rules' facts when it is raised, not by
  // ingest::SummarizeFinding as the finding is read: on every real sample (port probes with
  // several attackers, locations, findings without an attacker), both say the same, whether
  // the engine captured the findings or read them back.
  std::vector<std::string> samples;
  for (const auto& e : std::filesystem::directory_iterator(vigil::testing::SamplePath(""))) {
    if (e.path().extension() == ".json") samples.push_back(e.path().string());
  }
  std::sort(samples.begin(), samples.end());
  ASSERT_GE(samples.size(), 20u);
  for (bool capture : {true, false}) {
    data_ = capture ? "captured" : "read-back";
    capture_ = capture;
    Open();
    Channel("hook");
    AddRule(R"({"name":"all","query":{"kql":"*"},"channels":["hook"],"include_samples":true})");
    std::map<std::string, json> alerted;
    for (const std::string& path : samples) {
      const std::string text = vigil::testing::ReadFileOrDie(path);
      SummarySink expected;
      findings::FindingReader().Read(path, text, 1, &expected);
      ASSERT_EQ(expected.summaries.size(), 1u) << path;
      Result<ingest::PushResult> r = push_->Ingest(path, text, now_);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::vector<json> alerts = Take();
      // A few samples are versions of the same finding: an older one is stale, a newer one an
      // update that the rule need not alert on again.
      if (r->stale == 1) continue;
      ASSERT_EQ(r->created + r->updated, 1u) << path;
      ASSERT_LE(alerts.size(), 1u) << path;
      const auto& [id, summary] = *expected.summaries.begin();
      if (r->updated == 1 && alerts.empty()) continue;
      ASSERT_EQ(alerts.size(), 1u) << path << ": no alert for " << id;
      ASSERT_EQ(alerts[0]["finding_ids"], json::array({id})) << path;
      ASSERT_EQ(alerts[0]["findings"].size(), 1u) << path;
      EXPECT_EQ(alerts[0]["findings"][0], summary)
          << path << (capture ? " (captured)" : " (read back)");
      alerted[id] = alerts[0]["findings"][0];
    }
    EXPECT_GE(alerted.size(), samples.size() - 5);
    size_t with_location = 0;
    for (const auto& [id, summary] : alerted) with_location += summary.contains("attackerLocation");
    EXPECT_GE(with_location, 3u);  // the location's "lat,lon" text made an object again
  }
}

TEST_F(AlertEngineTest, RuleQueriesFollowNewFieldsAndTheClock) {
  // A rule's compiled query is kept from commit to commit; it must still see a field that
  // appears later, and a query relative to now must follow the clock.
  Channel("hook");
  AddRule(R"({"name":"marked","query":{"kql":"service.additionalInfo.marker:x"},
              "channels":["hook"]})");
  AddRule(R"({"name":"recent","query":{"kql":"updatedAt >= \"now-10m\""},"channels":["hook"]})");
  std::vector<json> a = Push(Finding("f1", 5, 1));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["rule"], "recent");
  json marked = json::parse(Finding("f2", 5, 1));
  marked["service"]["additionalInfo"]["marker"] = "x";
  a = Push(marked.dump());
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0]["rule"], "marked");
  EXPECT_EQ(a[1]["rule"], "recent");
  // An hour later, a finding updated an hour ago (and eleven minutes) is not recent.
  now_ += 3'600'000;
  EXPECT_TRUE(Push(Finding("f3", 5, 1, 11)).empty());
  EXPECT_EQ(Push(Finding("f4", 5, 1, -55)).size(), 1u);
}

TEST_F(AlertEngineTest, DisabledRulesDoNotRun) {
  Channel("hook");
  AddRule(R"({"name":"off","query":{"kql":"*"},"channels":["hook"],"enabled":false})");
  EXPECT_TRUE(Push(Finding("f1", 5, 1)).empty());
  EXPECT_FALSE(engine_->active());
  AddRule(R"({"name":"on","query":{"kql":"*"},"channels":["hook"]})");
  EXPECT_EQ(Push(Finding("f2", 5, 1)).size(), 1u);
  EXPECT_EQ(engine_->stats().errors, 0u);
}

// Exactly-once over shuffled, duplicated update chains: for each rule kind, the notifications are
// exactly what a model of the rule computes from the versions the index accepted, commit by
// commit. Several seeds; each commit holds 1 to 4 events.
struct Version {
  std::string id;
  std::string type;
  double severity;
  int count;  // also orders the versions of a finding (updatedAt grows with it)
};

std::vector<std::vector<Version>> ShuffledChains(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Version> events;
  for (int f = 0; f < 25; ++f) {
    const std::string id = "chain-" + std::to_string(f);
    const std::string type = "Type:" + std::to_string(f % 4) + "/X";
    double severity = 1 + static_cast<double>(rng() % 60) / 10;
    int count = 1;
    const int versions = 1 + static_cast<int>(rng() % 5);
    for (int v = 0; v < versions; ++v) {
      events.push_back({id, type, severity, count});
      if (rng() % 3 == 0) events.push_back({id, type, severity, count});  // a duplicate
      severity = std::clamp(severity + static_cast<double>(static_cast<int>(rng() % 50) - 15) / 10,
                            1.0, 9.9);
      count += 1 + static_cast<int>(rng() % 8);
    }
  }
  std::shuffle(events.begin(), events.end(), rng);
  std::vector<std::vector<Version>> commits;
  for (size_t i = 0; i < events.size();) {
    const size_t n = std::min<size_t>(1 + rng() % 4, events.size() - i);
    commits.emplace_back(events.begin() + static_cast<std::ptrdiff_t>(i),
                         events.begin() + static_cast<std::ptrdiff_t>(i + n));
    i += n;
  }
  return commits;
}

int Level(double severity) { return severity >= 9 ? 3 : severity >= 7 ? 2 : severity >= 4 ? 1 : 0; }

class ChainTest : public AlertEngineTest, public ::testing::WithParamInterface<uint64_t> {
 protected:
  std::string Body(const std::vector<Version>& commit) {
    std::string body;
    for (const Version& v : commit) body += Finding(v.id, v.severity, v.count, 5, v.type) + "\n";
    return body;
  }
};

TEST_P(ChainTest, FindingRule) {
  Channel("hook");
  AddRule(R"({"name":"r","query":{"kql":"severity >= 5"},"channels":["hook"],
              "count_increase":6})");
  std::map<std::string, Version> live;
  std::map<std::string, std::pair<int, int>> marks;  // id -> level, count when it last alerted
  std::map<std::string, std::vector<std::string>> expected, actual;
  for (const std::vector<Version>& commit : ShuffledChains(GetParam())) {
    for (const Version& v : commit) {
      auto it = live.find(v.id);
      if (it != live.end() && v.count <= it->second.count) continue;  // stale: not accepted
      live[v.id] = v;
      if (v.severity < 5) continue;
      auto m = marks.find(v.id);
      std::string reason;
      if (m == marks.end()) {
        reason = "new finding";
      } else if (Level(v.severity) > m->second.first) {
        reason = "severity rose";
      } else if (v.count >= m->second.second + 6) {
        reason = "count grew";
      } else {
        continue;
      }
      marks[v.id] = {Level(v.severity), v.count};
      expected[v.id].push_back(reason);
    }
    for (const json& a : Push(Body(commit))) {
      const std::string reason = a["reason"].get<std::string>();
      for (const json& id : a["finding_ids"]) {
        actual[id.get<std::string>()].push_back(reason.starts_with("new")        ? "new finding"
                                                : reason.starts_with("severity") ? "severity rose"
                                                                                 : "count grew");
      }
    }
  }
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(actual, expected);
}

TEST_P(ChainTest, ThresholdRule) {
  Channel("hook");
  AddRule(R"({"name":"t","kind":"threshold","query":{"kql":"severity >= 5"},"channels":["hook"],
              "window":"1h","threshold":6})");
  std::map<std::string, Version> live;
  int expected = 0, actual = 0;
  for (const std::vector<Version>& commit : ShuffledChains(GetParam())) {
    bool matched = false;
    for (const Version& v : commit) {
      auto it = live.find(v.id);
      if (it != live.end() && v.count <= it->second.count) continue;
      live[v.id] = v;
      matched |= v.severity >= 5;
    }
    size_t over = 0;
    for (const auto& [id, v] : live) over += v.severity >= 5 ? 1 : 0;
    // Fires once: the window (1 hour) is longer than the test.
    if (matched && over > 6 && expected == 0) expected = 1;
    for (const json& a : Push(Body(commit))) {
      ++actual;
      EXPECT_GT(a["count"].get<int>(), 6);
    }
  }
  EXPECT_EQ(actual, expected);
}

TEST_P(ChainTest, FirstSeenRule) {
  Channel("hook");
  AddRule(R"({"name":"f","kind":"first_seen","query":{"kql":"severity >= 5"},
              "channels":["hook"],"field":"type","lookback":"1d"})");
  std::map<std::string, Version> live;
  // Each alert as its type and findings, sorted at the end (a commit's alerts may come in
  // another order than the model's).
  std::vector<std::pair<std::string, std::set<std::string>>> expected, actual;
  std::set<std::string> seen;
  for (const std::vector<Version>& commit : ShuffledChains(GetParam())) {
    // Types seen before the commit: in any matching version accepted so far (the run
    // remembers them even when the finding stopped matching since).
    const std::set<std::string> before = seen;
    std::map<std::string, std::set<std::string>> here;
    for (const Version& v : commit) {
      auto it = live.find(v.id);
      if (it != live.end() && v.count <= it->second.count) continue;
      live[v.id] = v;
      if (v.severity < 5) continue;
      seen.insert(v.type);
      if (before.count(v.type) == 0) here[v.type].insert(v.id);
    }
    for (auto& e : here) expected.push_back(e);
    for (const json& a : Push(Body(commit))) {
      std::set<std::string> ids;
      for (const json& id : a["finding_ids"]) ids.insert(id.get<std::string>());
      actual.emplace_back(a["findings"][0]["type"].get<std::string>(), ids);
    }
  }
  EXPECT_FALSE(expected.empty());
  std::sort(expected.begin(), expected.end());
  std::sort(actual.begin(), actual.end());
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ChainTest, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace vigil::alert
