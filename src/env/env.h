// Env: every file-system operation Vigil makes goes through this interface, so that tests can
// swap in a fault-injecting implementation and prove that nothing acknowledged is lost.
//
// Implementations must be thread-safe: one Env is shared by all threads. A WritableFile is used
// by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil {

// A file being written sequentially. Data is durable only after Sync() returns OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Flushes buffered data and fsyncs the file.
  virtual Status Sync() = 0;
  // Flushes buffered data and closes; does not fsync. Idempotent.
  virtual Status Close() = 0;
};

// A whole file mapped read-only. data() stays valid until the object is destroyed. The file must
// not shrink while it is mapped: touching a page past its new end kills the process (SIGBUS).
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::string_view data() const = 0;
  // Tells the operating system that the bytes [offset, offset + length) are not needed for now:
  // their resident pages are dropped (they count in the process's memory), and read again from
  // the file on the next access. The data does not change. A hint: may do nothing.
  virtual void Release(size_t offset, size_t length) const {
    (void)offset;
    (void)length;
  }
};

// An advisory lock on a file, held while the object lives; released on destruction, and by the
// operating system when the process dies, so a crash never leaves a stale lock behind.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

struct FileInfo {
  bool exists = false;
  bool is_directory = false;
  uint64_t size = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // Reads a whole file. Fails with ResourceExhausted when it is larger than `max_bytes`.
  virtual Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) = 0;
  // Reads a whole file into *buffer, reusing its memory (it only grows, so a reader of many files
  // neither zero-fills nor faults in fresh pages for each), and returns a view of the contents in
  // it. Same errors as ReadFile.
  virtual Result<std::string_view> ReadFileReusing(const std::string& path, uint64_t max_bytes,
                                                   std::string* buffer) {
    Result<std::string> data = ReadFile(path, max_bytes);
    if (!data.ok()) return data.status();
    *buffer = std::move(*data);
    return std::string_view(*buffer);
  }
  // Creates (or truncates) a file for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (POSIX rename). Durable after SyncDir of the parent.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // Creates a directory and its missing parents, fsyncing each parent that gained an entry.
  virtual Status CreateDirs(const std::string& path) = 0;
  // The same without any fsync: the new directories are durable only after a later SyncAll
  // (which a caller creating many files makes anyway; an fsync per directory level costs more
  // than the files).
  virtual Status CreateDirsUnsynced(const std::string& path) = 0;
  // fsyncs a directory, making the creation, rename or removal of its entries durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Makes durable, in one call, everything already written to the file system that holds `path`:
  // the data of closed files and every directory change (Linux syncfs). Cheaper than an fsync
  // per file when a commit writes many files. Data still buffered in an open WritableFile is not
  // covered: close files first.
  virtual Status SyncAll(const std::string& path) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // Regular files under `dir`, recursively, sorted by path; `dir` itself if it is a file.
  virtual Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir) = 0;
  // Cuts an existing file to its first `size` bytes and fsyncs it: the bytes past `size` are gone
  // for good when this returns OK. Do not rely on it to make earlier unsynced appends durable
  // (FaultInjectionEnv does not). The file must not be open for writing.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Maps a whole existing file read-only (mmap, MAP_SHARED). An empty file maps to an empty view.
  virtual Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) = 0;
  // Creates `path` if needed and takes an exclusive, non-blocking lock on it (flock), then writes
  // this process's pid into it. When another process holds it, fails with kConflict and a message
  // naming the holder: "<path> is locked by process 1234" (the pid read from the file; "by another
  // process" if the file has no pid). The lock belongs to the open file, not to the process: a
  // second LockFile of the same path in the same process fails the same way. The file is never
  // removed (removing a lock file races with a process that has just opened it).
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// The real file system.
std::unique_ptr<Env> NewPosixEnv();

// Returns the directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string DirName(std::string_view path);
// Returns the last part of a path ("a/b/c" -> "c").
std::string_view BaseName(std::string_view path);
// Joins two path parts with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace vigil
