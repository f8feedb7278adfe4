#include "alert/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "alert/notification.h"
#include "alert/rule_queries.h"
#include "base/time.h"
#include "findings/derived_fields.h"
#include "ingest/finding_events.h"
#include "query/executor.h"
#include "query/search.h"

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;

int SeverityLevel(double severity) {
  std::string_view label = findings::SeverityLabel(severity);
  if (label == "Critical") return 3;
  if (label == "High") return 2;
  if (label == "Medium") return 1;
  return 0;
}

std::string ValueText(const findings::Value& v) {
  switch (v.kind) {
    case findings::ValueKind::kBool:
      return v.boolean ? "true" : "false";
    case findings::ValueKind::kInt:
      return std::to_string(v.integer);
    case findings::ValueKind::kDouble:
      return fmt::format("{}", v.number);
    case findings::ValueKind::kString:
      return std::string(v.string());
    case findings::ValueKind::kGeoPoint:
      return fmt::format("{},{}", v.number, v.number2);
    default:
      return "";
  }
}

// Captures what the rules need of one finding read again from its stored source.
class FactsSink : public findings::FindingSink {
 public:
  // `wanted`: the fields to keep (null: all).
  FactsSink(FindingFacts* out, const std::unordered_set<std::string>* wanted)
      : out_(out), wanted_(wanted) {}
  void OnFinding(const findings::ReadFinding& f) override {
    const findings::FindingMeta& m = f.meta;
    out_->id = std::string(m.id);
    out_->type = std::string(m.type);
    out_->account_id = std::string(m.account_id);
    out_->severity = m.severity;
    out_->count = m.service_count;
    out_->updated_at = m.updated_at;
    out_->sample = m.sample;
    out_->summary = ingest::SummarizeFinding(f);
    for (const findings::Field& field : f.document->fields()) {
      if (wanted_ != nullptr && wanted_->count(std::string(field.name)) == 0) continue;
      std::vector<std::string>& values = out_->fields[std::string(field.name)];
      for (const findings::Value& v : f.document->values(field)) {
        std::string text = ValueText(v);
        if (!text.empty()) values.push_back(std::move(text));
      }
    }
    ok = true;
  }
  void OnIssue(const findings::ReadIssue& issue) override { problem = issue.reason; }
  bool ok = false;
  std::string problem;

 private:
  FindingFacts* out_;
  const std::unordered_set<std::string>* wanted_;
};

struct GroupState {
  int64_t last_sent = INT64_MIN;
  // Suppressed alerts awaiting the digest.
  std::vector<std::string> alert_ids;
  std::vector<std::string> finding_ids;
  std::vector<std::string> summaries;
};

using Key = std::pair<std::string, std::string>;

}  // namespace

struct AlertEngine::Prepared {
  Rule rule;
  std::string json;  // RuleToJson(rule): what tells a changed rule from the same one
  // The rule's filter, parsed once (or why it cannot be).
  std::shared_ptr<const query::Query> filter;
  Status filter_status;
  int64_t last_scheduled = INT64_MIN;  // threshold: the last scheduled evaluation
  int64_t last_exact = INT64_MIN;      // threshold: the last evaluation on a commit
  std::set<std::string> dirty;         // threshold: groups with matches not evaluated yet
  // first_seen: (group '\0' value) -> the newest time_field it was seen with, as far as this
  // run knows (an underestimate only costs a search of the index).
  std::unordered_map<std::string, int64_t> seen;
};

struct AlertEngine::State {
  uint64_t version = UINT64_MAX;
  std::vector<Prepared> rules;
  std::map<std::string, Channel, std::less<>> channels;
  bool any_enabled = false;
  struct Mark {
    int level = 0;
    int64_t count = 0;
  };
  std::map<Key, Mark> marks;         // (rule, finding id): as it last alerted
  std::map<Key, GroupState> groups;  // (rule, group)
  findings::FindingReader reader;
  // The flattened fields the rules and templates read of a finding (FindingFacts::fields).
  std::unordered_set<std::string> wanted_fields;
};

AlertEngine::AlertEngine(storage::Engine* db, AlertStore* store, Outbox* outbox,
                         AlertEngineOptions options)
    : db_(db),
      store_(store),
      outbox_(outbox),
      alert_index_(db),
      options_(std::move(options)),
      state_(std::make_unique<State>()) {}

AlertEngine::~AlertEngine() = default;

int64_t AlertEngine::Now() const { return options_.clock ? options_.clock() : NowMillis(); }

void AlertEngine::SetSink(NotificationSink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
}

AlertEngineStats AlertEngine::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

Status AlertEngine::Refresh() {
  const uint64_t version = store_->version();
  if (version == state_->version) return Status::Ok();
  Definitions d = store_->Get();
  std::vector<Prepared> rules;
  for (Rule& r : d.rules) {
    Prepared p;
    p.json = RuleToJson(r);
    // A rule that did not change keeps its schedule and what it has seen.
    for (Prepared& old : state_->rules) {
      if (old.rule.name == r.name && old.json == p.json) p = std::move(old);
    }
    if (p.filter == nullptr && p.filter_status.ok()) {
      Result<std::unique_ptr<query::Query>> q = RuleFilter(r);
      if (q.ok()) {
        p.filter = std::move(*q);
      } else {
        p.filter_status = q.status();
      }
    }
    p.rule = std::move(r);
    rules.push_back(std::move(p));
  }
  state_->rules = std::move(rules);
  state_->channels.clear();
  for (Channel& c : d.channels) state_->channels.emplace(c.name, std::move(c));
  // What FindingFacts keeps: the fields of groups, first-seen values and times, the resource,
  // and whatever a template names.
  std::unordered_set<std::string>& wanted = state_->wanted_fields;
  wanted.clear();
  for (std::string_view f : FindingFacts::kResourceFields) wanted.emplace(f);
  auto want = [&wanted](std::string_view field) {
    if (field.ends_with(".keyword")) field.remove_suffix(8);
    if (!field.empty()) wanted.emplace(field);
  };
  for (const Prepared& p : state_->rules) {
    want(p.rule.group_by);
    want(p.rule.field);
    want(p.rule.time_field);
  }
  for (const auto& [name, c] : state_->channels) {
    for (const std::string* t : {&c.title_template, &c.body_template}) {
      RenderTemplate(*t, [&want](std::string_view field) -> std::optional<std::string> {
        want(field);
        return std::nullopt;
      });
    }
  }
  state_->any_enabled = std::any_of(state_->rules.begin(), state_->rules.end(),
                                    [](const Prepared& p) { return p.rule.enabled; });
  state_->version = version;
  return Status::Ok();
}

bool AlertEngine::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  // A change of the definitions may enable a rule: let the commit look.
  return state_->any_enabled || store_->version() != state_->version;
}

Status AlertEngine::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  VIGIL_RETURN_IF_ERROR(Refresh());
  Result<std::shared_ptr<storage::Index>> index = db_->GetIndex(kAlertsIndex, false);
  if (!index.ok()) {
    return index.status().code() == StatusCode::kNotFound ? Status::Ok() : index.status();
  }
  std::shared_ptr<const storage::Snapshot> snapshot = (*index)->GetSnapshot();
  std::vector<std::pair<int64_t, json>> alerts;
  for (const storage::SegmentView& view : snapshot->segments) {
    for (uint32_t doc = 0; doc < view.segment->num_docs(); ++doc) {
      if (!view.IsLive(doc)) continue;
      Result<std::string> source = view.segment->Source(doc);
      if (!source.ok()) return source.status();
      json j = json::parse(*source, nullptr, false);
      if (!j.is_object() || !j.contains("created_at") || !j["created_at"].is_string()) continue;
      Result<int64_t> t = ParseTimestamp(j["created_at"].get<std::string>());
      if (!t.ok()) continue;
      alerts.emplace_back(*t, std::move(j));
    }
  }
  std::stable_sort(alerts.begin(), alerts.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [t, j] : alerts) {
    const std::string rule = j.value("rule", "");
    const std::string kind = j.value("kind", "");
    GroupState& g = state_->groups[{rule, j.value("group", "")}];
    const bool suppressed = j.value("status", "") == "suppressed";
    if (kind == "finding" && j.contains("finding_state") && j["finding_state"].is_array()) {
      for (const json& f : j["finding_state"]) {
        if (!f.is_array() || f.size() != 3 || !f[0].is_string() || !f[1].is_number() ||
            !f[2].is_number_integer()) {
          continue;
        }
        State::Mark& m = state_->marks[{rule, f[0].get<std::string>()}];
        m.level = std::max(m.level, SeverityLevel(f[1].get<double>()));
        m.count = std::max(m.count, f[2].get<int64_t>());
      }
    }
    if (suppressed) {
      g.alert_ids.push_back(j.value("id", ""));
      if (j.contains("finding_ids") && j["finding_ids"].is_array()) {
        for (const json& id : j["finding_ids"]) {
          if (id.is_string()) g.finding_ids.push_back(id.get<std::string>());
        }
      }
      if (j.contains("findings") && j["findings"].is_array()) {
        for (const json& f : j["findings"]) {
          if (g.summaries.size() < kMaxSummaries) g.summaries.push_back(f.dump());
        }
      }
    } else {
      g.last_sent = std::max(g.last_sent, t);
      g.alert_ids.clear();
      g.finding_ids.clear();
      g.summaries.clear();
    }
  }
  if (options_.log && !alerts.empty()) {
    options_.log(
        fmt::format("alerts: {} earlier alert(s) read back from the alerts index", alerts.size()));
  }
  return Status::Ok();
}

std::shared_ptr<FindingFacts> AlertEngine::ReadFacts(std::string_view source, int64_t ingested_at,
                                                     bool all_fields) {
  auto facts = std::make_shared<FindingFacts>();
  FactsSink sink(facts.get(), all_fields ? nullptr : &state_->wanted_fields);
  findings::RawRecord record;
  record.text = source;
  record.location.line = 1;
  state_->reader.ReadRecord("alert", record, ingested_at, &sink);
  return sink.ok ? facts : nullptr;
}

namespace {

std::string GroupOf(const Rule& rule, const FindingFacts& f) {
  if (rule.group_by.empty()) return "";
  std::string_view field = rule.group_by;
  if (field.ends_with(".keyword")) field.remove_suffix(8);
  return f.Field(field).value_or("");
}

// The finding's time for windows and look-backs: its rule's time_field (updatedAt by default),
// or `fallback` when it has none that reads as a time.
int64_t TimeOf(const Rule& rule, const FindingFacts& f, int64_t fallback) {
  if (rule.time_field == "updatedAt" && f.updated_at != INT64_MIN) return f.updated_at;
  std::optional<std::string> text = f.Field(rule.time_field);
  if (!text) return fallback;
  Result<int64_t> t = ParseTimestamp(*text);
  return t.ok() ? *t : fallback;
}

constexpr size_t kMaxSeen = 1'000'000;     // first_seen values remembered per rule
constexpr size_t kMaxDigestIds = 10'000;   // finding ids a digest names
constexpr size_t kReplayFindings = 5'000;  // matches a preview replays (the newest)
constexpr size_t kReplayListed = 50;       // alerts a preview lists

Alert NewAlert(const Rule& rule, std::string kind, std::string reason, std::string group,
               int64_t now) {
  Alert a;
  a.id = NewAlertId(now);
  a.rule = rule.name;
  a.kind = std::move(kind);
  a.reason = std::move(reason);
  a.group = std::move(group);
  a.created_at = now;
  a.channels = rule.channels;
  return a;
}

void AddFinding(Alert* a, const std::shared_ptr<FindingFacts>& f) {
  if (a->first == nullptr) {
    a->first = f;
    a->resource = f->Resource();
  }
  a->finding_ids.push_back(f->id);
  if (a->summaries.size() < kMaxSummaries) a->summaries.push_back(f->summary);
  a->severity = std::max(a->severity, f->severity);
  if (a->kind != "threshold") ++a->count;
}

}  // namespace

void AlertEngine::FindingAlerts(const Rule& rule,
                                const std::vector<std::shared_ptr<FindingFacts>>& found,
                                int64_t now, std::vector<Alert>* alerts) {
  // One alert per group and reason for the whole commit (a new alert past kMaxSummaries).
  std::map<std::pair<std::string, std::string>, size_t> open;
  for (const std::shared_ptr<FindingFacts>& f : found) {
    const int level = SeverityLevel(f->severity);
    auto it = state_->marks.find({rule.name, f->id});
    std::string reason;
    if (it == state_->marks.end()) {
      reason = "new finding";
    } else if (rule.realert_on_severity_rise && level > it->second.level) {
      reason = fmt::format("severity rose into {}", findings::SeverityLabel(f->severity));
    } else if (rule.count_increase > 0 && f->count >= it->second.count + rule.count_increase) {
      reason = fmt::format("service.count grew by {} or more", rule.count_increase);
    } else {
      continue;
    }
    state_->marks[{rule.name, f->id}] = State::Mark{level, f->count};
    const std::string group = GroupOf(rule, *f);
    auto slot = open.find({group, reason});
    if (slot == open.end() || (*alerts)[slot->second].finding_ids.size() >= kMaxFindingsPerAlert) {
      alerts->push_back(NewAlert(rule, "finding", reason, group, now));
      slot = open.insert_or_assign({group, reason}, alerts->size() - 1).first;
    }
    Alert& a = (*alerts)[slot->second];
    AddFinding(&a, f);
    a.finding_state.push_back({f->id, f->severity, f->count});
  }
}

Status AlertEngine::ThresholdAlerts(const Rule& rule,
                                    const std::shared_ptr<const storage::Snapshot>& snapshot,
                                    int64_t now, const std::vector<std::string>& groups,
                                    std::vector<Alert>* alerts) {
  Result<std::vector<GroupCount>> counts = ThresholdCounts(snapshot, rule, now, groups);
  if (!counts.ok()) return counts.status();
  const int64_t quiet = std::max(rule.window_ms, rule.throttle_ms);
  for (const GroupCount& c : *counts) {
    if (c.value <= static_cast<uint64_t>(rule.threshold)) continue;
    GroupState& g = state_->groups[{rule.name, c.group}];
    if (g.last_sent != INT64_MIN && now - g.last_sent < quiet) continue;
    std::string what = rule.cardinality_field.empty()
                           ? fmt::format("{} findings", c.value)
                           : fmt::format("{} distinct {}", c.value, rule.cardinality_field);
    Alert a = NewAlert(
        rule, "threshold",
        fmt::format("{} within {}s (more than {})", what, rule.window_ms / 1000, rule.threshold),
        c.group, now);
    a.count = c.value;
    std::vector<std::pair<std::string, std::string>> terms;
    if (!rule.group_by.empty()) terms.emplace_back(rule.group_by, c.group);
    Result<std::unique_ptr<query::Query>> q = RuleFilterWithin(rule, now - rule.window_ms, terms);
    if (!q.ok()) return q.status();
    Result<std::vector<std::string>> sources =
        NewestFindings(snapshot, std::move(*q), rule.time_field, kMaxFindingsPerAlert, now);
    if (!sources.ok()) return sources.status();
    for (const std::string& s : *sources) {
      if (std::shared_ptr<FindingFacts> f = ReadFacts(s, now)) AddFinding(&a, f);
    }
    g.last_sent = now;
    alerts->push_back(std::move(a));
  }
  return Status::Ok();
}

Status AlertEngine::FirstSeenAlerts(Prepared& p,
                                    const std::vector<std::shared_ptr<FindingFacts>>& found,
                                    const std::shared_ptr<const storage::Snapshot>& before,
                                    int64_t now, std::vector<Alert>* alerts) {
  const Rule& rule = p.rule;
  std::string_view field = rule.field;
  if (field.ends_with(".keyword")) field.remove_suffix(8);
  if (p.seen.size() > kMaxSeen) p.seen.clear();  // then the index answers again
  // (group, value) -> its alert in *alerts, or SIZE_MAX when the value is not new.
  std::map<std::pair<std::string, std::string>, size_t> judged;
  for (const std::shared_ptr<FindingFacts>& f : found) {
    auto values = f->fields.find(std::string(field));
    if (values == f->fields.end()) continue;
    const std::string group = GroupOf(rule, *f);
    const int64_t at = TimeOf(rule, *f, now);
    for (const std::string& v : values->second) {
      auto it = judged.find({group, v});
      if (it == judged.end()) {
        std::string key = group;
        key.push_back('\0');
        key += v;
        auto known = p.seen.find(key);
        bool seen = known != p.seen.end() && known->second >= now - rule.lookback_ms;
        if (!seen) {
          // Not seen by this run within the look-back: the index before this commit says.
          std::vector<std::pair<std::string, std::string>> terms = {{rule.field, v}};
          if (!rule.group_by.empty()) terms.emplace_back(rule.group_by, group);
          Result<std::unique_ptr<query::Query>> q =
              RuleFilterWithin(rule, now - rule.lookback_ms, terms);
          if (!q.ok()) return q.status();
          Result<uint64_t> count = CountFindings(before, **q, now);
          if (!count.ok()) return count.status();
          seen = *count > 0;
        }
        int64_t& newest = p.seen[key];
        newest = std::max(newest, at);
        size_t slot = SIZE_MAX;
        if (!seen) {
          alerts->push_back(NewAlert(rule, "first_seen",
                                     fmt::format("{} [{}] first seen (not in the last {}s)",
                                                 rule.field, v, rule.lookback_ms / 1000),
                                     group, now));
          slot = alerts->size() - 1;
        }
        it = judged.emplace(std::make_pair(group, v), slot).first;
      } else {
        std::string key = group;
        key.push_back('\0');
        key += v;
        int64_t& newest = p.seen[key];
        newest = std::max(newest, at);
      }
      if (it->second != SIZE_MAX &&
          (*alerts)[it->second].finding_ids.size() < kMaxFindingsPerAlert) {
        Alert& a = (*alerts)[it->second];
        if (std::find(a.finding_ids.begin(), a.finding_ids.end(), f->id) == a.finding_ids.end()) {
          AddFinding(&a, f);
        }
      }
    }
  }
  return Status::Ok();
}

void AlertEngine::Throttle(const Rule& rule, int64_t now, size_t first,
                           std::vector<Alert>* alerts) {
  if (rule.kind == RuleKind::kThreshold) return;  // ThresholdAlerts keeps its own quiet time
  for (size_t i = first; i < alerts->size(); ++i) {
    Alert& a = (*alerts)[i];
    GroupState& g = state_->groups[{rule.name, a.group}];
    if (rule.throttle_ms > 0 && g.last_sent != INT64_MIN && now - g.last_sent < rule.throttle_ms) {
      a.suppressed = true;
      g.alert_ids.push_back(a.id);
      for (const std::string& id : a.finding_ids) {
        if (g.finding_ids.size() < kMaxDigestIds) g.finding_ids.push_back(id);
      }
      for (const std::string& s : a.summaries) {
        if (g.summaries.size() < kMaxSummaries) g.summaries.push_back(s);
      }
    } else {
      g.last_sent = now;
    }
  }
}

void AlertEngine::Digests(int64_t now, std::vector<Alert>* alerts) {
  for (auto& [key, g] : state_->groups) {
    if (g.alert_ids.empty()) continue;
    const Prepared* p = nullptr;
    for (const Prepared& r : state_->rules) {
      if (r.rule.name == key.first) p = &r;
    }
    if (p == nullptr || !p->rule.enabled) {
      // The rule is gone or disabled: nothing to sum up for anyone.
      g.alert_ids.clear();
      g.finding_ids.clear();
      g.summaries.clear();
      continue;
    }
    if (g.last_sent != INT64_MIN && now - g.last_sent < p->rule.throttle_ms) continue;
    Alert a =
        NewAlert(p->rule, "digest",
                 fmt::format("{} alert(s) about {} finding(s) held back by the {}s throttle",
                             g.alert_ids.size(), g.finding_ids.size(), p->rule.throttle_ms / 1000),
                 key.second, now);
    a.finding_ids = std::move(g.finding_ids);
    a.summaries = std::move(g.summaries);
    a.digest_of = std::move(g.alert_ids);
    a.count = a.finding_ids.size();
    for (const std::string& s : a.summaries) {
      json j = json::parse(s, nullptr, false);
      if (j.is_object()) a.severity = std::max(a.severity, j.value("severity", 0.0));
    }
    g = GroupState{};
    g.last_sent = now;
    alerts->push_back(std::move(a));
  }
}

Status AlertEngine::OnCommit(const ingest::CommittedWrite& write) {
  std::lock_guard<std::mutex> lock(mu_);
  VIGIL_RETURN_IF_ERROR(Refresh());
  if (!state_->any_enabled || write.trace == nullptr || write.trace->segment == nullptr) {
    return Status::Ok();
  }
  const storage::WriteTrace& trace = *write.trace;
  const int64_t now = Now();
  // The operations that added a document, in the order they were accepted.
  std::vector<uint32_t> docs;
  for (size_t i = 0; i < trace.docs.size() && i < write.outcomes.size(); ++i) {
    const storage::WriteOutcome o = write.outcomes[i];
    if (trace.docs[i] == storage::WriteTrace::kNoDoc) continue;
    if (o == storage::WriteOutcome::kCreated || o == storage::WriteOutcome::kUpdated) {
      docs.push_back(trace.docs[i]);
    }
  }
  if (docs.empty()) return Status::Ok();
  // The group's segment alone, every document visible: a version replaced later in the same
  // commit is judged too, in its turn.
  storage::SegmentView view;
  view.segment = trace.segment;
  view.deleted = std::make_shared<storage::Bitmap>();
  view.live_docs = trace.segment->num_docs();
  query::FieldResolver resolver(trace.mapping.get());
  query::SegmentContext segment{&view, trace.segment.get(), 0, &resolver, "findings"};
  // Each rule's matches among the documents of this commit; a rule that cannot run is logged
  // and counted, and the others go on.
  std::vector<std::optional<storage::Bitmap>> matches(state_->rules.size());
  storage::Bitmap wanted;
  storage::Bitmap ours;
  for (uint32_t d : docs) ours.add(d);
  for (size_t i = 0; i < state_->rules.size(); ++i) {
    Prepared& p = state_->rules[i];
    if (!p.rule.enabled) continue;
    Status s = [&]() -> Status {
      if (!p.filter_status.ok()) return p.filter_status;
      query::ExecOptions exec;
      exec.now = now;
      Result<query::CompiledQuery> compiled =
          query::CompiledQuery::Compile(*p.filter, resolver, exec);
      if (!compiled.ok()) return compiled.status();
      Result<storage::Bitmap> matched = compiled->Match(segment);
      if (!matched.ok()) return matched.status();
      *matched &= ours;
      wanted |= *matched;
      matches[i] = std::move(*matched);
      return Status::Ok();
    }();
    if (!s.ok()) {
      std::lock_guard<std::mutex> stats(stats_mu_);
      ++stats_.errors;
      if (options_.log) {
        options_.log(fmt::format("alert rule [{}] cannot run: {}", p.rule.name, s.message()));
      }
    }
  }
  {
    std::lock_guard<std::mutex> stats(stats_mu_);
    stats_.evaluations += state_->rules.size();
  }
  if (wanted.isEmpty()) return Status::Ok();
  // The matched documents read back, each block of the segment decompressed once.
  std::unordered_map<uint32_t, std::shared_ptr<FindingFacts>> facts;
  VIGIL_RETURN_IF_ERROR(trace.segment->ForEachSource(
      wanted.minimum(), wanted.maximum() + 1, [&](uint32_t doc, std::string_view source) {
        if (wanted.contains(doc)) facts[doc] = ReadFacts(source, write.ingested_at);
      }));
  std::shared_ptr<const storage::Snapshot> after;
  std::vector<Alert> alerts;
  for (size_t i = 0; i < state_->rules.size(); ++i) {
    Prepared& p = state_->rules[i];
    const Rule& rule = p.rule;
    if (!matches[i] || matches[i]->isEmpty()) continue;
    const size_t first = alerts.size();
    Status s = [&]() -> Status {
      std::vector<std::shared_ptr<FindingFacts>> found;
      for (uint32_t doc : docs) {
        if (!matches[i]->contains(doc)) continue;
        auto f = facts.find(doc);
        if (f != facts.end() && f->second != nullptr) found.push_back(f->second);
      }
      if (found.empty()) return Status::Ok();
      switch (rule.kind) {
        case RuleKind::kFinding:
          FindingAlerts(rule, found, now, &alerts);
          return Status::Ok();
        case RuleKind::kThreshold: {
          for (const auto& f : found) p.dirty.insert(GroupOf(rule, *f));
          // At most one search of the index per rule and interval on commits; groups with
          // matches meanwhile wait for the next tick (every second).
          if (p.last_exact != INT64_MIN &&
              now - p.last_exact < options_.threshold_min_interval_ms) {
            return Status::Ok();
          }
          p.last_exact = now;
          std::vector<std::string> groups(p.dirty.begin(), p.dirty.end());
          p.dirty.clear();
          if (after == nullptr) after = write.index->GetSnapshot();
          return ThresholdAlerts(rule, after, now, groups, &alerts);
        }
        case RuleKind::kFirstSeen:
          return FirstSeenAlerts(p, found, write.before, now, &alerts);
      }
      return Status::Ok();
    }();
    if (!s.ok()) {
      // A rule that cannot run (a field of the wrong type for its query...) must not stop the
      // ingest nor the other rules: it is logged and counted.
      {
        std::lock_guard<std::mutex> stats(stats_mu_);
        ++stats_.errors;
      }
      alerts.resize(first);
      if (options_.log) {
        options_.log(fmt::format("alert rule [{}] cannot run: {}", rule.name, s.message()));
      }
      continue;
    }
    Throttle(rule, now, first, &alerts);
  }
  return Emit(alerts, now);
}

Status AlertEngine::Tick(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  VIGIL_RETURN_IF_ERROR(Refresh());
  std::vector<Alert> alerts;
  std::shared_ptr<const storage::Snapshot> snapshot;
  for (Prepared& p : state_->rules) {
    if (!p.rule.enabled || p.rule.kind != RuleKind::kThreshold) continue;
    const int64_t every = std::clamp<int64_t>(p.rule.window_ms / 4, 5'000, 60'000);
    const bool scheduled = p.last_scheduled == INT64_MIN || now - p.last_scheduled >= every;
    if (!scheduled && p.dirty.empty()) continue;
    // The schedule looks at every group; otherwise only the groups that had matches since the
    // last evaluation.
    std::vector<std::string> groups;
    if (scheduled) {
      p.last_scheduled = now;
    } else {
      groups.assign(p.dirty.begin(), p.dirty.end());
    }
    p.dirty.clear();
    p.last_exact = now;
    if (snapshot == nullptr) {
      Result<std::shared_ptr<storage::Index>> index = db_->GetIndex("findings", true);
      if (!index.ok()) return index.status();
      snapshot = (*index)->GetSnapshot();
    }
    const size_t first = alerts.size();
    if (Status s = ThresholdAlerts(p.rule, snapshot, now, groups, &alerts); !s.ok()) {
      alerts.resize(first);
      std::lock_guard<std::mutex> stats(stats_mu_);
      ++stats_.errors;
      if (options_.log) {
        options_.log(fmt::format("alert rule [{}] cannot run: {}", p.rule.name, s.message()));
      }
    }
  }
  Digests(now, &alerts);
  VIGIL_RETURN_IF_ERROR(Emit(alerts, now));
  return alert_index_.Flush();
}

Status AlertEngine::FlushDeliveries() { return alert_index_.Flush(); }

Status AlertEngine::Emit(std::vector<Alert>& alerts, int64_t now) {
  if (alerts.empty()) return Status::Ok();
  std::vector<Notification> notifications;
  std::vector<json> docs;
  docs.reserve(alerts.size());
  uint64_t notified = 0, suppressed = 0, digests = 0;
  for (const Alert& a : alerts) {
    json delivery = json::object();
    json base = AlertJson(a, options_.base_url);
    if (!a.suppressed) {
      for (const std::string& name : a.channels) {
        auto c = state_->channels.find(name);
        if (c == state_->channels.end()) continue;
        Notification n;
        n.id = a.id + "." + name;
        n.alert_id = a.id;
        n.channel = name;
        n.created_at = now;
        base["title"] = AlertTitle(a, c->second.title_template);
        base["body"] = AlertBody(a, c->second.body_template);
        n.alert = base.dump(-1, ' ', false, json::error_handler_t::replace);
        notifications.push_back(std::move(n));
        delivery[name] = {{"status", "pending"}, {"attempts", 0}};
      }
      ++(a.kind == "digest" ? digests : notified);
    } else {
      ++suppressed;
    }
    base["title"] = AlertTitle(a, "");
    base["body"] = AlertBody(a, "");
    base["delivery"] = std::move(delivery);
    docs.push_back(std::move(base));
  }
  // The outbox first: once a notification is there it goes out, whatever happens next.
  VIGIL_RETURN_IF_ERROR(outbox_->Add(notifications));
  if (Status s = alert_index_.Put(docs); !s.ok()) {
    return Status(s.code(), "the alerts index could not record alerts: " + s.message());
  }
  {
    std::lock_guard<std::mutex> stats(stats_mu_);
    stats_.alerts += notified;
    stats_.suppressed += suppressed;
    stats_.digests += digests;
    stats_.notifications += notifications.size();
  }
  if (sink_ && !notifications.empty()) sink_(std::move(notifications));
  return Status::Ok();
}

void AlertEngine::RecordDelivery(const Notification& n, std::string_view status, int attempts,
                                 std::string_view error) {
  json entry = {{"status", std::string(status)}, {"attempts", attempts}};
  if (!error.empty()) entry["error"] = std::string(error);
  entry["at"] = FormatTimestamp(Now());
  Status s = alert_index_.SetDelivery(n.alert_id, n.channel, entry);
  if (!s.ok() && options_.log) {
    options_.log(fmt::format("alerts: cannot record the delivery of {}: {}", n.id, s.message()));
  }
}

}  // namespace vigil::alert

namespace vigil::alert {

Status AlertEngine::Replay(const Rule& rule,
                           const std::shared_ptr<const storage::Snapshot>& snapshot, int64_t now,
                           int64_t lookback_ms, nlohmann::ordered_json* out) {
  // The newest kReplayFindings matches of the window, replayed oldest first as if they arrived
  // one by one at their time_field: what the rule would have sent. The index keeps only each
  // finding's newest version, so a finding alerts once (no rises or growth are replayed), and
  // first_seen values count as seen only from the start of the window.
  Result<std::unique_ptr<query::Query>> q = RuleFilterWithin(rule, now - lookback_ms, {});
  if (!q.ok()) return q.status();
  Result<std::vector<std::string>> sources =
      NewestFindings(snapshot, std::move(*q), rule.time_field, kReplayFindings, now);
  if (!sources.ok()) return sources.status();
  std::vector<std::pair<int64_t, std::shared_ptr<FindingFacts>>> found;
  for (const std::string& s : *sources) {
    // Every field: the rule being previewed may not be one the engine runs.
    if (std::shared_ptr<FindingFacts> f = ReadFacts(s, now, true)) {
      found.emplace_back(TimeOf(rule, *f, now), std::move(f));
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  struct Sent {
    int64_t at;
    std::string group, reason;
    std::vector<std::string> ids;
    uint64_t count;
  };
  std::vector<Sent> sent;
  uint64_t suppressed = 0;
  std::map<std::string, int64_t> last;                   // group -> when it last notified
  std::map<std::string, std::vector<std::string>> held;  // group -> ids held back
  auto notify = [&](int64_t at, const std::string& group, std::string reason,
                    std::vector<std::string> ids, uint64_t count) {
    auto l = last.find(group);
    if (rule.throttle_ms > 0 && l != last.end() && at - l->second < rule.throttle_ms) {
      ++suppressed;
      for (std::string& id : ids) held[group].push_back(std::move(id));
      return;
    }
    if (rule.throttle_ms > 0 && l != last.end() && !held[group].empty()) {
      std::vector<std::string>& h = held[group];
      sent.push_back({l->second + rule.throttle_ms, group, "digest", h, h.size()});
      h.clear();
    }
    last[group] = at;
    sent.push_back({at, group, std::move(reason), std::move(ids), count});
  };
  std::map<std::string, std::deque<std::pair<int64_t, std::shared_ptr<FindingFacts>>>> windows;
  std::map<std::string, int64_t> fired;
  std::map<std::pair<std::string, std::string>, int64_t> seen;
  std::string_view field = rule.field;
  if (field.ends_with(".keyword")) field.remove_suffix(8);
  for (const auto& [at, f] : found) {
    const std::string group = GroupOf(rule, *f);
    switch (rule.kind) {
      case RuleKind::kFinding:
        notify(at, group, "new finding", {f->id}, 1);
        break;
      case RuleKind::kThreshold: {
        auto& w = windows[group];
        w.emplace_back(at, f);
        while (!w.empty() && w.front().first < at - rule.window_ms) w.pop_front();
        uint64_t value = w.size();
        if (!rule.cardinality_field.empty()) {
          std::set<std::string> distinct;
          std::string_view cf = rule.cardinality_field;
          if (cf.ends_with(".keyword")) cf.remove_suffix(8);
          for (const auto& [t, x] : w) {
            if (auto v = x->Field(cf)) distinct.insert(*v);
          }
          value = distinct.size();
        }
        auto l = fired.find(group);
        const int64_t quiet = std::max(rule.window_ms, rule.throttle_ms);
        if (value > static_cast<uint64_t>(rule.threshold) &&
            (l == fired.end() || at - l->second >= quiet)) {
          fired[group] = at;
          std::vector<std::string> ids;
          for (const auto& [t, x] : w) ids.push_back(x->id);
          sent.push_back({at, group,
                          fmt::format("{} within {}s (more than {})", value, rule.window_ms / 1000,
                                      rule.threshold),
                          std::move(ids), value});
        }
        break;
      }
      case RuleKind::kFirstSeen: {
        auto values = f->fields.find(std::string(field));
        if (values == f->fields.end()) break;
        for (const std::string& v : values->second) {
          auto it = seen.find({group, v});
          const bool fresh = it == seen.end() || it->second < at - rule.lookback_ms;
          seen[{group, v}] = at;
          if (fresh)
            notify(at, group, fmt::format("{} [{}] first seen", rule.field, v), {f->id}, 1);
        }
        break;
      }
    }
  }
  for (auto& [group, h] : held) {
    if (!h.empty() && last[group] + rule.throttle_ms <= now) {
      sent.push_back({last[group] + rule.throttle_ms, group, "digest", h, h.size()});
    }
  }
  std::stable_sort(sent.begin(), sent.end(),
                   [](const Sent& a, const Sent& b) { return a.at < b.at; });
  json list = json::array();
  for (size_t i = 0; i < sent.size() && i < kReplayListed; ++i) {
    const Sent& x = sent[i];
    json ids = json::array();
    for (size_t k = 0; k < x.ids.size() && k < 10; ++k) ids.push_back(x.ids[k]);
    list.push_back({{"at", FormatTimestamp(x.at)},
                    {"group", x.group},
                    {"reason", x.reason},
                    {"count", x.count},
                    {"finding_ids", std::move(ids)}});
  }
  (*out)["would_send"] = {{"alerts", sent.size()},
                          {"notifications", sent.size() * rule.channels.size()},
                          {"held_back", suppressed},
                          {"replayed", found.size()},
                          {"alerts_listed", std::move(list)}};
  return Status::Ok();
}

Result<std::string> AlertEngine::Preview(const Rule& rule, int64_t lookback_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = Now();
  Result<std::shared_ptr<storage::Index>> index = db_->GetIndex("findings", true);
  if (!index.ok()) return index.status();
  std::shared_ptr<const storage::Snapshot> snapshot = (*index)->GetSnapshot();
  Result<std::unique_ptr<query::Query>> q = RuleFilterWithin(rule, now - lookback_ms, {});
  if (!q.ok()) return q.status();
  Result<uint64_t> matches = CountFindings(snapshot, **q, now);
  if (!matches.ok()) return matches.status();
  Result<std::unique_ptr<query::Query>> newest_q = RuleFilterWithin(rule, now - lookback_ms, {});
  if (!newest_q.ok()) return newest_q.status();
  Result<std::vector<std::string>> newest =
      NewestFindings(snapshot, std::move(*newest_q), rule.time_field, 20, now);
  if (!newest.ok()) return newest.status();
  json out = json::object();
  out["rule"] = rule.name;
  out["from"] = FormatTimestamp(now - lookback_ms);
  out["to"] = FormatTimestamp(now);
  out["matches"] = *matches;
  out["findings"] = json::array();
  for (const std::string& s : *newest) {
    if (std::shared_ptr<FindingFacts> f = ReadFacts(s, now)) {
      out["findings"].push_back(json::parse(f->summary));
    }
  }
  VIGIL_RETURN_IF_ERROR(Replay(rule, snapshot, now, lookback_ms, &out));
  if (rule.kind == RuleKind::kThreshold) {
    Result<std::vector<GroupCount>> counts = ThresholdCounts(snapshot, rule, now, {});
    if (!counts.ok()) return counts.status();
    out["groups"] = json::array();
    for (const GroupCount& c : *counts) {
      out["groups"].push_back(
          {{"group", c.group},
           {"value", c.value},
           {"over_threshold", c.value > static_cast<uint64_t>(rule.threshold)}});
    }
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vigil::alert
