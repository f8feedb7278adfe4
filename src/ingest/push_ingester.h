// PushIngester: findings pushed over HTTP (`POST /api/ingest`: an EventBridge event, a bare
// finding, an array of either, or JSON Lines), through the same path as `vigil ingest`: read,
// flatten and enrich, archive durably, then index (upsert by id, newest version wins). Each push
// is one commit: when Ingest() returns OK, every accepted finding of it is durable in the archive
// and searchable, and the result says what became of each event, in order.
//
// Write() takes the documents of Elasticsearch-style writes (`_bulk`, `_doc`) to the findings
// index the same way, one finding per document, with the operation's own semantics.
//
// Thread-safe: pushes from many connections are committed one at a time (a mutex); the archive
// writer is the caller's and must outlive the ingester. The index is asked of a provider at each
// commit, so that a findings index deleted and created again is the one written to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive_writer.h"
#include "base/status.h"
#include "findings/finding_reader.h"
#include "ingest/document_converter.h"
#include "ingest/finding_events.h"
#include "storage/index.h"
#include "storage/write_batch.h"

namespace vigil::ingest {

enum class PushOutcome { kCreated, kUpdated, kStale, kSkipped, kRejected };
std::string_view PushOutcomeName(PushOutcome o);  // "created", "updated", "stale", ...

struct PushItem {
  PushOutcome outcome = PushOutcome::kRejected;
  std::string id;        // the finding's id (accepted findings)
  std::string location;  // where in the push ("line 3", "array element 2")
  std::string reason;    // skipped and rejected events
};

struct PushResult {
  std::vector<PushItem> items;  // one per event, in order; plus whole-input problems
  uint64_t created = 0, updated = 0, stale = 0, skipped = 0, rejected = 0;
};

// One document of an Elasticsearch-style write to the findings index.
struct FindingWrite {
  storage::OpKind kind = storage::OpKind::kUpsert;  // kUpsert, kIndex or kCreate
  std::string_view id;    // the _id the request names; empty: the finding's own id
  std::string_view json;  // an EventBridge event or a bare finding
};

struct FindingWriteResult {
  bool accepted = false;      // false: `reason` says why (invalid JSON, not a finding, a wrong _id)
  bool out_of_scope = false;  // refused: the finding's account is outside the writer's scope
  storage::WriteOutcome outcome = storage::WriteOutcome::kCreated;  // when accepted
  std::string id;
  std::string reason;
};

using IndexProvider = std::function<Result<std::shared_ptr<storage::Index>>()>;

// What an observer keeps of a finding while the ingester reads it (CommitObserver::Capture).
struct ObservedFinding {
  virtual ~ObservedFinding() = default;
};

// What one commit to the findings index changed, for an observer that must see it before the
// push is acknowledged (the alert rules).
struct CommittedWrite {
  std::shared_ptr<const storage::Snapshot> before;  // the index just before the write
  storage::Index* index = nullptr;                  // the index written to
  const storage::WriteTrace* trace = nullptr;       // where each operation's document went
  std::span<const storage::WriteOutcome> outcomes;  // one per operation
  int64_t ingested_at = 0;
  // What the observer captured of each operation's finding (Capture), one per operation; empty
  // when it was not asked to (then it reads the findings back from trace->segment).
  std::span<const std::shared_ptr<ObservedFinding>> captured;
};

class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // False: no need to trace writes for now (no rule is enabled).
  virtual bool active() const = 0;
  // What to keep of a finding read for a write that will be observed, while its flattened
  // document is at hand, so that OnCommit need not read it back from the index: handed back in
  // CommittedWrite::captured. Null: nothing kept. Called with the ingester's lock held.
  virtual std::shared_ptr<ObservedFinding> Capture(const findings::ReadFinding& /*finding*/) {
    return nullptr;
  }
  // Called after each commit, with the ingester's lock held. An error fails the push: it is not
  // acknowledged (its findings are archived and indexed, and a retry is a no-op for them).
  virtual Status OnCommit(const CommittedWrite& write) = 0;
};

class PushIngester : private findings::FindingSink {
 public:
  PushIngester(archive::ArchiveWriter* archive, IndexProvider index,
               findings::ReaderOptions reader = {});
  // Always writes to `index`, which must outlive the ingester.
  PushIngester(archive::ArchiveWriter* archive, storage::Index* index,
               findings::ReaderOptions reader = {});

  // Publishes every created or updated finding to `hub` once it is committed. Call before the
  // first push; `hub` must outlive the ingester.
  void SetEvents(FindingEventHub* hub) { events_ = hub; }
  // Shows every commit to `observer` before it is acknowledged. Call before the first push;
  // `observer` must outlive the ingester.
  void SetObserver(CommitObserver* observer) { observer_ = observer; }

  // Reads every event of `body` and commits the accepted findings. `source` names the push in
  // reasons; ending in .jsonl it selects JSON Lines (as a declared content type does), otherwise
  // the shape is recognised from the bytes. `ingested_at` (epoch ms) becomes
  // derived.ingestedAt. An error means nothing of this push was acknowledged (the archive or the
  // index could not commit); its findings may still be in the archive.
  //
  // `accounts`, when not empty, is the account scope of the writer (an API key's): a finding of
  // any other account is rejected, neither archived nor indexed.
  Result<PushResult> Ingest(std::string_view source, std::string_view body, int64_t ingested_at,
                            std::span<const std::string> accounts = {});

  // Reads each document as one finding and commits the accepted ones in one batch: archived,
  // then written with its operation (a versioned upsert, a replace, or a create that leaves an
  // existing id alone). One result per write, in order. An error means nothing was acknowledged.
  Result<std::vector<FindingWriteResult>> Write(std::span<const FindingWrite> writes,
                                                int64_t ingested_at,
                                                std::span<const std::string> accounts = {});

 private:
  void OnFinding(const findings::ReadFinding& finding) override;
  void OnIssue(const findings::ReadIssue& issue) override;
  // Whether the findings read next are shown to the observer's Capture (it is active).
  void StartCapture();
  // Clears the batch for the next write, with the index's source dictionary.
  void StartBatch();
  // Archives what the batch holds, then writes it; fills outcomes_.
  Status Commit();
  // Publishes the pending events of the documents whose outcome was a change.
  void PublishChanges();

  archive::ArchiveWriter* archive_;
  IndexProvider index_;
  std::mutex mu_;
  findings::FindingReader reader_;  // guarded by mu_, as everything below
  DocumentConverter converter_;
  storage::WriteBatch batch_;
  PushResult* result_ = nullptr;
  std::vector<size_t> finding_items_;  // items_ index of each finding added to batch_
  std::vector<storage::WriteOutcome> outcomes_;
  int64_t ingested_at_ = 0;
  // During Write(): the document being read and its result.
  const FindingWrite* write_ = nullptr;
  FindingWriteResult* write_result_ = nullptr;
  FindingEventHub* events_ = nullptr;
  CommitObserver* observer_ = nullptr;
  std::span<const std::string> scope_;  // during Ingest() and Write(); empty: every account
  // Summaries are made only when someone listens (a subscriber that arrives during a commit
  // sees the commits after it).
  bool publish_ = false;
  std::vector<FindingEvent> pending_events_;  // one per document of batch_, when publish_
  // What the observer captured of each document of batch_, when it was active as the write began.
  bool capture_ = false;
  std::vector<std::shared_ptr<ObservedFinding>> captured_;
};

}  // namespace vigil::ingest
