// An alert: what a rule found (the findings it is about, why it fired), as the alerts index keeps
// it and as channels render it. One alert gives one notification per channel of its rule; each
// notification carries the alert with the title and body of that channel's templates.
//
//   {"id": "...", "rule": "high-severity", "kind": "finding", "reason": "new finding",
//    "group": "", "created_at": "2026-12-03T10:00:00.000Z", "status": "pending",
//    "title": "...", "body": "...", "severity": 8.0, "severity_label": "High",
//    "count": 1, "finding_ids": ["..."], "findings": [{summary}, ...],
//    "finding_state": [["...", 8.0, 3]],
//    "channels": ["sec-webhook"], "link": "http://127.0.0.1:9200/#/discover?q=..."}
//
// `kind` is the rule's kind, or "digest" for the notification that sums up what a throttle held
// back. `status` is "pending" (notified), "suppressed" (held back by the throttle, to be in the
// next digest). `findings` are summaries (ingest::SummarizeFinding) of the first findings;
// `finding_ids` names all of them.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alert/definitions.h"

namespace vigil::alert {

// Hashes std::string and std::string_view alike, for maps looked up by a view without making a
// std::string of it.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// What the rules know of one finding: its meta and its flattened fields (the values as text),
// for templates, groups, first-seen values and the summaries of alerts.
struct FindingFacts {
  std::string id;
  std::string type;
  std::string account_id;
  std::string region;
  double severity = 0;
  int64_t count = 0;
  int64_t updated_at = 0;
  bool sample = false;

  // The finding's summary, a JSON object: what ingest::SummarizeFinding says of it, made from
  // these facts when an alert needs it (most findings alert nothing: none is made for them).
  // The facts must keep the fields of ingest::kSummaryPicks.
  std::string Summary() const;

  // Room for `values` values taking `bytes` bytes, names included.
  void Reserve(size_t bytes, size_t values) {
    text_.reserve(bytes);
    entries_.reserve(values);
  }
  // Adds a value of a field (a field's values are added together, in order).
  void AddValue(std::string_view field, std::string_view value);
  // The values of `field`, in order (none: an empty vector).
  std::vector<std::string_view> Values(std::string_view field) const;
  // Its first value.
  std::optional<std::string> Field(std::string_view name) const;
  // "Instance i-0abc", "AccessKey AKIA... (user alice)": the resource the finding is about.
  std::string Resource() const;
  // The fields Resource() reads.
  static constexpr std::array<std::string_view, 10> kResourceFields = {
      "resource.resourceType",
      "resource.instanceDetails.instanceId",
      "resource.accessKeyDetails.accessKeyId",
      "resource.accessKeyDetails.userName",
      "resource.eksClusterDetails.name",
      "resource.rdsDbInstanceDetails.dbInstanceIdentifier",
      "resource.s3BucketDetails.name",
      "resource.ecsClusterDetails.name",
      "resource.lambdaDetails.functionName",
      "resource.ebsVolumeDetails.scannedVolumeDetails.volumeArn",
  };

 private:
  // The fields' names and values, one after the other in text_ (a finding has a few dozen at
  // most of those the rules read: a scan finds one sooner than a hash table is built).
  struct Entry {
    uint32_t name = 0, name_size = 0, value = 0, value_size = 0;
  };
  std::string_view At(uint32_t offset, uint32_t size) const {
    return {text_.data() + offset, size};
  }
  std::string text_;
  std::vector<Entry> entries_;
};

struct Alert {
  std::string id;
  std::string rule;
  std::string kind;  // "finding", "threshold", "first_seen" or "digest"
  std::string reason;
  std::string group;
  std::string resource;  // the first finding's (FindingFacts::Resource)
  int64_t created_at = 0;
  bool suppressed = false;
  double severity = 0;
  uint64_t count = 0;  // findings (or the threshold's count, or distinct values)
  std::vector<std::string> finding_ids;
  std::vector<std::string> summaries;  // JSON objects, at most kMaxSummaries
  std::vector<std::string> channels;
  std::vector<std::string> digest_of;  // a digest: the alerts it sums up
  // A finding rule's alert: each finding's severity and service.count as it alerted, which a
  // restart reads back (in the JSON: "finding_state": [[id, severity, count], ...]).
  struct FindingState {
    std::string id;
    double severity = 0;
    int64_t count = 0;
  };
  std::vector<FindingState> finding_state;
  std::shared_ptr<const FindingFacts> first;  // for templates; may be null (a digest)
};

// The most findings one alert is about (more make several alerts; a digest names them all), and
// the most of them an alert summarises.
inline constexpr size_t kMaxFindingsPerAlert = 100;
inline constexpr size_t kMaxSummaries = 20;

// The alert as JSON, with empty "title" and "body" for the caller to fill (one version per
// channel's templates), "findings" the parsed summaries, and "link" when base_url is not empty.
nlohmann::ordered_json AlertJson(const Alert& alert, std::string_view base_url);

// The title and body of `alert` for a channel's templates (empty: the defaults); `findings` is
// AlertJson's "findings" (the summaries, parsed once for all the versions).
std::string AlertTitle(const Alert& alert, const nlohmann::ordered_json& findings,
                       std::string_view tmpl);
std::string AlertBody(const Alert& alert, const nlohmann::ordered_json& findings,
                      std::string_view tmpl);

// A new alert id: time-ordered (the creation time in hex first), unique.
std::string NewAlertId(int64_t now);

}  // namespace vigil::alert
