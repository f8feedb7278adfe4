// vigil bench flatten: the findings pipeline's speed (read + validate + flatten + enrich) on one
// core, against the same work in Node.js with npm `flat`, the reference pipeline's flattener,
// run in the same benchmark run on the same findings.
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "base/time.h"
#include "cli/commands.h"
#include "findings/finding_reader.h"
#include "findings/generator.h"

namespace vigil::cli {

namespace {

class CountingSink : public findings::FindingSink {
 public:
  void OnFinding(const findings::ReadFinding& finding) override {
    ++findings_;
    fields_ += finding.document->fields().size();
  }
  void OnIssue(const findings::ReadIssue&) override { ++issues_; }
  uint64_t findings_ = 0;
  uint64_t fields_ = 0;
  uint64_t issues_ = 0;
};

struct Timing {
  double best = 0;
  double median = 0;
};

Timing Summarise(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  return {seconds.front(), seconds[seconds.size() / 2]};
}

struct PeerResult {
  bool ok = false;
  std::string error;
  uint64_t findings = 0;
  Timing timing;
};

PeerResult RunNodePeer(const std::string& script, const std::string& input, int rounds) {
  PeerResult r;
  if (::access(script.c_str(), R_OK) != 0) {
    r.error = "peer script not found: " + script;
    return r;
  }
  std::string command = fmt::format("node '{}' '{}' {} 2>&1", script, input, rounds);
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    r.error = "cannot start node";
    return r;
  }
  std::string output;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) output.append(buf, n);
  int rc = ::pclose(pipe);
  // The script prints one line: findings best_seconds median_seconds.
  unsigned long long findings = 0;
  double best = 0, median = 0;
  if (rc != 0 || std::sscanf(output.c_str(), "%llu %lf %lf", &findings, &best, &median) != 3) {
    r.error = "node peer failed: " + output.substr(0, 300);
    return r;
  }
  r.ok = true;
  r.findings = findings;
  r.timing = {best, median};
  return r;
}

void RunFlattenBench(uint64_t count, uint64_t seed, int rounds, const std::string& peer_script,
                     bool json, Context* ctx) {
  // One core: the figure is per core, and the peer is single-threaded too.
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  (void)sched_setaffinity(0, sizeof(set), &set);

  findings::GeneratorOptions gen;
  gen.count = count;
  gen.seed = seed;
  gen.end_millis = ParseTimestamp("2026-01-01T00:00:00Z").value();
  findings::FindingGenerator generator(gen);
  std::string data;
  std::string line;
  while (generator.Next(&line)) {
    data += line;
    data.push_back('\n');
    line.clear();
  }

  findings::FindingReader reader;
  std::vector<double> seconds;
  CountingSink sink;
  for (int i = 0; i < rounds; ++i) {
    sink = CountingSink();
    auto start = std::chrono::steady_clock::now();
    reader.Read("bench.jsonl", data, NowMillis(), &sink);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (sink.issues_ != 0) {
    PrintError(fmt::format("{} generated findings were not accepted; the benchmark is void",
                           sink.issues_));
    ctx->exit_code = 1;
    return;
  }
  Timing vigil = Summarise(seconds);
  double mb = static_cast<double>(data.size()) / 1e6;

  PeerResult peer;
  if (peer_script.empty()) {
    peer.error = "disabled (--peer none)";
  } else {
    char path[] = "/tmp/vigil-bench-XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      peer.error = "cannot write the peer's input file";
    } else {
      peer = RunNodePeer(peer_script, path, rounds);
    }
    if (fd >= 0) ::close(fd);
    ::unlink(path);
    if (peer.ok && peer.findings != sink.findings_) {
      peer.ok = false;
      peer.error = fmt::format("peer read {} findings, vigil {}", peer.findings, sink.findings_);
    }
  }

  double vigil_rate = static_cast<double>(sink.findings_) / vigil.best;
  double peer_rate = peer.ok ? static_cast<double>(peer.findings) / peer.timing.best : 0;
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("benchmark", "flatten");
    w.Field("findings", static_cast<int64_t>(sink.findings_));
    w.Field("bytes", static_cast<int64_t>(data.size()));
    w.Field("rounds", rounds);
    w.Key("vigil");
    w.BeginObject();
    w.Field("findings_per_second", vigil_rate);
    w.Field("mb_per_second", mb / vigil.best);
    w.Field("best_seconds", vigil.best);
    w.Field("median_seconds", vigil.median);
    w.EndObject();
    w.Key("peer");
    w.BeginObject();
    w.Field("name", "node+flat");
    if (peer.ok) {
      w.Field("findings_per_second", peer_rate);
      w.Field("mb_per_second", mb / peer.timing.best);
      w.Field("best_seconds", peer.timing.best);
      w.Field("median_seconds", peer.timing.median);
      w.Field("ratio", vigil_rate / peer_rate);
    } else {
      w.Field("error", peer.error);
    }
    w.EndObject();
    w.EndObject();
    std::printf("%s\n", out.c_str());
    return;
  }
  std::printf("bench flatten: %llu findings, %.1f MB (%.0f bytes each), %d rounds, one core\n",
              static_cast<unsigned long long>(sink.findings_), mb,
              static_cast<double>(data.size()) / static_cast<double>(sink.findings_), rounds);
  std::printf(
      "  vigil      %10.0f findings/s  %7.1f MB/s  (best %.3f s, median %.3f s; %.0f fields "
      "each)\n",
      vigil_rate, mb / vigil.best, vigil.best, vigil.median,
      static_cast<double>(sink.fields_) / static_cast<double>(sink.findings_));
  if (peer.ok) {
    std::printf("  node+flat  %10.0f findings/s  %7.1f MB/s  (best %.3f s, median %.3f s)\n",
                peer_rate, mb / peer.timing.best, peer.timing.best, peer.timing.median);
    std::printf("  ratio      %10.1fx\n", vigil_rate / peer_rate);
  } else {
    std::printf("  node+flat  unavailable: %s\n", peer.error.c_str());
  }
}

}  // namespace

void AddBenchCommand(CLI::App* app, Context* ctx) {
  CLI::App* bench = app->add_subcommand("bench", "Benchmarks (see docs/benchmarks.md)");
  bench->require_subcommand(1);

  struct Options {
    uint64_t count = 100000;
    uint64_t seed = 1;
    int rounds = 5;
    std::string peer = std::string(VIGIL_SOURCE_DIR) + "/bench/peers/flatten_node.mjs";
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* flatten = bench->add_subcommand(
      "flatten",
      "Findings/s for read + validate + flatten + enrich of generated findings on one core, and "
      "the same work by Node.js with npm `flat` in the same run");
  flatten->add_option("--count", opts->count, "Findings to generate")->capture_default_str();
  flatten->add_option("--seed", opts->seed, "Generator seed")->capture_default_str();
  flatten->add_option("--rounds", opts->rounds, "Timed rounds (best and median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  flatten->add_option("--peer", opts->peer, "The Node.js peer script, or 'none'")
      ->capture_default_str();
  flatten->add_flag("--json", opts->json, "Print the figures as JSON");
  flatten->callback([opts, ctx] {
    RunFlattenBench(opts->count, opts->seed, opts->rounds, opts->peer == "none" ? "" : opts->peer,
                    opts->json, ctx);
  });

  struct IngestOptions {
    uint64_t count = 100000;
    uint64_t seed = 1;
    int cores = 1;
    std::string dir;
    std::string peers = "postgres,sqlite";
    bool json = false;
  };
  auto iopts = std::make_shared<IngestOptions>();
  CLI::App* ingest = bench->add_subcommand(
      "ingest",
      "Findings/s through read + flatten + enrich + archive + WAL + index, durable; peak RSS; "
      "bytes on disk per finding; reopen time; and the same durable ingest by PostgreSQL "
      "(jsonb + GIN) and SQLite (JSON1)");
  ingest->add_option("--count", iopts->count, "Findings to generate")->capture_default_str();
  ingest->add_option("--seed", iopts->seed, "Generator seed")->capture_default_str();
  ingest->add_option("--cores", iopts->cores, "1 pins the benchmark to one core; 2 does not")
      ->capture_default_str()
      ->check(CLI::Range(1, 2));
  ingest->add_option("--dir", iopts->dir,
                     "Work directory (kept afterwards); default: a temporary one, removed");
  ingest
      ->add_option("--peers", iopts->peers,
                   "Peers to run on the same findings afterwards: postgres and/or sqlite, "
                   "comma-separated, or none")
      ->capture_default_str();
  ingest->add_flag("--json", iopts->json, "Print the figures as JSON");
  ingest->callback([iopts, ctx] {
    RunIngestBench(iopts->count, iopts->seed, iopts->cores, iopts->dir, iopts->peers, iopts->json,
                   ctx);
  });

  struct QueryOptions {
    uint64_t count = 1'000'000;
    uint64_t seed = 1;
    std::string data;
    std::string dir;
    int rounds = 20;
    std::string peers = "clickhouse";
    bool json = false;
  };
  auto qopts = std::make_shared<QueryOptions>();
  CLI::App* q = bench->add_subcommand(
      "query",
      "Query times on one core (terms, filtered terms, daily histogram, cardinality, a sorted "
      "wildcard search, point lookups), medians of repeated runs, and the same queries on "
      "ClickHouse in the same run");
  q->add_option("--count", qopts->count, "Findings to generate when --data is not given")
      ->capture_default_str();
  q->add_option("--seed", qopts->seed, "Generator seed")->capture_default_str();
  q->add_option("--data", qopts->data,
                "An existing data directory to query (e.g. one bench ingest --dir made)");
  q->add_option("--dir", qopts->dir, "Work directory (kept afterwards); default: a temporary one");
  q->add_option("--rounds", qopts->rounds, "Timed runs of each query")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  q->add_option("--peers", qopts->peers, "clickhouse or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"clickhouse", "none"}));
  q->add_flag("--json", qopts->json, "Print the figures as JSON");
  q->callback([qopts, ctx] {
    RunQueryBench(qopts->count, qopts->seed, qopts->data, qopts->dir, qopts->rounds, qopts->peers,
                  qopts->json, ctx);
  });

  struct HttpOptions {
    uint64_t count = 100000;
    uint64_t seed = 1;
    int batch = 1000;
    int clients = 32;
    int seconds = 10;
    std::string dir;
    bool json = false;
  };
  auto hopts = std::make_shared<HttpOptions>();
  CLI::App* h = bench->add_subcommand(
      "http",
      "The server over the engine: findings/s over POST /api/ingest and _bulk against the same "
      "batches in-process; search and aggregation latency under concurrent clients (wrk) against "
      "the same queries in-process; time from a push to GET _doc and to GET /api/stream");
  h->add_option("--count", hopts->count, "Findings to generate")->capture_default_str();
  h->add_option("--seed", hopts->seed, "Generator seed")->capture_default_str();
  h->add_option("--batch", hopts->batch, "Findings per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  h->add_option("--clients", hopts->clients, "Concurrent connections of wrk")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  h->add_option("--seconds", hopts->seconds, "Seconds of each wrk run")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  h->add_option("--dir", hopts->dir, "Work directory (kept afterwards); default: a temporary one");
  h->add_flag("--json", hopts->json, "Print the figures as JSON");
  h->callback([hopts, ctx] {
    RunHttpBench(hopts->count, hopts->seed, hopts->batch, hopts->clients, hopts->seconds,
                 hopts->dir, hopts->json, ctx);
  });
}

}  // namespace vigil::cli
