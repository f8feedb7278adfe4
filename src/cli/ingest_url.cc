// `vigil ingest --url URL PATH...`: sends the files to a running server's POST /api/ingest
// instead of opening a data directory, and sums up the server's answers as a local ingest does.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/http_client.h"
#include "ingest/file_ingester.h"

namespace vigil::cli {

namespace {

// A push stays well under the server's 100 MiB body limit; bigger JSON Lines files go in parts
// cut at line ends.
constexpr size_t kPushBytes = 16 << 20;

struct UrlTotals {
  uint64_t files = 0, events = 0, created = 0, updated = 0, stale = 0, skipped = 0, rejected = 0;
  uint64_t errors = 0;
};

bool IsJsonLines(std::string_view name) {
  if (name.ends_with(".gz")) name.remove_suffix(3);
  return name.ends_with(".jsonl") || name.ends_with(".ndjson");
}

// Sends one part; adds the server's answer to *t and prints its problems.
Status Push(http::HttpClient* client, const std::string& file, std::string_view part,
            bool json_lines, uint64_t first_line, bool quiet, UrlTotals* t) {
  Result<http::ClientResponse> res = client->Request(
      "POST", "/api/ingest", part, json_lines ? "application/x-ndjson" : "application/json");
  if (!res.ok()) return res.status();
  nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::IOError(
        fmt::format("{}: the server answered {} with a body that is not JSON", file, res->status));
  }
  if (!body.contains("items")) {
    const auto& e = body["error"];
    std::string reason =
        e.is_object() && e["reason"].is_string() ? e["reason"].get<std::string>() : res->body;
    if (res->status >= 500) {
      return Status::Unavailable(fmt::format("{}: the server failed: {}", file, reason));
    }
    ++t->errors;
    if (!quiet) std::fprintf(stderr, "%s: error: %s\n", file.c_str(), reason.c_str());
    return Status::Ok();
  }
  auto count = [&](const char* key) { return body.value(key, uint64_t{0}); };
  t->created += count("created");
  t->updated += count("updated");
  t->stale += count("stale");
  t->skipped += count("skipped");
  t->rejected += count("rejected");
  for (const auto& item : body["items"]) {
    ++t->events;
    const std::string status = item.value("status", "");
    if (quiet || (status != "rejected" && status != "skipped")) continue;
    std::string where = item.value("location", "");
    // Lines count from the start of the file, not of the part.
    if (first_line > 1 && where.starts_with("line ")) {
      uint64_t n = std::strtoull(where.c_str() + 5, nullptr, 10);
      size_t end = where.find_first_not_of("0123456789", 5);
      where = fmt::format("line {}{}", n + first_line - 1,
                          end == std::string::npos ? "" : where.substr(end));
    }
    std::fprintf(stderr, "%s%s%s: %s: %s\n", file.c_str(), where.empty() ? "" : ":", where.c_str(),
                 status.c_str(), item.value("reason", "").c_str());
  }
  return Status::Ok();
}

}  // namespace

void RunIngestUrl(Context* ctx, const std::string& url, const std::vector<std::string>& paths,
                  bool quiet) {
  Result<std::unique_ptr<http::HttpClient>> client = http::HttpClient::Create(url);
  if (!client.ok()) {
    PrintError(client.status().message());
    ctx->exit_code = 2;
    return;
  }
  UrlTotals t;
  Status s = Status::Ok();
  for (const std::string& path : paths) {
    Result<std::vector<std::string>> files = ctx->env->ListFilesRecursive(path);
    if (!files.ok()) {
      ++t.errors;
      std::fprintf(stderr, "%s: error: %s\n", path.c_str(), files.status().message().c_str());
      continue;
    }
    for (const std::string& file : *files) {
      if (!ingest::IsIngestibleName(file)) continue;
      Result<std::string> data = ctx->env->ReadFile(file, 1ULL << 30);
      if (!data.ok()) {
        ++t.errors;
        std::fprintf(stderr, "%s: error: %s\n", file.c_str(), data.status().message().c_str());
        continue;
      }
      ++t.files;
      const bool lines = IsJsonLines(file) && !file.ends_with(".gz");
      std::string_view rest = *data;
      uint64_t line = 1;
      while (s.ok() && !rest.empty()) {
        size_t cut = rest.size();
        if (lines && rest.size() > kPushBytes) {
          const size_t nl = rest.rfind('\n', kPushBytes);
          cut = nl == std::string_view::npos ? rest.size() : nl + 1;
        }
        std::string_view part = rest.substr(0, cut);
        s = Push(client->get(), file, part, IsJsonLines(file), line, quiet, &t);
        for (char c : part) line += c == '\n' ? 1 : 0;
        rest.remove_prefix(cut);
      }
      if (!s.ok()) break;
    }
    if (!s.ok()) break;
  }
  std::printf(
      "sent %llu events from %llu files to %s: %llu created, %llu updated, %llu stale, %llu "
      "skipped, %llu rejected\n",
      static_cast<unsigned long long>(t.events), static_cast<unsigned long long>(t.files),
      (*client)->base().c_str(), static_cast<unsigned long long>(t.created),
      static_cast<unsigned long long>(t.updated), static_cast<unsigned long long>(t.stale),
      static_cast<unsigned long long>(t.skipped), static_cast<unsigned long long>(t.rejected));
  if (!s.ok()) {
    PrintError(s.message());
    ctx->exit_code = 1;
  } else if (t.rejected > 0 || t.errors > 0) {
    ctx->exit_code = 1;
  }
}

}  // namespace vigil::cli
