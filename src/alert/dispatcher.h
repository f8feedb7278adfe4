// Dispatcher: delivers the outbox's notifications (docs/alerting.md, "Delivery"). Each channel
// has its own queue, delivered in order, one request at a time; a failure is retried with
// exponential backoff and jitter (1 s, 2 s, 4 s... up to 5 minutes, each times a random factor
// in [0.5, 1]) and holds back only its own channel. A notification is settled in the outbox when
// its channel answers 2xx (SMTP: 250), or dropped when its channel no longer exists or it is
// older than max_age. Workers (2 by default) take the channel whose next notification is due
// first, so a channel that keeps failing takes at most one of them at a time.
//
// At Start(), what the outbox holds unsettled is queued again: after a crash or a restart it
// goes out (with the same idempotency keys).
//
// Settlements are fsynced in groups (at most 100 ms apart, and every second): a crash may send
// the last ones again, with the same idempotency keys. A thread also calls `tick` every second
// (the engine's scheduled work).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "alert/alert_store.h"
#include "alert/delivery.h"
#include "alert/outbox.h"

namespace vigil::alert {

struct DispatcherOptions {
  int workers = 2;
  int64_t first_backoff_ms = 1000;
  int64_t max_backoff_ms = 300'000;
  int64_t max_age_ms = 3LL * 24 * 3600 * 1000;  // then dropped (with a log line)
  TransportOptions transport;
  std::function<int64_t()> clock;  // epoch ms; default: the system clock
  std::function<void(std::string_view)> log;
  // Called with each delivery's state: "delivered", "retrying" or "dropped", the attempts so
  // far, the error (the engine records it on the alert).
  std::function<void(const Notification&, std::string_view, int, std::string_view)> record;
  std::function<void(int64_t now)> tick;  // every second, from its own thread
};

struct ChannelStats {
  uint64_t pending = 0;  // queued, not settled
  uint64_t delivered = 0;
  uint64_t failures = 0;  // failed attempts
  uint64_t dropped = 0;
  uint64_t consecutive_failures = 0;
  std::string last_error;
  int64_t last_error_at = 0;
  int64_t last_delivered_at = 0;
};

class Dispatcher {
 public:
  Dispatcher(AlertStore* store, Outbox* outbox, DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues the outbox's unsettled notifications and starts the threads.
  void Start();
  // Stops the threads; what is not delivered stays in the outbox for the next start.
  void Stop();
  // Queues notifications (already in the outbox).
  void Enqueue(std::vector<Notification> notifications);

  std::map<std::string, ChannelStats> stats() const;

 private:
  struct Queue {
    std::deque<Notification> items;
    int attempts = 0;  // of the head
    int64_t due = 0;   // when the head may be tried
    bool busy = false;
  };
  void Work();
  void Ticks();
  int64_t Now() const;
  // Delivers the head of `name`'s queue (mu_ not held).
  void Deliver(const std::string& name, const Notification& n, int attempts);
  // The channel named `name` as the store has it now, or nullopt.
  std::optional<Channel> FindChannel(const std::string& name);

  AlertStore* store_;
  Outbox* outbox_;
  DispatcherOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, Queue> queues_;        // GUARDED_BY(mu_)
  std::map<std::string, ChannelStats> stats_;  // GUARDED_BY(mu_)
  std::mt19937_64 rng_;                        // GUARDED_BY(mu_)
  std::mutex channels_mu_;
  uint64_t channels_version_ = UINT64_MAX;  // GUARDED_BY(channels_mu_), as below
  std::map<std::string, Channel> channels_;
  std::vector<std::thread> threads_;
  static constexpr int64_t kSettleSyncMs = 100;
  std::atomic<int64_t> last_sync_{0};
};

}  // namespace vigil::alert
