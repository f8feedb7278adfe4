// The sub-commands of the `vigil` binary (DESIGN.md section 2.1). Each Add*Command registers a
// CLI11 sub-command whose callback runs it and stores the process exit status in *exit_code:
// 0 success, 1 runtime failure (including rejected input), 2 usage error.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "env/env.h"
#include "storage/engine.h"

namespace vigil::cli {

struct Context {
  Env* env;
  int exit_code = 0;
};

void AddFlattenCommand(CLI::App* app, Context* ctx);
void AddIngestCommand(CLI::App* app, Context* ctx);
void AddReindexCommand(CLI::App* app, Context* ctx);
void AddRetentionCommand(CLI::App* app, Context* ctx);
void AddGenerateCommand(CLI::App* app, Context* ctx);
void AddBenchCommand(CLI::App* app, Context* ctx);
void AddSearchCommand(CLI::App* app, Context* ctx);
void AddServeCommand(CLI::App* app, Context* ctx);
void AddKeygenCommand(CLI::App* app, Context* ctx);
// ingest_url.cc: `vigil ingest --url`.
void RunIngestUrl(Context* ctx, const std::string& url, const std::vector<std::string>& paths,
                  bool quiet);
// bench_ingest.cc
void RunIngestBench(uint64_t count, uint64_t seed, int cores, std::string work_dir,
                    const std::string& peers, bool json, Context* ctx);

// bench_query.cc: `data` an existing data directory (empty: generate `count` findings into WORK).
void RunHttpBench(uint64_t count, uint64_t seed, int batch, int clients, int seconds,
                  std::string dir, bool json, Context* ctx);
void RunQueryBench(uint64_t count, uint64_t seed, const std::string& data, const std::string& work,
                   int rounds, const std::string& peers, bool json, Context* ctx);

// Parses a timestamp option value (ISO-8601, or "now"); throws CLI::ValidationError otherwise.
int64_t ParseTimeOption(const std::string& name, const std::string& value);

// Opens the engine of a data directory (locking it), printing the error when it cannot.
std::unique_ptr<storage::Engine> OpenEngine(Context* ctx, const std::string& data);
// The index `name` of `engine`, or null after printing why it cannot be had.
storage::Index* GetIndex(Context* ctx, storage::Engine* engine, std::string_view name, bool create);

// Prints "vigil: <message>" to stderr.
void PrintError(const std::string& message);

}  // namespace vigil::cli
