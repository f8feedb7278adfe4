// GET / (what the server is), GET /_cluster/health and GET /_cat/indices (Elasticsearch's
// shapes, one node), GET /api/health and GET /metrics (Vigil's own).
#include <fmt/format.h>

#include <span>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"
#include "query/search.h"

namespace vigil::http {

namespace {

// A browser asks for HTML first; Elasticsearch clients ask for JSON or anything.
bool WantsHtml(const HttpRequest& r) {
  std::optional<std::string_view> accept = r.Header("accept");
  return accept && accept->find("text/html") != std::string_view::npos;
}

}  // namespace

// GET / from a browser is the dashboard; from anything else, what the server is (the shape
// Elasticsearch's clients read).
HttpResponse HandleRoot(const ApiContext& ctx, HttpRequest& r) {
  if (WantsHtml(r)) {
    if (ctx.assets != nullptr) {
      if (std::optional<HttpResponse> page = ctx.assets->Serve("index.html", r)) {
        return std::move(*page);
      }
    }
    HttpResponse missing;
    missing.status = 503;
    missing.content_type = "text/html; charset=UTF-8";
    missing.body =
        "<!doctype html><title>Vigil</title><p>The dashboard's files are not installed: build them "
        "with <code>make build</code> (they go beside the binary, in <code>web/</code>), or set "
        "<code>web.root</code> in the configuration. The API answers as usual.</p>\n";
    return missing;
  }
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("name", ctx.options.node_name);
  w.Field("cluster_name", "vigil");
  w.Field("cluster_uuid", "_na_");
  w.Key("version");
  w.BeginObject();
  // The Elasticsearch API level Vigil answers (clients choose their requests by it).
  w.Field("number", "7.10.2");
  w.Field("distribution", "vigil");
  w.Field("build_type", "deb");
  w.Field("vigil_version", ctx.options.version);
  w.Field("lucene_version", "8.7.0");
  w.Field("minimum_wire_compatibility_version", "6.8.0");
  w.Field("minimum_index_compatibility_version", "6.0.0-beta1");
  w.EndObject();
  w.Field("tagline", "Vigil: GuardDuty findings, searchable the moment they arrive");
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleClusterHealth(const ApiContext& ctx, HttpRequest& /*r*/) {
  Result<std::vector<std::string>> names = ctx.engine->ListIndices();
  if (!names.ok()) return ErrorResponse(names.status());
  const auto n = static_cast<int64_t>(names->size());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("cluster_name", "vigil");
  w.Field("status", "green");  // one node, one shard per index, no replicas to miss
  w.Field("timed_out", false);
  w.Field("number_of_nodes", 1);
  w.Field("number_of_data_nodes", 1);
  w.Field("active_primary_shards", n);
  w.Field("active_shards", n);
  w.Field("relocating_shards", 0);
  w.Field("initializing_shards", 0);
  w.Field("unassigned_shards", 0);
  w.Field("delayed_unassigned_shards", 0);
  w.Field("number_of_pending_tasks", 0);
  w.Field("number_of_in_flight_fetch", 0);
  w.Field("task_max_waiting_in_queue_millis", 0);
  w.Field("active_shards_percent_as_number", 100.0);
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleApiHealth(const ApiContext& ctx, HttpRequest& /*r*/) {
  Result<std::vector<std::string>> names = ctx.engine->ListIndices();
  if (!names.ok()) return ErrorResponse(names.status());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("status", "ok");
  w.Field("version", ctx.options.version);
  w.Key("indices");
  w.BeginArray();
  for (const std::string& n : *names) w.String(n);
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleCatIndices(const ApiContext& ctx, HttpRequest& r) {
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, "");
  if (!indices.ok()) return ErrorResponse(indices.status());
  // The documents each index holds; for an account-scoped key, those it may see (a count under
  // its scope, as _count would answer it).
  std::vector<uint64_t> docs;
  for (const query::IndexSnapshot& ix : *indices) docs.push_back(ix.snapshot->live_docs());
  if (!r.account_scope.empty()) {
    Result<query::SearchRequest> all = query::ParseSearchRequest("", {});
    if (!all.ok()) return ErrorResponse(all.status());
    query::SearchOptions options;
    options.exec.account_scope = r.account_scope;
    for (size_t i = 0; i < indices->size(); ++i) {
      Result<uint64_t> n = query::Count(std::span(&(*indices)[i], 1), *all->query, options);
      if (!n.ok()) return ErrorResponse(n.status());
      docs[i] = *n;
    }
  }
  const bool json = r.Query("format") == std::optional<std::string_view>("json");
  const bool header = r.query.count("v") > 0;
  std::string body;
  if (json) {
    JsonWriter w(&body);
    w.BeginArray();
    for (size_t i = 0; i < indices->size(); ++i) {
      const query::IndexSnapshot& ix = (*indices)[i];
      w.BeginObject();
      w.Field("health", "green");
      w.Field("status", "open");
      w.Field("index", ix.name);
      w.Field("pri", "1");
      w.Field("rep", "0");
      w.Field("docs.count", std::to_string(docs[i]));
      w.EndObject();
    }
    w.EndArray();
    return HttpResponse::Json(200, std::move(body));
  }
  if (header) body += "health status index pri rep docs.count\n";
  for (size_t i = 0; i < indices->size(); ++i) {
    body += fmt::format("green  open   {} 1 0 {}\n", (*indices)[i].name, docs[i]);
  }
  return HttpResponse::Text(200, std::move(body));
}

}  // namespace vigil::http

namespace vigil::http {

HttpResponse HandleMetrics(const ApiContext& ctx, HttpRequest& /*r*/) {
  std::string text = ctx.metrics->Render(ctx.engine);
  if (ctx.alert_engine != nullptr) {
    const alert::AlertEngineStats a = ctx.alert_engine->stats();
    text += fmt::format(
        "# HELP vigil_alerts_total Alerts made, by what became of them.\n"
        "# TYPE vigil_alerts_total counter\n"
        "vigil_alerts_total{{outcome=\"notified\"}} {}\n"
        "vigil_alerts_total{{outcome=\"suppressed\"}} {}\n"
        "vigil_alerts_total{{outcome=\"digest\"}} {}\n"
        "# HELP vigil_alert_rule_errors_total Rule evaluations that failed (logged).\n"
        "# TYPE vigil_alert_rule_errors_total counter\n"
        "vigil_alert_rule_errors_total {}\n",
        a.alerts, a.suppressed, a.digests, a.errors);
  }
  if (ctx.alert_dispatcher != nullptr) {
    const auto stats = ctx.alert_dispatcher->stats();
    auto family = [&](std::string_view name, std::string_view type, std::string_view help,
                      auto value) {
      text += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
      for (const auto& [channel, s] : stats) {
        text += fmt::format("{}{{channel=\"{}\"}} {}\n", name, channel, value(s));
      }
    };
    family("vigil_alert_notifications_pending", "gauge",
           "Notifications in the outbox not delivered yet, by channel.",
           [](const alert::ChannelStats& s) { return s.pending; });
    family("vigil_alert_deliveries_total", "counter", "Notifications delivered, by channel.",
           [](const alert::ChannelStats& s) { return s.delivered; });
    family("vigil_alert_delivery_failures_total", "counter",
           "Failed delivery attempts (each retried), by channel.",
           [](const alert::ChannelStats& s) { return s.failures; });
    family("vigil_alert_notifications_dropped_total", "counter",
           "Notifications given up (channel deleted, or too old), by channel.",
           [](const alert::ChannelStats& s) { return s.dropped; });
  }
  HttpResponse r = HttpResponse::Text(200, std::move(text));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

// GET /_app/{file}: one of the dashboard's files.
HttpResponse HandleAsset(const ApiContext& ctx, HttpRequest& r) {
  const std::string_view file = r.Param("file");
  if (ctx.assets != nullptr) {
    if (std::optional<HttpResponse> res = ctx.assets->Serve(file, r)) return std::move(*res);
  }
  return ErrorResponse(404, "resource_not_found_exception",
                       fmt::format("no dashboard file [{}]", file));
}

}  // namespace vigil::http
