// A rule's preview (AlertEngine::Preview): its matches over the last days, and a replay of them
// that says what it would have sent.
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "alert/engine_internal.h"
#include "alert/rule_queries.h"

namespace vigil::alert {

using engine_detail::GroupOf;
using engine_detail::TimeOf;
using json = nlohmann::ordered_json;
using engine_detail::kReplayFindings;
using engine_detail::kReplayListed;

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
        for (std::string_view value : f->Values(field)) {
          const std::string v(value);
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
      out["findings"].push_back(json::parse(f->Summary()));
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
