#include "archive/archive_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <vector>

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

Status ArchiveWriter::Commit(CommitStats* stats) {
  if (pending_.empty()) return Status::Ok();
  // Group commit: every partition's file is written under a temporary name and closed, one
  // syncfs makes them all durable, then they are renamed and a second syncfs makes the names
  // durable. Two syncs per commit instead of two per file.
  struct Written {
    std::map<std::string, Batch>::iterator partition;
    std::string temp;
    std::string final_path;
    uint64_t compressed_bytes;
  };
  std::vector<Written> written;
  auto remove_temps = [&] {
    for (const Written& w : written) (void)env_->RemoveFile(w.temp);
  };
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    Written w;
    w.partition = it;
    Status s = WriteFile(it->first, it->second, &w.temp, &w.final_path, &w.compressed_bytes);
    if (!s.ok()) {
      remove_temps();
      return s;
    }
    written.push_back(std::move(w));
  }
  Status s = env_->SyncAll(root_);
  if (!s.ok()) {
    remove_temps();
    return s;
  }
  for (size_t i = 0; i < written.size(); ++i) {
    s = env_->RenameFile(written[i].temp, written[i].final_path);
    if (!s.ok()) {
      for (size_t j = i; j < written.size(); ++j) (void)env_->RemoveFile(written[j].temp);
      written.resize(i);
      break;
    }
  }
  if (s.ok()) s = env_->SyncAll(root_);
  if (!s.ok()) return s;  // renamed files may or may not survive a crash: not acknowledged
  for (const Written& w : written) {
    stats->files += 1;
    stats->findings += w.partition->second.count;
    stats->compressed_bytes += w.compressed_bytes;
    pending_findings_ -= w.partition->second.count;
    pending_bytes_ -= w.partition->second.lines.size();
    pending_.erase(w.partition);
  }
  return Status::Ok();
}

Status ArchiveWriter::WriteFile(const std::string& dir, const Batch& batch, std::string* temp,
                                std::string* final_path, uint64_t* compressed_bytes) {
  std::string compressed;
  VIGIL_RETURN_IF_ERROR(GzipAppend(batch.lines, kGzipLevel, &compressed));
  std::string full_dir = JoinPath(root_, dir);
  // Directories made once are not checked again: a stat per partition per commit costs more than
  // the gzip of a small partition.
  if (known_dirs_.count(full_dir) == 0) {
    VIGIL_RETURN_IF_ERROR(env_->CreateDirs(full_dir));
    known_dirs_.insert(full_dir);
  }
  std::string name = NewFileName();
  *temp = JoinPath(full_dir, std::string(kTempPrefix) + name);
  *final_path = JoinPath(full_dir, name);
  *compressed_bytes = compressed.size();

  Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(*temp);
  if (!file.ok()) {
    known_dirs_.erase(full_dir);  // removed behind our back? made again next time
    return file.status();
  }
  Status s = (*file)->Append(compressed);
  Status closed = (*file)->Close();
  if (s.ok()) s = closed;
  if (!s.ok()) (void)env_->RemoveFile(*temp);
  return s;
}

}  // namespace vigil::archive
