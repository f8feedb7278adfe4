#include "env/fault_injection_env.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace vigil {

namespace {

class FaultInjectionFile final : public WritableFile {
 public:
  FaultInjectionFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    VIGIL_RETURN_IF_ERROR(env_->CountCall("append"));
    size_ += data.size();
    return base_->Append(data);
  }
  Status Sync() override {
    VIGIL_RETURN_IF_ERROR(env_->CountCall("sync"));
    VIGIL_RETURN_IF_ERROR(base_->Sync());
    env_->OnSynced(path_, size_);
    return Status::Ok();
  }
  Status Close() override {
    VIGIL_RETURN_IF_ERROR(base_->Close());
    env_->OnClosed(path_, size_);
    return Status::Ok();
  }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
  uint64_t size_ = 0;
};

}  // namespace

void FaultInjectionEnv::FailAfter(int64_t n) {
  std::lock_guard lock(mu_);
  fail_after_ = n;
  calls_ = 0;
}

int64_t FaultInjectionEnv::mutating_calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

Status FaultInjectionEnv::CountCall(const char* what) {
  std::lock_guard lock(mu_);
  ++calls_;
  if (fail_after_ >= 0 && calls_ > fail_after_) {
    return Status::IOError(fmt::format("injected fault in {} (call {})", what, calls_));
  }
  return Status::Ok();
}

void FaultInjectionEnv::OnClosed(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  closed_size_[path] = size;
}

void FaultInjectionEnv::OnSynced(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  synced_size_[path] = size;
}

Result<std::string> FaultInjectionEnv::ReadFile(const std::string& path, uint64_t max_bytes) {
  return base_->ReadFile(path, max_bytes);
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("create"));
  Result<std::unique_ptr<WritableFile>> base = base_->NewWritableFile(path);
  if (!base.ok()) return base.status();
  {
    std::lock_guard lock(mu_);
    synced_size_[path] = 0;
    closed_size_.erase(path);
    unsynced_new_files_.insert(path);
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultInjectionFile>(this, path, std::move(base).value()));
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  VIGIL_RETURN_IF_ERROR(CountCall("rename"));
  Result<std::string> old = base_->ReadFile(to, uint64_t{1} << 30);
  VIGIL_RETURN_IF_ERROR(base_->RenameFile(from, to));
  std::lock_guard lock(mu_);
  if (old.ok()) replaced_.try_emplace(to, std::move(*old));  // the oldest is the durable one
  if (auto it = synced_size_.find(from); it != synced_size_.end()) {
    synced_size_[to] = it->second;
    synced_size_.erase(it);
  }
  if (auto it = closed_size_.find(from); it != closed_size_.end()) {
    closed_size_[to] = it->second;
    closed_size_.erase(it);
  }
  unsynced_renames_.emplace_back(from, to);
  return Status::Ok();
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("remove"));
  VIGIL_RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard lock(mu_);
  synced_size_.erase(path);
  closed_size_.erase(path);
  unsynced_new_files_.erase(path);
  return Status::Ok();
}

Status FaultInjectionEnv::RemoveDir(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("rmdir"));
  return base_->RemoveDir(path);
}

Status FaultInjectionEnv::CreateDirs(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("mkdir"));
  return base_->CreateDirs(path);
}

Status FaultInjectionEnv::CreateDirsUnsynced(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("mkdir"));
  return base_->CreateDirsUnsynced(path);
}

Status FaultInjectionEnv::SyncDir(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("syncdir"));
  VIGIL_RETURN_IF_ERROR(base_->SyncDir(path));
  std::lock_guard lock(mu_);
  for (auto it = unsynced_new_files_.begin(); it != unsynced_new_files_.end();) {
    it = DirName(*it) == path ? unsynced_new_files_.erase(it) : std::next(it);
  }
  std::erase_if(unsynced_renames_, [&](const auto& r) { return DirName(r.second) == path; });
  std::erase_if(replaced_, [&](const auto& r) { return DirName(r.first) == path; });
  return Status::Ok();
}

Status FaultInjectionEnv::SyncAll(const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CountCall("syncall"));
  VIGIL_RETURN_IF_ERROR(base_->SyncAll(path));
  std::lock_guard lock(mu_);
  for (const auto& [file, size] : closed_size_) {
    auto it = synced_size_.find(file);
    if (it != synced_size_.end()) it->second = std::max(it->second, size);
  }
  unsynced_new_files_.clear();
  unsynced_renames_.clear();
  replaced_.clear();
  return Status::Ok();
}

Result<FileInfo> FaultInjectionEnv::Stat(const std::string& path) { return base_->Stat(path); }

Result<std::vector<std::string>> FaultInjectionEnv::ListFilesRecursive(const std::string& dir) {
  return base_->ListFilesRecursive(dir);
}

Status FaultInjectionEnv::TruncateFile(const std::string& path, uint64_t size) {
  VIGIL_RETURN_IF_ERROR(CountCall("truncate"));
  VIGIL_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  std::lock_guard lock(mu_);
  // A file not written through this Env is not tracked: all of it counts as durable, and so it
  // stays after the cut.
  if (auto it = synced_size_.find(path); it != synced_size_.end()) {
    it->second = std::min(it->second, size);
  }
  return Status::Ok();
}

Result<std::unique_ptr<MappedFile>> FaultInjectionEnv::MapFile(const std::string& path) {
  return base_->MapFile(path);
}

Result<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(const std::string& path) {
  return base_->LockFile(path);
}

Status FaultInjectionEnv::SimulateCrash() {
  std::lock_guard lock(mu_);
  // Undo renames not made durable, newest first; the file returns to its old name with the
  // bytes it had synced.
  for (auto it = unsynced_renames_.rbegin(); it != unsynced_renames_.rend(); ++it) {
    if (::rename(it->second.c_str(), it->first.c_str()) != 0) {
      return Status::IOError("crash simulation: cannot undo rename of " + it->second);
    }
    if (auto s = synced_size_.find(it->second); s != synced_size_.end()) {
      synced_size_[it->first] = s->second;
      synced_size_.erase(s);
    }
  }
  for (const auto& [path, size] : synced_size_) {
    if (unsynced_new_files_.count(path) != 0) continue;
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0 && errno != ENOENT) {
      return Status::IOError("crash simulation: cannot truncate " + path);
    }
  }
  for (const std::string& path : unsynced_new_files_) ::unlink(path.c_str());
  // A file an undone rename had replaced comes back with its old contents.
  for (const auto& [path, contents] : replaced_) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(contents.data(), 1, contents.size(), f) != contents.size()) {
      if (f != nullptr) std::fclose(f);
      return Status::IOError("crash simulation: cannot restore " + path);
    }
    std::fclose(f);
  }
  replaced_.clear();
  synced_size_.clear();
  unsynced_new_files_.clear();
  unsynced_renames_.clear();
  closed_size_.clear();
  return Status::Ok();
}

}  // namespace vigil
