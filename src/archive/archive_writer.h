// ArchiveWriter: appends accepted raw findings to the archive (archive_format.h), durably.
//
// Add() buffers findings by partition (account, region, UTC day of updatedAt). Commit()
// compresses each partition's buffer into one gzip member, appends all of them as one record to
// the journal (DATA/archive/.journal/journal-*.log) and fsyncs it: one fsync per commit, whatever
// the number of partitions. A seal (Seal(), or Commit() once the journal passes
// ArchiveOptions::seal_bytes) reads the journal back and writes each partition's members as one
// file, under a name derived from the journal's and the partition's, and then
// deletes the journal. Open() seals what journals a crash left behind, under the same names: a
// seal redone after a crash replaces the files of the first attempt, so no finding is archived
// twice.
//
// Commit() returns OK only once its record is durable. If it fails, its findings stay buffered (a
// later Commit() retries them in a new journal) and nothing of them is acknowledged.
// One writer per archive (the data directory's lock sees to it). Not thread-safe. `*env` must
// outlive the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "base/status.h"
#include "env/env.h"

namespace vigil::archive {

struct CommitStats {
  uint64_t files = 0;             // files written by seals
  uint64_t findings = 0;          // findings committed (or, by Open(), recovered from a journal)
  uint64_t compressed_bytes = 0;  // bytes of the files written by seals
};

struct ArchiveOptions {
  // A commit that leaves more compressed bytes than this in memory (and in the journal) seals.
  // Larger seals make fewer, larger files (a seal writes one file per partition it holds, and
  // creating files costs more than writing them); the journal is read through a mapping, so
  // this is not memory held.
  uint64_t seal_bytes = 512ULL << 20;
  // Receives one line for each journal recovered and each torn record dropped. May be empty.
  std::function<void(std::string_view)> log;
};

class ArchiveWriter {
 public:
  // `root` is the archive directory (DATA/archive).
  ArchiveWriter(Env* env, std::string root, ArchiveOptions options = {});
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;
  // Closes the journal without sealing it: the next Open() seals what it holds.
  ~ArchiveWriter();

  // Call once, before the first Commit(). Seals every journal left in `root` (oldest first) up to
  // its last whole record, logging what it drops, and deletes it. Adds what it sealed to *stats.
  // Does not walk the partition directories. On error, may be called again.
  Status Open(CommitStats* stats);

  // Buffers one finding. `raw` is its compact one-line JSON. The account id and region must be
  // path-safe (the findings validator guarantees it: digits; lower-case letters, digits, '-').
  void Add(std::string_view account_id, std::string_view region, int64_t updated_at,
           std::string_view raw);

  // Findings buffered by Add(), taken out of the writer to be committed by CommitStaged(),
  // possibly on another thread while Add() goes on.
  struct Staged {
    struct Lines {
      std::string lines;
      uint64_t count = 0;
    };
    std::map<std::string, Lines> partitions;  // by partition directory
    uint64_t findings = 0;
    uint64_t bytes = 0;
  };
  // The findings Add()ed since the last take; the writer's buffer is then empty.
  Staged TakePending() { return std::exchange(pending_, Staged()); }
  // Commit() of `*staged` instead of the buffered findings; on success *staged is emptied, on
  // failure it is left as it was (to retry). One thread may run CommitStaged() and Seal() while
  // another runs Add() and TakePending(); nothing else may run concurrently.
  Status CommitStaged(Staged* staged, CommitStats* stats);

  // Makes every buffered finding durable in the journal; adds them to stats->findings. Then seals
  // when the members in memory pass seal_bytes: if that seal fails, the findings are committed
  // all the same (and counted) and the seal's error is returned; a later Commit() or Seal()
  // retries it.
  Status Commit(CommitStats* stats);

  // Writes every committed finding still in the journal to partition files and deletes the
  // journal; adds the files to *stats. Buffered findings not yet committed stay buffered. On
  // error nothing is lost (the journal stays) and Seal() may be called again.
  Status Seal(CommitStats* stats);

  uint64_t pending_findings() const { return pending_.findings; }
  uint64_t pending_bytes() const { return pending_.bytes; }
  // Committed, not yet sealed: compressed bytes in the journal.
  uint64_t unsealed_bytes() const { return unsealed_bytes_; }

  // The directory of a partition, relative to the archive root.
  static std::string PartitionDir(std::string_view account_id, std::string_view region,
                                  int64_t updated_at);
  // The name a seal gives the file of partition `dir` from the journal named `journal_id`
  // ("<16 hex digits>-<uuid>"): a version-4-shaped UUID made from a hash of both, + kFileSuffix.
  static std::string SealedFileName(std::string_view journal_id, std::string_view dir);

 private:
  struct Members {
    std::vector<std::string_view> parts;  // gzip members, one per commit with findings for it
    uint64_t count = 0;
  };
  using MemberMap = std::map<std::string, Members, std::less<>>;  // by partition directory

  Status CheckOpen() const;
  // Creates a journal file with a new name (and the journal directory if needed).
  Status StartJournal();
  // Writes `members` to their partition files named after `journal_id`: temporary files, one
  // syncfs, renames, one syncfs. Adds the files to *stats.
  Status WriteSealedFiles(std::string_view journal_id, const MemberMap& members,
                          CommitStats* stats);
  // Seals the journal file at `path` (its records up to the first bad one, read through a
  // mapping: the members are not held in memory) and deletes it. `recovering`: a journal a crash
  // left, whose findings are counted in *stats and whose sealing is logged.
  // `limit`: the bytes of it to read (the acknowledged records of the current journal; a failed
  // append after them is not sealed).
  Status SealJournal(const std::string& path, std::string_view journal_id, CommitStats* stats,
                     bool recovering, uint64_t limit = UINT64_MAX);
  void Log(std::string_view line) const;

  Env* env_;
  std::string root_;
  std::string journal_dir_;
  ArchiveOptions options_;
  bool opened_ = false;

  Staged pending_;
  std::unordered_set<std::string> known_dirs_;  // directories that exist

  // The current journal. A set path with a null file is a journal whose last write failed: it
  // may end in part of a record, so nothing more is appended to it; the next Commit() seals it.
  std::string journal_path_;
  std::string journal_id_;
  std::unique_ptr<WritableFile> journal_;
  bool journal_entry_durable_ = false;  // its directory entry has been fsynced
  uint64_t next_journal_number_ = 0;
  uint64_t unsealed_bytes_ = 0;
  uint64_t journal_acked_bytes_ = 0;  // the current journal's bytes up to its last good commit
  std::string scratch_;

  std::mt19937_64 rng_;
};

}  // namespace vigil::archive
