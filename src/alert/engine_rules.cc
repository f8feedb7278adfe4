// The rule kinds (docs/alerting.md, engine.h): what a commit's matches of a rule make of alerts,
// and the throttles and digests.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "alert/engine_internal.h"
#include "alert/rule_queries.h"

namespace vigil::alert {

using engine_detail::AddFinding;
using engine_detail::GroupOf;
using engine_detail::GroupState;
using engine_detail::NewAlert;
using engine_detail::SeverityLevel;
using engine_detail::TimeOf;
using json = nlohmann::ordered_json;
using engine_detail::kMaxDigestIds;
using engine_detail::kMaxSeen;

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
    const std::vector<std::string_view> values = f->Values(field);
    if (values.empty()) continue;
    const std::string group = GroupOf(rule, *f);
    // The look-back ends at the finding's own time (a finding delivered late, from an export
    // or a replay, is judged against what came before it, as the preview does).
    const int64_t at = std::min(TimeOf(rule, *f, now), now);
    for (std::string_view value : values) {
      const std::string v(value);
      auto it = judged.find({group, v});
      if (it == judged.end()) {
        std::string key = group;
        key.push_back('\0');
        key += v;
        auto known = p.seen.find(key);
        bool seen = known != p.seen.end() && known->second >= at - rule.lookback_ms;
        if (!seen) {
          // Not seen by this run within the look-back: the index before this commit says.
          std::vector<std::pair<std::string, std::string>> terms = {{rule.field, v}};
          if (!rule.group_by.empty()) terms.emplace_back(rule.group_by, group);
          Result<std::unique_ptr<query::Query>> q =
              RuleFilterWithin(rule, at - rule.lookback_ms, terms);
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

}  // namespace vigil::alert
