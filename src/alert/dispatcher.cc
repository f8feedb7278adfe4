#include "alert/dispatcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "base/time.h"

namespace vigil::alert {

Dispatcher::Dispatcher(AlertStore* store, Outbox* outbox, DispatcherOptions options)
    : store_(store), outbox_(outbox), options_(std::move(options)), rng_(std::random_device{}()) {}

Dispatcher::~Dispatcher() { Stop(); }

int64_t Dispatcher::Now() const { return options_.clock ? options_.clock() : NowMillis(); }

void Dispatcher::Start() {
  Enqueue(outbox_->Pending());
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { Work(); });
  threads_.emplace_back([this] { Ticks(); });
}

void Dispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  (void)outbox_->Sync();
}

void Dispatcher::Enqueue(std::vector<Notification> notifications) {
  if (notifications.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Notification& n : notifications) {
      ++stats_[n.channel].pending;
      queues_[n.channel].items.push_back(std::move(n));
    }
  }
  cv_.notify_all();
}

std::map<std::string, ChannelStats> Dispatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Dispatcher::Ticks() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!stopping_) {
    // Every second: the condition variable is also notified by every delivery, which must not
    // make ticks more frequent.
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) break;
    next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    lock.unlock();
    if (Status s = outbox_->Sync(); !s.ok() && options_.log) {
      options_.log("alerts: cannot sync the outbox: " + s.message());
    }
    if (options_.tick) options_.tick(Now());
    lock.lock();
  }
}

void Dispatcher::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // The channel whose head is due first, among those no other worker is delivering.
    const int64_t now = Now();
    std::string next;
    int64_t due = INT64_MAX;
    for (auto& [name, q] : queues_) {
      if (q.busy || q.items.empty()) continue;
      if (q.due < due) {
        due = q.due;
        next = name;
      }
    }
    if (next.empty()) {
      cv_.wait(lock);
      continue;
    }
    if (due > now) {
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(due - now, 1000)));
      continue;
    }
    Queue& q = queues_[next];
    q.busy = true;
    Notification n = q.items.front();
    const int attempts = q.attempts + 1;
    lock.unlock();
    Deliver(next, n, attempts);
    lock.lock();
  }
}

std::optional<Channel> Dispatcher::FindChannel(const std::string& name) {
  std::lock_guard<std::mutex> lock(channels_mu_);
  if (const uint64_t v = store_->version(); v != channels_version_) {
    channels_.clear();
    for (Channel& c : store_->Get().channels) channels_.emplace(c.name, std::move(c));
    channels_version_ = v;
  }
  auto it = channels_.find(name);
  if (it == channels_.end()) return std::nullopt;
  return it->second;
}

void Dispatcher::Deliver(const std::string& name, const Notification& n, int attempts) {
  const int64_t now = Now();
  // Settled (delivered or dropped): the head leaves the queue.
  auto settle = [&](Settlement how, std::string_view status, const std::string& error) {
    // Settlements are fsynced in groups, at most kSettleSyncMs apart (and by every Add and
    // tick): a crash may send the last ones again, with their idempotency keys.
    Status s = outbox_->Settle(n.id, how, false);
    if (s.ok() && now - last_sync_.load() >= kSettleSyncMs) {
      last_sync_ = now;
      s = outbox_->Sync();
    }
    if (!s.ok() && options_.log) {
      options_.log(fmt::format("alerts: cannot settle notification {} in the outbox: {}", n.id,
                               s.message()));
    }
    if (options_.record) options_.record(n, status, attempts, error);
    std::lock_guard<std::mutex> lock(mu_);
    Queue& q = queues_[name];
    q.items.pop_front();
    q.attempts = 0;
    q.due = 0;
    q.busy = false;
    ChannelStats& st = stats_[name];
    --st.pending;
    if (how == Settlement::kDelivered) {
      ++st.delivered;
      st.consecutive_failures = 0;
      st.last_delivered_at = now;
    } else {
      ++st.dropped;
    }
  };
  std::optional<Channel> channel = FindChannel(name);
  if (!channel) {
    if (options_.log) {
      options_.log(fmt::format("alerts: notification {} dropped: channel [{}] no longer exists",
                               n.id, name));
    }
    settle(Settlement::kDropped, "dropped", "the channel no longer exists");
    cv_.notify_all();
    return;
  }
  if (now - n.created_at > options_.max_age_ms) {
    const std::string error =
        fmt::format("not delivered within {} hours; given up", options_.max_age_ms / 3'600'000);
    if (options_.log) options_.log(fmt::format("alerts: notification {} dropped: {}", n.id, error));
    settle(Settlement::kDropped, "dropped", error);
    cv_.notify_all();
    return;
  }
  DeliveryResult result;
  Result<OutgoingRequest> request = RenderNotification(*channel, n, now);
  if (request.ok()) {
    result = Send(*request, options_.transport);
  } else {
    result.error = request.status().message();
  }
  if (result.ok) {
    settle(Settlement::kDelivered, "delivered", "");
    cv_.notify_all();
    return;
  }
  // A failure: the head waits out its backoff, and the channel with it.
  int64_t delay = options_.first_backoff_ms;
  for (int i = 1; i < attempts && delay < options_.max_backoff_ms; ++i) delay *= 2;
  delay = std::min(delay, options_.max_backoff_ms);
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    delay = static_cast<int64_t>(static_cast<double>(delay) * jitter(rng_));
    Queue& q = queues_[name];
    q.attempts = attempts;
    q.due = now + delay;
    q.busy = false;
    ChannelStats& st = stats_[name];
    ++st.failures;
    ++st.consecutive_failures;
    st.last_error = result.error;
    st.last_error_at = now;
  }
  if (options_.log && (attempts <= 3 || attempts % 10 == 0)) {
    options_.log(
        fmt::format("alerts: channel [{}] failed notification {} (attempt {}): {}; next "
                    "try in {} ms",
                    name, n.id, attempts, result.error, delay));
  }
  if (options_.record) options_.record(n, "retrying", attempts, result.error);
  cv_.notify_all();
}

}  // namespace vigil::alert
