#include "alert/outbox.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/json_writer.h"
#include "storage/wal_reader.h"

namespace vigil::alert {

namespace {

using json = nlohmann::json;

constexpr std::string_view kPrefix = "outbox-";
constexpr std::string_view kSuffix = ".log";
constexpr uint64_t kMaxFileBytes = 1ULL << 32;

std::string FileName(uint64_t number) { return fmt::format("outbox-{:06}.log", number); }

// The number of "outbox-000012.log", or 0 for any other name.
uint64_t FileNumber(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') + 1);
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return 0;
  name = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (name.empty() || name.size() > 18) return 0;
  uint64_t n = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

std::string_view SettlementName(Settlement s) {
  return s == Settlement::kDelivered ? "delivered" : "dropped";
}

Outbox::Outbox(Env* env, std::string dir, OutboxOptions options)
    : env_(env), dir_(std::move(dir)), options_(std::move(options)) {}

Outbox::~Outbox() {
  if (writer_) (void)writer_->Close();
}

Result<std::unique_ptr<Outbox>> Outbox::Open(Env* env, const std::string& dir,
                                             OutboxOptions options) {
  VIGIL_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::unique_ptr<Outbox> outbox(new Outbox(env, dir, std::move(options)));
  VIGIL_RETURN_IF_ERROR(outbox->Recover());
  std::lock_guard<std::mutex> lock(outbox->mu_);
  VIGIL_RETURN_IF_ERROR(outbox->NewFile());
  outbox->RemoveSettledFiles();
  return outbox;
}

Status Outbox::Recover() {
  Result<std::vector<std::string>> paths = env_->ListFilesRecursive(dir_);
  if (!paths.ok()) return paths.status();
  std::vector<std::pair<uint64_t, std::string>> logs;
  for (const std::string& p : *paths) {
    if (uint64_t n = FileNumber(p); n > 0 && DirName(p) == dir_) logs.emplace_back(n, p);
  }
  std::sort(logs.begin(), logs.end());
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [number, path] : logs) {
    Result<std::string> contents = env_->ReadFile(path, kMaxFileBytes);
    if (!contents.ok()) return contents.status();
    files_.push_back({number, 0});
    storage::WalReader reader(*contents);
    storage::WalRecord record;
    while (reader.Next(&record)) {
      next_seq_ = std::max(next_seq_, record.first_seq + 1);
      json j = json::parse(record.payload, nullptr, false);
      if (!j.is_object() || !j.contains("op") || !j["op"].is_string() || !j.contains("id") ||
          !j["id"].is_string()) {
        if (options_.log) {
          options_.log(fmt::format("outbox {}: record at offset {} is not a notification; skipped",
                                   path, record.offset));
        }
        continue;
      }
      const std::string id = j["id"].get<std::string>();
      if (j["op"] == "add") {
        Notification n;
        n.id = id;
        n.alert_id = j.value("alert_id", "");
        n.channel = j.value("channel", "");
        n.created_at = j.value("created_at", int64_t{0});
        n.alert = j.value("alert", "");
        if (pending_.count(id) == 0) {
          pending_[id] = Entry{std::move(n), number, next_order_++};
          ++files_.back().unsettled;
        }
      } else if (j["op"] == "settle") {
        auto it = pending_.find(id);
        if (it == pending_.end()) continue;
        for (File& f : files_) {
          if (f.number == it->second.file) --f.unsettled;
        }
        pending_.erase(it);
      }
    }
    if (reader.end_state() != storage::WalEndState::kClean && options_.log) {
      // A torn tail holds nothing acknowledged; damage elsewhere may have lost notifications.
      options_.log(fmt::format("outbox {}: {} ({}); {} bytes after it ignored", path,
                               storage::WalEndStateName(reader.end_state()), reader.problem(),
                               reader.dropped_bytes()));
    }
  }
  return Status::Ok();
}

Status Outbox::NewFile() {
  const uint64_t number = files_.empty() ? 1 : files_.back().number + 1;
  if (writer_) {
    VIGIL_RETURN_IF_ERROR(writer_->Close());
    writer_.reset();
  }
  Result<std::unique_ptr<WritableFile>> file =
      env_->NewWritableFile(JoinPath(dir_, FileName(number)));
  if (!file.ok()) return file.status();
  writer_ = std::make_unique<storage::WalWriter>(std::move(*file));
  VIGIL_RETURN_IF_ERROR(writer_->Sync());
  VIGIL_RETURN_IF_ERROR(env_->SyncDir(dir_));
  files_.push_back({number, 0});
  return Status::Ok();
}

Status Outbox::Append(const std::string& payload) {
  return writer_->AddRecord(next_seq_++, payload);
}

Status Outbox::Add(std::span<const Notification> notifications) {
  if (notifications.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  if (writer_->size() >= options_.file_bytes) {
    if (Status s = NewFile(); !s.ok()) {
      error_ = s;
      return s;
    }
  }
  std::string record;
  for (const Notification& n : notifications) {
    // Written directly: the alert, valid JSON text already, is escaped once as a string.
    record.clear();
    JsonWriter w(&record);
    w.BeginObject();
    w.Field("op", "add");
    w.Field("id", n.id);
    w.Field("alert_id", n.alert_id);
    w.Field("channel", n.channel);
    w.Field("created_at", n.created_at);
    w.Field("alert", n.alert);
    w.EndObject();
    if (Status s = Append(record); !s.ok()) {
      error_ = s;
      return s;
    }
  }
  if (Status s = writer_->Sync(); !s.ok()) {
    error_ = s;
    return s;
  }
  unsynced_ = false;
  for (const Notification& n : notifications) {
    if (pending_.count(n.id) != 0) continue;
    pending_[n.id] = Entry{n, files_.back().number, next_order_++};
    ++files_.back().unsettled;
  }
  return Status::Ok();
}

Status Outbox::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  if (!unsynced_) return Status::Ok();
  if (Status s = writer_->Sync(); !s.ok()) {
    error_ = s;
    return s;
  }
  unsynced_ = false;
  return Status::Ok();
}

Status Outbox::Settle(std::string_view id, Settlement how, bool sync) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  auto it = pending_.find(id);
  if (it == pending_.end()) return Status::Ok();
  json j = {{"op", "settle"}, {"id", std::string(id)}, {"how", SettlementName(how)}};
  Status s = Append(j.dump());
  if (s.ok() && sync) s = writer_->Sync();
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  unsynced_ = !sync;
  for (File& f : files_) {
    if (f.number == it->second.file) --f.unsettled;
  }
  pending_.erase(it);
  RemoveSettledFiles();
  if (writer_->size() >= options_.file_bytes && pending_.empty()) {
    // Everything is settled: a new file lets the full one go.
    if (Status n = NewFile(); !n.ok()) {
      error_ = n;
      return n;
    }
    RemoveSettledFiles();
  }
  return Status::Ok();
}

void Outbox::RemoveSettledFiles() {
  // Oldest first, never the current file: a settlement in a later file may name a notification
  // of an earlier one, so a file goes only when every file before it has gone.
  bool removed = false;
  while (files_.size() > 1 && files_.front().unsettled == 0) {
    const std::string path = JoinPath(dir_, FileName(files_.front().number));
    Status s = env_->RemoveFile(path);
    if (!s.ok()) {
      if (options_.log)
        options_.log(fmt::format("outbox: cannot remove {}: {}", path, s.message()));
      return;
    }
    files_.erase(files_.begin());
    removed = true;
  }
  // A removal that did not reach the disk would bring back notifications whose settlements were
  // in a file removed after it.
  if (removed) {
    if (Status s = env_->SyncDir(dir_); !s.ok() && options_.log) {
      options_.log(fmt::format("outbox: cannot sync {}: {}", dir_, s.message()));
    }
  }
}

std::vector<Notification> Outbox::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Entry*> entries;
  entries.reserve(pending_.size());
  for (const auto& [id, e] : pending_) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->order < b->order; });
  std::vector<Notification> out;
  out.reserve(entries.size());
  for (const Entry* e : entries) out.push_back(e->notification);
  return out;
}

size_t Outbox::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

size_t Outbox::files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_.size();
}

}  // namespace vigil::alert
