// vigil: one binary for GuardDuty findings monitoring. See `vigil help`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "version.h"

namespace {

int Run(int argc, char** argv) {
  std::unique_ptr<vigil::Env> env = vigil::NewPosixEnv();
  vigil::cli::Context ctx{env.get()};

  CLI::App app{"Vigil: real-time monitoring of Amazon GuardDuty findings", "vigil"};
  app.set_version_flag("--version", std::string("vigil ") + VIGIL_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  vigil::cli::AddFlattenCommand(&app, &ctx);
  vigil::cli::AddIngestCommand(&app, &ctx);
  vigil::cli::AddReindexCommand(&app, &ctx);
  vigil::cli::AddRetentionCommand(&app, &ctx);
  vigil::cli::AddSearchCommand(&app, &ctx);
  vigil::cli::AddServeCommand(&app, &ctx);
  vigil::cli::AddKeygenCommand(&app, &ctx);
  vigil::cli::AddGenerateCommand(&app, &ctx);
  vigil::cli::AddBenchCommand(&app, &ctx);

  CLI::App* help = app.add_subcommand("help", "Show help for vigil or one of its commands");
  std::string topic;
  help->add_option("command", topic, "The command to describe");
  help->callback([&] {
    if (topic.empty()) {
      // App::help() would describe the selected sub-command ("help" itself).
      std::fputs(app.get_formatter()->make_help(&app, "vigil", CLI::AppFormatMode::Normal).c_str(),
                 stdout);
      return;
    }
    for (CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == topic) {
        std::fputs(sub->help().c_str(), stdout);
        return;
      }
    }
    vigil::cli::PrintError("unknown command \"" + topic + "\"; run `vigil help`");
    ctx.exit_code = 2;
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    vigil::cli::PrintError(e.what() + std::string("; run `vigil help") +
                           (app.get_subcommands().empty()
                                ? std::string()
                                : " " + app.get_subcommands()[0]->get_name()) +
                           "`");
    return 2;
  }
  return ctx.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Library exceptions are caught where they are called; this is the last line of defence
  // (std::bad_alloc, say), so that the process exits with a readable line, not an abort.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    vigil::cli::PrintError(std::string("internal error: ") + e.what());
    return 1;
  }
}
