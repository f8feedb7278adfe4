// FileIngester: the file path of `vigil ingest` (DESIGN.md section 2.1). Reads files and
// directories (recursively), runs every event through the findings reader, archives each
// accepted finding durably and indexes it (upsert by id, newest version wins).
//
// A finding counts as accepted only once the archive commit that holds it has returned OK (it is
// then durable in the archive's journal), and as indexed once the index write that follows has
// returned OK: the archive always holds at least what the index does, so `vigil reindex` can
// rebuild the index from it. Without an archive (reindex itself) findings are only indexed;
// without an index, only archived. The archive writer is the caller's: it opens it before the
// ingest (ArchiveWriter::Open) and seals it after Finish() (ArchiveWriter::Seal).
//
// Two stages, on two threads when the process may run on more than one core: the caller's
// thread reads, flattens and converts findings into a commit; a committer thread the ingester
// owns writes each commit (archive, then index), one at a time and in order, while the next one
// is being read. On one core the commits run on the caller's thread. A failed commit stops the
// ingest: the error is returned by the next IngestPath() or by Finish(). The callbacks run on
// either thread, never two at once for one kind (issues on the caller's, commits on the
// committer's). Not thread-safe (one caller); `*env` must outlive the ingester.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "archive/archive_writer.h"
#include "base/status.h"
#include "env/env.h"
#include "findings/finding_reader.h"
#include "ingest/document_converter.h"
#include "ingest/push_ingester.h"
#include "storage/index.h"

namespace vigil::ingest {

struct IngestOptions {
  findings::ReaderOptions reader;
  uint64_t max_file_bytes = 1ULL << 30;  // one input file as stored (compressed or not)
  uint64_t commit_bytes = 64ULL << 20;   // commit the archive at least this often
  uint32_t commit_findings = 16384;      // and at least every this many findings
};

struct IngestSummary;
// Called after every successful commit (archive and index) with the totals so far.
using CommitCallback = std::function<void(const IngestSummary&)>;

struct IngestSummary {
  uint64_t files = 0;
  uint64_t read = 0;      // events read: accepted + skipped + rejected events
  uint64_t accepted = 0;  // archived durably
  uint64_t skipped = 0;   // recognised, not findings (other EventBridge events)
  uint64_t rejected = 0;  // events that failed to parse or validate
  uint64_t errors = 0;    // problems with a whole input or the archive (unreadable, truncated)
  uint64_t indexed = 0;   // new in the index
  uint64_t updated = 0;   // replaced an older version in the index
  uint64_t stale = 0;     // not newer than the version in the index: archived, not indexed
  archive::CommitStats archive;
  // Where the time went (steady clock, nanoseconds): turning findings into index writes,
  // archive commits, index writes (Index::stats() breaks these down).
  uint64_t convert_nanos = 0;
  uint64_t archive_nanos = 0;
  uint64_t index_nanos = 0;
  uint64_t wait_nanos = 0;  // the reading thread waiting for the committer thread
};

class FileIngester : public findings::FindingSink {
 public:
  // `on_issue` is called with every skipped or rejected event and every input error, as one
  // readable line ("file:line: rejected: reason").
  // `archive` or `index` may be null (not both); `archive` must be open.
  FileIngester(Env* env, archive::ArchiveWriter* archive, storage::Index* index,
               IngestOptions options, std::function<void(const std::string&)> on_issue);

  // Ingests a file, or every file under a directory whose name ends in .json, .jsonl, .ndjson,
  // .json.gz or .jsonl.gz (hidden files skipped). A file named explicitly is read whatever its
  // name. Returns an error only when the archive cannot be written (nothing more can be
  // accepted); unreadable inputs are counted and reported, and the ingest goes on.
  Status IngestPath(const std::string& path);

  // Commits what is still buffered and waits for every commit. Call once at the end. Does not
  // seal the archive.
  Status Finish();

  // The totals so far.
  IngestSummary summary() const;

  ~FileIngester() override;
  FileIngester(const FileIngester&) = delete;
  FileIngester& operator=(const FileIngester&) = delete;

  void set_on_commit(CommitCallback on_commit) { on_commit_ = std::move(on_commit); }
  // Shows every index commit to `observer` (the alert rules) before the commit counts as done;
  // an error from it fails the ingest like a failed commit. Call before the first file.
  void set_observer(CommitObserver* observer) { observer_ = observer; }

  void OnFinding(const findings::ReadFinding& finding) override;
  void OnIssue(const findings::ReadIssue& issue) override;

 private:
  // One commit handed to the committer thread.
  struct Job {
    archive::ArchiveWriter::Staged archive;
    storage::WriteBatch* batch = nullptr;
    uint64_t findings = 0;
    int64_t ingested_at = 0;
  };
  Status IngestFile(const std::string& path);
  // Hands what is buffered to the committer (after the previous commit has finished).
  Status Commit();
  // Waits until the committer is idle; returns the first commit error.
  Status WaitForCommitter();
  // Adds the caller's counts to the summary; returns the first commit error.
  Status FlushCounts();
  void CommitterLoop();
  void RunJob(Job* job);

  Env* env_;
  archive::ArchiveWriter* archive_;
  storage::Index* index_;
  IngestOptions options_;
  DocumentConverter converter_;
  // Two batches: the caller fills one while the committer writes the other.
  storage::WriteBatch batches_[2];
  storage::WriteBatch* batch_ = &batches_[0];
  int64_t ingested_at_ = 0;                      // of the file being read
  std::vector<storage::WriteOutcome> outcomes_;  // the committer's
  uint64_t pending_ = 0;  // findings read and not yet handed to the committer
  CommitCallback on_commit_;
  CommitObserver* observer_ = nullptr;
  std::function<void(const std::string&)> on_issue_;
  findings::FindingReader reader_;
  std::string input_;    // the file being read (its memory reused from file to file)
  IngestSummary local_;  // the caller's counts since they were last added to summary_
  Status reader_error_;  // a commit error met inside OnFinding, returned after the file

  mutable std::mutex mu_;
  std::condition_variable cv_;
  IngestSummary summary_;   // GUARDED_BY(mu_)
  Status commit_error_;     // GUARDED_BY(mu_): the first failed commit
  std::optional<Job> job_;  // GUARDED_BY(mu_): the commit being written
  bool stop_ = false;       // GUARDED_BY(mu_)
  bool threaded_ = false;   // a committer thread (when the process may use several cores)
  std::thread committer_;
};

// True for the file names a directory walk reads.
bool IsIngestibleName(std::string_view name);

}  // namespace vigil::ingest
