#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

class PosixEnv final : public Env {
 public:
  Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) override {
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
    std::string data;
    data.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < data.size()) {
      ssize_t n = ::read(fd, data.data() + got, data.size() - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return PosixError("cannot read", path, err);
      }
      if (n == 0) break;  // the file shrank while we read it
      got += static_cast<size_t>(n);
    }
    data.resize(got);
    ::close(fd);
    return data;
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

  Status CreateDirs(const std::string& path) override {
    if (path.empty()) return Status::Ok();
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::Ok();
      return Status::IOError(path + " exists and is not a directory");
    }
    std::string parent = DirName(path);
    if (parent != path) VIGIL_RETURN_IF_ERROR(CreateDirs(parent));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return PosixError("cannot create directory", path, errno);
    }
    return SyncDir(parent);
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
