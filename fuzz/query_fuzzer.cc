// libFuzzer target for the query parsers: the first byte picks Lucene's query string, KQL,
// simple_query_string or a whole `_search` body (query DSL and aggregations); the rest is the
// text. Any input must give a query or a clean error, never a crash, a hang or a sanitizer
// report. A query that parses is also compiled against a small mapping and run (search and
// aggregations) on an empty snapshot, which reaches the executor's value conversions, date math,
// pattern compilation and every aggregation's parameters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "query/dsl_parser.h"
#include "query/query_string.h"
#include "query/search.h"
#include "storage/mapping.h"

namespace {

std::shared_ptr<const vigil::storage::Snapshot> MakeSnapshot() {
  auto mapping = std::make_shared<vigil::storage::Mapping>();
  using vigil::storage::FieldType;
  mapping->Add("type", FieldType::kKeyword);
  mapping->Add("title", FieldType::kText);
  mapping->Add("severity", FieldType::kDouble);
  mapping->Add("service.count", FieldType::kLong);
  mapping->Add("service.eventLastSeen", FieldType::kDate);
  mapping->Add("sample", FieldType::kBoolean);
  mapping->Add("ip", FieldType::kIp);
  mapping->Add("location", FieldType::kGeoPoint);
  auto snapshot = std::make_shared<vigil::storage::Snapshot>();
  snapshot->mapping = mapping;
  return snapshot;
}

void Run(const vigil::query::SearchRequest& request) {
  static const std::shared_ptr<const vigil::storage::Snapshot> snapshot = MakeSnapshot();
  vigil::query::IndexSnapshot ix{"findings", snapshot};
  vigil::query::SearchOptions options;
  options.now = 1'700'000'000'000;
  (void)vigil::query::Search(std::span<const vigil::query::IndexSnapshot>(&ix, 1), request,
                             options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 4;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  vigil::query::QueryStringOptions options;
  if (which == 3) {
    vigil::Result<vigil::query::SearchRequest> r = vigil::query::ParseSearchRequest(text);
    if (r.ok())
      Run(*r);
    else if (r.status().message().empty())
      std::abort();  // an error must say what is wrong
    return 0;
  }
  vigil::Result<std::unique_ptr<vigil::query::Query>> q =
      which == 0   ? vigil::query::ParseLuceneQuery(text, options)
      : which == 1 ? vigil::query::ParseKql(text, options)
                   : vigil::query::ParseSimpleQueryString(text, options);
  if (!q.ok()) {
    if (q.status().message().empty()) std::abort();
    return 0;
  }
  (void)(*q)->DebugString();
  vigil::query::SearchRequest request;
  request.query = std::move(*q);
  Run(request);
  return 0;
}
