// FaultInjectionEnv: wraps a real Env for crash tests (after LevelDB's fault_injection_test).
//
// It can make every mutating call fail from the Nth one on (FailAfter), and it remembers what
// would not survive a power cut: file bytes appended but not fsynced, and directory entries
// (created files, renames) whose directory was not fsynced since. SimulateCrash() then puts the
// real files in the state a crash would leave: unsynced tails cut off, unsynced renames undone,
// unsynced new files removed. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "env/env.h"

namespace vigil {

class FaultInjectionEnv final : public Env {
 public:
  // `*base` must outlive this Env.
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  // From the (n+1)th mutating call on (creating, appending, syncing, renaming, removing,
  // truncating), calls fail with IOError. A negative n never fails. Mapping and locking files are
  // not mutating calls: they go straight to the base Env.
  void FailAfter(int64_t n);
  // The number of mutating calls so far.
  int64_t mutating_calls() const;
  // Brings the files to the state a crash right now would leave, and forgets the tracking.
  Status SimulateCrash();

  Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status CreateDirsUnsynced(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status SyncAll(const std::string& path) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir) override;
  // A mutating call. Afterwards the file's synced size is min(synced size, `size`): the cut is
  // durable, but the bytes kept are not synced by it.
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  // Used by the files this Env hands out.
  Status CountCall(const char* what);
  void OnSynced(const std::string& path, uint64_t size);
  void OnClosed(const std::string& path, uint64_t size);

 private:
  Env* base_;
  mutable std::mutex mu_;
  int64_t fail_after_ = -1;
  int64_t calls_ = 0;
  std::map<std::string, uint64_t> synced_size_;  // files written through this Env
  std::map<std::string, uint64_t> closed_size_;  // bytes handed to the OS by Close()
  std::set<std::string> unsynced_new_files_;     // created, directory not synced
  std::vector<std::pair<std::string, std::string>> unsynced_renames_;  // from, to
  // Files an unsynced rename replaced: their contents, restored by a crash (a real crash keeps
  // the old file when the rename was not durable).
  std::map<std::string, std::string> replaced_;
};

}  // namespace vigil
