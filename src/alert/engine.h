// AlertEngine: runs the alert rules (docs/alerting.md). It sees every commit to the findings index
// before the push is acknowledged (ingest::CommitObserver), matches each rule's query on the
// documents the commit added (the commit group's segment, storage::WriteTrace), decides what
// alerts, writes each alert's notifications to the outbox (fsynced) and the alert to the `alerts`
// index, and only then lets the push be acknowledged. Tick() does the scheduled work: threshold
// rules over their windows and the digests of throttled alerts.
//
// Rule kinds:
//   finding     a finding alerts when a version of it matches and it has not alerted for this
//               rule yet, or its severity rose into a higher label, or service.count grew by at
//               least count_increase since it last alerted. Versions are judged in the order
//               they are accepted (a stale version is never seen).
//   threshold   more than `threshold` matching findings (or distinct values of cardinality_field)
//               with time_field within the last `window`, per group; evaluated on each commit
//               that adds a match of the group (at most one search per second and rule: groups
//               matched meanwhile are evaluated by the next tick) and on a schedule; a group
//               fires at most once per window (or throttle, if longer).
//   first_seen  a value of `field` that no matching finding had within `lookback` before this
//               commit, per group: this run remembers the values it saw, and asks the index
//               about the others.
// Throttle: a (rule, group) notifies at most once per throttle; what it holds back is recorded as
// suppressed alerts, summed up by one digest when the throttle ends.
//
// What the engine decides from is in the alerts index, so a restart goes on where it stopped:
// Start() reads it back (which findings alerted at which severity and count, when each group last
// notified, which suppressed alerts await a digest).
//
// Thread-safe: commits and ticks are serialised by a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "alert/alert_index.h"
#include "alert/alert_record.h"
#include "alert/alert_store.h"
#include "alert/outbox.h"
#include "base/status.h"
#include "findings/finding_reader.h"
#include "ingest/push_ingester.h"
#include "storage/engine.h"

namespace vigil::alert {

inline constexpr std::string_view kAlertsIndex = "alerts";

struct AlertEngineOptions {
  std::function<void(std::string_view)> log;
  std::function<int64_t()> clock;  // epoch ms; default: the system clock
  std::string base_url;            // the dashboard's address, for links in alerts
  // A threshold rule searches the index on commits at most once per this interval; groups with
  // matches meanwhile are evaluated by the next tick.
  int64_t threshold_min_interval_ms = 1000;
};

struct AlertEngineStats {
  uint64_t alerts = 0;      // notified
  uint64_t suppressed = 0;  // held back by a throttle
  uint64_t digests = 0;
  uint64_t notifications = 0;
  uint64_t evaluations = 0;  // rule evaluations on commits
  uint64_t errors = 0;       // rules that failed to evaluate (logged)
};

// Receives notifications once they are durable (the dispatcher).
using NotificationSink = std::function<void(std::vector<Notification>)>;

class AlertEngine : public ingest::CommitObserver {
 public:
  // Everything must outlive the engine.
  AlertEngine(storage::Engine* db, AlertStore* store, Outbox* outbox,
              AlertEngineOptions options = {});
  ~AlertEngine() override;

  // Reads the alerts index back. Call once, before the first commit.
  Status Start();
  void SetSink(NotificationSink sink);

  bool active() const override;
  // The fields the rules and templates read of a finding, its summary and meta, kept while the
  // ingester has it flattened: OnCommit uses them instead of reading the finding back.
  std::shared_ptr<ingest::ObservedFinding> Capture(const findings::ReadFinding& finding) override;
  Status OnCommit(const ingest::CommittedWrite& write) override;
  // The scheduled work, due at `now` (epoch ms).
  Status Tick(int64_t now);

  // What `rule` would do over the findings of the last `lookback_ms`: a JSON object with the
  // matching findings' count, the newest of them, the groups of a threshold rule, and
  // "would_send": the alerts it would have made had the newest 5,000 matches arrived one by one
  // (a preview: nothing is sent or recorded).
  Result<std::string> Preview(const Rule& rule, int64_t lookback_ms);

  // Records the state of a notification's delivery on its alert's document: status "delivered",
  // "retrying" or "dropped", the attempts so far, the last error. Written by the next Tick() or
  // FlushDeliveries().
  void RecordDelivery(const Notification& n, std::string_view status, int attempts,
                      std::string_view error);
  Status FlushDeliveries();

  AlertEngineStats stats() const;

 private:
  struct Prepared;
  struct State;
  Status Refresh();  // REQUIRES mu_: the rules, when the store changed
  int64_t Now() const;
  // Writes alerts: their notifications to the outbox, then the alerts index; hands the
  // notifications to the sink. REQUIRES mu_.
  Status Emit(std::vector<Alert>& alerts, int64_t now);
  // The rule kinds; each appends what alerts to *alerts. REQUIRES mu_.
  void FindingAlerts(const Rule& rule, const std::vector<std::shared_ptr<FindingFacts>>& found,
                     int64_t now, std::vector<Alert>* alerts);
  Status ThresholdAlerts(const Rule& rule, const std::shared_ptr<const storage::Snapshot>& snapshot,
                         int64_t now, const std::vector<std::string>& groups,
                         std::vector<Alert>* alerts);
  Status FirstSeenAlerts(Prepared& p, const std::vector<std::shared_ptr<FindingFacts>>& found,
                         const std::shared_ptr<const storage::Snapshot>& before, int64_t now,
                         std::vector<Alert>* alerts);
  // Marks the alerts from index `first` on that a throttle holds back. REQUIRES mu_.
  void Throttle(const Rule& rule, int64_t now, size_t first, std::vector<Alert>* alerts);
  // Digests of throttled groups whose throttle ended. REQUIRES mu_.
  void Digests(int64_t now, std::vector<Alert>* alerts);
  // Preview's replay into (*out)["would_send"]. REQUIRES mu_.
  Status Replay(const Rule& rule, const std::shared_ptr<const storage::Snapshot>& snapshot,
                int64_t now, int64_t lookback_ms, nlohmann::ordered_json* out);
  // A finding read again from its stored source; null when it cannot be read. REQUIRES mu_.
  // `all_fields`: keep every field, not only those the engine's rules and templates read.
  std::shared_ptr<FindingFacts> ReadFacts(std::string_view source, int64_t ingested_at,
                                          bool all_fields = false);

  storage::Engine* db_;
  AlertStore* store_;
  Outbox* outbox_;
  AlertIndex alert_index_;
  AlertEngineOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;  // GUARDED_BY(mu_)
  NotificationSink sink_;
  mutable std::mutex stats_mu_;
  AlertEngineStats stats_;
};

}  // namespace vigil::alert
