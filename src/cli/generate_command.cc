// vigil generate --count N ...: writes realistic synthetic findings as JSON Lines.
#include <cstdio>
#include <string>

#include "base/time.h"
#include "cli/commands.h"
#include "findings/generator.h"

namespace vigil::cli {

void AddGenerateCommand(CLI::App* app, Context* ctx) {
  struct Options {
    findings::GeneratorOptions gen;
    std::string end = "now";
    std::string out;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("generate", "Write realistic synthetic findings (JSONL)");
  cmd->footer(
      "Writes N realistic synthetic GuardDuty findings as JSON Lines: every active finding type "
      "with its resource and action shapes, real-world attacker networks and places, all four "
      "severity bands, multi-prober port probes, sample findings, and updates of earlier "
      "findings (some out of order or duplicated). Deterministic for a given seed and --end.");
  cmd->add_option("--count", opts->gen.count, "Events to write (updates included)")->required();
  cmd->add_option("--seed", opts->gen.seed, "Random seed")->capture_default_str();
  cmd->add_option("--accounts", opts->gen.accounts, "Distinct member accounts")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--days", opts->gen.days, "Days of history before --end")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--end", opts->end, "Latest updatedAt (ISO-8601 or 'now')")
      ->capture_default_str();
  cmd->add_flag("--envelope", opts->gen.envelope, "Wrap each finding in an EventBridge event");
  cmd->add_option("--out", opts->out, "Output file (default: standard output)");
  cmd->callback([opts, ctx] {
    findings::GeneratorOptions gen = opts->gen;
    gen.end_millis = ParseTimeOption("--end", opts->end);
    std::FILE* out = stdout;
    if (!opts->out.empty()) {
      out = std::fopen(opts->out.c_str(), "wb");
      if (out == nullptr) {
        PrintError("cannot create " + opts->out);
        ctx->exit_code = 1;
        return;
      }
    }
    findings::FindingGenerator generator(gen);
    std::string buffer;
    while (generator.Next(&buffer)) {
      buffer.push_back('\n');
      if (buffer.size() >= (1 << 20)) {
        std::fwrite(buffer.data(), 1, buffer.size(), out);
        buffer.clear();
      }
    }
    std::fwrite(buffer.data(), 1, buffer.size(), out);
    bool failed = std::ferror(out) != 0;
    if (out != stdout)
      failed = std::fclose(out) != 0 || failed;
    else
      std::fflush(stdout);
    if (failed) {
      PrintError("write failed" + (opts->out.empty() ? std::string() : ": " + opts->out));
      ctx->exit_code = 1;
    }
  });
}

}  // namespace vigil::cli
