// WalWriter: appends records to a write-ahead-log file (format in wal_format.h and
// docs/format/wal.md). Not thread-safe: one writer, used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "env/env.h"

namespace vigil::storage {

class WalWriter {
 public:
  // Takes over `file`, which must be empty when `write_header` is true (a new log; the header is
  // appended now and any failure is reported by the first later call), or hold a valid log
  // ending at a record boundary when it is false (appending to a recovered log: the caller must
  // then keep sequence numbers above the log's last, which this writer has not seen).
  explicit WalWriter(std::unique_ptr<WritableFile> file, bool write_header = true);
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Appends one record. Not durable until Sync() returns OK. `first_seq` must be greater than
  // the previous record's, and the payload at most kMaxRecordPayload bytes: otherwise this fails
  // with InvalidArgument and writes nothing (the writer stays usable).
  //
  // Any other failure is sticky: this and every later call return it, and nothing more is
  // written. A file that failed an append may end in part of a record, and after a failed fsync
  // the state of the unsynced bytes is unknown; appending behind them would bury the damage in
  // the middle of the log, where recovery would stop and drop every later record.
  Status AddRecord(uint64_t first_seq, std::string_view payload);
  // Makes every record added so far durable (fsync).
  Status Sync();
  // Closes the file without syncing. Idempotent; AddRecord and Sync fail afterwards.
  Status Close();

  // Bytes this writer has appended, including the file header if it wrote one, counting only
  // whole records: after a failure the file may hold a partial record past this size.
  uint64_t size() const { return size_; }

 private:
  std::unique_ptr<WritableFile> file_;
  Status status_;  // the first failure; sticky
  bool closed_ = false;
  bool has_last_seq_ = false;
  uint64_t last_seq_ = 0;
  uint64_t size_ = 0;
};

}  // namespace vigil::storage
