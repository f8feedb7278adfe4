// The raw-event archive's on-disk layout (docs/format/archive.md):
//
//   DATA/archive/AWSLogs/<accountId>/GuardDuty/<region>/<YYYY>/<MM>/<DD>/<uuid>.jsonl.gz
//   DATA/archive/.journal/journal-<16 hex digits>-<uuid>.log
//
// GuardDuty's own S3 export layout: each file is gzip (one or more members) of JSON Lines, one
// bare finding per line, dated by the finding's updatedAt (UTC). A commit appends the findings, as
// one gzip member per partition, to the journal and fsyncs it; a seal later writes each
// partition's members as one file (under a hidden temporary name, then renamed: a file with a
// final name is always complete) and deletes the journal. Temporary files start with kTempPrefix
// and are never read.
//
// A journal file is a sequence of records, all integers little-endian:
//
//   record  := length u32, crc32 u32 (CRC-32 of the payload), payload u8[length]
//   payload := varint count, entry[count]
//   entry   := varint dir_length, dir (partition directory, relative to DATA/archive),
//              varint findings, varint member_length, member (one gzip member)
//
// Varints are LEB128 (7 bits a byte, low bits first), at most 10 bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil::archive {

inline constexpr std::string_view kArchiveDirName = "archive";
inline constexpr std::string_view kAwsLogsDirName = "AWSLogs";
inline constexpr std::string_view kServiceDirName = "GuardDuty";
inline constexpr std::string_view kFileSuffix = ".jsonl.gz";
inline constexpr std::string_view kTempPrefix = ".tmp-";

inline constexpr std::string_view kJournalDirName = ".journal";
inline constexpr std::string_view kJournalPrefix = "journal-";
inline constexpr std::string_view kJournalSuffix = ".log";
inline constexpr size_t kJournalRecordHeaderSize = 8;  // length, crc32

}  // namespace vigil::archive
