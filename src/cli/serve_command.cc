// `vigil serve`: the server (DESIGN.md section 2.1): the Elasticsearch-compatible API on the
// engine of a data directory, until SIGTERM or SIGINT.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "http/auth.h"
#include "server/config.h"
#include "server/server.h"
#include "version.h"

namespace vigil::cli {
namespace {

struct Options {
  std::string config;
  std::string data;
  std::string listen;
  int threads = 0;
};

void Run(const Options& o, Context* ctx) {
  server::ServeOptions options;
  auto usage = [ctx](const std::string& message) {
    PrintError(message);
    ctx->exit_code = 2;
  };
  // The configuration file first, the flags over it.
  if (!o.config.empty()) {
    Result<server::ServerConfig> config = server::LoadConfig(ctx->env, o.config);
    if (!config.ok()) return usage(config.status().message());
    options.config = std::move(*config);
  }
  const server::ServerConfig& config = options.config;
  options.data_dir = !o.data.empty() ? o.data : config.data_dir.value_or("./vigil-data");
  options.threads = o.threads > 0 ? o.threads : config.threads.value_or(0);
  options.version = VIGIL_VERSION;
  // The dashboard's files: web/ beside the binary, where `make build` puts them.
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) options.default_web_root = (exe.parent_path() / "web").string();
  const std::string listen =
      !o.listen.empty() ? o.listen : config.listen.value_or("127.0.0.1:9750");
  Status s = server::ParseListen(listen, &options.host, &options.port);
  if (!s.ok()) return usage(s.message());
  options.log = [](std::string_view line) {
    std::fprintf(stderr, "vigil: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  const bool open = config.api_keys.empty();
  options.on_listening = [open](std::string_view address) {
    std::printf("vigil: listening on %.*s%s\n", static_cast<int>(address.size()), address.data(),
                open ? " (no API keys: open to local clients only)" : "");
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
      "Settings come from --config (docs/configuration.md), flags override them. Without API "
      "keys it listens on loopback only.");
  cmd->add_option("--config", opts->config, "A YAML configuration file (docs/configuration.md)");
  cmd->add_option("--data", opts->data, "The data directory (default ./vigil-data)");
  cmd->add_option("--listen", opts->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:9750; port 0: any free port)");
  cmd->add_option("--threads", opts->threads, "Request threads (default: one per core, at least 2)")
      ->check(CLI::Range(0, 256));
  cmd->callback([opts, ctx] { Run(*opts, ctx); });
}

namespace {

struct KeygenOptions {
  std::string name;
  std::string role = "read";
  std::vector<std::string> accounts;
};

void RunKeygen(const KeygenOptions& o, Context* ctx) {
  if (!http::ParseRole(o.role)) {
    PrintError("--role must be one of ingest, read, admin");
    ctx->exit_code = 2;
    return;
  }
  const std::string key = http::NewApiKey();
  std::string entry = fmt::format("    - name: {}\n      role: {}\n      sha256: {}\n", o.name,
                                  o.role, http::Sha256Hex(key));
  if (!o.accounts.empty()) {
    entry += "      accounts:\n";
    for (const std::string& a : o.accounts) entry += fmt::format("        - \"{}\"\n", a);
  }
  std::printf(
      "key: %s\n\nGive the key to its user now: it is not stored anywhere and cannot be shown "
      "again.\nAdd this entry under auth.api_keys in the configuration file:\n\n%s",
      key.c_str(), entry.c_str());
}

}  // namespace

void AddKeygenCommand(CLI::App* app, Context* ctx) {
  auto opts = std::make_shared<KeygenOptions>();
  CLI::App* cmd = app->add_subcommand("keygen", "Make an API key for the server");
  cmd->footer(
      "Prints a new random key once, and the configuration entry that holds only its SHA-256 "
      "(docs/configuration.md).");
  cmd->add_option("--name", opts->name, "What the key is for (shown in logs)")->required();
  cmd->add_option("--role", opts->role, "ingest, read or admin")->capture_default_str();
  cmd->add_option("--account", opts->accounts,
                  "Limit what the key sees to this AWS account (repeatable)")
      ->check([](const std::string& v) {
        return v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("an AWS account id is 12 digits");
      });
  cmd->callback([opts, ctx] { RunKeygen(*opts, ctx); });
}

}  // namespace vigil::cli
