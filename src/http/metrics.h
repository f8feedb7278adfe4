// Metrics: what GET /metrics reports, in Prometheus's text format (version 0.0.4): requests by
// route, method and status; request latencies by route (a histogram); pushed events by outcome;
// and, read when scraped, each index's documents, segments and bytes. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "http/http_types.h"
#include "storage/engine.h"

namespace vigil::http {

class Metrics {
 public:
  // One request: its route pattern ("/{index}/_search"; "unmatched" when none), method, status
  // and duration.
  void Request(std::string_view route, Method method, int status, uint64_t nanos);
  // Events of one push by outcome ("created", "updated", "stale", "skipped", "rejected").
  void Pushed(std::string_view outcome, uint64_t n);

  // The exposition text, with the indices' figures read now.
  std::string Render(storage::Engine* engine) const;

  // Histogram bucket bounds of request latency, in seconds.
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1,    2.5};

 private:
  struct Latency {
    std::vector<uint64_t> buckets = std::vector<uint64_t>(std::size(kBuckets), 0);
    uint64_t count = 0;
    double sum = 0;  // seconds
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // route, method, status
  std::map<std::string, Latency> latency_;                                  // by route
  std::map<std::string, uint64_t> pushed_;                                  // by outcome
};

}  // namespace vigil::http
