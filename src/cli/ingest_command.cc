// vigil ingest --data DIR PATH...: reads findings from files and directories into the archive
// and the index. vigil reindex --data DIR: rebuilds the index from the archive.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "alert/alert_files.h"
#include "alert/engine.h"
#include "archive/archive_format.h"
#include "archive/archive_writer.h"
#include "base/time.h"
#include "cli/commands.h"
#include "ingest/file_ingester.h"
#include "ingest/findings_deriver.h"
#include "server/config.h"
#include "storage/engine.h"

namespace vigil::cli {

namespace {

constexpr uint64_t kMaxIssueLines = 1000;

struct RunResult {
  Status status;
  ingest::IngestSummary summary;
};

// Runs `paths` through a FileIngester into `index` (and `archive` when not null), printing
// problems unless `quiet`.
RunResult RunIngest(Context* ctx, archive::ArchiveWriter* archive, storage::Index* index,
                    const std::vector<std::string>& paths, bool quiet, bool progress = false,
                    ingest::CommitObserver* observer = nullptr) {
  uint64_t issue_lines = 0;
  ingest::FileIngester ingester(ctx->env, archive, index, ingest::IngestOptions{},
                                [&](const std::string& line) {
                                  if (quiet) return;
                                  if (++issue_lines <= kMaxIssueLines) {
                                    std::fprintf(stderr, "%s\n", line.c_str());
                                  }
                                });
  ingester.set_observer(observer);
  if (progress) {
    ingester.set_on_commit([index](const ingest::IngestSummary& s) {
      std::fprintf(
          stderr,
          "progress: committed %llu findings: %llu indexed, %llu updated, %llu stale; "
          "the index holds %llu\n",
          static_cast<unsigned long long>(s.accepted), static_cast<unsigned long long>(s.indexed),
          static_cast<unsigned long long>(s.updated), static_cast<unsigned long long>(s.stale),
          static_cast<unsigned long long>(index != nullptr ? index->stats().docs : 0));
    });
  }
  RunResult r;
  for (const std::string& path : paths) {
    r.status = ingester.IngestPath(path);
    if (!r.status.ok()) break;
  }
  if (r.status.ok()) r.status = ingester.Finish();
  if (issue_lines > kMaxIssueLines) {
    std::fprintf(stderr, "... and %llu more problems\n",
                 static_cast<unsigned long long>(issue_lines - kMaxIssueLines));
  }
  r.summary = ingester.summary();
  return r;
}

// The archive writer's log lines (journals sealed at open, torn records dropped) go to stderr.
archive::ArchiveOptions ArchiveLogOptions() {
  archive::ArchiveOptions options;
  options.log = [](std::string_view line) {
    std::fprintf(stderr, "vigil: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  return options;
}

std::string IndexLine(const ingest::IngestSummary& s, const storage::Index& index) {
  storage::IndexStats stats = index.stats();
  return fmt::format(
      "indexed {} new findings, updated {}, {} stale (not newer than the indexed version); the "
      "index holds {} findings\n",
      s.indexed, s.updated, s.stale, stats.docs);
}

// The alert rules on an offline load (docs/alerting.md): the definitions the data directory
// keeps (and the alerts section of --config), judged on every commit as the server does; the
// notifications wait in the outbox for the server's next start to deliver them.
struct OfflineAlerts {
  std::unique_ptr<alert::AlertStore> store;
  std::unique_ptr<alert::Outbox> outbox;
  std::unique_ptr<alert::AlertEngine> engine;
};

Result<OfflineAlerts> OpenAlerts(Context* ctx, storage::Engine* db, const std::string& data,
                                 const std::string& config_path) {
  alert::Definitions configured;
  std::string base_url;
  if (!config_path.empty()) {
    Result<server::ServerConfig> config = server::LoadConfig(ctx->env, config_path);
    if (!config.ok()) return config.status();
    configured.channels = config->alert_channels;
    configured.rules = config->alert_rules;
    base_url = config->alerts_base_url.value_or("");
  }
  auto log = [](std::string_view line) {
    std::fprintf(stderr, "vigil: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  Result<alert::AlertFiles> files =
      alert::OpenAlertFiles(ctx->env, data, std::move(configured), log);
  if (!files.ok()) return files.status();
  OfflineAlerts out;
  out.store = std::move(files->store);
  out.outbox = std::move(files->outbox);
  alert::AlertEngineOptions engine_options;
  engine_options.log = log;
  engine_options.base_url = base_url;
  out.engine =
      std::make_unique<alert::AlertEngine>(db, out.store.get(), out.outbox.get(), engine_options);
  VIGIL_RETURN_IF_ERROR(out.engine->Start());
  return out;
}

}  // namespace

void AddIngestCommand(CLI::App* app, Context* ctx) {
  struct Options {
    std::string data = "./vigil-data";
    std::string url;
    std::string config;
    std::vector<std::string> paths;
    bool quiet = false;
    bool progress = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("ingest", "Load findings from files and directories");
  cmd->footer(
      "Loads GuardDuty findings from .json (one event, one finding, or an array), .jsonl, "
      ".jsonl.gz and .json.gz files and from directories (recursively, e.g. a copy of a "
      "GuardDuty S3 export). Every accepted event is archived durably under DIR/archive, then "
      "indexed in DIR/indices/findings: a finding seen before is updated when this version is "
      "newer (updatedAt, then service.count) and counted as stale otherwise. Prints a summary; "
      "every skipped or rejected event is reported on standard error with its location and "
      "reason. The alert rules of the data directory (and of --config) judge every commit as "
      "the server does; their notifications wait in DIR/alerts/outbox for `vigil serve` to "
      "deliver. Exit status 1 if any event was rejected or any input unreadable.");
  cmd->add_option("--data", opts->data, "The data directory")->capture_default_str();
  cmd->add_option("--url", opts->url,
                  "Send to a running server's POST /api/ingest instead (http://HOST:PORT)");
  cmd->add_option("--config", opts->config,
                  "The server's configuration file, for the alert rules and channels of its "
                  "alerts section (those made through the API are in the data directory)");
  cmd->add_option("paths", opts->paths, "Files and directories to read")->required();
  cmd->add_flag("-q,--quiet", opts->quiet, "Do not list skipped and rejected events");
  cmd->add_flag("--progress", opts->progress,
                "Print a line on standard error after each durable commit");
  cmd->callback([opts, ctx] {
    if (!opts->url.empty()) {
      RunIngestUrl(ctx, opts->url, opts->paths, opts->quiet);
      return;
    }
    std::unique_ptr<storage::Engine> engine = OpenEngine(ctx, opts->data);
    if (!engine) return;
    storage::Index* index = GetIndex(ctx, engine.get(), storage::kDefaultIndex, true);
    if (index == nullptr) return;
    std::string root = JoinPath(opts->data, archive::kArchiveDirName);
    archive::ArchiveWriter writer(ctx->env, root, ArchiveLogOptions());
    // Findings a crashed run committed to the archive's journal are sealed into files first.
    archive::CommitStats recovered;
    Status opened = writer.Open(&recovered);
    if (!opened.ok()) {
      PrintError("cannot open the archive: " + opened.message());
      ctx->exit_code = 1;
      return;
    }
    Result<OfflineAlerts> alerts = OpenAlerts(ctx, engine.get(), opts->data, opts->config);
    if (!alerts.ok()) {
      PrintError(alerts.status().message());
      ctx->exit_code = 1;
      return;
    }
    RunResult r = RunIngest(ctx, &writer, index, opts->paths, opts->quiet, opts->progress,
                            alerts->engine.get());
    if (r.status.ok() && alerts->engine->active()) {
      // Threshold groups matched within the last second of the load are judged now.
      r.status = alerts->engine->Tick(NowMillis());
    }
    // What the run committed is durable in the journal; the seal writes it to partition files
    // (after a failure too: whatever was committed gets its files now rather than at the next
    // open).
    Status sealed = writer.Seal(&r.summary.archive);
    if (r.status.ok() && !sealed.ok()) r.status = sealed;
    const ingest::IngestSummary& s = r.summary;
    std::string summary =
        fmt::format("read {} events from {} files: {} accepted, {} skipped, {} rejected", s.read,
                    s.files, s.accepted, s.skipped, s.rejected);
    if (s.errors > 0) summary += fmt::format(", {} input errors", s.errors);
    summary += fmt::format("\narchived {} findings in {} files ({} bytes compressed) under {}\n",
                           s.archive.findings, s.archive.files, s.archive.compressed_bytes, root);
    summary += IndexLine(s, *index);
    if (alerts->engine->active()) {
      const alert::AlertEngineStats a = alerts->engine->stats();
      summary += fmt::format(
          "alert rules: {} alerts ({} held back by throttles), {} notifications queued for "
          "`vigil serve` to deliver ({} in the outbox); {} rule errors\n",
          a.alerts + a.digests, a.suppressed, a.notifications, alerts->outbox->pending(), a.errors);
    }
    std::fputs(summary.c_str(), stdout);
    Status closed = engine->Close();
    if (!r.status.ok()) {
      PrintError("ingest failed: " + r.status.message() +
                 fmt::format(" ({} findings read but not stored)",
                             s.read - s.skipped - s.rejected - s.accepted));
      ctx->exit_code = 1;
    } else if (!closed.ok()) {
      PrintError("closing the index failed: " + closed.message());
      ctx->exit_code = 1;
    } else if (s.rejected > 0 || s.errors > 0) {
      ctx->exit_code = 1;
    }
  });
}

void AddReindexCommand(CLI::App* app, Context* ctx) {
  struct Options {
    std::string data = "./vigil-data";
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("reindex", "Rebuild the index from the archive");
  cmd->footer(
      "Deletes DIR/indices/findings and indexes every finding of DIR/archive again (the archive "
      "holds every accepted event, so nothing is lost; the newest version of each finding wins). "
      "derived.ingestedAt becomes the time of the reindex.");
  cmd->add_option("--data", opts->data, "The data directory")->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "Do not list problems with archive files");
  cmd->callback([opts, ctx] {
    std::unique_ptr<storage::Engine> engine = OpenEngine(ctx, opts->data);
    if (!engine) return;
    // Findings still in the archive's journal (a run that crashed before its seal) are sealed
    // into partition files, so that the walk below reads them, before the index goes.
    std::string root = JoinPath(opts->data, archive::kArchiveDirName);
    {
      archive::ArchiveWriter writer(ctx->env, root, ArchiveLogOptions());
      archive::CommitStats recovered;
      Status opened = writer.Open(&recovered);
      if (!opened.ok()) {
        PrintError("cannot seal the archive's journal: " + opened.message());
        ctx->exit_code = 1;
        return;
      }
    }
    Result<std::vector<std::string>> indices = engine->ListIndices();
    if (indices.ok() && std::find(indices->begin(), indices->end(),
                                  std::string(storage::kDefaultIndex)) != indices->end()) {
      Status s = engine->DeleteIndex(storage::kDefaultIndex);
      if (!s.ok()) {
        PrintError("cannot delete the old index: " + s.message());
        ctx->exit_code = 1;
        return;
      }
    }
    storage::Index* index = GetIndex(ctx, engine.get(), storage::kDefaultIndex, true);
    if (index == nullptr) return;
    std::vector<std::string> paths;
    Result<FileInfo> info = ctx->env->Stat(root);
    if (info.ok() && info->exists) paths.push_back(root);
    RunResult r = RunIngest(ctx, nullptr, index, paths, opts->quiet);
    std::string summary =
        fmt::format("read {} findings from {} archive files\n", r.summary.read, r.summary.files);
    summary += IndexLine(r.summary, *index);
    std::fputs(summary.c_str(), stdout);
    Status closed = engine->Close();
    if (!r.status.ok() || !closed.ok()) {
      PrintError("reindex failed: " + (r.status.ok() ? closed : r.status).message());
      ctx->exit_code = 1;
    } else if (r.summary.rejected > 0 || r.summary.errors > 0) {
      ctx->exit_code = 1;
    }
  });
}

void AddRetentionCommand(CLI::App* app, Context* ctx) {
  struct Options {
    std::string data = "./vigil-data";
    std::string index = std::string(storage::kDefaultIndex);
    double days = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app->add_subcommand("retention", "Delete indexed findings not updated for N days");
  cmd->footer(
      "Deletes from the index every finding whose updatedAt is more than DAYS days ago (a "
      "finding GuardDuty still updates stays). The deletion goes through the write-ahead log "
      "like any write. The archive keeps everything: `vigil reindex` brings them back.");
  cmd->add_option("--data", opts->data, "The data directory")->capture_default_str();
  cmd->add_option("--index", opts->index, "The index")->capture_default_str();
  cmd->add_option("--days", opts->days, "Keep findings updated within this many days")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->callback([opts, ctx] {
    std::unique_ptr<storage::Engine> engine = OpenEngine(ctx, opts->data);
    if (!engine) return;
    storage::Index* index = GetIndex(ctx, engine.get(), opts->index, false);
    if (index == nullptr) return;
    auto cutoff = NowMillis() - static_cast<int64_t>(opts->days * 86400000.0);
    Result<uint64_t> deleted = index->DeleteOlderThan(cutoff);
    Status closed = engine->Close();
    if (!deleted.ok() || !closed.ok()) {
      PrintError("retention failed: " + (deleted.ok() ? closed : deleted.status()).message());
      ctx->exit_code = 1;
      return;
    }
    std::printf("deleted %llu findings last updated before %s\n",
                static_cast<unsigned long long>(*deleted), FormatTimestamp(cutoff).c_str());
  });
}

}  // namespace vigil::cli
