#include "archive/archive_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include "archive/archive_format.h"
#include "base/gzip.h"
#include "base/time.h"

namespace vigil::archive {

ArchiveWriter::ArchiveWriter(Env* env, std::string root) : env_(env), root_(std::move(root)) {
  std::random_device rd;
  rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(NowMillis()) ^
            (static_cast<uint64_t>(::getpid()) << 16));
}

std::string ArchiveWriter::PartitionDir(std::string_view account_id, std::string_view region,
                                        int64_t updated_at) {
  CivilDate d = DateOfMillis(updated_at);
  return fmt::format("{}/{}/{}/{}/{:04}/{:02}/{:02}", kAwsLogsDirName, account_id, kServiceDirName,
                     region, d.year, d.month, d.day);
}

void ArchiveWriter::Add(std::string_view account_id, std::string_view region, int64_t updated_at,
                        std::string_view raw) {
  Batch& batch = pending_[PartitionDir(account_id, region, updated_at)];
  batch.lines.append(raw);
  batch.lines.push_back('\n');
  ++batch.count;
  ++pending_findings_;
  pending_bytes_ += raw.size() + 1;
}

std::string ArchiveWriter::NewFileName() {
  // A random (version 4) UUID, as GuardDuty names its export objects.
  uint64_t hi = rng_();
  uint64_t lo = rng_();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}{}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL, kFileSuffix);
}

Status ArchiveWriter::WriteFile(const std::string& dir, const Batch& batch, CommitStats* stats) {
  std::string compressed;
  VIGIL_RETURN_IF_ERROR(GzipAppend(batch.lines, kGzipLevel, &compressed));
  std::string full_dir = JoinPath(root_, dir);
  VIGIL_RETURN_IF_ERROR(env_->CreateDirs(full_dir));
  std::string name = NewFileName();
  std::string temp = JoinPath(full_dir, std::string(kTempPrefix) + name);
  std::string final_path = JoinPath(full_dir, name);

  Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(temp);
  if (!file.ok()) return file.status();
  Status s = (*file)->Append(compressed);
  if (s.ok()) s = (*file)->Sync();
  Status closed = (*file)->Close();
  if (s.ok()) s = closed;
  if (s.ok()) s = env_->RenameFile(temp, final_path);
  if (!s.ok()) {
    (void)env_->RemoveFile(temp);
    return s;
  }
  VIGIL_RETURN_IF_ERROR(env_->SyncDir(full_dir));
  stats->files += 1;
  stats->findings += batch.count;
  stats->compressed_bytes += compressed.size();
  return Status::Ok();
}

Status ArchiveWriter::Commit(CommitStats* stats) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    VIGIL_RETURN_IF_ERROR(WriteFile(it->first, it->second, stats));
    pending_findings_ -= it->second.count;
    pending_bytes_ -= it->second.lines.size();
    it = pending_.erase(it);
  }
  return Status::Ok();
}

}  // namespace vigil::archive
