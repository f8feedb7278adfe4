// GET|POST /{index}/_search and /{index}/_count (also without an index: every index). The body
// is the query DSL; URI parameters work as in Elasticsearch: q= (a Lucene query string, with df
// and default_operator), from, size, sort=field:asc|desc,..., track_total_hits, _source.
#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"
#include "query/query_string.h"

namespace vigil::http {

namespace {

constexpr size_t kMaxMultiSearches = 1024;

Status BadParameter(std::string_view name, std::string_view value, std::string_view what) {
  return Status::InvalidArgument(
             fmt::format("Failed to parse value [{}] for parameter [{}]: {}", value, name, what))
      .WithDetail("illegal_argument_exception");
}

Result<int64_t> IntParameter(std::string_view name, std::string_view value) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p != value.data() + value.size()) {
    return BadParameter(name, value, "not an integer");
  }
  return n;
}

Result<bool> BoolParameter(std::string_view name, std::string_view value) {
  if (value.empty() || value == "true") return true;
  if (value == "false") return false;
  return BadParameter(name, value, "only [true] or [false] are allowed");
}

// The search options of a request: its key's account scope, enforced by the query layer in
// every hit, count and aggregation.
query::SearchOptions OptionsFor(const HttpRequest& r) {
  query::SearchOptions options;
  options.exec.account_scope = r.account_scope;
  return options;
}

query::ParseLimits Limits(const ApiContext& ctx) {
  query::ParseLimits limits;
  limits.max_depth = ctx.options.max_json_depth;
  return limits;
}

// The search request of a _search call: its body, then its URI parameters over it.
Result<query::SearchRequest> BuildSearchRequest(const ApiContext& ctx, const HttpRequest& r) {
  Result<query::SearchRequest> req = query::ParseSearchRequest(r.body, Limits(ctx));
  if (!req.ok()) return req.status();
  if (auto q = r.Query("q")) {
    Result<std::unique_ptr<query::Query>> parsed = UriQuery(r, *q);
    if (!parsed.ok()) return parsed.status();
    req->query = std::move(*parsed);
  }
  if (auto v = r.Query("from")) {
    Result<int64_t> n = IntParameter("from", *v);
    if (!n.ok()) return n.status();
    req->from = *n;
  }
  if (auto v = r.Query("size")) {
    Result<int64_t> n = IntParameter("size", *v);
    if (!n.ok()) return n.status();
    req->size = *n;
  }
  if (req->from < 0 || req->size < 0) {
    return Status::InvalidArgument("[from] and [size] must not be negative")
        .WithDetail("illegal_argument_exception");
  }
  if (req->from + req->size > Limits(ctx).max_result_window) {
    return Status::InvalidArgument(
               fmt::format("Result window is too large, from + size must be less than or equal "
                           "to: [{}] but was [{}].",
                           Limits(ctx).max_result_window, req->from + req->size))
        .WithDetail("illegal_argument_exception");
  }
  if (auto v = r.Query("sort")) {
    req->sort.clear();
    std::string_view rest = *v;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      query::SortKey key;
      const size_t colon = item.rfind(':');
      key.field = std::string(item.substr(0, colon));
      if (colon != std::string_view::npos) {
        std::string_view order = item.substr(colon + 1);
        if (order != "asc" && order != "desc") {
          return BadParameter("sort", item, "the order must be asc or desc");
        }
        key.descending = order == "desc";
      } else {
        key.descending = key.field == "_score";
      }
      req->sort.push_back(std::move(key));
    }
  }
  if (auto v = r.Query("track_total_hits")) {
    if (*v == "true" || v->empty()) {
      req->track_total_hits = std::numeric_limits<int64_t>::max();
    } else if (*v == "false") {
      req->track_total_hits = 0;
    } else {
      Result<int64_t> n = IntParameter("track_total_hits", *v);
      if (!n.ok()) return n.status();
      req->track_total_hits = *n;
    }
    req->track_total_hits_set = true;
  }
  if (auto v = r.Query("_source")) {
    if (*v == "false") {
      req->source.enabled = false;
    } else if (*v != "true") {
      req->source.enabled = true;
      req->source.includes.clear();
      std::string_view rest = *v;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        if (comma > 0) req->source.includes.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
  }
  return req;
}

}  // namespace

// The query of q= (a Lucene query string).
Result<std::unique_ptr<query::Query>> UriQuery(const HttpRequest& r, std::string_view q) {
  query::QueryStringOptions qs;
  if (auto df = r.Query("df")) qs.default_fields = {std::string(*df)};
  if (auto op = r.Query("default_operator")) {
    if (*op == "AND" || *op == "and") {
      qs.default_and = true;
    } else if (*op != "OR" && *op != "or") {
      return BadParameter("default_operator", *op, "AND or OR");
    }
  }
  if (auto lenient = r.Query("lenient")) {
    Result<bool> b = BoolParameter("lenient", *lenient);
    if (!b.ok()) return b.status();
    qs.lenient = *b;
  }
  return query::ParseLuceneQuery(q, qs);
}

HttpResponse HandleSearch(const ApiContext& ctx, HttpRequest& r) {
  Result<query::SearchRequest> request = BuildSearchRequest(ctx, r);
  if (!request.ok()) return ErrorResponse(request.status());
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, r.Param("index"));
  if (!indices.ok()) return ErrorResponse(indices.status());
  Result<std::string> response = query::Search(*indices, *request, OptionsFor(r));
  if (!response.ok()) return ErrorResponse(response.status());
  return HttpResponse::Json(200, std::move(*response));
}

HttpResponse HandleMultiSearch(const ApiContext& ctx, HttpRequest& r) {
  // NDJSON: a header line ({"index": ...} or {}) and a body line per search.
  std::vector<std::string_view> lines;
  std::string_view rest = r.body;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    lines.push_back(line);
  }
  if (lines.empty() || lines.size() % 2 != 0) {
    return ErrorResponse(400, "illegal_argument_exception",
                         lines.empty() ? "no requests added: the body of _msearch is a header "
                                         "line and a body line per search"
                                       : "the last search of the _msearch body has a header "
                                         "line but no body line");
  }
  if (lines.size() / 2 > kMaxMultiSearches) {
    return ErrorResponse(400, "illegal_argument_exception",
                         fmt::format("_msearch takes at most {} searches, not {}",
                                     kMaxMultiSearches, lines.size() / 2));
  }
  const uint64_t started = SteadyNanos();
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("took");
  const size_t took_at = body.size();
  w.Raw("0");
  w.Key("responses");
  w.BeginArray();
  for (size_t i = 0; i < lines.size(); i += 2) {
    // Each search answers for itself: an error is that search's response, not the whole call's.
    auto one = [&]() -> Result<std::string> {
      std::string index(r.Param("index"));
      Result<nlohmann::ordered_json> header = query::ParseJsonBody(lines[i], Limits(ctx).max_depth);
      if (!header.ok()) return header.status();
      if (!header->is_object()) {
        return Status::InvalidArgument(
                   fmt::format("the header of search {} is not an object", i / 2))
            .WithDetail("illegal_argument_exception");
      }
      if (auto it = header->find("index"); it != header->end()) {
        if (it->is_string()) {
          index = it->get<std::string>();
        } else if (it->is_array()) {
          index.clear();
          for (const auto& v : *it) {
            if (!v.is_string()) continue;
            if (!index.empty()) index += ",";
            index += v.get<std::string>();
          }
        }
      }
      Result<query::SearchRequest> req = query::ParseSearchRequest(lines[i + 1], Limits(ctx));
      if (!req.ok()) return req.status();
      Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, index);
      if (!indices.ok()) return indices.status();
      return query::Search(*indices, *req, OptionsFor(r));
    };
    Result<std::string> response = one();
    if (response.ok()) {
      std::string& text = *response;
      text.pop_back();  // the closing brace: each response also says its status
      text += ",\"status\":200}";
      w.Raw(text);
    } else {
      HttpResponse e = ErrorResponse(response.status());
      w.Raw(e.body);
    }
  }
  w.EndArray();
  w.EndObject();
  body.replace(took_at, 1, std::to_string((SteadyNanos() - started) / 1'000'000));
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleCount(const ApiContext& ctx, HttpRequest& r) {
  std::unique_ptr<query::Query> q;
  if (auto text = r.Query("q")) {
    Result<std::unique_ptr<query::Query>> parsed = UriQuery(r, *text);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    q = std::move(*parsed);
  } else {
    Result<query::SearchRequest> req = query::ParseSearchRequest(r.body, Limits(ctx));
    if (!req.ok()) return ErrorResponse(req.status());
    q = std::move(req->query);
  }
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, r.Param("index"));
  if (!indices.ok()) return ErrorResponse(indices.status());
  Result<uint64_t> n = query::Count(*indices, *q, OptionsFor(r));
  if (!n.ok()) return ErrorResponse(n.status());
  const auto shards = static_cast<int64_t>(indices->size());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("count");
  w.Uint(*n);
  w.Key("_shards");
  w.BeginObject();
  w.Field("total", shards);
  w.Field("successful", shards);
  w.Field("skipped", 0);
  w.Field("failed", 0);
  w.EndObject();
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace vigil::http
