// vigil flatten [FILE...] [--types]: prints each finding as it is indexed.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "base/time.h"
#include "cli/commands.h"
#include "findings/finding_reader.h"

namespace vigil::cli {

namespace {

class PrintingSink : public findings::FindingSink {
 public:
  explicit PrintingSink(bool types) : types_(types) {}

  void OnFinding(const findings::ReadFinding& finding) override {
    line_.clear();
    finding.document->WriteJson(&line_, types_);
    line_.push_back('\n');
    std::fwrite(line_.data(), 1, line_.size(), stdout);
  }
  void OnIssue(const findings::ReadIssue& issue) override {
    if (issue.outcome == findings::Outcome::kRejected) failed_ = true;
    std::fprintf(stderr, "%s\n", issue.ToString().c_str());
  }
  bool failed() const { return failed_; }

 private:
  bool types_;
  bool failed_ = false;
  std::string line_;
};

}  // namespace

void AddFlattenCommand(CLI::App* app, Context* ctx) {
  struct Options {
    std::vector<std::string> files;
    bool types = false;
    std::string ingested_at;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app->add_subcommand("flatten", "Print each finding as it is indexed (or its field types)");
  cmd->footer(
      "Prints each finding read from FILEs (or standard input) as it is indexed: one JSON object "
      "per line, field name -> value (a list for a multi-valued field). Accepts the same inputs "
      "as `vigil ingest`. Problems go to standard error; the exit status is 1 if any event was "
      "rejected.");
  cmd->add_option("files", opts->files, "Files to read; none or '-' reads standard input");
  cmd->add_flag("--types", opts->types, "Print each field's mapped type instead of its value");
  cmd->add_option("--ingested-at", opts->ingested_at,
                  "The derived.ingestedAt to stamp (ISO-8601); default: now");
  cmd->callback([opts, ctx] {
    int64_t ingested_at = opts->ingested_at.empty()
                              ? NowMillis()
                              : ParseTimeOption("--ingested-at", opts->ingested_at);
    findings::FindingReader reader;
    PrintingSink sink(opts->types);
    std::vector<std::string> files = opts->files;
    if (files.empty()) files.emplace_back("-");
    for (const std::string& file : files) {
      if (file == "-") {
        std::string data((std::istreambuf_iterator<char>(std::cin)),
                         std::istreambuf_iterator<char>());
        reader.Read("<stdin>", data, ingested_at, &sink);
        continue;
      }
      Result<std::string> data = ctx->env->ReadFile(file, 1ULL << 30);
      if (!data.ok()) {
        PrintError(data.status().message());
        ctx->exit_code = 1;
        continue;
      }
      reader.Read(file, *data, ingested_at, &sink);
    }
    std::fflush(stdout);
    if (sink.failed()) ctx->exit_code = 1;
  });
}

}  // namespace vigil::cli
