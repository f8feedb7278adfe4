#include "storage/wal_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/wal_format.h"

namespace vigil::storage {

std::string_view WalEndStateName(WalEndState state) {
  switch (state) {
    case WalEndState::kClean:
      return "clean";
    case WalEndState::kTornTail:
      return "torn tail";
    case WalEndState::kCorrupt:
      return "corrupt";
  }
  return "unknown";
}

bool WalReader::Stop(WalEndState state, std::string problem) {
  done_ = true;
  end_state_ = state;
  problem_ = std::move(problem);
  return false;
}

bool WalReader::RestIsZero(size_t from) const {
  return std::all_of(contents_.begin() + static_cast<ptrdiff_t>(from), contents_.end(),
                     [](char c) { return c == '\0'; });
}

bool WalReader::ReadFileHeader() {
  header_checked_ = true;
  const size_t size = contents_.size();
  if (size > 0 && RestIsZero(0)) {
    return Stop(WalEndState::kTornTail,
                fmt::format("file header: {} zero bytes, never written", size));
  }
  std::string expected(kWalMagic);
  PutFixed32(&expected, kWalFormatVersion);
  PutFixed32(&expected, 0);
  if (size < kWalHeaderSize) {
    // A crash right after the file was created, if what is there is the start of a header.
    if (std::string_view(expected).starts_with(contents_)) {
      return Stop(WalEndState::kTornTail,
                  fmt::format("file header: cut short ({} of {} bytes)", size, kWalHeaderSize));
    }
    return Stop(WalEndState::kCorrupt,
                fmt::format("file header: {} bytes that do not start a WAL file header", size));
  }
  if (contents_.substr(0, kWalMagic.size()) != kWalMagic) {
    return Stop(WalEndState::kCorrupt, "file header: bad magic (not a WAL file)");
  }
  uint32_t version = DecodeFixed32(contents_.data() + kWalMagic.size());
  if (version != kWalFormatVersion) {
    return Stop(WalEndState::kCorrupt,
                fmt::format("file header: unsupported format version {}", version));
  }
  uint32_t reserved = DecodeFixed32(contents_.data() + kWalMagic.size() + 4);
  if (reserved != 0) {
    return Stop(WalEndState::kCorrupt,
                fmt::format("file header: reserved field is {:#x}, not 0", reserved));
  }
  valid_size_ = kWalHeaderSize;
  return true;
}

bool WalReader::Next(WalRecord* record) {
  if (done_) return false;
  if (!header_checked_ && !ReadFileHeader()) return false;

  const size_t pos = valid_size_;
  const size_t left = contents_.size() - pos;
  if (left == 0) return Stop(WalEndState::kClean, "");
  // Checked first: a zero header would otherwise read as an unknown version.
  if (RestIsZero(pos)) {
    return Stop(WalEndState::kTornTail,
                fmt::format("record at offset {}: {} zero bytes to the end of the file, never "
                            "written",
                            pos, left));
  }
  if (left < kWalRecordHeaderSize) {
    return Stop(WalEndState::kTornTail,
                fmt::format("record at offset {}: header cut short ({} of {} bytes)", pos, left,
                            kWalRecordHeaderSize));
  }
  const char* p = contents_.data() + pos;
  const uint32_t crc = DecodeFixed32(p);
  const uint32_t length = DecodeFixed32(p + 4);
  const uint8_t version = static_cast<uint8_t>(p[8]);
  const uint64_t first_seq = DecodeFixed64(p + 9);
  // The version and the length are checked before the checksum, which cannot be computed
  // without trusting the length. A length past the end of the file reads as a torn tail, as it
  // would after a crash in the middle of the payload.
  if (version != kWalRecordVersion) {
    return Stop(WalEndState::kCorrupt,
                fmt::format("record at offset {}: unknown record version {}", pos, version));
  }
  if (length > kMaxRecordPayload) {
    return Stop(WalEndState::kCorrupt,
                fmt::format("record at offset {}: impossible payload length {} (limit {})", pos,
                            length, kMaxRecordPayload));
  }
  if (left - kWalRecordHeaderSize < length) {
    return Stop(WalEndState::kTornTail,
                fmt::format("record at offset {}: payload cut short ({} of {} bytes)", pos,
                            left - kWalRecordHeaderSize, length));
  }
  std::string_view payload = contents_.substr(pos + kWalRecordHeaderSize, length);
  std::string_view checked(p + kWalRecordCrcSize, kWalRecordHeaderSize - kWalRecordCrcSize);
  if (Crc32(payload, Crc32(checked)) != crc) {
    return Stop(WalEndState::kCorrupt, fmt::format("record at offset {}: checksum mismatch", pos));
  }
  if (has_last_seq_ && first_seq <= last_seq_) {
    return Stop(WalEndState::kCorrupt,
                fmt::format("record at offset {}: sequence number {} does not follow {}", pos,
                            first_seq, last_seq_));
  }
  has_last_seq_ = true;
  last_seq_ = first_seq;
  valid_size_ = pos + kWalRecordHeaderSize + length;
  record->first_seq = first_seq;
  record->payload = payload;
  record->offset = pos;
  return true;
}

}  // namespace vigil::storage
