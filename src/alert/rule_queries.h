// The searches the alert rules run on the findings index: a rule's filter (its query, without
// sample findings unless it asks for them), the count of matches in a window, the groups of a
// threshold rule over their threshold, and the findings behind an alert.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alert/definitions.h"
#include "base/status.h"
#include "query/query.h"
#include "storage/snapshot.h"

namespace vigil::alert {

// The rule's query, parsed, as a filter: sample findings (service.additionalInfo.sample: true)
// excluded unless rule.include_samples.
Result<std::unique_ptr<query::Query>> RuleFilter(const Rule& rule);

// The rule's filter, and `time_field` from `from` (epoch ms, inclusive), and `field` = `value`
// for each given pair.
Result<std::unique_ptr<query::Query>> RuleFilterWithin(
    const Rule& rule, int64_t from, const std::vector<std::pair<std::string, std::string>>& terms);

// Matching documents of `query` in the findings snapshot.
Result<uint64_t> CountFindings(const std::shared_ptr<const storage::Snapshot>& snapshot,
                               const query::Query& query, int64_t now);

struct GroupCount {
  std::string group;   // the group_by value ("" without group_by)
  uint64_t value = 0;  // matching findings, or distinct values of cardinality_field
};

// For a threshold rule: the count (or cardinality) of its matches in the window ending at `now`,
// per group (only `groups` when not empty; at most 1,000 groups).
Result<std::vector<GroupCount>> ThresholdCounts(
    const std::shared_ptr<const storage::Snapshot>& snapshot, const Rule& rule, int64_t now,
    const std::vector<std::string>& groups);

// The stored sources of the newest `size` findings matching `query` (by the rule's time field),
// newest first.
Result<std::vector<std::string>> NewestFindings(
    const std::shared_ptr<const storage::Snapshot>& snapshot, std::unique_ptr<query::Query> query,
    const std::string& time_field, size_t size, int64_t now);

}  // namespace vigil::alert
