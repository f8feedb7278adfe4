// Outbox: the durable queue of notifications (docs/format/outbox.md). A notification is written
// and fsynced here before the ingest request whose findings caused it is acknowledged; it stays
// until it is settled (delivered, or dropped because its channel is gone or it expired), and a
// settlement is fsynced too, so that after a crash or a restart every unsettled notification is
// delivered and no settled one is sent again. The one exception is a delivery that raced a crash
// (the receiver answered 2xx, the settlement never reached the disk): it is sent again with the
// same idempotency key, which receivers can dedupe on.
//
// On disk: DATA/alerts/outbox/outbox-NNNNNN.log, write-ahead-log files (docs/format/wal.md) whose
// record payloads are JSON: {"op":"add", notification} or {"op":"settle","id":..,"how":..}. Each
// open starts a new file; a file is removed once every notification in it and in every older file
// is settled. A torn tail (a crash during an append) is ignored: nothing in it was acknowledged.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "env/env.h"
#include "storage/wal_writer.h"

namespace vigil::alert {

struct Notification {
  std::string id;        // unique; the idempotency key receivers see
  std::string alert_id;  // the alert it delivers (a document of the alerts index)
  std::string channel;   // the channel's name
  int64_t created_at = 0;
  std::string alert;  // the alert as JSON (what the channel renders)
};

enum class Settlement { kDelivered, kDropped };
std::string_view SettlementName(Settlement s);  // "delivered", "dropped"

struct OutboxOptions {
  uint64_t file_bytes = 4 << 20;  // a new file past this size
  std::function<void(std::string_view)> log;
};

class Outbox {
 public:
  // Opens (creating) the outbox in `dir` and reads what is unsettled.
  static Result<std::unique_ptr<Outbox>> Open(Env* env, const std::string& dir,
                                              OutboxOptions options = {});
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Appends the notifications and fsyncs: durable when this returns OK. Nothing is added on an
  // error, and every later call fails (the log's tail is unknown).
  Status Add(std::span<const Notification> notifications);
  // Records that a notification is settled: fsynced, or with `sync` false only appended (then
  // durable at the next Sync() or Add(); a crash before that sends it again). An unknown or
  // already settled id is OK.
  Status Settle(std::string_view id, Settlement how, bool sync = true);
  // Makes the settlements appended so far durable.
  Status Sync();

  // The unsettled notifications, oldest first.
  std::vector<Notification> Pending() const;
  size_t pending() const;
  // Files on disk (for tests and metrics).
  size_t files() const;

 private:
  struct File {
    uint64_t number = 0;
    size_t unsettled = 0;  // notifications added in this file and not settled
  };
  Outbox(Env* env, std::string dir, OutboxOptions options);
  Status Recover();
  Status NewFile();                           // REQUIRES mu_
  Status Append(const std::string& payload);  // REQUIRES mu_; not synced
  void RemoveSettledFiles();                  // REQUIRES mu_

  Env* env_;
  const std::string dir_;
  OutboxOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<storage::WalWriter> writer_;  // the current file
  Status error_;                                // sticky
  bool unsynced_ = false;                       // settlements appended since the last fsync
  uint64_t next_seq_ = 1;
  std::vector<File> files_;  // oldest first; the last is the current one
  struct Entry {
    Notification notification;
    uint64_t file = 0;
    uint64_t order = 0;
  };
  std::map<std::string, Entry, std::less<>> pending_;
  uint64_t next_order_ = 0;
};

}  // namespace vigil::alert
