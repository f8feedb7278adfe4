#include "alert/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "alert/engine_internal.h"
#include "alert/notification.h"
#include "alert/rule_queries.h"
#include "base/time.h"
#include "findings/derived_fields.h"
#include "ingest/finding_events.h"
#include "query/executor.h"
#include "query/search.h"

namespace vigil::alert {

namespace {

using engine_detail::GroupOf;
using engine_detail::GroupState;
using engine_detail::SeverityLevel;

using json = nlohmann::ordered_json;

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

// What the rules need of one finding. `wanted`: the fields to keep (null: all).
void TakeFacts(const findings::ReadFinding& f, const engine_detail::NameSet* wanted,
               FindingFacts* out) {
  const findings::FindingMeta& m = f.meta;
  out->id = std::string(m.id);
  out->type = std::string(m.type);
  out->account_id = std::string(m.account_id);
  out->region = std::string(m.region);
  out->severity = m.severity;
  out->count = m.service_count;
  out->updated_at = m.updated_at;
  out->sample = m.sample;
  if (wanted != nullptr) out->Reserve(64 * wanted->size(), 2 * wanted->size());
  for (const findings::Field& field : f.document->fields()) {
    if (wanted != nullptr && wanted->find(field.name) == wanted->end()) continue;
    for (const findings::Value& v : f.document->values(field)) {
      if (v.kind == findings::ValueKind::kString) {
        if (v.length > 0) out->AddValue(field.name, v.string());
        continue;
      }
      std::string text = ValueText(v);
      if (!text.empty()) out->AddValue(field.name, text);
    }
  }
}

// Captures what the rules need of one finding read again from its stored source.
class FactsSink : public findings::FindingSink {
 public:
  FactsSink(FindingFacts* out, const engine_detail::NameSet* wanted) : out_(out), wanted_(wanted) {}
  void OnFinding(const findings::ReadFinding& f) override {
    TakeFacts(f, wanted_, out_);
    ok = true;
  }
  void OnIssue(const findings::ReadIssue& issue) override { problem = issue.reason; }
  bool ok = false;
  std::string problem;

 private:
  FindingFacts* out_;
  const engine_detail::NameSet* wanted_;
};

// A finding's facts captured as the ingester read it, with the version of the rules whose
// fields they keep.
struct CapturedFacts : ingest::ObservedFinding {
  uint64_t version = 0;
  FindingFacts facts;
};

}  // namespace

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
  engine_detail::NameSet& wanted = state_->wanted_fields;
  wanted.clear();
  for (std::string_view f : FindingFacts::kResourceFields) wanted.emplace(f);
  for (const auto& pick : ingest::kSummaryPicks) wanted.emplace(pick.first);
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

std::shared_ptr<ingest::ObservedFinding> AlertEngine::Capture(
    const findings::ReadFinding& finding) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Refresh().ok() || !state_->any_enabled || finding.document == nullptr) return nullptr;
  auto captured = std::make_shared<CapturedFacts>();
  captured->version = state_->version;
  TakeFacts(finding, &state_->wanted_fields, &captured->facts);
  return captured;
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
      if (p.compiled == nullptr || p.compiled_for != trace.mapping) {
        query::ExecOptions exec;
        exec.now = now;
        Result<query::CompiledQuery> compiled =
            query::CompiledQuery::Compile(*p.filter, resolver, exec);
        if (!compiled.ok()) return compiled.status();
        p.compiled = std::make_shared<const query::CompiledQuery>(std::move(*compiled));
        // Date math ("now-1h") is resolved when compiling: such a query is compiled each time.
        p.compiled_for = p.json.find("now") == std::string::npos ? trace.mapping : nullptr;
      }
      Result<storage::Bitmap> matched = p.compiled->Match(segment);
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
  // The matched findings as the ingester captured them, if it did for these rules; the others
  // read back from the segment, each block decompressed once.
  std::unordered_map<uint32_t, std::shared_ptr<FindingFacts>> facts;
  if (write.captured.size() == trace.docs.size()) {
    for (size_t i = 0; i < trace.docs.size(); ++i) {
      const uint32_t doc = trace.docs[i];
      if (doc == storage::WriteTrace::kNoDoc || !wanted.contains(doc)) continue;
      auto* c = dynamic_cast<CapturedFacts*>(write.captured[i].get());
      if (c == nullptr || c->version != state_->version) continue;
      facts[doc] = std::shared_ptr<FindingFacts>(write.captured[i], &c->facts);
      wanted.remove(doc);
    }
  }
  if (!wanted.isEmpty()) {
    VIGIL_RETURN_IF_ERROR(trace.segment->ForEachSource(
        wanted.minimum(), wanted.maximum() + 1, [&](uint32_t doc, std::string_view source) {
          if (wanted.contains(doc)) facts[doc] = ReadFacts(source, write.ingested_at);
        }));
  }
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
  std::vector<std::string> sources;  // each doc's dump()
  docs.reserve(alerts.size());
  sources.reserve(alerts.size());
  uint64_t notified = 0, suppressed = 0, digests = 0;
  for (const Alert& a : alerts) {
    json delivery = json::object();
    json base = AlertJson(a, options_.base_url);
    const std::string title = AlertTitle(a, base["findings"], "");
    const std::string body = AlertBody(a, base["findings"], "");
    std::string plain;  // the notification of a channel without templates, made once
    if (!a.suppressed) {
      for (const std::string& name : a.channels) {
        auto c = state_->channels.find(name);
        if (c == state_->channels.end()) continue;
        Notification n;
        n.id = a.id + "." + name;
        n.alert_id = a.id;
        n.channel = name;
        n.created_at = now;
        const Channel& channel = c->second;
        if (channel.title_template.empty() && channel.body_template.empty()) {
          if (plain.empty()) {
            base["title"] = title;
            base["body"] = body;
            plain = base.dump(-1, ' ', false, json::error_handler_t::replace);
          }
          n.alert = plain;
        } else {
          base["title"] = channel.title_template.empty()
                              ? title
                              : AlertTitle(a, base["findings"], channel.title_template);
          base["body"] = channel.body_template.empty()
                             ? body
                             : AlertBody(a, base["findings"], channel.body_template);
          n.alert = base.dump(-1, ' ', false, json::error_handler_t::replace);
        }
        notifications.push_back(std::move(n));
        delivery[name] = {{"status", "pending"}, {"attempts", 0}};
      }
      ++(a.kind == "digest" ? digests : notified);
    } else {
      ++suppressed;
    }
    base["title"] = title;
    base["body"] = body;
    // Its document: `plain` (title and body as here, keys in the same order) with the
    // delivery states last, as base.dump() would write it, without writing it all again.
    std::string source;
    if (!plain.empty() && plain.back() == '}') {
      source = std::move(plain);
      source.pop_back();
      source += ",\"delivery\":";
      source += delivery.dump(-1, ' ', false, json::error_handler_t::replace);
      source.push_back('}');
    }
    base["delivery"] = std::move(delivery);
    if (source.empty()) source = base.dump(-1, ' ', false, json::error_handler_t::replace);
    sources.push_back(std::move(source));
    docs.push_back(std::move(base));
  }
  // The outbox first: once a notification is there it goes out, whatever happens next.
  VIGIL_RETURN_IF_ERROR(outbox_->Add(notifications));
  if (Status s = alert_index_.Put(std::move(docs), std::move(sources)); !s.ok()) {
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
