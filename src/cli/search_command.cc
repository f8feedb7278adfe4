// `vigil search`: runs a query string or a full `_search` body on an index of a data directory
// and prints the result: a table of hits for a query string, Elasticsearch's JSON response for
// --json (or --raw).
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/json_writer.h"
#include "cli/commands.h"
#include "http/http_client.h"
#include "query/dsl_parser.h"
#include "query/query_string.h"
#include "query/search.h"

namespace vigil::cli {

namespace {

struct Options {
  std::string data = "./vigil-data";
  std::string url;
  std::string index = std::string(storage::kDefaultIndex);
  std::string query;
  std::string json_body;
  std::string syntax = "lucene";
  int64_t size = 20;
  bool raw = false;
  std::string now;  // the request's time, for date math (default: the clock)
};

// The table's columns: a header and the field whose first value fills it.
struct ColumnSpec {
  std::string_view header;
  std::string_view field;
  size_t width;
};
constexpr ColumnSpec kColumns[] = {
    {"last seen", "service.eventLastSeen", 24},
    {"severity", "derived.severityLabel", 8},
    {"type", "type", 44},
    {"account", "accountId", 12},
    {"region", "region", 14},
    {"attacker", "derived.attacker.countryName", 16},
};

std::string Cell(const nlohmann::ordered_json& hit, std::string_view field) {
  if (!hit.contains("fields")) return "";
  const nlohmann::ordered_json& fields = hit["fields"];
  auto it = fields.find(std::string(field));
  if (it == fields.end() || !it->is_array() || it->empty()) return "";
  const nlohmann::ordered_json& v = (*it)[0];
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string Fit(std::string s, size_t width) {
  if (s.size() > width) {
    s.resize(width - 1);
    s += "~";
  }
  s.resize(width, ' ');
  return s;
}

void PrintTable(const std::string& response) {
  nlohmann::ordered_json r = nlohmann::ordered_json::parse(response);
  const nlohmann::ordered_json& hits = r["hits"]["hits"];
  std::string line;
  for (const ColumnSpec& c : kColumns) line += Fit(std::string(c.header), c.width) + " ";
  std::printf("%s\n", line.c_str());
  for (const nlohmann::ordered_json& hit : hits) {
    line.clear();
    for (const ColumnSpec& c : kColumns) line += Fit(Cell(hit, c.field), c.width) + " ";
    std::printf("%s\n", line.c_str());
  }
  uint64_t total = r["hits"]["total"]["value"].get<uint64_t>();
  std::printf("%zu of %llu matching findings (newest first)\n", hits.size(),
              static_cast<unsigned long long>(total));
}

// The _search body `vigil search` sends to a server for a query string.
std::string UrlSearchBody(const Options& o, bool table) {
  nlohmann::ordered_json body;
  body["query"] = o.query.empty()
                      ? nlohmann::ordered_json{{"match_all", nlohmann::ordered_json::object()}}
                      : nlohmann::ordered_json{
                            {o.syntax == "kql" ? "kql" : "query_string", {{"query", o.query}}}};
  body["size"] = o.size;
  body["track_total_hits"] = true;
  body["sort"] = nlohmann::ordered_json::array({{{"service.eventLastSeen", "desc"}}});
  if (table) {
    body["_source"] = false;
    body["fields"] = nlohmann::ordered_json::array();
    for (const ColumnSpec& c : kColumns) body["fields"].push_back(c.field);
  }
  return body.dump();
}

// `vigil search --url`: the same request, answered by a running server.
void RunUrl(const Options& o, bool table, Context* ctx) {
  if (!o.now.empty()) {
    PrintError("--now cannot be sent to a server (it answers at its own time); use --data");
    ctx->exit_code = 2;
    return;
  }
  Result<std::unique_ptr<http::HttpClient>> client = http::HttpClient::Create(o.url);
  if (!client.ok()) {
    PrintError(client.status().message());
    ctx->exit_code = 2;
    return;
  }
  const std::string body = o.json_body.empty() ? UrlSearchBody(o, table) : o.json_body;
  Result<http::ClientResponse> res = (*client)->Request("POST", "/" + o.index + "/_search", body);
  if (!res.ok()) {
    PrintError(res.status().message());
    ctx->exit_code = 1;
    return;
  }
  if (res->status != 200) {
    nlohmann::ordered_json e = nlohmann::ordered_json::parse(res->body, nullptr, false);
    const bool shaped = e.is_object() && e.contains("error") && e["error"].is_object();
    PrintError(shaped ? e["error"].value("type", "") + ": " + e["error"].value("reason", "")
                      : res->body);
    ctx->exit_code = res->status < 500 ? 2 : 1;
    return;
  }
  if (table) {
    PrintTable(res->body);
  } else {
    std::printf("%s\n", res->body.c_str());
  }
}

void Run(const Options& o, Context* ctx) {
  if (!o.json_body.empty() && !o.query.empty()) {
    PrintError("give either a query string or --json, not both");
    ctx->exit_code = 2;
    return;
  }
  const bool table = o.json_body.empty() && !o.raw;
  if (!o.url.empty()) return RunUrl(o, table, ctx);
  auto make_request = [&]() -> Result<query::SearchRequest> {
    if (!o.json_body.empty()) return query::ParseSearchRequest(o.json_body);
    query::QueryStringOptions qs;
    Result<std::unique_ptr<query::Query>> q =
        o.query.empty()     ? Result<std::unique_ptr<query::Query>>(query::Query::MatchAll())
        : o.syntax == "kql" ? query::ParseKql(o.query, qs)
                            : query::ParseLuceneQuery(o.query, qs);
    if (!q.ok()) return q.status();
    query::SearchRequest r;
    r.query = std::move(*q);
    r.size = o.size;
    r.track_total_hits = INT64_MAX;
    query::SortKey by_time;
    by_time.field = "service.eventLastSeen";
    by_time.descending = true;
    r.sort.push_back(by_time);
    if (table) {
      r.source.enabled = false;
      for (const ColumnSpec& c : kColumns) r.fields.emplace_back(c.field);
    }
    return r;
  };
  Result<query::SearchRequest> request = make_request();
  if (!request.ok()) {
    PrintError(request.status().detail().empty()
                   ? request.status().message()
                   : request.status().detail() + ": " + request.status().message());
    ctx->exit_code = 2;
    return;
  }
  std::unique_ptr<storage::Engine> engine = OpenEngine(ctx, o.data);
  if (engine == nullptr) return;
  Result<std::vector<std::string>> names = engine->ListIndices();
  if (!names.ok()) {
    PrintError(names.status().message());
    ctx->exit_code = 1;
    return;
  }
  std::vector<query::IndexSnapshot> snapshots;
  for (const std::string& name : *names) {
    if (!query::MatchesFieldPattern(o.index, name)) continue;
    storage::Index* index = GetIndex(ctx, engine.get(), name, false);
    if (index == nullptr) return;
    snapshots.push_back({name, index->GetSnapshot()});
  }
  if (snapshots.empty()) {
    PrintError(fmt::format("no index matches [{}] in {}", o.index, o.data));
    ctx->exit_code = 1;
    return;
  }
  query::SearchOptions options;
  if (!o.now.empty()) options.now = ParseTimeOption("--now", o.now);
  Result<std::string> response = query::Search(snapshots, *request, options);
  if (!response.ok()) {
    PrintError(response.status().detail().empty()
                   ? response.status().message()
                   : response.status().detail() + ": " + response.status().message());
    ctx->exit_code = response.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
    return;
  }
  if (table) {
    PrintTable(*response);
  } else {
    std::printf("%s\n", response->c_str());
  }
}

}  // namespace

void AddSearchCommand(CLI::App* app, Context* ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("search", "Search the findings of a data directory");
  cmd->footer(
      "Runs a query string (Lucene syntax, as in Elasticsearch's q=, or KQL with --syntax kql) "
      "and prints the newest matching findings as a table, or runs a full Elasticsearch "
      "_search body given with --json (query DSL, sort, aggregations) and prints the JSON "
      "response. Examples:\n"
      "  vigil search 'type:Recon\\:EC2\\/PortProbeUnprotectedPort AND severity:>=5'\n"
      "  vigil search --syntax kql 'derived.attacker.countryName : \"China\" and severity >= 7'\n"
      "  vigil search --json '{\"size\":0,\"aggs\":{\"t\":{\"terms\":{\"field\":\"type\"}}}}'");
  cmd->add_option("query", opts->query, "Query string (default: every finding)");
  cmd->add_option("--data", opts->data, "The data directory")->capture_default_str();
  cmd->add_option("--url", opts->url, "Ask a running server instead (http://HOST:PORT)");
  cmd->add_option("--index", opts->index, "Index name or pattern (`*` wildcards)")
      ->capture_default_str();
  cmd->add_option("--json", opts->json_body,
                  "A full _search body (JSON); prints the JSON response");
  cmd->add_option("--syntax", opts->syntax, "Query string syntax: lucene or kql")
      ->capture_default_str()
      ->check(CLI::IsMember({"lucene", "kql"}));
  cmd->add_option("--size", opts->size, "Findings to list")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  cmd->add_flag("--raw", opts->raw, "Print the JSON response for a query string too");
  cmd->add_option("--now", opts->now,
                  "The time date math such as now-7d/d is relative to (ISO-8601; default: the "
                  "clock), for reproducible results");
  cmd->callback([opts, ctx] { Run(*opts, ctx); });
}

}  // namespace vigil::cli
