#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "env/env.h"

namespace vigil {

namespace {

Status PosixError(std::string_view what, const std::string& path, int err) {
  std::string msg = fmt::format("{} {}: {}", what, path, std::strerror(err));
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IOError("append to closed file " + path_);
    buffer_.append(data);
    if (buffer_.size() >= kBufferSize) return Flush();
    return Status::Ok();
  }

  Status Sync() override {
    VIGIL_RETURN_IF_ERROR(Flush());
    if (::fdatasync(fd_) != 0) return PosixError("fsync", path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = PosixError("close", path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kBufferSize = 1 << 16;

  Status Flush() {
    const char* p = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    buffer_.clear();
    return Status::Ok();
  }

  std::string path_;
  int fd_;
  std::string buffer_;
};

class PosixMappedFile final : public MappedFile {
 public:
  // `addr` is the start of a mapping of `size` bytes, or null when `size` is 0.
  PosixMappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~PosixMappedFile() override {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  PosixMappedFile(const PosixMappedFile&) = delete;
  PosixMappedFile& operator=(const PosixMappedFile&) = delete;
  void Release(size_t offset, size_t length) const override {
    if (addr_ == nullptr || offset >= size_) return;
    // madvise works on whole pages: only the pages entirely inside the range.
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t begin = (offset + page - 1) / page * page;
    size_t end = std::min(size_, offset + length) / page * page;
    if (end <= begin) return;
    (void)::madvise(static_cast<char*>(addr_) + begin, end - begin, MADV_DONTNEED);
  }

  std::string_view data() const override { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_;
  size_t size_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    // Clear the pid first, so that the file does not name a process that no longer holds it
    // (best effort: the next holder overwrites it anyway); closing the descriptor releases the
    // lock.
    [[maybe_unused]] int rc = ::ftruncate(fd_, 0);
    ::close(fd_);
  }
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;

 private:
  int fd_;
};

// The pid a lock holder wrote into the lock file, or 0 when there is none (the holder may not
// have written it yet, or the file was written by something else).
int64_t ReadLockHolder(int fd) {
  char buf[32];
  ssize_t n;
  do {
    n = ::pread(fd, buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  std::string_view text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  int64_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 0) return 0;
  return pid;
}

class PosixEnv final : public Env {
 public:
  Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) override {
    std::string data;
    Result<std::string_view> got = ReadFileReusing(path, max_bytes, &data);
    if (!got.ok()) return got.status();
    data.resize(got->size());
    return data;
  }

  Result<std::string_view> ReadFileReusing(const std::string& path, uint64_t max_bytes,
                                           std::string* buffer) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError("cannot stat", path, err);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(path + " is a directory");
    }
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
      ::close(fd);
      return Status::ResourceExhausted(
          fmt::format("{} is {} bytes, more than the limit of {}", path, st.st_size, max_bytes));
    }
    const auto size = static_cast<size_t>(st.st_size);
    if (buffer->size() < size) buffer->resize(size);
    size_t got = 0;
    while (got < size) {
      ssize_t n = ::read(fd, buffer->data() + got, size - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return PosixError("cannot read", path, err);
      }
      if (n == 0) break;  // the file shrank while we read it
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    return std::string_view(buffer->data(), got);
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("cannot create", path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("cannot rename", from, errno);
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("cannot remove", path, errno);
    return Status::Ok();
  }

  Status SyncAll(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open", path, errno);
    int rc = ::syncfs(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return PosixError("syncfs", path, err);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return PosixError("cannot remove directory", path, errno);
    return Status::Ok();
  }

  Status CreateDirs(const std::string& path) override { return MakeDirs(path, true); }
  Status CreateDirsUnsynced(const std::string& path) override { return MakeDirs(path, false); }

  Status MakeDirs(const std::string& path, bool sync) {
    if (path.empty()) return Status::Ok();
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::Ok();
      return Status::IOError(path + " exists and is not a directory");
    }
    std::string parent = DirName(path);
    if (parent != path) VIGIL_RETURN_IF_ERROR(MakeDirs(parent, sync));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return PosixError("cannot create directory", path, errno);
    }
    return sync ? SyncDir(parent) : Status::Ok();
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open directory", path, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError("cannot fsync directory", path, errno);
    ::close(fd);
    return s;
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st;
    FileInfo info;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return info;
      return PosixError("cannot stat", path, errno);
    }
    info.exists = true;
    info.is_directory = S_ISDIR(st.st_mode);
    info.size = static_cast<uint64_t>(st.st_size);
    return info;
  }

  Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir) override {
    std::vector<std::string> out;
    Result<FileInfo> info = Stat(dir);
    if (!info.ok()) return info.status();
    if (!info->exists) return Status::NotFound("no such file or directory: " + dir);
    if (!info->is_directory) {
      out.push_back(dir);
      return out;
    }
    VIGIL_RETURN_IF_ERROR(Walk(dir, &out));
    std::sort(out.begin(), out.end());
    return out;
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open", path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      s = PosixError("cannot truncate", path, errno);
    } else if (::fsync(fd) != 0) {
      s = PosixError("fsync", path, errno);
    }
    ::close(fd);
    return s;
  }

  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError("cannot stat", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(path + " is not a regular file");
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* addr = nullptr;
    // mmap of length 0 fails with EINVAL, so an empty file gets an empty view and no mapping.
    if (size > 0) {
      addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (addr == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        return PosixError("cannot map", path, err);
      }
    }
    ::close(fd);  // the mapping keeps the file open
    return std::unique_ptr<MappedFile>(std::make_unique<PosixMappedFile>(addr, size));
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("cannot open lock file", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EWOULDBLOCK) {
        int64_t holder = ReadLockHolder(fd);
        ::close(fd);
        if (holder == 0) return Status::Conflict(path + " is locked by another process");
        return Status::Conflict(fmt::format("{} is locked by process {}", path, holder));
      }
      ::close(fd);
      return PosixError("cannot lock", path, err);
    }
    // Only for the message of a process that finds the lock taken; not fsynced, as the lock does
    // not outlive this process.
    std::string pid = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd, 0) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError("cannot truncate lock file", path, err);
    }
    ssize_t n = ::pwrite(fd, pid.data(), pid.size(), 0);
    if (n != static_cast<ssize_t>(pid.size())) {
      int err = n < 0 ? errno : ENOSPC;  // a short write to a regular file means a full disk
      ::close(fd);
      return PosixError("cannot write lock file", path, err);
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
  }

 private:
  Status Walk(const std::string& dir, std::vector<std::string>* out) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError("cannot list", dir, errno);
    std::vector<std::string> subdirs;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = JoinPath(dir, name);
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN || type == DT_LNK) {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) continue;  // a dangling link
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        subdirs.push_back(std::move(path));
      } else if (type == DT_REG) {
        out->push_back(std::move(path));
      }
    }
    ::closedir(d);
    for (const std::string& sub : subdirs) VIGIL_RETURN_IF_ERROR(Walk(sub, out));
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Env> NewPosixEnv() { return std::make_unique<PosixEnv>(); }

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

}  // namespace vigil
