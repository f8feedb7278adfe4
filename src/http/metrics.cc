#include "http/metrics.h"

#include <fmt/format.h>

namespace vigil::http {

namespace {

// A label value with Prometheus's escapes (backslash, quote, newline).
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Metrics::Request(std::string_view route, Method method, int status, uint64_t nanos) {
  const double seconds = static_cast<double>(nanos) / 1e9;
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), std::string(MethodName(method)), status}];
  Latency& l = latency_[std::string(route)];
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) ++l.buckets[i];
  }
  ++l.count;
  l.sum += seconds;
}

void Metrics::Pushed(std::string_view outcome, uint64_t n) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  pushed_[std::string(outcome)] += n;
}

std::string Metrics::Render(storage::Engine* engine) const {
  std::string out;
  auto line = [&](std::string_view text) {
    out.append(text);
    out.push_back('\n');
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    line("# HELP vigil_http_requests_total HTTP requests by route, method and status.");
    line("# TYPE vigil_http_requests_total counter");
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      line(fmt::format(R"(vigil_http_requests_total{{route="{}",method="{}",status="{}"}} {})",
                       Label(route), method, status, n));
    }
    line("# HELP vigil_http_request_duration_seconds Time to answer a request, by route.");
    line("# TYPE vigil_http_request_duration_seconds histogram");
    for (const auto& [route, l] : latency_) {
      const std::string r = Label(route);
      for (size_t i = 0; i < std::size(kBuckets); ++i) {
        line(fmt::format(R"(vigil_http_request_duration_seconds_bucket{{route="{}",le="{}"}} {})",
                         r, kBuckets[i], l.buckets[i]));
      }
      line(fmt::format(R"(vigil_http_request_duration_seconds_bucket{{route="{}",le="+Inf"}} {})",
                       r, l.count));
      line(fmt::format(R"(vigil_http_request_duration_seconds_sum{{route="{}"}} {})", r, l.sum));
      line(
          fmt::format(R"(vigil_http_request_duration_seconds_count{{route="{}"}} {})", r, l.count));
    }
    line("# HELP vigil_ingest_events_total Events pushed to /api/ingest, by outcome.");
    line("# TYPE vigil_ingest_events_total counter");
    for (std::string_view o : {"created", "updated", "stale", "skipped", "rejected"}) {
      auto it = pushed_.find(std::string(o));
      line(fmt::format(R"(vigil_ingest_events_total{{outcome="{}"}} {})", o,
                       it == pushed_.end() ? 0 : it->second));
    }
  }
  Result<std::vector<std::string>> names = engine->ListIndices();
  if (!names.ok()) return out;
  struct Gauge {
    std::string_view name, help;
    uint64_t (*get)(const storage::IndexStats&);
  };
  static constexpr Gauge kGauges[] = {
      {"vigil_index_docs", "Live documents.", [](const storage::IndexStats& s) { return s.docs; }},
      {"vigil_index_deleted_docs", "Replaced or deleted documents not yet merged away.",
       [](const storage::IndexStats& s) { return s.deleted_docs; }},
      {"vigil_index_segments", "Segments: files and in memory.",
       [](const storage::IndexStats& s) {
         return static_cast<uint64_t>(s.file_segments + s.memory_segments);
       }},
      {"vigil_index_file_bytes", "Bytes of segment files.",
       [](const storage::IndexStats& s) { return s.file_bytes; }},
      {"vigil_index_memory_bytes", "Bytes of in-memory segments.",
       [](const storage::IndexStats& s) { return s.memory_bytes; }},
      {"vigil_index_wal_bytes", "Bytes of the write-ahead log.",
       [](const storage::IndexStats& s) { return s.wal_bytes; }},
  };
  std::vector<std::pair<std::string, storage::IndexStats>> stats;
  for (const std::string& n : *names) {
    Result<std::shared_ptr<storage::Index>> index = engine->GetIndex(n, false);
    if (index.ok()) stats.emplace_back(n, (*index)->stats());
  }
  for (const Gauge& g : kGauges) {
    line(fmt::format("# HELP {} {}", g.name, g.help));
    line(fmt::format("# TYPE {} gauge", g.name));
    for (const auto& [n, s] : stats) {
      line(fmt::format(R"({}{{index="{}"}} {})", g.name, Label(n), g.get(s)));
    }
  }
  return out;
}

}  // namespace vigil::http
