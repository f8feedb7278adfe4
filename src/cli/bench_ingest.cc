// vigil bench ingest: generated findings through the whole durable path (read + validate +
// flatten + enrich + archive + WAL + index), findings/s, peak RSS, bytes on disk per finding
// against the gzip'd raw JSONL, and the time to reopen the index. Then the peers, on the same
// findings file in the same work directory: PostgreSQL 15 (jsonb + GIN) and SQLite (JSON1),
// loaded durably by bench/peers/ingest_peer.cc, PostgreSQL in a throwaway cluster that
// bench/peers/postgres.sh starts on loopback and removes afterwards.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "archive/archive_format.h"
#include "archive/archive_writer.h"
#include "base/gzip.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "cli/bench_util.h"
#include "cli/commands.h"
#include "findings/generator.h"
#include "ingest/file_ingester.h"
#include "ingest/findings_deriver.h"
#include "storage/engine.h"

namespace vigil::cli {

namespace {

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// Samples the process's resident memory (/proc/self/status) every 20 ms while it lives, keeping
// the peaks of its anonymous part (heap) and its file-backed part (mapped segment files).
class RssSampler {
 public:
  RssSampler() : thread_([this] { Run(); }) {}
  ~RssSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t peak_anon() const { return peak_anon_; }
  uint64_t peak_file() const { return peak_file_; }

 private:
  void Run() {
    while (!stop_) {
      Sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a sampling period
    }
    Sample();
  }
  void Sample() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (f == nullptr) return;
    char line[256];
    unsigned long long kb = 0;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      if (std::sscanf(line, "RssAnon: %llu kB", &kb) == 1) {
        peak_anon_ = std::max<uint64_t>(peak_anon_, kb * 1024);
      } else if (std::sscanf(line, "RssFile: %llu kB", &kb) == 1) {
        peak_file_ = std::max<uint64_t>(peak_file_, kb * 1024);
      }
    }
    std::fclose(f);
  }
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> peak_anon_{0};
  std::atomic<uint64_t> peak_file_{0};
  std::thread thread_;
};

uint64_t PeakRssBytes() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

// What one peer measured, or why it could not.
struct PeerFigures {
  std::string engine;  // as named in --peers and by vigil-ingest-peer
  std::string label;   // as printed
  bool ok = false;
  std::string error;
  uint64_t findings = 0;
  double seconds = 0;
  uint64_t bytes_on_disk = 0;
  uint64_t rows = 0;
  int64_t count_sum = 0;
  std::string method;
};

// vigil-ingest-peer is built beside the vigil binary (bench/CMakeLists.txt).
std::string PeerBinary() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "vigil-ingest-peer";
  return (self.parent_path() / "vigil-ingest-peer").string();
}

// Runs vigil-ingest-peer and reads its one line of JSON into *peer.
void RunPeerBinary(const std::string& engine_arg, const std::vector<std::string>& inputs,
                   PeerFigures* peer) {
  const std::string binary = PeerBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    peer->error = binary +
                  " is missing: it is built beside vigil when libpq or sqlite3 is found at "
                  "configure time (scripts/install-deps --bench installs them)";
    return;
  }
  std::string output;
  std::string files;
  for (const std::string& input : inputs) files += " " + ShellQuote(input);
  int rc = RunCommand(
      fmt::format("{} {} {}{}", ShellQuote(binary), peer->engine, ShellQuote(engine_arg), files),
      &output);
  if (rc != 0) {
    peer->error = LastLine(output);
    return;
  }
  // The figures are the last line; anything before it is the engine's own chatter.
  std::string line = LastLine(output);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view method;
  uint64_t findings = 0;
  uint64_t bytes = 0;
  uint64_t rows = 0;
  if (parser.parse(line).get(doc) || doc["findings"].get(findings) ||
      doc["seconds"].get(peer->seconds) || doc["bytes_on_disk"].get(bytes) ||
      doc["rows"].get(rows) || doc["count_sum"].get(peer->count_sum) || doc["method"].get(method) ||
      peer->seconds <= 0) {
    peer->error = "unreadable figures from the peer: " + line;
    return;
  }
  peer->findings = findings;
  peer->bytes_on_disk = bytes;
  peer->rows = rows;
  peer->method = std::string(method);
  peer->ok = true;
}

void RunSqlitePeer(const std::string& work_dir, const std::vector<std::string>& input,
                   PeerFigures* peer) {
  const std::string db = JoinPath(work_dir, "peer-sqlite.db");
  // A kept --dir may hold the previous run's database; the peer loads into a new one.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(db + suffix, ec);
  }
  RunPeerBinary(db, input, peer);
}

void RunPostgresPeer(const std::string& work_dir, const std::vector<std::string>& input,
                     PeerFigures* peer) {
  const std::string script = std::string(VIGIL_SOURCE_DIR) + "/bench/peers/postgres.sh";
  if (::access(script.c_str(), R_OK) != 0) {
    peer->error = "the cluster script is missing: " + script;
    return;
  }
  // In the work directory, so that the database writes to the same file system as Vigil did.
  const std::string cluster = JoinPath(work_dir, "postgres");
  std::string output;
  // A cluster left by an interrupted run in a kept --dir: stop and remove it first.
  if (std::filesystem::exists(cluster)) {
    (void)RunCommand(fmt::format("bash {} stop {}", ShellQuote(script), ShellQuote(cluster)),
                     &output);
  }
  const int port = FreeLoopbackPort();
  if (port == 0) {
    peer->error = "PostgreSQL could not start: no free TCP port on 127.0.0.1";
    return;
  }
  int rc = RunCommand(
      fmt::format("bash {} start {} {}", ShellQuote(script), ShellQuote(cluster), port), &output);
  if (rc == 0) {
    RunPeerBinary(LastLine(output), input, peer);
  } else {
    peer->error = "PostgreSQL could not start: " + LastLine(output);
  }
  // Stopped even when the start failed half-way (the script removes only what it made).
  if (RunCommand(fmt::format("bash {} stop {}", ShellQuote(script), ShellQuote(cluster)),
                 &output) != 0) {
    PrintError("the benchmark's PostgreSQL cluster did not stop: " + LastLine(output));
  }
}

// Splits --peers ("postgres,sqlite", "none") into engine names; false on an unknown one.
bool ParsePeers(const std::string& spec, std::vector<std::string>* engines) {
  if (spec == "none") return true;
  size_t begin = 0;
  while (begin <= spec.size()) {
    size_t end = spec.find(',', begin);
    if (end == std::string::npos) end = spec.size();
    std::string name = spec.substr(begin, end - begin);
    if (name != "postgres" && name != "sqlite") return false;
    for (const std::string& seen : *engines) {
      if (seen == name) return false;
    }
    engines->push_back(name);
    begin = end + 1;
  }
  return !engines->empty();
}

// About 30 MB of JSON Lines a file (GuardDuty's own export files are much smaller).
constexpr uint64_t kFindingsPerFile = 10000;

struct BenchInput {
  std::vector<std::string> files;
  uint64_t raw_bytes = 0;
  uint64_t gz_bytes = 0;  // the same JSON Lines gzip'd at level 6, file by file
};

// Writes the generated findings to `dir` as findings-NNNNN.jsonl, kFindingsPerFile a file, in a
// child process (which also measures their gzip'd size, on a second thread).
Status GenerateInput(const findings::GeneratorOptions& gen, const std::string& dir,
                     BenchInput* out) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  const uint64_t file_count = (gen.count + kFindingsPerFile - 1) / kFindingsPerFile;
  for (uint64_t i = 0; i < file_count; ++i) {
    out->files.push_back(JoinPath(dir, fmt::format("findings-{:05d}.jsonl", i)));
  }
  int fds[2];
  if (::pipe(fds) != 0) return Status::IOError("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    findings::FindingGenerator generator(gen);
    uint64_t raw = 0;
    std::atomic<uint64_t> gz{0};
    std::thread gzipper;
    std::string chunk;
    std::string line;
    bool ok = true;
    for (const std::string& path : out->files) {
      std::string next;
      for (uint64_t n = 0; n < kFindingsPerFile && generator.Next(&line); ++n) {
        next += line;
        next.push_back('\n');
        line.clear();
      }
      std::FILE* f = std::fopen(path.c_str(), "wb");
      ok = ok && f != nullptr && std::fwrite(next.data(), 1, next.size(), f) == next.size();
      ok = f != nullptr && std::fclose(f) == 0 && ok;
      raw += next.size();
      if (gzipper.joinable()) gzipper.join();
      chunk.swap(next);
      gzipper = std::thread([&chunk, &gz] {
        std::string compressed;
        if (GzipAppend(chunk, 6, &compressed).ok()) gz += compressed.size();
      });
    }
    if (gzipper.joinable()) gzipper.join();
    std::string report = fmt::format("{} {} {}\n", ok ? 1 : 0, raw, gz.load());
    (void)!::write(fds[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string report;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  int ok = 0;
  unsigned long long raw = 0;
  unsigned long long gz = 0;
  if (std::sscanf(report.c_str(), "%d %llu %llu", &ok, &raw, &gz) != 3 || ok != 1) {
    return Status::IOError("the generator process failed to write the input in " + dir);
  }
  out->raw_bytes = raw;
  out->gz_bytes = gz;
  return Status::Ok();
}

// Where the time went, in microseconds of wall time per input finding, from the ingester's and
// the index's timers. Background work (flushes, merges) runs beside the foreground on two cores
// and shares one core with it under --cores 1.
void PrintPhases(const ingest::IngestSummary& summary, const storage::IndexStats& at_ack,
                 const storage::IndexStats& at_close, double durable, double seal, uint64_t count) {
  const double n = static_cast<double>(count);
  auto us = [n](double nanos) { return nanos / 1e3 / n; };
  const double total = durable * 1e9;
  const double convert = static_cast<double>(summary.convert_nanos);
  const double wait = static_cast<double>(summary.wait_nanos);
  const double archive = static_cast<double>(summary.archive_nanos);
  const double write = static_cast<double>(summary.index_nanos);
  std::printf(
      "  where the time went, microseconds per finding (two threads: the reading thread hands "
      "each\n"
      "  commit to the committing thread and reads the next meanwhile):\n"
      "    until acknowledged: %.1f\n"
      "      reading thread: read, parse, flatten, enrich %.1f + convert to a write %.1f + waiting "
      "for"
      " the committer %.1f\n"
      "      committing thread: archive commit %.1f + index write %.1f (+ idle %.1f)\n"
      "        index write = log records %.1f + log fsync %.1f + apply %.1f + in-memory segments"
      " %.1f (+ waiting)\n"
      "    background until acknowledged: flushes %.1f, merges %.1f (%llu and %llu; writes waited"
      " for a flush %llu times)\n"
      "    after: archive seal %.1f, final flush %.1f\n",
      us(total), us(total - convert - wait), us(convert), us(wait), us(archive), us(write),
      us(std::max(0.0, total - archive - write)), us(static_cast<double>(at_ack.log_nanos)),
      us(static_cast<double>(at_ack.sync_nanos)), us(static_cast<double>(at_ack.apply_nanos)),
      us(static_cast<double>(at_ack.build_nanos)), us(static_cast<double>(at_ack.flush_nanos)),
      us(static_cast<double>(at_ack.merge_nanos)), static_cast<unsigned long long>(at_ack.flushes),
      static_cast<unsigned long long>(at_ack.merges),
      static_cast<unsigned long long>(at_ack.stalls), us(seal * 1e9),
      us(static_cast<double>(at_close.flush_nanos + at_close.merge_nanos - at_ack.flush_nanos -
                             at_ack.merge_nanos)));
}

}  // namespace

void RunIngestBench(uint64_t count, uint64_t seed, int cores, std::string work_dir,
                    const std::string& peers, bool json, Context* ctx) {
  std::vector<std::string> engines;
  if (!ParsePeers(peers, &engines)) {
    PrintError("--peers takes postgres and/or sqlite, comma-separated, or none: '" + peers + "'");
    ctx->exit_code = 2;
    return;
  }
  if (cores == 1) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    (void)sched_setaffinity(0, sizeof(set), &set);
  }
  bool own_dir = work_dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      PrintError("cannot create a temporary directory");
      ctx->exit_code = 1;
      return;
    }
    work_dir = tmpl;
  }
  const std::string input_dir = JoinPath(work_dir, "input");
  std::string data_dir = JoinPath(work_dir, "data");
  // An earlier run's data would turn every finding into a stale duplicate: not a measurement.
  if (std::error_code ec; std::filesystem::exists(data_dir, ec)) {
    PrintError(fmt::format(
        "{} already exists (an earlier run's?): the benchmark ingests into a new data directory; "
        "remove it or give another --dir",
        data_dir));
    ctx->exit_code = 1;
    return;
  }

  // The input, not timed: files of kFindingsPerFile findings, written by a child process so that
  // the generator's memory does not count in the peak RSS measured below.
  findings::GeneratorOptions gen;
  gen.count = count;
  gen.seed = seed;
  gen.end_millis = ParseTimestamp("2026-01-01T00:00:00Z").value();
  BenchInput in;
  Status s = GenerateInput(gen, input_dir, &in);
  if (!s.ok()) {
    PrintError("cannot write the input: " + s.message());
    ctx->exit_code = 1;
    return;
  }
  const uint64_t raw_bytes = in.raw_bytes;

  // The archive writer's Open (nothing to recover in a new directory), not timed.
  archive::ArchiveWriter archive(ctx->env, JoinPath(data_dir, archive::kArchiveDirName));
  archive::CommitStats sealed;
  s = archive.Open(&sealed);
  if (!s.ok()) {
    PrintError("cannot open the archive: " + s.message());
    ctx->exit_code = 1;
    return;
  }

  // Timed: open, ingest every finding durably (acknowledged = archive journal + WAL fsynced).
  RssSampler rss_sampler;
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<storage::Engine>> engine =
      storage::Engine::Open(ctx->env, data_dir, ingest::IngestIndexOptions());
  if (!engine.ok()) {
    PrintError(engine.status().message());
    ctx->exit_code = 1;
    return;
  }
  Result<std::shared_ptr<storage::Index>> index = (*engine)->GetIndex(storage::kDefaultIndex, true);
  uint64_t issues = 0;
  // One input file of any size (the default limits are for untrusted inputs).
  ingest::IngestOptions ingest_options;
  ingest_options.max_file_bytes = UINT64_MAX;
  ingest_options.reader.max_input_bytes = UINT64_MAX;
  ingest::FileIngester ingester(ctx->env, &archive, index->get(), ingest_options,
                                [&](const std::string& issue) {
                                  if (issues++ < 5) PrintError(issue);
                                });
  s = ingester.IngestPath(input_dir);
  if (s.ok()) s = ingester.Finish();
  double durable = Seconds(start);
  const storage::IndexStats at_ack = (*index)->stats();
  // The final flush: the archive's journal sealed into partition files, the index's memory
  // written to segment files.
  auto seal_start = std::chrono::steady_clock::now();
  if (s.ok()) s = archive.Seal(&sealed);
  const double seal = Seconds(seal_start);
  storage::IndexStats at_close;
  if (s.ok()) {
    s = (*index)->Flush();
    at_close = (*index)->stats();
  }
  if (s.ok()) s = (*engine)->Close();
  double flushed = Seconds(start);
  const ingest::IngestSummary summary = ingester.summary();
  engine->reset();
  if (!s.ok() || issues != 0 || summary.accepted != count) {
    PrintError(fmt::format("the ingest failed ({}; {} problems): the benchmark is void",
                           s.ok() ? "ok" : s.message(), issues));
    ctx->exit_code = 1;
    return;
  }
  const uint64_t rss = PeakRssBytes();
  rss_sampler.Stop();
  const uint64_t index_bytes = DirBytes(JoinPath(data_dir, "indices"));
  const uint64_t archive_bytes = DirBytes(JoinPath(data_dir, archive::kArchiveDirName));

  // Reopen: ready when the index is open and a snapshot can be taken.
  start = std::chrono::steady_clock::now();
  uint64_t live = 0;
  {
    Result<std::unique_ptr<storage::Engine>> again =
        storage::Engine::Open(ctx->env, data_dir, ingest::IngestIndexOptions());
    if (again.ok()) {
      Result<std::shared_ptr<storage::Index>> reopened =
          (*again)->GetIndex(storage::kDefaultIndex, false);
      if (reopened.ok()) live = (*reopened)->GetSnapshot()->live_docs();
    }
  }
  double reopen = Seconds(start);

  // The peers, after Vigil so that they do not share the machine with it. They inherit the CPU
  // affinity: with --cores 1 the peer and the PostgreSQL server run on CPU 0 too.
  std::vector<PeerFigures> peer_figures;
  if (own_dir && ::geteuid() == 0) {
    // As root the PostgreSQL server runs as the postgres user, which must be able to enter the
    // work directory (mkdtemp makes it 0700) to reach its cluster inside; it still cannot list it.
    (void)::chmod(work_dir.c_str(), 0711);
  }
  for (const std::string& name : engines) {
    PeerFigures peer;
    peer.engine = name;
    if (name == "postgres") {
      peer.label = "PostgreSQL 15 jsonb + GIN";
      RunPostgresPeer(work_dir, in.files, &peer);
    } else {
      peer.label = "SQLite JSON1";
      RunSqlitePeer(work_dir, in.files, &peer);
    }
    // A peer that stored a different set of findings did different work: no figure.
    if (peer.ok && (peer.findings != count || peer.rows != live)) {
      peer.ok = false;
      peer.error = fmt::format(
          "the peer loaded {} findings into {} rows where vigil loaded {} into {}; figure withheld",
          peer.findings, peer.rows, count, live);
    }
    peer_figures.push_back(std::move(peer));
  }
  // Both peers apply the version rule; if the versions they kept differ, one of them is wrong.
  if (peer_figures.size() == 2 && peer_figures[0].ok && peer_figures[1].ok &&
      peer_figures[0].count_sum != peer_figures[1].count_sum) {
    PrintError(
        fmt::format("warning: the peers kept different versions (sums of service.count {} and {})",
                    peer_figures[0].count_sum, peer_figures[1].count_sum));
  }

  double n = static_cast<double>(count);
  const double vigil_rate = n / durable;
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("benchmark", "ingest");
    w.Field("findings", static_cast<int64_t>(count));
    w.Field("cores", static_cast<int64_t>(cores));
    w.Field("durable_seconds", durable);
    w.Field("findings_per_second", n / durable);
    w.Field("with_final_flush_seconds", flushed);
    w.Field("peak_rss_bytes", static_cast<int64_t>(rss));
    w.Field("peak_rss_anon_bytes", static_cast<int64_t>(rss_sampler.peak_anon()));
    w.Field("peak_rss_file_bytes", static_cast<int64_t>(rss_sampler.peak_file()));
    w.Field("raw_bytes", static_cast<int64_t>(raw_bytes));
    w.Field("raw_gzip_bytes", static_cast<int64_t>(in.gz_bytes));
    w.Field("index_bytes", static_cast<int64_t>(index_bytes));
    w.Field("archive_bytes", static_cast<int64_t>(archive_bytes));
    w.Field("live_findings", static_cast<int64_t>(live));
    w.Field("reopen_seconds", reopen);
    w.Key("peers");
    w.BeginArray();
    for (const PeerFigures& peer : peer_figures) {
      w.BeginObject();
      w.Field("engine", peer.engine);
      if (peer.ok) {
        const double rate = static_cast<double>(peer.findings) / peer.seconds;
        w.Field("findings", static_cast<int64_t>(peer.findings));
        w.Field("seconds", peer.seconds);
        w.Field("findings_per_second", rate);
        w.Field("bytes_on_disk", static_cast<int64_t>(peer.bytes_on_disk));
        w.Field("bytes_per_finding", static_cast<double>(peer.bytes_on_disk) / n);
        w.Field("rows", static_cast<int64_t>(peer.rows));
        w.Field("method", peer.method);
        w.Field("vigil_ratio", vigil_rate / rate);
      } else {
        w.Field("error", peer.error);
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf(
        "ingest of %llu generated findings (%.1f MB raw JSONL, %.1f MB gzip'd), %d core%s:\n"
        "  durable (archive journal + WAL fsynced, searchable): %.2f s = %.0f findings/s\n"
        "  with the final flush (archive files, segments):      %.2f s = %.0f findings/s\n"
        "  index on disk: %.1f MB = %.0f bytes/finding = %.2f x the gzip'd raw JSONL\n"
        "  archive on disk: %.1f MB\n"
        "  peak RSS: %.0f MB (at most %.0f MB anonymous, %.0f MB of mapped files)\n"
        "  reopen: %.3f s (%llu live findings)\n",
        static_cast<unsigned long long>(count), static_cast<double>(raw_bytes) / 1e6,
        static_cast<double>(in.gz_bytes) / 1e6, cores, cores == 1 ? "" : "s", durable, vigil_rate,
        flushed, n / flushed, static_cast<double>(index_bytes) / 1e6,
        static_cast<double>(index_bytes) / n,
        static_cast<double>(index_bytes) / static_cast<double>(in.gz_bytes),
        static_cast<double>(archive_bytes) / 1e6, static_cast<double>(rss) / 1e6,
        static_cast<double>(rss_sampler.peak_anon()) / 1e6,
        static_cast<double>(rss_sampler.peak_file()) / 1e6, reopen,
        static_cast<unsigned long long>(live));
    if (peer_figures.empty()) {
      std::printf("  peers: not run (--peers none)\n");
    } else {
      std::printf(
          "  peers, durable upserts of the same input files in commits of 16384 "
          "(vigil: %.0f bytes/finding with the archive):\n",
          static_cast<double>(index_bytes + archive_bytes) / n);
    }
    for (const PeerFigures& peer : peer_figures) {
      if (!peer.ok) {
        std::printf("    %-26s not measured: %s\n", (peer.label + ":").c_str(), peer.error.c_str());
        continue;
      }
      const double rate = static_cast<double>(peer.findings) / peer.seconds;
      const double ratio = vigil_rate / rate;
      // Two decimals below 1, where one would print 0.0.
      std::printf(
          "    %-26s %.2f s = %.0f findings/s, %.0f bytes/finding on disk; vigil %.*f x its rate\n",
          (peer.label + ":").c_str(), peer.seconds, rate,
          static_cast<double>(peer.bytes_on_disk) / n, ratio < 1 ? 2 : 1, ratio);
    }
  }
  if (!json) PrintPhases(summary, at_ack, at_close, durable, seal, count);
  if (own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir, ec);
  }
}

}  // namespace vigil::cli
