#include "ingest/file_ingester.h"

#include <fmt/format.h>
#include <sched.h>

#include "base/time.h"
#include "ingest/findings_deriver.h"

namespace vigil::ingest {

namespace {

findings::ReaderOptions WithRaw(findings::ReaderOptions options) {
  options.keep_raw = true;
  return options;
}

}  // namespace

bool IsIngestibleName(std::string_view name) {
  std::string_view base = BaseName(name);
  if (base.empty() || base[0] == '.') return false;
  if (base.ends_with(".gz")) base.remove_suffix(3);
  return base.ends_with(".json") || base.ends_with(".jsonl") || base.ends_with(".ndjson");
}

FileIngester::FileIngester(Env* env, archive::ArchiveWriter* archive, storage::Index* index,
                           IngestOptions options, std::function<void(const std::string&)> on_issue)
    : env_(env),
      archive_(archive),
      index_(index),
      options_(options),
      on_issue_(std::move(on_issue)),
      reader_(WithRaw(options.reader)) {
  // Findings are logged without their fields; recovery rebuilds them (FindingsDeriver).
  for (storage::WriteBatch& b : batches_) b.SetDerived(kFindingsCodec);
  if (index_ != nullptr) batch_->SetSourceDictionary(index_->SourceDictionary());
  // On one core a second thread only adds switches between them: commits run inline.
  cpu_set_t cpus;
  threaded_ = ::sched_getaffinity(0, sizeof(cpus), &cpus) != 0 || CPU_COUNT(&cpus) > 1;
  if (threaded_) committer_ = std::thread([this] { CommitterLoop(); });
}

FileIngester::~FileIngester() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !job_.has_value(); });
    stop_ = true;
  }
  cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

IngestSummary FileIngester::summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  return summary_;
}

Status FileIngester::IngestPath(const std::string& path) {
  Result<FileInfo> info = env_->Stat(path);
  if (!info.ok() || !info->exists) {
    ++local_.errors;
    on_issue_(fmt::format("{}: error: {}", path,
                          info.ok() ? "no such file or directory" : info.status().message()));
    return Status::Ok();
  }
  if (!info->is_directory) return IngestFile(path);
  Result<std::vector<std::string>> files = env_->ListFilesRecursive(path);
  if (!files.ok()) {
    ++local_.errors;
    on_issue_(fmt::format("{}: error: {}", path, files.status().message()));
    return Status::Ok();
  }
  for (const std::string& file : *files) {
    if (!IsIngestibleName(file)) continue;
    VIGIL_RETURN_IF_ERROR(IngestFile(file));
  }
  return Status::Ok();
}

Status FileIngester::IngestFile(const std::string& path) {
  Result<std::string_view> data = env_->ReadFileReusing(path, options_.max_file_bytes, &input_);
  if (!data.ok()) {
    ++local_.errors;
    on_issue_(fmt::format("{}: error: {}", path, data.status().message()));
    return Status::Ok();
  }
  ++local_.files;
  ingested_at_ = NowMillis();
  reader_.Read(path, *data, ingested_at_, this);
  VIGIL_RETURN_IF_ERROR(reader_error_);
  // With an archive, each input file is committed when it ends (what `vigil ingest` reports is
  // durable file by file). Without one (reindex reads the archive's many small files), commits
  // go by size and count only: one per archive file would be thousands of tiny commits.
  if (archive_ == nullptr) return FlushCounts();
  return Commit();
}

void FileIngester::OnFinding(const findings::ReadFinding& finding) {
  ++local_.read;
  ++pending_;
  if (archive_ != nullptr) {
    archive_->Add(finding.meta.account_id, finding.meta.region, finding.meta.updated_at,
                  finding.raw);
  }
  if (index_ != nullptr) {
    uint64_t start = SteadyNanos();
    converter_.AddUpsert(finding, batch_, ingested_at_);
    local_.convert_nanos += SteadyNanos() - start;
  }
  bool full = pending_ >= options_.commit_findings || batch_->ByteSize() >= options_.commit_bytes ||
              (archive_ != nullptr && archive_->pending_bytes() >= options_.commit_bytes);
  if (full && reader_error_.ok()) reader_error_ = Commit();
}

void FileIngester::OnIssue(const findings::ReadIssue& issue) {
  if (issue.whole_input) {
    ++local_.errors;
  } else {
    ++local_.read;
    if (issue.outcome == findings::Outcome::kSkipped) {
      ++local_.skipped;
    } else {
      ++local_.rejected;
    }
  }
  on_issue_(issue.ToString());
}

Status FileIngester::FlushCounts() {
  std::lock_guard<std::mutex> lock(mu_);
  summary_.files += local_.files;
  summary_.read += local_.read;
  summary_.skipped += local_.skipped;
  summary_.rejected += local_.rejected;
  summary_.errors += local_.errors;
  summary_.convert_nanos += local_.convert_nanos;
  summary_.wait_nanos += local_.wait_nanos;
  local_ = IngestSummary();
  return commit_error_;
}

Status FileIngester::Commit() {
  const uint64_t start = SteadyNanos();
  Status waited = WaitForCommitter();
  local_.wait_nanos += SteadyNanos() - start;
  VIGIL_RETURN_IF_ERROR(FlushCounts());
  VIGIL_RETURN_IF_ERROR(waited);
  Job job;
  if (archive_ != nullptr) job.archive = archive_->TakePending();
  job.batch = batch_;
  job.findings = pending_;
  job.ingested_at = ingested_at_;
  pending_ = 0;
  // The committer is done with the other batch: it is the next to fill.
  batch_ = batch_ == &batches_[0] ? &batches_[1] : &batches_[0];
  batch_->Clear();
  // Sources compressed as the index stores them, once it has learnt its dictionary.
  if (index_ != nullptr) batch_->SetSourceDictionary(index_->SourceDictionary());
  if (!threaded_) {
    RunJob(&job);
    std::lock_guard<std::mutex> lock(mu_);
    return commit_error_;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(job);
  }
  cv_.notify_all();
  return Status::Ok();
}

Status FileIngester::WaitForCommitter() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !job_.has_value(); });
  return commit_error_;
}

void FileIngester::CommitterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return job_.has_value() || stop_; });
    if (!job_.has_value()) return;
    if (!commit_error_.ok()) {  // after a failure nothing more is written
      job_.reset();
      cv_.notify_all();
      continue;
    }
    lock.unlock();
    RunJob(&*job_);
    lock.lock();
    job_.reset();
    cv_.notify_all();
  }
}

void FileIngester::RunJob(Job* job) {
  // The archive first: an indexed finding is always in the archive.
  archive::CommitStats archived;
  uint64_t archive_nanos = 0;
  Status s = Status::Ok();
  if (archive_ != nullptr) {
    uint64_t start = SteadyNanos();
    s = archive_->CommitStaged(&job->archive, &archived);
    archive_nanos = SteadyNanos() - start;
  } else {
    archived.findings = job->findings;
  }
  uint64_t counts[3] = {0, 0, 0};  // indexed, updated, stale
  uint64_t index_nanos = 0;
  if (s.ok() && index_ != nullptr && job->batch->count() > 0) {
    uint64_t start = SteadyNanos();
    const bool observe = observer_ != nullptr && observer_->active();
    std::shared_ptr<const storage::Snapshot> before;
    storage::WriteTrace trace;
    if (observe) before = index_->GetSnapshot();
    s = index_->Write(job->batch, &outcomes_, observe ? &trace : nullptr);
    if (s.ok() && observe) {
      CommittedWrite write{std::move(before), index_, &trace, outcomes_, job->ingested_at, {}};
      if (Status o = observer_->OnCommit(write); !o.ok()) {
        s = Status(o.code(),
                   "findings were indexed but their alerts could not be recorded: " + o.message());
      }
    }
    index_nanos = SteadyNanos() - start;
    if (s.ok()) {
      for (storage::WriteOutcome o : outcomes_) {
        ++counts[o == storage::WriteOutcome::kCreated   ? 0
                 : o == storage::WriteOutcome::kUpdated ? 1
                                                        : 2];
      }
    }
  }
  IngestSummary now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    summary_.accepted += archived.findings;
    summary_.archive.findings += archived.findings;
    summary_.archive.files += archived.files;
    summary_.archive.compressed_bytes += archived.compressed_bytes;
    summary_.archive_nanos += archive_nanos;
    summary_.index_nanos += index_nanos;
    summary_.indexed += counts[0];
    summary_.updated += counts[1];
    summary_.stale += counts[2];
    if (!s.ok() && commit_error_.ok()) commit_error_ = s;
    now = summary_;
  }
  if (s.ok() && on_commit_) on_commit_(now);
}

Status FileIngester::Finish() {
  VIGIL_RETURN_IF_ERROR(reader_error_);
  VIGIL_RETURN_IF_ERROR(Commit());
  const uint64_t start = SteadyNanos();
  Status s = WaitForCommitter();
  std::lock_guard<std::mutex> lock(mu_);
  summary_.wait_nanos += SteadyNanos() - start;
  return s;
}

}  // namespace vigil::ingest
