// AlertIndex: writes the documents of the `alerts` index. Each alert's whole JSON is its
// _source; what is indexed is what searches and dashboards need of it: its scalar fields, the
// lists of finding ids, channels and digested alerts (as multi-valued fields), the type,
// account and region of its findings (multi-valued: `findings.type`, `findings.accountId`,
// `findings.region`), and `delivery.<channel>.<status|attempts|error|at>`. The finding summaries
// are not indexed one by one (as a generic document's arrays would be, under `findings.0.id`,
// `findings.1.id`...), so the mapping stays small however many findings an alert carries.
//
// New alerts are written at once (Put: durable when it returns). Delivery states are many small
// changes: SetDelivery changes the alert in memory (the newest alerts are kept there, so that
// this needs no read of the index) and Flush writes every changed alert in one batch; the engine
// flushes every second and at the end. A crash loses at most the last second of delivery
// states, never a delivery (the outbox has those).
//
// Thread-safe (a mutex).
#pragma once

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "findings/document.h"
#include "ingest/document_converter.h"
#include "storage/engine.h"
#include "storage/write_batch.h"

namespace vigil::alert {

class AlertIndex {
 public:
  // `db` must outlive this; the index is `alerts`, created on the first write. The newest
  // `cached` alerts are kept in memory for SetDelivery.
  explicit AlertIndex(storage::Engine* db, size_t cached = 20'000) : db_(db), cached_(cached) {}

  // Indexes (or replaces) alerts (each a JSON object with an "id"). Durable when OK.
  // `sources`, when not empty, holds each alert's dump() (the caller had made it).
  Status Put(std::vector<nlohmann::ordered_json> alerts, std::vector<std::string> sources = {});
  // Sets delivery.<channel> of an alert to `entry`, in memory until the next Flush (NotFound
  // when the alert is in neither memory nor the index).
  Status SetDelivery(std::string_view alert_id, std::string_view channel,
                     const nlohmann::ordered_json& entry);
  // Writes the alerts SetDelivery changed since the last flush, in one batch.
  Status Flush();

 private:
  // Builds doc_ from `alert` (a JSON object).
  void BuildDocument(const nlohmann::ordered_json& alert);
  // `sources`: empty, or one per alert (its dump()). REQUIRES mu_.
  Status Write(std::span<const nlohmann::ordered_json* const> alerts,
               std::span<const std::string> sources = {});
  void Remember(nlohmann::ordered_json alert);  // REQUIRES mu_

  storage::Engine* db_;
  const size_t cached_;
  std::mutex mu_;
  std::unordered_map<std::string, nlohmann::ordered_json> recent_;  // GUARDED_BY(mu_), as below
  std::deque<std::string> order_;                                   // of recent_, oldest first
  std::set<std::string> dirty_;                                     // ids changed since a flush
  findings::Document doc_;
  ingest::DocumentConverter converter_;
  storage::WriteBatch batch_;
};

}  // namespace vigil::alert
