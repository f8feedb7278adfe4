// The alert engine's internals shared by its files (engine.cc: commits, ticks, state and
// emission; engine_rules.cc: the rule kinds, throttles and digests; engine_preview.cc: a rule's
// preview). Not for other modules.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "alert/engine.h"
#include "base/time.h"
#include "findings/derived_fields.h"
#include "query/executor.h"
#include "query/query.h"

namespace vigil::alert {

namespace engine_detail {

// A set of names that finds a std::string_view without making a std::string of it.
using NameSet = std::unordered_set<std::string, NameHash, std::equal_to<>>;

inline constexpr size_t kMaxSeen = 1'000'000;     // first_seen values remembered per rule
inline constexpr size_t kMaxDigestIds = 10'000;   // finding ids a digest names
inline constexpr size_t kReplayFindings = 5'000;  // matches a preview replays (the newest)
inline constexpr size_t kReplayListed = 50;       // alerts a preview lists

inline int SeverityLevel(double severity) {
  std::string_view label = findings::SeverityLabel(severity);
  if (label == "Critical") return 3;
  if (label == "High") return 2;
  if (label == "Medium") return 1;
  return 0;
}

struct GroupState {
  int64_t last_sent = INT64_MIN;
  // Suppressed alerts awaiting the digest.
  std::vector<std::string> alert_ids;
  std::vector<std::string> finding_ids;
  std::vector<std::string> summaries;
};

using Key = std::pair<std::string, std::string>;

// A finding's group for `rule`: the first value of its group_by field ("" without one).
inline std::string GroupOf(const Rule& rule, const FindingFacts& f) {
  if (rule.group_by.empty()) return "";
  std::string_view field = rule.group_by;
  if (field.ends_with(".keyword")) field.remove_suffix(8);
  return f.Field(field).value_or("");
}

// The finding's time for windows and look-backs: its rule's time_field (updatedAt by default),
// or `fallback` when it has none that reads as a time.
inline int64_t TimeOf(const Rule& rule, const FindingFacts& f, int64_t fallback) {
  if (rule.time_field == "updatedAt" && f.updated_at != INT64_MIN) return f.updated_at;
  std::optional<std::string> text = f.Field(rule.time_field);
  if (!text) return fallback;
  Result<int64_t> t = ParseTimestamp(*text);
  return t.ok() ? *t : fallback;
}

inline Alert NewAlert(const Rule& rule, std::string kind, std::string reason, std::string group,
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

inline void AddFinding(Alert* a, const std::shared_ptr<FindingFacts>& f) {
  if (a->first == nullptr) {
    a->first = f;
    a->resource = f->Resource();
  }
  a->finding_ids.push_back(f->id);
  if (a->summaries.size() < kMaxSummaries) a->summaries.push_back(f->Summary());
  a->severity = std::max(a->severity, f->severity);
  if (a->kind != "threshold") ++a->count;
}

}  // namespace engine_detail

struct AlertEngine::Prepared {
  Rule rule;
  std::string json;  // RuleToJson(rule): what tells a changed rule from the same one
  // The rule's filter, parsed once (or why it cannot be).
  std::shared_ptr<const query::Query> filter;
  Status filter_status;
  // The filter compiled against the findings' mapping `compiled_for`, kept for the next commits
  // while the mapping stays the same, unless the query has date math (its "now" moves).
  std::shared_ptr<const storage::Mapping> compiled_for;
  std::shared_ptr<const query::CompiledQuery> compiled;
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
  std::map<engine_detail::Key, Mark> marks;  // (rule, finding id): as it last alerted
  std::map<engine_detail::Key, engine_detail::GroupState> groups;  // (rule, group)
  findings::FindingReader reader;
  // The flattened fields the rules and templates read of a finding (FindingFacts::Values),
  // looked up by the document's field names without copying them.
  engine_detail::NameSet wanted_fields;
};

}  // namespace vigil::alert
