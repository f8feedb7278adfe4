// vigil bench query: the query engine on a data directory of generated findings, one core,
// each query run many times in one process (the medians are the figures): the terms aggregation
// of the reference pipeline's map (top 5 attacker countries), terms on `type` with severity >= 7,
// a daily date_histogram over 90 days, the cardinality of accountId, a query_string wildcard on
// `type` sorted by service.eventLastSeen (50 hits), and point lookups by id. Then the same
// queries in SQL on ClickHouse (Debian's clickhouse-server, started by bench/peers/clickhouse.sh
// on loopback with one query thread) holding the same documents (exported from Vigil's index:
// the newest version of every finding) in a MergeTree table of the columns the queries use.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "base/percent_encode.h"
#include "base/time.h"
#include "cli/bench_util.h"
#include "cli/commands.h"
#include "query/dsl_parser.h"
#include "query/search.h"
#include "storage/term_encoding.h"

namespace vigil::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchQuery {
  std::string name;
  std::string body;  // Vigil: a _search body; "now" is the data's last eventLastSeen
  std::string sql;   // ClickHouse; {now} is replaced by the same time (epoch seconds)
  double target_ms;  // issue 4's target
};

std::vector<BenchQuery> Queries() {
  return {
      {"terms: top 5 attacker countries",
       R"({"size":0,"aggs":{"c":{"terms":{"field":"derived.attacker.countryName","size":5}}}})",
       "SELECT country, count() AS c FROM findings WHERE country != '' GROUP BY country "
       "ORDER BY c DESC, country LIMIT 5",
       50},
      {"terms: types with severity >= 7",
       R"({"size":0,"query":{"range":{"severity":{"gte":7}}},"aggs":{"t":{"terms":{"field":"type","size":10}}}})",
       "SELECT type, count() AS c FROM findings WHERE severity >= 7 GROUP BY type "
       "ORDER BY c DESC, type LIMIT 10",
       50},
      {"date_histogram: daily over 90 days",
       R"({"size":0,"query":{"range":{"service.eventLastSeen":{"gte":"now-90d/d"}}},"aggs":{"d":{"date_histogram":{"field":"service.eventLastSeen","calendar_interval":"day"}}}})",
       "SELECT toStartOfDay(seen) AS d, count() FROM findings WHERE seen >= "
       "toStartOfDay(toDateTime({now}) - 90 * 86400) GROUP BY d ORDER BY d",
       50},
      {"cardinality: accountId", R"({"size":0,"aggs":{"a":{"cardinality":{"field":"accountId"}}}})",
       "SELECT uniqExact(account) FROM findings", 50},
      {"query_string type:Recon* by time, 50 hits",
       R"({"size":50,"query":{"query_string":{"query":"type:Recon*"}},"sort":[{"service.eventLastSeen":"desc"}],"_source":false,"fields":["id","type","service.eventLastSeen"]})",
       "SELECT id, type, seen FROM findings WHERE type LIKE 'Recon%' ORDER BY seen DESC LIMIT 50",
       20},
  };
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// One HTTP/1.1 POST to 127.0.0.1:port (ClickHouse's HTTP interface); the response body, or an
// error with the server's message.
Result<std::string> HttpPost(int port, const std::string& target, const std::string& body) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return Status::Unavailable(fmt::format("cannot connect to 127.0.0.1:{}", port));
  }
  std::string request = fmt::format(
      "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
      target, body.size());
  request += body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return Status::IOError("send failed");
    }
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t header_end = response.find("\r\n\r\n");
  if (header_end == std::string::npos) return Status::IOError("no HTTP response");
  std::string head = response.substr(0, header_end);
  std::string payload = response.substr(header_end + 4);
  if (head.find(" 200 ") == std::string::npos) {
    return Status::IOError(fmt::format("ClickHouse: {}", payload.substr(0, 300)));
  }
  if (head.find("Transfer-Encoding: chunked") != std::string::npos) {
    std::string out;
    size_t pos = 0;
    while (pos < payload.size()) {
      size_t eol = payload.find("\r\n", pos);
      if (eol == std::string::npos) break;
      size_t len = std::stoul(payload.substr(pos, eol - pos), nullptr, 16);
      if (len == 0) break;
      out.append(payload, eol + 2, len);
      pos = eol + 2 + len + 2;
    }
    return out;
  }
  return payload;
}

// A field's terms in a segment, decoded once, in order.
std::vector<std::string> DecodeAll(const storage::TermDict& dict) {
  std::vector<std::string> out;
  out.reserve(dict.size());
  storage::TermDict::Iterator it(dict);
  if (!it.Seek(0).ok()) return out;
  while (it.Valid()) {
    out.emplace_back(it.term());
    if (!it.Next().ok()) break;
  }
  return out;
}

std::string TsvEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Writes every live document's query columns as TSV rows and sends them to ClickHouse in chunks.
Status LoadClickHouse(int port, const storage::Snapshot& snap, uint64_t* rows) {
  const char* fields[] = {"_id",
                          "type",
                          "severity",
                          "accountId",
                          "service.eventLastSeen",
                          "derived.attacker.countryName"};
  std::string chunk;
  for (const storage::SegmentView& view : snap.segments) {
    const storage::SegmentReader& r = *view.segment;
    std::vector<storage::Column> cols(6);
    std::vector<std::vector<std::string>> terms(6);
    std::vector<bool> present(6, false);
    std::vector<storage::FieldType> types(6, storage::FieldType::kNone);
    for (int f = 0; f < 6; ++f) {
      int idx = r.FindField(fields[f]);
      if (idx < 0) continue;
      Result<storage::Column> c = r.GetColumn(idx);
      Result<storage::TermDict> d = r.Terms(idx);
      if (!c.ok()) return c.status();
      if (!d.ok()) return d.status();
      cols[f] = *c;
      terms[f] = DecodeAll(*d);
      present[f] = true;
      types[f] = r.fields()[idx].type;
    }
    for (uint32_t doc = 0; doc < r.num_docs(); ++doc) {
      if (!view.IsLive(doc)) continue;
      for (int f = 0; f < 6; ++f) {
        if (f > 0) chunk.push_back('\t');
        int64_t ord = present[f] ? cols[f].Ord(doc) : -1;
        if (ord < 0) {
          chunk += f == 2 ? "0" : f == 4 ? "0" : "";
          continue;
        }
        const std::string& t = terms[f][static_cast<size_t>(ord)];
        if (f == 2) {
          chunk += fmt::format("{}", storage::DecodeTerm(types[f], t).number);
        } else if (f == 4) {
          chunk += std::to_string(storage::DecodeTerm(types[f], t).integer / 1000);
        } else {
          chunk += TsvEscape(t);
        }
      }
      chunk.push_back('\n');
      ++*rows;
      if (chunk.size() > (32u << 20)) {
        Result<std::string> r2 = HttpPost(
            port, "/?query=" + PercentEncode("INSERT INTO findings FORMAT TabSeparated"), chunk);
        if (!r2.ok()) return r2.status();
        chunk.clear();
      }
    }
  }
  if (!chunk.empty()) {
    Result<std::string> r2 = HttpPost(
        port, "/?query=" + PercentEncode("INSERT INTO findings FORMAT TabSeparated"), chunk);
    if (!r2.ok()) return r2.status();
  }
  // Merged into as few parts as the server will, as a loaded table would be after a while.
  Result<std::string> opt = HttpPost(port, "/", "OPTIMIZE TABLE findings FINAL");
  return opt.ok() ? Status::Ok() : opt.status();
}

struct Figures {
  std::string name;
  double target_ms = 0;
  double vigil_median = 0;
  double vigil_min = 0;
  bool peer_ok = false;
  double peer_median = 0;
  std::string peer_error;
};

}  // namespace

void RunQueryBench(uint64_t count, uint64_t seed, const std::string& data_arg,
                   const std::string& work_arg, int rounds, const std::string& peers, bool json,
                   Context* ctx) {
  // One core: this process (and ClickHouse's one query thread) on CPU 0.
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  (void)sched_setaffinity(0, sizeof(set), &set);

  std::error_code ec;
  std::string work = work_arg;
  const bool temp_work = work.empty();
  if (temp_work) {
    work =
        (std::filesystem::temp_directory_path() / fmt::format("vigil-bench-query-{}", ::getpid()))
            .string();
  }
  std::filesystem::create_directories(work, ec);
  std::string data = data_arg.empty() ? work + "/data" : data_arg;
  if (data_arg.empty() && !std::filesystem::exists(data + "/indices/findings")) {
    // Generate and ingest (child processes of this binary: their memory is not ours).
    std::string self = BesideBinary("vigil");
    std::string out;
    std::fprintf(stderr, "generating and ingesting %llu findings into %s ...\n",
                 static_cast<unsigned long long>(count), data.c_str());
    // In files of at most 200,000 findings (about 600 MB; `vigil ingest` reads files of up to
    // 1 GiB), the n-th from seed + n.
    constexpr uint64_t kChunk = 200'000;
    int rc = 0;
    for (uint64_t done = 0, n = 0; rc == 0 && done < count; done += kChunk, ++n) {
      rc = RunCommand(
          fmt::format("{} generate --count {} --seed {} --end 2026-01-01T00:00:00Z --out {}",
                      ShellQuote(self), std::min(kChunk, count - done), seed + n,
                      ShellQuote(work + "/input.jsonl")),
          &out);
      if (rc == 0) {
        rc = RunCommand(fmt::format("{} ingest -q --data {} {}", ShellQuote(self), ShellQuote(data),
                                    ShellQuote(work + "/input.jsonl")),
                        &out);
      }
      std::filesystem::remove(work + "/input.jsonl", ec);
    }
    if (rc != 0) {
      PrintError("bench query: loading the findings failed: " + LastLine(out));
      ctx->exit_code = 1;
      return;
    }
  }
  std::unique_ptr<storage::Engine> engine = OpenEngine(ctx, data);
  if (engine == nullptr) return;
  storage::Index* index = GetIndex(ctx, engine.get(), storage::kDefaultIndex, false);
  if (index == nullptr) return;
  std::shared_ptr<const storage::Snapshot> snap = index->GetSnapshot();
  query::IndexSnapshot ix{std::string(storage::kDefaultIndex), snap};
  std::span<const query::IndexSnapshot> indices(&ix, 1);
  const uint64_t docs = snap->live_docs();

  // "now": the newest eventLastSeen, so that the 90 days hold the data.
  query::SearchOptions options;
  {
    Result<query::SearchRequest> r = query::ParseSearchRequest(
        R"({"size":0,"aggs":{"m":{"max":{"field":"service.eventLastSeen"}}}})");
    Result<std::string> out = query::Search(indices, *r, options);
    if (!out.ok()) {
      PrintError(out.status().message());
      ctx->exit_code = 1;
      return;
    }
    options.now = static_cast<int64_t>(
        nlohmann::json::parse(*out)["aggregations"]["m"]["value"].get<double>());
  }

  const std::vector<BenchQuery> queries = Queries();
  std::vector<Figures> figures;
  for (const BenchQuery& q : queries) {
    Result<query::SearchRequest> request = query::ParseSearchRequest(q.body);
    if (!request.ok()) {
      PrintError(request.status().message());
      ctx->exit_code = 1;
      return;
    }
    Figures f;
    f.name = q.name;
    f.target_ms = q.target_ms;
    std::vector<double> times;
    for (int i = 0; i < rounds + 2; ++i) {
      auto t0 = Clock::now();
      Result<std::string> out = query::Search(indices, *request, options);
      double ms = Seconds(t0) * 1000;
      if (!out.ok()) {
        PrintError(fmt::format("{}: {}", q.name, out.status().message()));
        ctx->exit_code = 1;
        return;
      }
      if (i >= 2) times.push_back(ms);  // two warm-up runs
    }
    f.vigil_median = Median(times);
    f.vigil_min = *std::min_element(times.begin(), times.end());
    figures.push_back(f);
  }
  // Point lookups: ids picked at random from the index.
  std::vector<std::string> ids;
  std::mt19937_64 rng(seed);
  while (ids.size() < 1000 && docs > 0) {
    const storage::SegmentView& view = snap->segments[rng() % snap->segments.size()];
    if (view.segment->num_docs() == 0) continue;
    uint32_t doc = static_cast<uint32_t>(rng() % view.segment->num_docs());
    if (!view.IsLive(doc)) continue;
    Result<std::string> id = view.segment->Id(doc);
    if (id.ok()) ids.push_back(*id);
  }
  Figures lookup;
  lookup.name = "point lookup by id (_source)";
  lookup.target_ms = 0.05;
  {
    std::vector<double> times;
    for (int pass = 0; pass < 2; ++pass) {
      for (const std::string& id : ids) {
        auto t0 = Clock::now();
        Result<std::optional<std::string>> got = query::GetById(*snap, id);
        double ms = Seconds(t0) * 1000;
        if (!got.ok() || !got->has_value()) {
          PrintError("point lookup failed for id " + id);
          ctx->exit_code = 1;
          return;
        }
        if (pass == 1) times.push_back(ms);
      }
    }
    lookup.vigil_median = Median(times);
    lookup.vigil_min = times.empty() ? 0 : *std::min_element(times.begin(), times.end());
  }

  // The ClickHouse peer.
  std::string peer_error;
  uint64_t peer_rows = 0;
  double load_seconds = 0;
  if (peers != "none") {
    const std::string script = std::string(VIGIL_SOURCE_DIR) + "/bench/peers/clickhouse.sh";
    const std::string dir = work + "/clickhouse";
    const int http = FreeLoopbackPort();
    const int tcp = FreeLoopbackPort();
    std::string out;
    int rc = RunCommand(
        fmt::format("bash {} start {} {} {}", ShellQuote(script), ShellQuote(dir), http, tcp),
        &out);
    if (rc != 0) {
      peer_error = LastLine(out);
    } else {
      auto t0 = Clock::now();
      Result<std::string> created = HttpPost(
          http, "/",
          "CREATE TABLE findings (id String, type String, severity Float64, account String, seen "
          "DateTime, country String) ENGINE = MergeTree ORDER BY (seen, id)");
      Status loaded = created.ok() ? LoadClickHouse(http, *snap, &peer_rows) : created.status();
      load_seconds = Seconds(t0);
      if (!loaded.ok()) peer_error = loaded.message();
      if (loaded.ok() && peer_rows != docs) {
        peer_error = fmt::format("ClickHouse holds {} rows, Vigil {} documents", peer_rows, docs);
      }
      const std::string now = std::to_string(options.now / 1000);
      for (size_t qi = 0; qi < figures.size() && peer_error.empty(); ++qi) {
        std::string sql = queries[qi].sql;
        if (size_t p = sql.find("{now}"); p != std::string::npos) sql.replace(p, 5, now);
        std::vector<double> times;
        for (int i = 0; i < rounds + 2; ++i) {
          auto q0 = Clock::now();
          Result<std::string> res = HttpPost(http, "/", sql);
          double ms = Seconds(q0) * 1000;
          if (!res.ok()) {
            figures[qi].peer_error = res.status().message();
            break;
          }
          if (i >= 2) times.push_back(ms);
        }
        if (figures[qi].peer_error.empty()) {
          figures[qi].peer_ok = true;
          figures[qi].peer_median = Median(times);
        }
      }
      if (peer_error.empty()) {
        std::vector<double> times;
        for (size_t i = 0; i < std::min<size_t>(ids.size(), 50); ++i) {
          auto q0 = Clock::now();
          Result<std::string> res =
              HttpPost(http, "/", fmt::format("SELECT * FROM findings WHERE id = '{}'", ids[i]));
          if (res.ok()) times.push_back(Seconds(q0) * 1000);
        }
        lookup.peer_ok = !times.empty();
        lookup.peer_median = Median(times);
      }
      (void)RunCommand(fmt::format("bash {} stop {}", ShellQuote(script), ShellQuote(dir)), &out);
    }
  }
  figures.push_back(lookup);
  if (temp_work) std::filesystem::remove_all(work, ec);

  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Key("findings");
    w.Uint(docs);
    w.Field("rounds", rounds);
    w.Key("queries");
    w.BeginArray();
    for (const Figures& f : figures) {
      w.BeginObject();
      w.Field("name", f.name);
      w.Field("target_ms", f.target_ms);
      w.Field("vigil_median_ms", f.vigil_median);
      w.Field("vigil_min_ms", f.vigil_min);
      if (f.peer_ok) w.Field("clickhouse_median_ms", f.peer_median);
      w.EndObject();
    }
    w.EndArray();
    if (!peer_error.empty()) w.Field("clickhouse_error", peer_error);
    w.EndObject();
    std::printf("%s\n", out.c_str());
    return;
  }
  std::printf("queries over %llu findings, 1 core, median of %d runs after 2 warm-up runs:\n",
              static_cast<unsigned long long>(docs), rounds);
  if (peers != "none") {
    if (peer_error.empty()) {
      std::printf("  ClickHouse %s: the same %llu documents, loaded in %.1f s, one query thread\n",
                  "18.16 (Debian)", static_cast<unsigned long long>(peer_rows), load_seconds);
    } else {
      std::printf("  ClickHouse not measured: %s\n", peer_error.c_str());
    }
  }
  std::printf("  %-44s %12s %10s %12s %9s\n", "query", "vigil", "target", "clickhouse", "ratio");
  for (const Figures& f : figures) {
    std::string peer = f.peer_ok ? fmt::format("{:.3f} ms", f.peer_median) : "-";
    std::string ratio = f.peer_ok && f.vigil_median > 0
                            ? fmt::format("{:.1f} x", f.peer_median / f.vigil_median)
                            : "-";
    std::printf("  %-44s %9.3f ms %7.2f ms %12s %9s%s\n", f.name.c_str(), f.vigil_median,
                f.target_ms, peer.c_str(), ratio.c_str(),
                f.vigil_median <= f.target_ms ? "" : "  (over target)");
  }
  std::printf("  (ratio: ClickHouse's median / Vigil's; above 1 means Vigil is faster)\n");
}

}  // namespace vigil::cli
