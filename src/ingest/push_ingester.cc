#include "ingest/push_ingester.h"

#include <fmt/format.h>

#include <algorithm>

#include "ingest/findings_deriver.h"

namespace vigil::ingest {

namespace {

findings::ReaderOptions WithRaw(findings::ReaderOptions options) {
  options.keep_raw = true;
  return options;
}

// "line 3", "line 1, column 5", "line 2, array element 1", or "" for the whole input.
std::string Where(const findings::Location& l) {
  std::string s;
  if (l.line > 0) {
    s = fmt::format("line {}", l.line);
    if (l.column > 1) s += fmt::format(", column {}", l.column);
  }
  if (l.index >= 0) s += fmt::format("{}array element {}", s.empty() ? "" : ", ", l.index);
  return s;
}

}  // namespace

std::string_view PushOutcomeName(PushOutcome o) {
  switch (o) {
    case PushOutcome::kCreated:
      return "created";
    case PushOutcome::kUpdated:
      return "updated";
    case PushOutcome::kStale:
      return "stale";
    case PushOutcome::kSkipped:
      return "skipped";
    case PushOutcome::kRejected:
      break;
  }
  return "rejected";
}

PushIngester::PushIngester(archive::ArchiveWriter* archive, IndexProvider index,
                           findings::ReaderOptions reader)
    : archive_(archive), index_(std::move(index)), reader_(WithRaw(reader)) {
  batch_.SetDerived(kFindingsCodec);
}

PushIngester::PushIngester(archive::ArchiveWriter* archive, storage::Index* index,
                           findings::ReaderOptions reader)
    : PushIngester(
          archive,
          [index]() -> Result<std::shared_ptr<storage::Index>> {
            return std::shared_ptr<storage::Index>(index, [](storage::Index*) {});
          },
          reader) {}

void PushIngester::OnFinding(const findings::ReadFinding& finding) {
  if (!scope_.empty() &&
      std::find(scope_.begin(), scope_.end(), finding.meta.account_id) == scope_.end()) {
    std::string reason = fmt::format(
        "finding [{}] belongs to account [{}], outside the account scope of this API key",
        finding.meta.id, finding.meta.account_id);
    if (write_ != nullptr) {
      write_result_->id = std::string(finding.meta.id);
      write_result_->out_of_scope = true;
      write_result_->reason = std::move(reason);
      return;
    }
    PushItem item;
    item.outcome = PushOutcome::kRejected;
    item.id = std::string(finding.meta.id);
    item.location = Where(finding.location);
    item.reason = std::move(reason);
    ++result_->rejected;
    result_->items.push_back(std::move(item));
    return;
  }
  if (write_ != nullptr) {
    write_result_->id = std::string(finding.meta.id);
    if (!write_->id.empty() && write_->id != finding.meta.id) {
      write_result_->reason = fmt::format(
          "the _id [{}] is not the finding's id [{}]: a finding is stored under its own id",
          write_->id, finding.meta.id);
      return;
    }
    archive_->Add(finding.meta.account_id, finding.meta.region, finding.meta.updated_at,
                  finding.raw);
    converter_.Add(write_->kind, finding, &batch_, ingested_at_);
    if (capture_) captured_.push_back(observer_->Capture(finding));
    write_result_->accepted = true;
    if (publish_) {
      pending_events_.push_back({0, "", std::string(finding.meta.id),
                                 std::string(finding.meta.account_id), SummarizeFinding(finding)});
    }
    return;
  }
  archive_->Add(finding.meta.account_id, finding.meta.region, finding.meta.updated_at, finding.raw);
  converter_.AddUpsert(finding, &batch_, ingested_at_);
  if (capture_) captured_.push_back(observer_->Capture(finding));
  if (publish_) {
    pending_events_.push_back({0, "", std::string(finding.meta.id),
                               std::string(finding.meta.account_id), SummarizeFinding(finding)});
  }
  finding_items_.push_back(result_->items.size());
  PushItem item;
  item.outcome = PushOutcome::kCreated;  // until the index says otherwise
  item.id = std::string(finding.meta.id);
  item.location = Where(finding.location);
  result_->items.push_back(std::move(item));
}

void PushIngester::OnIssue(const findings::ReadIssue& issue) {
  if (write_ != nullptr) {
    write_result_->reason = issue.reason;
    return;
  }
  PushItem item;
  item.outcome =
      issue.outcome == findings::Outcome::kSkipped ? PushOutcome::kSkipped : PushOutcome::kRejected;
  item.location = Where(issue.location);
  item.reason = issue.reason;
  ++(item.outcome == PushOutcome::kSkipped ? result_->skipped : result_->rejected);
  result_->items.push_back(std::move(item));
}

void PushIngester::StartBatch() {
  batch_.Clear();
  // Sources compressed as the index stores them, once it has learnt its dictionary.
  Result<std::shared_ptr<storage::Index>> index = index_();
  batch_.SetSourceDictionary(index.ok() ? (*index)->SourceDictionary() : nullptr);
}

Result<PushResult> PushIngester::Ingest(std::string_view source, std::string_view body,
                                        int64_t ingested_at,
                                        std::span<const std::string> accounts) {
  std::lock_guard<std::mutex> lock(mu_);
  PushResult result;
  result_ = &result;
  scope_ = accounts;
  ingested_at_ = ingested_at;
  StartBatch();
  finding_items_.clear();
  pending_events_.clear();
  publish_ = events_ != nullptr && events_->subscribers() > 0;
  StartCapture();
  reader_.Read(source, body, ingested_at, this);
  result_ = nullptr;
  scope_ = {};
  if (finding_items_.empty()) return result;
  VIGIL_RETURN_IF_ERROR(Commit());
  for (size_t i = 0; i < finding_items_.size() && i < outcomes_.size(); ++i) {
    PushItem& item = result.items[finding_items_[i]];
    switch (outcomes_[i]) {
      case storage::WriteOutcome::kCreated:
        item.outcome = PushOutcome::kCreated;
        ++result.created;
        break;
      case storage::WriteOutcome::kUpdated:
        item.outcome = PushOutcome::kUpdated;
        ++result.updated;
        break;
      default:
        item.outcome = PushOutcome::kStale;
        ++result.stale;
        break;
    }
  }
  PublishChanges();
  return result;
}

void PushIngester::StartCapture() {
  captured_.clear();
  capture_ = observer_ != nullptr && observer_->active();
}

Status PushIngester::Commit() {
  // The archive first: an indexed finding is always in the archive.
  archive::CommitStats archived;
  Status s = archive_->Commit(&archived);
  if (!s.ok()) {
    return Status(s.code(), "the archive could not commit this push: " + s.message());
  }
  outcomes_.clear();
  Result<std::shared_ptr<storage::Index>> index = index_();
  const bool observe = index.ok() && observer_ != nullptr && observer_->active();
  std::shared_ptr<const storage::Snapshot> before;
  storage::WriteTrace trace;
  if (observe) before = (*index)->GetSnapshot();
  if (index.ok()) s = (*index)->Write(&batch_, &outcomes_, observe ? &trace : nullptr);
  if (!index.ok() || !s.ok()) {
    return Status(s.code(),
                  "the findings of this push are archived but the index could not take them "
                  "(vigil reindex restores them): " +
                      (index.ok() ? s : index.status()).message());
  }
  if (observe) {
    CommittedWrite write{std::move(before), index->get(), &trace, outcomes_, ingested_at_, {}};
    if (capture_ && captured_.size() == batch_.count()) write.captured = captured_;
    if (Status o = observer_->OnCommit(write); !o.ok()) {
      return Status(o.code(),
                    "the findings of this push are indexed but its alerts could not be "
                    "recorded: " +
                        o.message());
    }
  }
  return Status::Ok();
}

Result<std::vector<FindingWriteResult>> PushIngester::Write(std::span<const FindingWrite> writes,
                                                            int64_t ingested_at,
                                                            std::span<const std::string> accounts) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FindingWriteResult> results(writes.size());
  scope_ = accounts;
  ingested_at_ = ingested_at;
  StartBatch();
  pending_events_.clear();
  publish_ = events_ != nullptr && events_->subscribers() > 0;
  StartCapture();
  std::vector<size_t> written;  // results index of each document added to batch_
  for (size_t i = 0; i < writes.size(); ++i) {
    write_ = &writes[i];
    write_result_ = &results[i];
    findings::RawRecord record;
    record.text = writes[i].json;
    record.location.line = 1;
    reader_.ReadRecord("document", record, ingested_at, this);
    if (results[i].accepted) written.push_back(i);
  }
  write_ = nullptr;
  write_result_ = nullptr;
  scope_ = {};
  if (written.empty()) return results;
  VIGIL_RETURN_IF_ERROR(Commit());
  for (size_t j = 0; j < written.size() && j < outcomes_.size(); ++j) {
    results[written[j]].outcome = outcomes_[j];
  }
  PublishChanges();
  return results;
}

void PushIngester::PublishChanges() {
  if (!publish_) return;
  std::vector<FindingEvent> changed;
  for (size_t i = 0; i < pending_events_.size() && i < outcomes_.size(); ++i) {
    if (outcomes_[i] != storage::WriteOutcome::kCreated &&
        outcomes_[i] != storage::WriteOutcome::kUpdated) {
      continue;
    }
    FindingEvent& e = pending_events_[i];
    e.change = outcomes_[i] == storage::WriteOutcome::kCreated ? "created" : "updated";
    changed.push_back(std::move(e));
  }
  pending_events_.clear();
  events_->Publish(std::move(changed));
}

}  // namespace vigil::ingest
