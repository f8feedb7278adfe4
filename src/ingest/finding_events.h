// FindingEventHub: the live feed of findings as they are indexed (`GET /api/stream`). Whoever
// commits findings publishes one event per finding that was created or updated (a stale version
// changes nothing and is not an event); each subscriber has its own bounded queue and a way to be
// woken when events arrive.
//
// A subscriber that falls behind by more than its queue's limit is marked overflowed and gets no
// more events: it should reconnect and query for what it missed (events are not persisted). The
// hub holds subscriptions weakly: one is gone when its holder drops it.
//
// Thread-safe: Publish, Subscribe and every Subscription call may come from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "findings/finding_reader.h"

namespace vigil::ingest {

struct FindingEvent {
  uint64_t seq = 0;        // assigned by the hub: increasing, from 1
  std::string change;      // "created" or "updated"
  std::string id;          // the finding's id
  std::string account_id;  // its accountId (for scoped subscribers)
  std::string summary;     // a JSON object (SummarizeFinding), without "change" and "seq"
};

// A JSON object with what a live view shows of a finding: id, type, title, severity and its
// label, accountId, region, updatedAt (ISO-8601), count (service.count), and the attacker's ip,
// country and location when the finding has them.
std::string SummarizeFinding(const findings::ReadFinding& finding);

// The flattened and derived fields a summary picks (their first value), with the short names it
// gives them. The alert engine writes its findings' summaries with the same table.
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kSummaryPicks = {{
    {"title", "title"},
    {"derived.severityLabel", "severityLabel"},
    {"derived.attacker.ip", "attackerIp"},
    {"derived.attacker.countryCode", "attackerCountryCode"},
    {"derived.attacker.countryName", "attackerCountry"},
    {"derived.attacker.location", "attackerLocation"},
}};

class FindingEventHub {
 public:
  class Subscription {
   public:
    explicit Subscription(size_t limit) : limit_(limit) {}
    // Moves up to `max` queued events into *out, oldest first.
    void Take(std::vector<std::shared_ptr<const FindingEvent>>* out, size_t max);
    // True once events were dropped because the queue was full.
    bool overflowed() const;
    // Keeps `wake` to call once, from the publishing thread, when events arrive; returns false
    // (and keeps nothing) when events are queued already or the queue overflowed: take them now.
    bool Arm(std::function<void()> wake);

   private:
    friend class FindingEventHub;
    // Queues `events`; returns the waker to call (outside the lock), if one was armed.
    std::function<void()> Push(const std::vector<std::shared_ptr<const FindingEvent>>& events);

    const size_t limit_;
    mutable std::mutex mu_;
    std::deque<std::shared_ptr<const FindingEvent>> queue_;  // GUARDED_BY(mu_)
    bool overflowed_ = false;                                // GUARDED_BY(mu_)
    std::function<void()> wake_;                             // GUARDED_BY(mu_)
  };

  // `queue_limit`: the events a subscriber may have waiting before it overflows.
  explicit FindingEventHub(size_t queue_limit = 10000) : queue_limit_(queue_limit) {}

  std::shared_ptr<Subscription> Subscribe();
  // Numbers the events and queues them for every subscriber.
  void Publish(std::vector<FindingEvent> events);
  size_t subscribers() const;

 private:
  const size_t queue_limit_;
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<Subscription>> subscriptions_;  // GUARDED_BY(mu_)
  uint64_t next_seq_ = 1;                                   // GUARDED_BY(mu_)
};

}  // namespace vigil::ingest
