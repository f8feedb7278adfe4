// vigil ingest --data DIR PATH...: reads findings from files and directories into the archive.
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "archive/archive_format.h"
#include "archive/archive_writer.h"
#include "cli/commands.h"
#include "ingest/file_ingester.h"

namespace vigil::cli {

namespace {

constexpr uint64_t kMaxIssueLines = 1000;

}  // namespace

void AddIngestCommand(CLI::App* app, Context* ctx) {
  struct Options {
    std::string data = "./vigil-data";
    std::string url;
    std::vector<std::string> paths;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("ingest", "Load findings from files and directories");
  cmd->footer(
      "Loads GuardDuty findings from .json (one event, one finding, or an array), .jsonl, "
      ".jsonl.gz and .json.gz files and from directories (recursively, e.g. a copy of a "
      "GuardDuty S3 export). Every accepted event is archived durably under DIR/archive. Prints "
      "a summary; every skipped or rejected event is reported on standard error with its "
      "location and reason. Exit status 1 if any event was rejected or any input unreadable.");
  cmd->add_option("--data", opts->data, "The data directory")->capture_default_str();
  cmd->add_option("--url", opts->url, "Send to a running server instead (not available yet)");
  cmd->add_option("paths", opts->paths, "Files and directories to read")->required();
  cmd->add_flag("-q,--quiet", opts->quiet, "Do not list skipped and rejected events");
  cmd->callback([opts, ctx] {
    if (!opts->url.empty()) {
      PrintError("--url needs the server, which this build does not have yet; use --data");
      ctx->exit_code = 2;
      return;
    }
    std::string root = JoinPath(opts->data, archive::kArchiveDirName);
    archive::ArchiveWriter writer(ctx->env, root);
    uint64_t issue_lines = 0;
    ingest::FileIngester ingester(ctx->env, &writer, ingest::IngestOptions{},
                                  [&](const std::string& line) {
                                    if (opts->quiet) return;
                                    if (++issue_lines <= kMaxIssueLines) {
                                      std::fprintf(stderr, "%s\n", line.c_str());
                                    }
                                  });
    Status status;
    for (const std::string& path : opts->paths) {
      status = ingester.IngestPath(path);
      if (!status.ok()) break;
    }
    if (status.ok()) status = ingester.Finish();
    if (issue_lines > kMaxIssueLines) {
      std::fprintf(stderr, "... and %llu more problems\n",
                   static_cast<unsigned long long>(issue_lines - kMaxIssueLines));
    }
    const ingest::IngestSummary& s = ingester.summary();
    std::string summary =
        fmt::format("read {} events from {} files: {} accepted, {} skipped, {} rejected", s.read,
                    s.files, s.accepted, s.skipped, s.rejected);
    if (s.errors > 0) summary += fmt::format(", {} input errors", s.errors);
    summary += fmt::format("\narchived {} findings in {} files ({} bytes compressed) under {}\n",
                           s.archive.findings, s.archive.files, s.archive.compressed_bytes, root);
    std::fputs(summary.c_str(), stdout);
    if (!status.ok()) {
      PrintError("archive write failed: " + status.message() +
                 fmt::format(" ({} findings read but not archived)",
                             s.read - s.skipped - s.rejected - s.accepted));
      ctx->exit_code = 1;
    } else if (s.rejected > 0 || s.errors > 0) {
      ctx->exit_code = 1;
    }
  });
}

}  // namespace vigil::cli
