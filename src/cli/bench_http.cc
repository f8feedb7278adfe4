// vigil bench http: the server's cost over the engine. Ingest over HTTP (POST /api/ingest and
// _bulk, batches of --batch findings, one client) against the same batches pushed in-process
// (PushIngester, the code behind both endpoints); search and aggregation latency under --clients
// concurrent connections, measured by wrk (Debian package), against the same queries run
// in-process; and the time from a push to its finding's appearance in GET /api/stream and in
// GET _doc. The server is the real binary, started on loopback for the run.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "archive/archive_writer.h"
#include "base/time.h"
#include "cli/bench_util.h"
#include "cli/commands.h"
#include "findings/generator.h"
#include "http/http_client.h"
#include "ingest/findings_deriver.h"
#include "ingest/push_ingester.h"
#include "query/dsl_parser.h"
#include "query/search.h"
#include "storage/engine.h"

namespace vigil::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Percentiles {
  double p50 = 0;
  double p99 = 0;
};

Percentiles Of(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))];
  };
  return {at(0.50), at(0.99)};
}

// The queries of the latency runs: what the dashboard asks most.
struct NamedQuery {
  const char* name;
  const char* body;
};
constexpr NamedQuery kQueries[] = {
    {"search",
     R"({"size":10,"query":{"query_string":{"query":"severity:>=7"}},"sort":[{"updatedAt":"desc"}]})"},
    {"terms", R"({"size":0,"aggs":{"t":{"terms":{"field":"type","size":20}}}})"},
    {"histogram",
     R"({"size":0,"aggs":{"d":{"date_histogram":{"field":"updatedAt","calendar_interval":"day"}}}})"},
};

// A running `vigil serve`.
class ServerProcess {
 public:
  ~ServerProcess() { Stop(); }
  Status Start(const std::string& data) {
    port_ = FreeLoopbackPort();
    url_ = fmt::format("http://127.0.0.1:{}", port_);
    const std::string binary = BesideBinary("vigil");
    int out[2];
    if (::pipe(out) != 0) return Status::IOError("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) return Status::IOError("fork failed");
    if (pid_ == 0) {
      // Standard output to the parent (it says when the server listens); the log lines to a
      // file beside the data, not into the report.
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      const std::string log = data + ".log";
      if (std::freopen(log.c_str(), "w", stderr) == nullptr) ::_exit(126);
      const std::string listen = fmt::format("127.0.0.1:{}", port_);
      ::execl(binary.c_str(), binary.c_str(), "serve", "--data", data.c_str(), "--listen",
              listen.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    // Ready once it prints its address; the end of its output before that is a failed start.
    std::string said;
    char buf[512];
    ssize_t n;
    while (said.find("listening on") == std::string::npos &&
           (n = ::read(out[0], buf, sizeof(buf))) > 0) {
      said.append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    if (said.find("listening on") == std::string::npos) {
      return Status::Unavailable(
          fmt::format("vigil serve did not start on {} (its log: {}.log)", url_, data));
    }
    return Status::Ok();
  }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }
  const std::string& url() const { return url_; }
  int port() const { return port_; }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  std::string url_;
};

// Pushes every body to `target` in order on one connection; findings/s.
Result<double> PushAll(const std::string& url, std::string_view target,
                       const std::vector<std::string>& bodies, uint64_t findings) {
  Result<std::unique_ptr<http::HttpClient>> client = http::HttpClient::Create(url);
  if (!client.ok()) return client.status();
  const auto start = Clock::now();
  for (const std::string& body : bodies) {
    Result<http::ClientResponse> r =
        (*client)->Request("POST", target, body, "application/x-ndjson");
    if (!r.ok()) return r.status();
    if (r->status != 200) {
      return Status::IOError(
          fmt::format("{} answered {}: {}", target, r->status, r->body.substr(0, 300)));
    }
  }
  return static_cast<double>(findings) / Seconds(start);
}

// wrk's p50 and p99 (ms) and requests/s for POSTing `body` to url+target, or an error.
Result<std::pair<Percentiles, double>> RunWrk(const std::string& dir, const std::string& url,
                                              const NamedQuery& q, int clients, int seconds) {
  const std::string script = JoinPath(dir, fmt::format("wrk-{}.lua", q.name));
  std::FILE* f = std::fopen(script.c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot write " + script);
  std::fprintf(f,
               "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
               "wrk.body = [[%s]]\n",
               q.body);
  std::fclose(f);
  std::string out;
  const int rc = RunCommand(fmt::format("wrk -t2 -c{} -d{}s --latency -s {} {}/findings/_search",
                                        clients, seconds, ShellQuote(script), url),
                            &out);
  if (rc != 0) return Status::Unavailable("wrk failed: " + LastLine(out));
  auto value_ms = [&](std::string_view label) -> double {
    size_t at = out.find(label);
    if (at == std::string::npos) return -1;
    at += label.size();
    while (at < out.size() && out[at] == ' ') ++at;
    const double v = std::atof(out.c_str() + at);
    size_t unit = out.find_first_not_of("0123456789.", at);
    std::string_view u = std::string_view(out).substr(unit, 2);
    if (u.starts_with("us")) return v / 1000;
    if (u.starts_with("ms")) return v;
    if (u.starts_with("s")) return v * 1000;
    return v;
  };
  Percentiles p{value_ms(" 50% "), value_ms(" 99% ")};
  size_t rps_at = out.find("Requests/sec:");
  double rps = rps_at == std::string::npos ? 0 : std::atof(out.c_str() + rps_at + 13);
  if (out.find("Non-2xx") != std::string::npos) {
    return Status::IOError("wrk saw non-2xx answers: " + LastLine(out));
  }
  return std::make_pair(p, rps);
}

// A connection to GET /api/stream that reports how long until a given id arrives.
class StreamReader {
 public:
  ~StreamReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return Status::Unavailable("cannot connect to the stream");
    }
    const std::string request = "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd_, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      return Status::IOError("cannot ask for the stream");
    }
    return WaitFor(": connected");
  }
  // Reads until `text` has arrived (kept bytes after it for the next wait).
  Status WaitFor(std::string_view text) {
    while (true) {
      size_t at = buffer_.find(text);
      if (at != std::string::npos) {
        buffer_.erase(0, at + text.size());
        return Status::Ok();
      }
      char chunk[65536];
      ssize_t n = ::read(fd_, chunk, sizeof(chunk));
      if (n <= 0) return Status::IOError("the stream ended");
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

void RunHttpBench(uint64_t count, uint64_t seed, int batch, int clients, int seconds,
                  std::string dir, bool json, Context* ctx) {
  auto fail = [ctx](const std::string& what) {
    PrintError(what);
    ctx->exit_code = 1;
  };
  const bool temporary = dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/vigil-bench-http-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return fail("cannot create a temporary directory");
    dir = tmpl;
  }
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir, temporary};

  // The findings, as JSON Lines batches for /api/ingest and as NDJSON for _bulk.
  findings::GeneratorOptions gen;
  gen.count = count;
  gen.seed = seed;
  gen.end_millis = NowMillis();
  findings::FindingGenerator generator(gen);
  std::vector<std::string> ingest_bodies, bulk_bodies;
  std::string line, ingest_body, bulk_body, last;
  uint64_t n = 0;
  while (generator.Next(&line)) {
    ingest_body += line;
    ingest_body += '\n';
    bulk_body += "{\"index\":{\"_index\":\"findings\"}}\n";
    bulk_body += line;
    bulk_body += '\n';
    last = line;
    line.clear();
    if (++n % static_cast<uint64_t>(batch) == 0) {
      ingest_bodies.push_back(std::move(ingest_body));
      bulk_bodies.push_back(std::move(bulk_body));
      ingest_body.clear();
      bulk_body.clear();
    }
  }
  if (!ingest_body.empty()) {
    ingest_bodies.push_back(std::move(ingest_body));
    bulk_bodies.push_back(std::move(bulk_body));
  }

  // In-process: the same batches through the PushIngester, durable, as the server does.
  const std::string inproc = JoinPath(dir, "inproc");
  double inproc_rate = 0;
  std::vector<Percentiles> inproc_latency;
  {
    Result<std::unique_ptr<storage::Engine>> engine =
        storage::Engine::Open(ctx->env, inproc, ingest::IngestIndexOptions());
    if (!engine.ok()) return fail(engine.status().message());
    archive::ArchiveWriter archive(ctx->env, JoinPath(inproc, "archive"));
    archive::CommitStats recovered;
    if (Status s = archive.Open(&recovered); !s.ok()) return fail(s.message());
    storage::Engine* db = engine->get();
    ingest::PushIngester push(&archive,
                              [db] { return db->GetIndex(storage::kDefaultIndex, true); });
    const auto start = Clock::now();
    for (const std::string& body : ingest_bodies) {
      Result<ingest::PushResult> r = push.Ingest("batch.jsonl", body, NowMillis());
      if (!r.ok()) return fail(r.status().message());
    }
    inproc_rate = static_cast<double>(count) / Seconds(start);
    // The latency queries, in-process, one at a time.
    Result<std::shared_ptr<storage::Index>> index = db->GetIndex(storage::kDefaultIndex, false);
    if (!index.ok()) return fail(index.status().message());
    for (const NamedQuery& q : kQueries) {
      std::vector<double> ms;
      for (int i = 0; i < 200; ++i) {
        const auto t = Clock::now();
        Result<query::SearchRequest> req = query::ParseSearchRequest(q.body, {});
        if (!req.ok()) return fail(req.status().message());
        std::vector<query::IndexSnapshot> snaps{{"findings", (*index)->GetSnapshot()}};
        Result<std::string> r = query::Search(snaps, *req, {});
        if (!r.ok()) return fail(r.status().message());
        ms.push_back(Seconds(t) * 1000);
      }
      inproc_latency.push_back(Of(std::move(ms)));
    }
    (void)archive.Seal(&recovered);
  }

  // Over HTTP: /api/ingest on one server, _bulk on another (each on a fresh data directory).
  double ingest_rate = 0, bulk_rate = 0;
  {
    ServerProcess server;
    if (Status s = server.Start(JoinPath(dir, "http-ingest")); !s.ok()) return fail(s.message());
    Result<double> r = PushAll(server.url(), "/api/ingest", ingest_bodies, count);
    if (!r.ok()) return fail(r.status().message());
    ingest_rate = *r;
  }
  ServerProcess server;
  if (Status s = server.Start(JoinPath(dir, "http-bulk")); !s.ok()) return fail(s.message());
  Result<double> bulk = PushAll(server.url(), "/_bulk", bulk_bodies, count);
  if (!bulk.ok()) return fail(bulk.status().message());
  bulk_rate = *bulk;

  // Latency under concurrent clients (wrk), on the _bulk server's data.
  std::vector<std::string> wrk_lines;
  std::vector<std::pair<Percentiles, double>> wrk_results;
  std::string wrk_error;
  for (const NamedQuery& q : kQueries) {
    Result<std::pair<Percentiles, double>> r = RunWrk(dir, server.url(), q, clients, seconds);
    if (!r.ok()) {
      wrk_error = r.status().message();
      break;
    }
    wrk_results.push_back(*r);
  }

  // From a push to its finding in the stream and in GET _doc.
  std::vector<double> to_stream, to_doc;
  {
    StreamReader stream;
    if (Status s = stream.Open(server.port()); !s.ok()) return fail(s.message());
    Result<std::unique_ptr<http::HttpClient>> client = http::HttpClient::Create(server.url());
    if (!client.ok()) return fail(client.status().message());
    nlohmann::json base = nlohmann::json::parse(last, nullptr, false);
    if (base.is_discarded() || !base.is_object()) return fail("the generator gave invalid JSON");
    for (int i = 0; i < 200; ++i) {
      const std::string id = fmt::format("bench-latency-{:04d}", i);
      base["id"] = id;
      base["updatedAt"] = FormatTimestamp(NowMillis());
      const std::string body = base.dump();
      const auto t = Clock::now();
      Result<http::ClientResponse> r = (*client)->Request("POST", "/api/ingest", body);
      if (!r.ok() || r->status != 200) return fail("a latency push failed");
      Result<http::ClientResponse> doc = (*client)->Request("GET", "/findings/_doc/" + id);
      if (!doc.ok() || doc->status != 200) {
        return fail("a pushed finding was not there once acknowledged: " + id);
      }
      to_doc.push_back(Seconds(t) * 1000);
      if (Status s = stream.WaitFor(id); !s.ok()) return fail(s.message());
      to_stream.push_back(Seconds(t) * 1000);
    }
  }
  server.Stop();
  const Percentiles stream_p = Of(to_stream), doc_p = Of(to_doc);

  if (json) {
    nlohmann::ordered_json j;
    j["findings"] = count;
    j["batch"] = batch;
    j["in_process_findings_per_s"] = inproc_rate;
    j["api_ingest_findings_per_s"] = ingest_rate;
    j["bulk_findings_per_s"] = bulk_rate;
    for (size_t i = 0; i < std::size(kQueries); ++i) {
      nlohmann::ordered_json q;
      q["in_process_p50_ms"] = inproc_latency[i].p50;
      q["in_process_p99_ms"] = inproc_latency[i].p99;
      if (i < wrk_results.size()) {
        q["http_p50_ms"] = wrk_results[i].first.p50;
        q["http_p99_ms"] = wrk_results[i].first.p99;
        q["http_requests_per_s"] = wrk_results[i].second;
      }
      j["queries"][kQueries[i].name] = q;
    }
    if (!wrk_error.empty()) j["wrk_error"] = wrk_error;
    j["push_to_stream_ms"] = {{"p50", stream_p.p50}, {"p99", stream_p.p99}};
    j["push_to_doc_ms"] = {{"p50", doc_p.p50}, {"p99", doc_p.p99}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%llu findings in batches of %d\n", static_cast<unsigned long long>(count), batch);
  std::printf("ingest, in-process (PushIngester)   %10.0f findings/s\n", inproc_rate);
  std::printf("ingest, POST /api/ingest            %10.0f findings/s  (%.0f%% of in-process)\n",
              ingest_rate, 100 * ingest_rate / inproc_rate);
  std::printf("ingest, POST /_bulk                 %10.0f findings/s  (%.0f%% of in-process)\n",
              bulk_rate, 100 * bulk_rate / inproc_rate);
  std::printf("\nquery latency, ms   in-process p50/p99   HTTP, %d clients p50/p99   requests/s\n",
              clients);
  for (size_t i = 0; i < std::size(kQueries); ++i) {
    std::printf("%-10s          %8.2f / %-8.2f", kQueries[i].name, inproc_latency[i].p50,
                inproc_latency[i].p99);
    if (i < wrk_results.size()) {
      std::printf("      %8.2f / %-8.2f      %8.0f\n", wrk_results[i].first.p50,
                  wrk_results[i].first.p99, wrk_results[i].second);
    } else {
      std::printf("      (not measured)\n");
    }
  }
  if (!wrk_error.empty()) {
    std::printf("wrk: %s (install it with scripts/install-deps --bench)\n", wrk_error.c_str());
  }
  std::printf("\nfrom a push (1 finding) to        p50 ms   p99 ms\n");
  std::printf("  GET _doc finds it               %7.2f  %7.2f\n", doc_p.p50, doc_p.p99);
  std::printf("  GET /api/stream sends it        %7.2f  %7.2f\n", stream_p.p50, stream_p.p99);
}

}  // namespace vigil::cli
