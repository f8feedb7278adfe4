// The write-ahead log's file format (docs/format/wal.md has the full grammar and the recovery
// rule). After LevelDB's db/log_format.h, without its blocks: a record is never split.
//
//   file   := header record*
//   header := "VIGILWAL" u32 format_version(1) u32 reserved(0)
//   record := u32 crc32 u32 length u8 record_version(1) u64 first_seq payload[length]
//
// Integers are little-endian. `crc32` is zlib's CRC-32 of the 13 header bytes after it and the
// payload, so one check covers the length, the version, the sequence number and the payload.
// `first_seq` is the sequence number the caller gave the record's first operation; it strictly
// increases from record to record. The payload is opaque to the log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::storage {

inline constexpr std::string_view kWalMagic = "VIGILWAL";
// The file format version in the file header. A reader refuses other versions.
inline constexpr uint32_t kWalFormatVersion = 1;
// magic, format version, reserved (written as 0; a reader refuses other values, so that a later
// version can give it a meaning).
inline constexpr size_t kWalHeaderSize = 8 + 4 + 4;

// The version byte of each record. A reader refuses other values: a record it cannot decode
// must not be skipped, as later records may depend on it.
inline constexpr uint8_t kWalRecordVersion = 1;
// crc32, payload length, record version, first sequence number.
inline constexpr size_t kWalRecordHeaderSize = 4 + 4 + 1 + 8;
// Where the checksummed part of a record header starts.
inline constexpr size_t kWalRecordCrcSize = 4;

// The largest payload of one record, and so of one batch of operations. The length field is
// read before the checksum can be verified: a length above this is corruption, where a smaller
// one past the end of the file reads as a torn tail.
inline constexpr uint32_t kMaxRecordPayload = 256u << 20;

}  // namespace vigil::storage
