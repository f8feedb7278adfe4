// Manifest: the durable state of an index, replaced atomically (write MANIFEST.tmp, fsync,
// rename to MANIFEST, fsync the directory). It lists the segment files with their deletion
// files, the mapping, and the sequence number from which the write-ahead log must be replayed.
// docs/format/index.md describes the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "env/env.h"
#include "storage/mapping.h"

namespace vigil::storage {

inline constexpr int kManifestFormatVersion = 1;
inline constexpr std::string_view kManifestName = "MANIFEST";

struct ManifestSegment {
  std::string file;     // "seg-000012.vseg"
  uint32_t docs = 0;    // documents in the file
  std::string deletes;  // "seg-000012-3.del", or empty when none is deleted
  uint32_t deleted = 0;
};

struct Manifest {
  uint64_t next_file = 1;      // the number the next segment, deletion or WAL file gets
  uint64_t wal_start_seq = 1;  // replay WAL operations from this sequence number on
  uint64_t next_seq = 1;       // the sequence number the next operation gets (at least)
  std::vector<ManifestSegment> segments;
  Mapping mapping;
};

// Text: one JSON object, a newline, and the CRC-32 of the JSON as 8 hex digits.
std::string EncodeManifest(const Manifest& manifest);
Result<Manifest> DecodeManifest(std::string_view text);

// Writes `manifest` to `dir`/MANIFEST atomically and durably.
Status WriteManifest(Env* env, const std::string& dir, const Manifest& manifest);
// Reads `dir`/MANIFEST; NotFound when the index has none yet.
Result<Manifest> ReadManifest(Env* env, const std::string& dir);

}  // namespace vigil::storage
