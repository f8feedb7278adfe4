#include "cli/commands.h"

#include <cstdio>

#include "base/time.h"
#include "ingest/findings_deriver.h"

namespace vigil::cli {

int64_t ParseTimeOption(const std::string& name, const std::string& value) {
  if (value == "now") return NowMillis();
  Result<int64_t> t = ParseTimestamp(value);
  if (!t.ok()) throw CLI::ValidationError(name, t.status().message());
  return *t;
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "vigil: %s\n", message.c_str());
}

// Opens the engine and the findings index, printing the error when it cannot.
std::unique_ptr<storage::Engine> OpenEngine(Context* ctx, const std::string& data) {
  Result<std::unique_ptr<storage::Engine>> engine =
      storage::Engine::Open(ctx->env, data, ingest::IngestIndexOptions());
  if (!engine.ok()) {
    PrintError(engine.status().message());
    ctx->exit_code = 1;
    return nullptr;
  }
  return std::move(*engine);
}

// The index `name` of `engine`, or null after printing why it cannot be had.
storage::Index* GetIndex(Context* ctx, storage::Engine* engine, std::string_view name,
                         bool create) {
  Result<std::shared_ptr<storage::Index>> index = engine->GetIndex(name, create);
  if (!index.ok()) {
    PrintError(index.status().message());
    ctx->exit_code = 1;
    return nullptr;
  }
  return index->get();  // the engine holds it while it is open
}

}  // namespace vigil::cli
