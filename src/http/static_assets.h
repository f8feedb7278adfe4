// The web dashboard's files (built from web/ into a directory beside the binary), served from
// memory: loaded once at start, never read from disk per request, so a request can name only a
// file that was there at start (no path is ever joined with what a client sent).
//
// Each file is kept as it is and gzip-compressed; a client that accepts gzip gets the smaller
// one. Every answer carries a strong ETag (the content's hash) with `Cache-Control: no-cache`, so
// a browser revalidates and gets 304 until the next build.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "env/env.h"
#include "http/http_types.h"

namespace vigil::http {

class StaticAssets {
 public:
  // What Load takes at most: files, and bytes in all.
  static constexpr size_t kMaxFiles = 256;
  static constexpr uint64_t kMaxBytes = 64ULL << 20;

  // Loads every file under `dir` (named by its path below it, "app.js", "fonts/x.woff2").
  // NotFound when `dir` does not exist or holds no index.html; ResourceExhausted past the limits.
  static Result<std::unique_ptr<StaticAssets>> Load(Env* env, const std::string& dir);

  // The answer to GET (or HEAD) of `name` ("index.html", "app.js"), or nullopt when there is no
  // such file.
  std::optional<HttpResponse> Serve(std::string_view name, const HttpRequest& r) const;

  size_t files() const { return files_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  struct File {
    std::string content_type;
    std::string plain;
    std::string gzip;  // empty when compressing did not make it smaller
    std::string etag;
  };
  std::string dir_;
  std::map<std::string, File, std::less<>> files_;
};

// The Content-Type of a file name by its extension (application/octet-stream when unknown).
std::string_view ContentTypeOf(std::string_view name);

}  // namespace vigil::http
