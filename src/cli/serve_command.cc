// `vigil serve`: the server (DESIGN.md section 2.1): the Elasticsearch-compatible API on the
// engine of a data directory, until SIGTERM or SIGINT.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "server/server.h"
#include "version.h"

namespace vigil::cli {
namespace {

struct Options {
  std::string data = "./vigil-data";
  std::string listen = "127.0.0.1:9750";
  int threads = 0;
};

void Run(const Options& o, Context* ctx) {
  server::ServeOptions options;
  options.data_dir = o.data;
  options.threads = o.threads;
  options.version = VIGIL_VERSION;
  Status s = server::ParseListen(o.listen, &options.host, &options.port);
  if (!s.ok()) {
    PrintError(s.message());
    ctx->exit_code = 2;
    return;
  }
  options.log = [](std::string_view line) {
    std::fprintf(stderr, "vigil: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  options.on_listening = [](std::string_view address) {
    std::printf("vigil: listening on %.*s (no API keys: open to local clients only)\n",
                static_cast<int>(address.size()), address.data());
    std::fflush(stdout);
  };
  s = server::Serve(ctx->env, options);
  if (!s.ok()) {
    PrintError(s.message());
    ctx->exit_code = s.code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
}

}  // namespace

void AddServeCommand(CLI::App* app, Context* ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("serve", "Run the server (Elasticsearch-compatible API)");
  cmd->footer(
      "Answers the Elasticsearch-compatible API (docs/http-api.md) on the indices of the data "
      "directory, which it locks. Stops on SIGTERM or SIGINT, letting running requests finish. "
      "This build listens on loopback only (API keys are not built yet).");
  cmd->add_option("--data", opts->data, "The data directory")->capture_default_str();
  cmd->add_option("--listen", opts->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", opts->threads, "Request threads (default: one per core, at least 2)")
      ->check(CLI::Range(0, 256));
  cmd->callback([opts, ctx] { Run(*opts, ctx); });
}

}  // namespace vigil::cli
