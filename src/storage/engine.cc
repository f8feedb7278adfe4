#include "storage/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/time.h"

namespace vigil::storage {

Engine::Engine(Env* env, std::string data_dir, IndexOptions options)
    : env_(env),
      data_dir_(std::move(data_dir)),
      indices_dir_(JoinPath(data_dir_, "indices")),
      options_(std::move(options)) {}

Engine::~Engine() { (void)Close(); }

Result<std::unique_ptr<Engine>> Engine::Open(Env* env, const std::string& data_dir,
                                             IndexOptions options) {
  std::unique_ptr<Engine> engine(new Engine(env, data_dir, std::move(options)));
  VIGIL_RETURN_IF_ERROR(env->CreateDirs(engine->indices_dir_));
  Result<std::unique_ptr<FileLock>> lock = env->LockFile(JoinPath(data_dir, "LOCK"));
  if (!lock.ok()) {
    if (lock.status().code() == StatusCode::kConflict) {
      return Status::Conflict(
          fmt::format("data directory {} is in use: {}", data_dir, lock.status().message()));
    }
    return lock.status();
  }
  engine->lock_ = std::move(*lock);
  // Indices whose deletion a crash interrupted.
  Result<std::vector<std::string>> files = env->ListFilesRecursive(engine->indices_dir_);
  if (files.ok()) {
    std::set<std::string> deleted;
    for (const std::string& f : *files) {
      std::string_view rel = std::string_view(f).substr(engine->indices_dir_.size() + 1);
      if (rel.starts_with(".deleted-") && rel.find('/') != std::string_view::npos) {
        deleted.insert(JoinPath(engine->indices_dir_, rel.substr(0, rel.find('/'))));
      }
    }
    for (const std::string& d : deleted) (void)engine->RemoveTree(d);
  }
  return engine;
}

Status Engine::ValidateIndexName(std::string_view name) {
  auto bad = [name](std::string_view why) {
    return Status::InvalidArgument(fmt::format("invalid index name [{}]: {}", name, why))
        .WithDetail("invalid_index_name_exception");
  };
  if (name.empty()) return bad("must not be empty");
  if (name.size() > 255) return bad("must be at most 255 bytes");
  if (name == "." || name == "..") return bad("must not be '.' or '..'");
  if (name[0] == '-' || name[0] == '_' || name[0] == '+') {
    return bad("must not start with '_', '-', or '+'");
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return bad("must be lowercase");
    if (std::string_view("\\/*?\"<>|, #:").find(c) != std::string_view::npos ||
        static_cast<unsigned char>(c) < 0x20) {
      return bad(fmt::format("must not contain '{}'", c));
    }
  }
  return Status::Ok();
}

bool Engine::Exists(std::string_view name) {
  Result<FileInfo> info = env_->Stat(JoinPath(indices_dir_, name));
  return info.ok() && info->exists && info->is_directory;
}

Result<std::shared_ptr<Index>> Engine::GetIndex(std::string_view name, bool create) {
  VIGIL_RETURN_IF_ERROR(ValidateIndexName(name));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(name);
  if (it != open_.end()) return it->second;
  if (!create && !Exists(name)) {
    return Status::NotFound(fmt::format("no such index [{}]", name));
  }
  IndexOptions options = options_;
  if (!options.log) {
    options.log = [n = std::string(name)](std::string_view line) {
      std::fprintf(stderr, "vigil: index %s: %.*s\n", n.c_str(), static_cast<int>(line.size()),
                   line.data());
    };
  }
  Result<std::unique_ptr<Index>> index =
      Index::Open(env_, JoinPath(indices_dir_, name), std::move(options));
  if (!index.ok()) return index.status();
  std::shared_ptr<Index> shared(std::move(*index));
  open_.emplace(std::string(name), shared);
  return shared;
}

Result<std::shared_ptr<Index>> Engine::CreateIndex(std::string_view name) {
  VIGIL_RETURN_IF_ERROR(ValidateIndexName(name));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_.count(name) > 0 || Exists(name)) {
      return Status::Conflict(fmt::format("index [{}] already exists", name))
          .WithDetail("resource_already_exists_exception");
    }
  }
  return GetIndex(name, true);
}

Status Engine::DeleteIndex(std::string_view name) {
  VIGIL_RETURN_IF_ERROR(ValidateIndexName(name));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(name);
  if (it != open_.end()) {
    // Stops its background work and closes its log; whoever still holds it gets failed writes.
    (void)it->second->Close();
    open_.erase(it);
  }
  if (!Exists(name)) return Status::NotFound(fmt::format("no such index [{}]", name));
  // Renamed away first, atomically: a crash half-way through leaves no index (a hidden
  // directory that the next Open removes), never part of one.
  std::string dir = JoinPath(indices_dir_, fmt::format(".deleted-{}-{}", name, NowMillis()));
  VIGIL_RETURN_IF_ERROR(env_->RenameFile(JoinPath(indices_dir_, name), dir));
  VIGIL_RETURN_IF_ERROR(env_->SyncDir(indices_dir_));
  return RemoveTree(dir);
}

Status Engine::RemoveTree(const std::string& dir) {
  Result<std::vector<std::string>> files = env_->ListFilesRecursive(dir);
  if (!files.ok()) return files.status();
  for (const std::string& f : *files) VIGIL_RETURN_IF_ERROR(env_->RemoveFile(f));
  VIGIL_RETURN_IF_ERROR(env_->RemoveDir(dir));
  return env_->SyncDir(indices_dir_);
}

Result<std::vector<std::string>> Engine::ListIndices() {
  Result<std::vector<std::string>> files = env_->ListFilesRecursive(indices_dir_);
  if (!files.ok()) return files.status();
  std::set<std::string> names;
  for (const std::string& f : *files) {
    std::string_view rel = std::string_view(f).substr(indices_dir_.size() + 1);
    size_t slash = rel.find('/');
    if (slash != std::string_view::npos && rel[0] != '.') names.emplace(rel.substr(0, slash));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, index] : open_) names.insert(name);
  return std::vector<std::string>(names.begin(), names.end());
}

Status Engine::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  Status result;
  for (auto& [name, index] : open_) {
    Status s = index->Close();
    if (!s.ok() && result.ok()) result = s;
  }
  open_.clear();
  return result;
}

}  // namespace vigil::storage
