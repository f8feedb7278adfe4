// ArchiveWriter: appends accepted raw findings to the archive (archive_format.h), durably.
//
// Add() buffers findings by partition (account, region, UTC day of updatedAt); Commit() writes
// each partition's buffer as one new file and returns OK only once every file and its directory
// entry are durable (group commit: temporary files, one syncfs, renames, one syncfs). If
// Commit() fails, the findings of partitions not yet committed stay buffered (a later Commit()
// retries them) and nothing partial is visible under a final name.
// Not thread-safe. `*env` must outlive the writer.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>

#include "base/status.h"
#include "env/env.h"

namespace vigil::archive {

struct CommitStats {
  uint64_t files = 0;
  uint64_t findings = 0;
  uint64_t compressed_bytes = 0;
};

class ArchiveWriter {
 public:
  // `root` is the archive directory (DATA/archive).
  ArchiveWriter(Env* env, std::string root);
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Buffers one finding. `raw` is its compact one-line JSON. The account id and region must be
  // path-safe (the findings validator guarantees it: digits; lower-case letters, digits, '-').
  void Add(std::string_view account_id, std::string_view region, int64_t updated_at,
           std::string_view raw);

  // Writes every buffered partition durably; adds what it wrote to *stats.
  Status Commit(CommitStats* stats);

  uint64_t pending_findings() const { return pending_findings_; }
  uint64_t pending_bytes() const { return pending_bytes_; }

  // The directory of a partition, relative to the archive root.
  static std::string PartitionDir(std::string_view account_id, std::string_view region,
                                  int64_t updated_at);

 private:
  struct Batch {
    std::string lines;
    uint64_t count = 0;
  };
  // Writes and closes a partition's file under a temporary name.
  Status WriteFile(const std::string& dir, const Batch& batch, std::string* temp,
                   std::string* final_path, uint64_t* compressed_bytes);
  std::string NewFileName();

  Env* env_;
  std::string root_;
  std::map<std::string, Batch> pending_;        // by partition directory
  std::unordered_set<std::string> known_dirs_;  // partition directories that exist
  uint64_t pending_findings_ = 0;
  uint64_t pending_bytes_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace vigil::archive
