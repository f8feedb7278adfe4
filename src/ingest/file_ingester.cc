#include "ingest/file_ingester.h"

#include <fmt/format.h>

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
  batch_.SetDerived(kFindingsCodec);
}

Status FileIngester::IngestPath(const std::string& path) {
  Result<FileInfo> info = env_->Stat(path);
  if (!info.ok() || !info->exists) {
    ++summary_.errors;
    on_issue_(fmt::format("{}: error: {}", path,
                          info.ok() ? "no such file or directory" : info.status().message()));
    return Status::Ok();
  }
  if (!info->is_directory) return IngestFile(path);
  Result<std::vector<std::string>> files = env_->ListFilesRecursive(path);
  if (!files.ok()) {
    ++summary_.errors;
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
  Result<std::string> data = env_->ReadFile(path, options_.max_file_bytes);
  if (!data.ok()) {
    ++summary_.errors;
    on_issue_(fmt::format("{}: error: {}", path, data.status().message()));
    return Status::Ok();
  }
  ++summary_.files;
  ingested_at_ = NowMillis();
  reader_.Read(path, *data, ingested_at_, this);
  VIGIL_RETURN_IF_ERROR(commit_error_);
  // With an archive, each input file is committed when it ends (what `vigil ingest` reports is
  // durable file by file). Without one (reindex reads the archive's many small files), commits
  // go by size and count only: one per archive file would be thousands of tiny commits.
  if (archive_ == nullptr) return Status::Ok();
  return Commit();
}

void FileIngester::OnFinding(const findings::ReadFinding& finding) {
  ++summary_.read;
  ++pending_;
  if (archive_ != nullptr) {
    archive_->Add(finding.meta.account_id, finding.meta.region, finding.meta.updated_at,
                  finding.raw);
  }
  if (index_ != nullptr) {
    uint64_t start = SteadyNanos();
    converter_.AddUpsert(finding, &batch_, ingested_at_);
    summary_.convert_nanos += SteadyNanos() - start;
  }
  bool full = pending_ >= options_.commit_findings || batch_.ByteSize() >= options_.commit_bytes ||
              (archive_ != nullptr && archive_->pending_bytes() >= options_.commit_bytes);
  if (full && commit_error_.ok()) commit_error_ = Commit();
}

void FileIngester::OnIssue(const findings::ReadIssue& issue) {
  if (issue.whole_input) {
    ++summary_.errors;
  } else {
    ++summary_.read;
    if (issue.outcome == findings::Outcome::kSkipped) {
      ++summary_.skipped;
    } else {
      ++summary_.rejected;
    }
  }
  on_issue_(issue.ToString());
}

Status FileIngester::Commit() {
  // The archive first: an indexed finding is always in the archive.
  if (archive_ != nullptr) {
    uint64_t before = summary_.archive.findings;
    uint64_t start = SteadyNanos();
    Status s = archive_->Commit(&summary_.archive);
    summary_.archive_nanos += SteadyNanos() - start;
    summary_.accepted += summary_.archive.findings - before;
    if (!s.ok()) return s;
  } else {
    summary_.accepted += pending_;
  }
  pending_ = 0;
  if (index_ == nullptr || batch_.count() == 0) {
    if (on_commit_) on_commit_(summary_);
    return Status::Ok();
  }
  uint64_t start = SteadyNanos();
  Status s = index_->Write(&batch_, &outcomes_);
  summary_.index_nanos += SteadyNanos() - start;
  batch_.Clear();
  if (!s.ok()) return s;
  for (storage::WriteOutcome o : outcomes_) {
    switch (o) {
      case storage::WriteOutcome::kCreated:
        ++summary_.indexed;
        break;
      case storage::WriteOutcome::kUpdated:
        ++summary_.updated;
        break;
      default:
        ++summary_.stale;
        break;
    }
  }
  if (on_commit_) on_commit_(summary_);
  return Status::Ok();
}

Status FileIngester::Finish() { return Commit(); }

}  // namespace vigil::ingest
