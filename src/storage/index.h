// Index: one named collection of documents in its own directory (DATA/indices/<name>/): a
// write-ahead log, in-memory segments for what was written since the last flush, segment files,
// deletion files and a manifest (docs/format/index.md).
//
// Writes: Write() appends the batch to the write-ahead log and returns after the log is fsynced
// and the batch is applied; concurrent writers are committed together, one fsync per group
// (LevelDB's group commit). Applied documents are visible to the next GetSnapshot(): there is no
// refresh interval. A background thread flushes the in-memory segments to a file and merges
// files of similar size (tiered), without blocking writers or readers.
//
// Thread-safe: any number of threads may call Write and GetSnapshot concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "env/env.h"
#include "storage/field_deriver.h"
#include "storage/group_applier.h"
#include "storage/manifest.h"
#include "storage/segment_merger.h"
#include "storage/snapshot.h"
#include "storage/wal_writer.h"
#include "storage/write_batch.h"

namespace vigil::storage {

struct IndexOptions {
  // In-memory segment bytes that make the background thread flush them to a segment file.
  size_t flush_bytes = 64 << 20;
  // More in-memory segments than this are merged into one (in memory).
  size_t max_memory_segments = 16;
  // Writes wait while the in-memory segments hold more than this (the background thread has
  // fallen behind): memory stays bounded however fast the writers are.
  size_t max_memory_bytes = 256 << 20;
  // Files in one size tier (a factor of merge_factor apart) merged together once there are this
  // many.
  size_t merge_factor = 10;
  // No merge makes a segment of more live documents than this; a file of at least half as many
  // is not merged with others (Lucene's maximum merged segment size). This bounds the memory and
  // the time of a merge: a merge's working memory grows with its result.
  uint64_t max_segment_docs = 1'000'000;
  // A file of at least max_segment_docs / 2 documents with more than this share of them deleted
  // is rewritten alone, to reclaim the space of replaced findings.
  double expunge_deletes_ratio = 0.3;
  // A write-ahead log file this large is closed and a new one started.
  uint64_t wal_file_bytes = 64 << 20;
  // The most batch bytes a group commit takes at once.
  size_t max_group_bytes = 32 << 20;
  // zstd level for sources that a flush or merge compresses again (blocks mostly deleted), when
  // there is no source dictionary.
  int flush_zstd_level = 1;
  // Segment files store their sources in small blocks compressed with a zstd dictionary the
  // index learns from its first flush (docs/format/segment.md): a point lookup decompresses a few
  // kilobytes instead of 256 KiB, and findings compress better. False: plain 256 KiB blocks.
  bool source_dictionary = true;
  // Flushes and merges on background threads (one for the in-memory segments, one for merges of
  // files, so that a long merge never holds a flush back). When false they run inside Write()
  // and Flush(), which makes tests deterministic.
  bool background = true;
  // Receives one line per notable event (recovery, corruption, merges). Default: stderr.
  std::function<void(std::string_view)> log;
  // Rebuilds the documents of derived batches (WriteBatch::SetDerived) from the log on recovery;
  // an index whose log holds such batches cannot be opened without it.
  std::shared_ptr<FieldDeriver> deriver;
};

// What opening the index found.
struct RecoveryReport {
  uint64_t replayed_ops = 0;        // operations replayed from the write-ahead log
  uint64_t wal_bytes_dropped = 0;   // torn or corrupt log tail truncated
  std::vector<std::string> errors;  // damaged files, each with its name and what is wrong
};

struct IndexStats {
  uint64_t docs = 0;  // live documents
  uint64_t deleted_docs = 0;
  size_t file_segments = 0;
  size_t memory_segments = 0;
  uint64_t file_bytes = 0;
  uint64_t memory_bytes = 0;
  uint64_t wal_bytes = 0;
  size_t fields = 0;
  uint64_t last_seq = 0;
  uint64_t flushes = 0;
  uint64_t merges = 0;
  uint64_t stalls = 0;  // times a write waited for a flush (max_memory_bytes)
  // Where the time went since the index was opened (steady clock, nanoseconds): encoding and
  // appending log records, fsyncing the log, applying groups (deciding outcomes, adding
  // documents), building their in-memory segments, and the background work.
  uint64_t log_nanos = 0;
  uint64_t sync_nanos = 0;
  uint64_t apply_nanos = 0;
  uint64_t build_nanos = 0;
  uint64_t flush_nanos = 0;
  uint64_t merge_nanos = 0;
};

// Where a write put its documents: the in-memory segment built for its commit group (which may
// hold other writers' documents too) and, per operation, its document there. The alert rules
// evaluate what a write changed by matching their queries on that segment alone.
struct WriteTrace {
  static constexpr uint32_t kNoDoc = UINT32_MAX;
  std::shared_ptr<const SegmentReader> segment;  // null when the group added no document
  std::shared_ptr<const Mapping> mapping;        // the index's mapping after the group
  std::vector<uint32_t> docs;  // per operation: its document in `segment`, or kNoDoc
};

class Index {
 public:
  // Opens (creating when missing) the index in `dir` and recovers it: segments from the
  // manifest, then the write-ahead log replayed past them. `*env` must outlive the index.
  static Result<std::unique_ptr<Index>> Open(Env* env, const std::string& dir,
                                             IndexOptions options = {});
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Writes a batch durably; fills *outcomes (when not null) with one outcome per operation.
  // After a failure to write or sync the log, the index refuses all later writes (the state of
  // the log's tail is unknown until it is reopened). *trace, when not null, says where each
  // operation's document went.
  Status Write(WriteBatch* batch, std::vector<WriteOutcome>* outcomes, WriteTrace* trace = nullptr);

  // The current state, for one query. Cheap: copies a pointer.
  std::shared_ptr<const Snapshot> GetSnapshot() const;

  // Writes every in-memory segment to a segment file and waits for it.
  Status Flush();
  // Flushes, stops the background thread and closes the log. Later writes fail.
  Status Close();

  // Deletes the documents whose primary version (a finding's updatedAt) is below `cutoff`,
  // through the log like any write. Returns how many were deleted.
  Result<uint64_t> DeleteOlderThan(int64_t cutoff);

  // The dictionary the index compresses stored sources with, once it has one (learnt from the
  // first flush and kept in its directory as source-<id>.zdict; docs/format/index.md), or null.
  // A write batch whose sources are compressed with it (WriteBatch::SetSourceDictionary) has
  // them stored as they are, in memory and in segment files: compressed once.
  std::shared_ptr<const ZstdDictionary> SourceDictionary() const;

  IndexStats stats() const;
  const RecoveryReport& recovery() const { return recovery_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Writer;
  // A segment of the index with its current deletions.
  struct Entry {
    std::shared_ptr<const SegmentReader> reader;
    std::shared_ptr<const Bitmap> deleted;  // replaced, never changed in place
    bool on_disk = false;
    std::string file;          // segment file name, when on disk
    std::string deletes_file;  // the deletion file the manifest names, or empty
    uint64_t persisted_deleted = 0;
    bool merging = false;  // an input of running background work
  };
  // Background work: merge `sources` into one segment, in memory or in a file.
  struct Work {
    bool to_file = false;
    bool is_flush = false;
    std::vector<Entry*> sources;
    std::vector<MergeSource> inputs;  // the sources with their deletions at the start
  };

  Index(Env* env, std::string dir, IndexOptions options);
  Status Recover();
  Status ReplayWalFile(const std::string& path, uint64_t wal_start, bool last);
  Status NewWalFile();
  Status CommitGroup(std::vector<Writer*>& group);
  // One batch of a group: its encoding, a derived batch's frames, its first sequence number.
  struct GroupBatch {
    std::string_view rep;
    std::span<const SourceFrame> frames;
    const ZstdDictionary* frames_dict = nullptr;
    uint64_t first_seq = 0;
    WriteTrace* trace = nullptr;
  };
  Status ApplyGroup(const std::vector<GroupBatch>& batches, uint64_t skip_below,
                    const std::vector<std::vector<WriteOutcome>*>& outcomes);
  // Rebuilds a derived batch from its log record into *batch (a plain batch).
  Status Rederive(const WalPayload& payload, WriteBatch* batch);
  void Publish();
  Mapping* MutableMapping();
  std::vector<LiveSegment> LiveSegments() const;

  // Background work (index_background.cc).
  // Which background work a thread takes: flushes and in-memory merges, merges of files, or any
  // (in that order of priority).
  enum class WorkKind : uint8_t { kMemory = 0, kFiles = 1, kAny = 2 };
  bool PickWork(Work* work, WorkKind kind = WorkKind::kAny);  // REQUIRES apply_mu_
  size_t MemoryBytes() const;                                 // REQUIRES apply_mu_
  Status RunWork(Work* work);
  void AbandonWork(Work* work);
  Status DoAllWork(WorkKind kind = WorkKind::kAny);
  void BackgroundLoop(WorkKind kind);
  void MaybeScheduleWork();
  Status PersistManifest();  // REQUIRES apply_mu_, nothing in memory
  Status PersistWithMemoryEmpty();
  Status WriteSegmentFile(const std::string& path, std::span<const MergeSource> inputs,
                          std::shared_ptr<const SegmentReader>* result);
  // The dictionary segment files compress their sources with: the index's, or one learnt from
  // `inputs` when it has none yet (null when there is too little to learn from, or
  // source_dictionary is off).
  std::shared_ptr<const ZstdDictionary> SourceDictionaryFor(std::span<const MergeSource> inputs);
  // Learns the source dictionary as soon as the in-memory segments hold kSourceDictMinDocs
  // documents, rather than at the first flush: the write batches after it compress their sources
  // with it, and flushes keep those as they are.
  void MaybeLearnSourceDictionary();
  // Writes `dict` durably as source-<id>.zdict, so that log records may use it.
  Status SaveSourceDictionary(const ZstdDictionary& dict);
  void SwapIn(const Work& work, std::shared_ptr<const SegmentReader> result,
              const std::string& file_name);
  void PruneWalFiles(uint64_t wal_start);
  void RemoveObsoleteFiles();
  std::string NewFileName(std::string_view prefix, std::string_view suffix);

  Env* const env_;
  const std::string dir_;
  IndexOptions options_;
  RecoveryReport recovery_;

  // The writer queue (group commit).
  std::mutex queue_mu_;
  std::deque<Writer*> writers_;

  // The state below changes under apply_mu_: by the group commit leader and by background
  // commits.
  mutable std::mutex apply_mu_;
  std::vector<std::unique_ptr<Entry>> segments_;  // oldest first
  std::shared_ptr<Mapping> mapping_;
  uint64_t next_seq_ = 1;
  uint64_t last_applied_seq_ = 0;
  uint64_t next_file_ = 1;
  uint64_t next_memory_id_ = 1;
  std::unique_ptr<WalWriter> wal_;
  std::string wal_buffer_;  // reused for compressed log records
  std::string wal_path_;
  struct WalFile {
    std::string path;
    uint64_t first_seq;
  };
  std::vector<WalFile> wal_files_;  // oldest first; the last is being written
  uint64_t wal_bytes_closed_ = 0;
  std::vector<std::string> obsolete_files_;
  // Segments the manifest names that could not be opened: kept in every later manifest (and on
  // disk), so that a passing problem (a full file table, a bad disk read) loses nothing.
  std::vector<ManifestSegment> unavailable_;
  Status bg_error_;
  bool closed_ = false;
  uint64_t flushes_ = 0;
  uint64_t merges_ = 0;
  uint64_t stalls_ = 0;
  uint64_t log_nanos_ = 0;
  uint64_t sync_nanos_ = 0;
  uint64_t apply_nanos_ = 0;
  uint64_t build_nanos_ = 0;
  uint64_t flush_nanos_ = 0;
  uint64_t merge_nanos_ = 0;
  bool force_flush_ = false;
  uint64_t persisted_wal_start_ = 0;  // the replay start the manifest on disk records
  std::condition_variable state_cv_;  // with apply_mu_: background work committed or failed

  // The source dictionary of segment files (SourceDictionaryFor), and whether it is saved in its
  // own file (only then do write batches and in-memory segments use it).
  mutable std::mutex dict_mu_;
  std::shared_ptr<const ZstdDictionary> source_dict_;  // GUARDED_BY(dict_mu_)
  bool source_dict_saved_ = false;                     // GUARDED_BY(dict_mu_)
  // The dictionaries of the index's directory by id, for replaying log records (Recover).
  std::map<uint64_t, std::shared_ptr<const ZstdDictionary>> saved_dicts_;

  // The published snapshot.
  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const Snapshot> current_;

  // Background thread.
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  std::condition_variable bg_done_cv_;
  bool bg_pending_[2] = {false, false};  // by WorkKind (kMemory, kFiles)
  bool bg_stop_ = false;
  std::atomic<bool> stopping_{false};  // Close() or the destructor: no new background work
  bool bg_busy_ = false;
  std::thread bg_thread_;     // flushes and in-memory merges
  std::thread merge_thread_;  // merges of files
};

}  // namespace vigil::storage
