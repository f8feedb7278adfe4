// WalReader: reads the records of a write-ahead-log file (format in wal_format.h and
// docs/format/wal.md) and says where the valid log ends and why, for recovery to truncate the
// rest. Works on the whole file in memory; never fails, never reads outside it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::storage {

struct WalRecord {
  uint64_t first_seq = 0;
  std::string_view payload;  // points into the reader's input
  uint64_t offset = 0;       // of the record header in the file
};

// How a log ends, known once WalReader::Next has returned false.
enum class WalEndState {
  // Exactly at a record boundary after a valid file header.
  kClean,
  // In what a crash during an append leaves: a file header or record cut short by the end of
  // the file, or zero bytes from there to the end (space the file system allocated but whose
  // data never reached the disk). Only unsynced, so unacknowledged, records can be there.
  kTornTail,
  // At a record (or file header) that fails a check: checksum mismatch, length over
  // kMaxRecordPayload, unknown version, sequence number not above the previous record's, wrong
  // magic. Bytes once written are damaged, so acknowledged records after it may be lost.
  kCorrupt,
};

std::string_view WalEndStateName(WalEndState state);

class WalReader {
 public:
  // `contents` is the whole file and must outlive the reader and the records it returns.
  explicit WalReader(std::string_view contents) : contents_(contents) {}

  // Fills *record with the next valid record and returns true; returns false at the end of the
  // valid log (and on every later call). Records come in file order, with increasing first_seq.
  // Nothing after the first bad record is returned: the log is only ever appended to, so what
  // follows a bad record cannot be trusted to be complete.
  bool Next(WalRecord* record);

  // The following describe the end of the log once Next has returned false.
  WalEndState end_state() const { return end_state_; }
  // Bytes up to the end of the last valid record (or of the file header when there is none;
  // 0 when the header itself is bad): the size to truncate the file to.
  uint64_t valid_size() const { return valid_size_; }
  // Bytes past valid_size(): what truncation drops.
  uint64_t dropped_bytes() const { return contents_.size() - valid_size_; }
  // What is wrong at valid_size() and where, e.g. "record at offset 4096: checksum mismatch";
  // empty when end_state() is kClean.
  const std::string& problem() const { return problem_; }

 private:
  // Checks the file header; false (with the end state set) if it is bad.
  bool ReadFileHeader();
  // Ends the log at valid_size_ with `state` and a problem about the bytes there.
  bool Stop(WalEndState state, std::string problem);
  bool RestIsZero(size_t from) const;

  std::string_view contents_;
  bool header_checked_ = false;
  bool done_ = false;
  WalEndState end_state_ = WalEndState::kClean;
  uint64_t valid_size_ = 0;
  std::string problem_;
  bool has_last_seq_ = false;
  uint64_t last_seq_ = 0;
};

}  // namespace vigil::storage
