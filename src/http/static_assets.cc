#include "http/static_assets.h"

#include <fmt/format.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/gzip.h"

namespace vigil::http {

std::string_view ContentTypeOf(std::string_view name) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=UTF-8"},
      {".js", "text/javascript; charset=UTF-8"},
      {".mjs", "text/javascript; charset=UTF-8"},
      {".css", "text/css; charset=UTF-8"},
      {".json", "application/json; charset=UTF-8"},
      {".map", "application/json; charset=UTF-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=UTF-8"},
  };
  for (const Type& t : kTypes) {
    if (name.ends_with(t.ext)) return t.type;
  }
  return "application/octet-stream";
}

Result<std::unique_ptr<StaticAssets>> StaticAssets::Load(Env* env, const std::string& dir) {
  Result<std::vector<std::string>> paths = env->ListFilesRecursive(dir);
  if (!paths.ok()) {
    return Status::NotFound(
        fmt::format("the dashboard's files are not in [{}]: {}", dir, paths.status().message()));
  }
  auto assets = std::unique_ptr<StaticAssets>(new StaticAssets());
  assets->dir_ = dir;
  if (paths->size() > kMaxFiles) {
    return Status::ResourceExhausted(fmt::format(
        "[{}] holds {} files, more than the {} the server loads", dir, paths->size(), kMaxFiles));
  }
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  uint64_t total = 0;
  for (const std::string& path : *paths) {
    if (!path.starts_with(prefix)) continue;
    const std::string name = path.substr(prefix.size());
    Result<std::string> content = env->ReadFile(path, kMaxBytes - total);
    if (!content.ok()) return content.status();
    total += content->size();
    File f;
    f.content_type = std::string(ContentTypeOf(name));
    f.etag = fmt::format("\"{:016x}\"", XXH3_64bits(content->data(), content->size()));
    std::string gz;
    if (GzipAppend(*content, 6, &gz).ok() && gz.size() < content->size()) f.gzip = std::move(gz);
    f.plain = std::move(*content);
    assets->files_.emplace(name, std::move(f));
  }
  if (!assets->files_.contains("index.html")) {
    return Status::NotFound(fmt::format("[{}] holds no index.html", dir));
  }
  return assets;
}

namespace {

// True when an Accept-Encoding value allows gzip (a "gzip;q=0" refuses it).
bool AcceptsGzip(std::string_view accept) {
  size_t at = 0;
  while (at < accept.size()) {
    size_t end = accept.find(',', at);
    if (end == std::string_view::npos) end = accept.size();
    std::string_view item = accept.substr(at, end - at);
    at = end + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    const size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view value = params.substr(q + 2);
    // q=0, q=0.0, q=0.00...: refused.
    bool zero = !value.empty() && value.front() == '0';
    for (size_t i = 1; zero && i < value.size() && value[i] != ' ' && value[i] != ';'; ++i) {
      zero = value[i] == '.' || value[i] == '0';
    }
    return !zero;
  }
  return false;
}

}  // namespace

std::optional<HttpResponse> StaticAssets::Serve(std::string_view name, const HttpRequest& r) const {
  auto it = files_.find(name);
  if (it == files_.end()) return std::nullopt;
  const File& f = it->second;
  HttpResponse res;
  res.content_type = f.content_type;
  res.headers.emplace_back("ETag", f.etag);
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (name.ends_with(".html")) {
    // The page may run only its own scripts and talk only to this server.
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self' "
                             "'unsafe-inline'; frame-ancestors 'none'");
    res.headers.emplace_back("X-Frame-Options", "DENY");
  }
  if (!f.gzip.empty()) res.headers.emplace_back("Vary", "Accept-Encoding");
  if (std::optional<std::string_view> match = r.Header("if-none-match");
      match && match->find(f.etag) != std::string_view::npos) {
    res.status = 304;
    return res;
  }
  const std::optional<std::string_view> accept = r.Header("accept-encoding");
  if (!f.gzip.empty() && accept && AcceptsGzip(*accept)) {
    res.headers.emplace_back("Content-Encoding", "gzip");
    res.body = f.gzip;
  } else {
    res.body = f.plain;
  }
  return res;
}

}  // namespace vigil::http
