// libFuzzer target for the WAL reader: any bytes must give records and an end state, never a
// crash, a read outside the input or a sanitizer report; and the reader's accounting must add
// up (valid_size() + dropped_bytes() is the input size, a clean end keeps every byte, records
// lie inside the valid prefix, in order, with increasing sequence numbers).
//
// Random bytes almost never carry a valid CRC, so each input is also read a second time with
// the checksum of every record that fits in it recomputed: that reaches the checks behind the
// checksum (sequence order, later records) as well.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/wal_format.h"
#include "storage/wal_reader.h"

namespace {

using vigil::storage::kMaxRecordPayload;
using vigil::storage::kWalHeaderSize;
using vigil::storage::kWalRecordCrcSize;
using vigil::storage::kWalRecordHeaderSize;

void Check(bool ok) {
  if (!ok) std::abort();
}

void ReadAndCheck(std::string_view input) {
  vigil::storage::WalReader reader(input);
  vigil::storage::WalRecord record;
  uint64_t end = 0;
  uint64_t last_seq = 0;
  bool any = false;
  uint32_t sum = 0;
  while (reader.Next(&record)) {
    Check(record.offset >= kWalHeaderSize && record.offset >= end);
    Check(!any || record.first_seq > last_seq);
    Check(record.payload.size() <= kMaxRecordPayload);
    Check(record.payload.data() == input.data() + record.offset + kWalRecordHeaderSize);
    for (char c : record.payload) sum += static_cast<uint8_t>(c);  // touch every payload byte
    end = record.offset + kWalRecordHeaderSize + record.payload.size();
    Check(end <= input.size());
    last_seq = record.first_seq;
    any = true;
  }
  Check(!reader.Next(&record));
  Check(reader.valid_size() <= input.size());
  Check(reader.valid_size() + reader.dropped_bytes() == input.size());
  if (any) Check(end == reader.valid_size());
  bool clean = reader.end_state() == vigil::storage::WalEndState::kClean;
  Check(clean == reader.problem().empty());
  if (clean) Check(reader.dropped_bytes() == 0);
  // Keeps the loop that touches the payload bytes from being optimised away.
  volatile uint32_t sink = sum;
  (void)sink;
}

// Rewrites the checksum of every record that fits in `data`, walking the framing as a reader
// would.
void FixChecksums(std::string* data) {
  size_t pos = kWalHeaderSize;
  while (pos + kWalRecordHeaderSize <= data->size()) {
    uint32_t length = vigil::storage::DecodeFixed32(data->data() + pos + 4);
    if (length > kMaxRecordPayload || data->size() - pos - kWalRecordHeaderSize < length) break;
    std::string_view covered(data->data() + pos + kWalRecordCrcSize,
                             kWalRecordHeaderSize - kWalRecordCrcSize + length);
    std::string crc;
    vigil::storage::PutFixed32(&crc, vigil::Crc32(covered));
    data->replace(pos, kWalRecordCrcSize, crc);
    pos += kWalRecordHeaderSize + length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ReadAndCheck(input);
  if (size >= kWalHeaderSize) {
    std::string fixed(input);
    FixChecksums(&fixed);
    ReadAndCheck(fixed);
  }
  return 0;
}
