// vigil bench ingest: generated findings through the whole durable path (read + validate +
// flatten + enrich + archive + WAL + index), findings/s, peak RSS, bytes on disk per finding
// against the gzip'd raw JSONL, and the time to reopen the index.
#include <fmt/format.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "archive/archive_format.h"
#include "archive/archive_writer.h"
#include "base/gzip.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "cli/commands.h"
#include "findings/generator.h"
#include "ingest/file_ingester.h"
#include "storage/engine.h"

namespace vigil::cli {

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

uint64_t PeakRssBytes() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace

void RunIngestBench(uint64_t count, uint64_t seed, int cores, std::string work_dir, bool json,
                    Context* ctx) {
  if (cores == 1) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    (void)sched_setaffinity(0, sizeof(set), &set);
  }
  bool own_dir = work_dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      PrintError("cannot create a temporary directory");
      ctx->exit_code = 1;
      return;
    }
    work_dir = tmpl;
  }
  std::string input = JoinPath(work_dir, "findings.jsonl");
  std::string data_dir = JoinPath(work_dir, "data");

  // The input, not timed.
  findings::GeneratorOptions gen;
  gen.count = count;
  gen.seed = seed;
  gen.end_millis = ParseTimestamp("2026-01-01T00:00:00Z").value();
  findings::FindingGenerator generator(gen);
  std::string jsonl;
  std::string line;
  while (generator.Next(&line)) {
    jsonl += line;
    jsonl.push_back('\n');
    line.clear();
  }
  std::string gz;
  Status s = GzipAppend(jsonl, 6, &gz);
  if (s.ok()) {
    Result<std::unique_ptr<WritableFile>> f = ctx->env->NewWritableFile(input);
    s = f.status();
    if (s.ok()) s = (*f)->Append(jsonl);
    if (s.ok()) s = (*f)->Close();
  }
  const uint64_t raw_bytes = jsonl.size();
  std::string().swap(jsonl);
  if (!s.ok()) {
    PrintError("cannot write the input: " + s.message());
    ctx->exit_code = 1;
    return;
  }

  // Timed: open, ingest every finding durably (acknowledged = archive + WAL fsynced).
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<storage::Engine>> engine = storage::Engine::Open(ctx->env, data_dir);
  if (!engine.ok()) {
    PrintError(engine.status().message());
    ctx->exit_code = 1;
    return;
  }
  Result<storage::Index*> index = (*engine)->GetIndex(storage::kDefaultIndex, true);
  archive::ArchiveWriter archive(ctx->env, JoinPath(data_dir, archive::kArchiveDirName));
  uint64_t issues = 0;
  ingest::FileIngester ingester(ctx->env, &archive, *index, ingest::IngestOptions{},
                                [&](const std::string&) { ++issues; });
  s = ingester.IngestPath(input);
  if (s.ok()) s = ingester.Finish();
  double durable = Seconds(start);
  if (s.ok()) s = (*engine)->Close();
  double flushed = Seconds(start);
  const ingest::IngestSummary summary = ingester.summary();
  engine->reset();
  if (!s.ok() || issues != 0 || summary.accepted != count) {
    PrintError(fmt::format("the ingest failed ({}; {} problems): the benchmark is void",
                           s.ok() ? "ok" : s.message(), issues));
    ctx->exit_code = 1;
    return;
  }
  const uint64_t rss = PeakRssBytes();
  const uint64_t index_bytes = DirBytes(JoinPath(data_dir, "indices"));
  const uint64_t archive_bytes = DirBytes(JoinPath(data_dir, archive::kArchiveDirName));

  // Reopen: ready when the index is open and a snapshot can be taken.
  start = std::chrono::steady_clock::now();
  uint64_t live = 0;
  {
    Result<std::unique_ptr<storage::Engine>> again = storage::Engine::Open(ctx->env, data_dir);
    if (again.ok()) {
      Result<storage::Index*> reopened = (*again)->GetIndex(storage::kDefaultIndex, false);
      if (reopened.ok()) live = (*reopened)->GetSnapshot()->live_docs();
    }
  }
  double reopen = Seconds(start);

  double n = static_cast<double>(count);
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("benchmark", "ingest");
    w.Field("findings", static_cast<int64_t>(count));
    w.Field("cores", static_cast<int64_t>(cores));
    w.Field("durable_seconds", durable);
    w.Field("findings_per_second", n / durable);
    w.Field("with_final_flush_seconds", flushed);
    w.Field("peak_rss_bytes", static_cast<int64_t>(rss));
    w.Field("raw_bytes", static_cast<int64_t>(raw_bytes));
    w.Field("raw_gzip_bytes", static_cast<int64_t>(gz.size()));
    w.Field("index_bytes", static_cast<int64_t>(index_bytes));
    w.Field("archive_bytes", static_cast<int64_t>(archive_bytes));
    w.Field("live_findings", static_cast<int64_t>(live));
    w.Field("reopen_seconds", reopen);
    w.EndObject();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf(
        "ingest of %llu generated findings (%.1f MB raw JSONL, %.1f MB gzip'd), %d core%s:\n"
        "  durable (archive + WAL fsynced, searchable): %.2f s = %.0f findings/s\n"
        "  with the final flush to segment files:       %.2f s = %.0f findings/s\n"
        "  index on disk: %.1f MB = %.0f bytes/finding = %.2f x the gzip'd raw JSONL\n"
        "  archive on disk: %.1f MB\n"
        "  peak RSS: %.0f MB\n"
        "  reopen: %.3f s (%llu live findings)\n"
        "  peers (PostgreSQL jsonb + GIN, SQLite JSON1): not measured by this build\n",
        static_cast<unsigned long long>(count), static_cast<double>(raw_bytes) / 1e6,
        static_cast<double>(gz.size()) / 1e6, cores, cores == 1 ? "" : "s", durable, n / durable,
        flushed, n / flushed, static_cast<double>(index_bytes) / 1e6,
        static_cast<double>(index_bytes) / n,
        static_cast<double>(index_bytes) / static_cast<double>(gz.size()),
        static_cast<double>(archive_bytes) / 1e6, static_cast<double>(rss) / 1e6, reopen,
        static_cast<unsigned long long>(live));
  }
  if (own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir, ec);
  }
}

}  // namespace vigil::cli
