// The raw-event archive's on-disk layout (docs/format/archive.md):
//
//   DATA/archive/AWSLogs/<accountId>/GuardDuty/<region>/<YYYY>/<MM>/<DD>/<uuid>.jsonl.gz
//
// GuardDuty's own S3 export layout: each file is gzip (one or more members) of JSON Lines, one
// bare finding per line, dated by the finding's updatedAt (UTC). A file is written under a hidden
// temporary name, fsynced, then renamed and its directory fsynced: a file with a final name is
// always complete. Temporary files start with kTempPrefix and are never read.
#pragma once

#include <string_view>

namespace vigil::archive {

inline constexpr std::string_view kArchiveDirName = "archive";
inline constexpr std::string_view kAwsLogsDirName = "AWSLogs";
inline constexpr std::string_view kServiceDirName = "GuardDuty";
inline constexpr std::string_view kFileSuffix = ".jsonl.gz";
inline constexpr std::string_view kTempPrefix = ".tmp-";
// zlib level: speed over size; the archive is written on the ingest path.
inline constexpr int kGzipLevel = 1;

}  // namespace vigil::archive
