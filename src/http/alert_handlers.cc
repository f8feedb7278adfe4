// The alerting API (docs/alerting.md, docs/http-api.md "Alerts"):
//
//   GET    /api/alerts/channels            every channel (secrets redacted), with its delivery
//                                          state: pending, delivered, failures, last error
//   POST   /api/alerts/channels            create                                   -> 201
//   GET    /api/alerts/channels/{name}     one
//   PUT    /api/alerts/channels/{name}     create (201) or replace (200); a secret sent back as
//                                          "********" keeps the stored one
//   DELETE /api/alerts/channels/{name}     remove (409 while a rule uses it)
//   ... the same for /api/alerts/rules
//   POST   /api/alerts/preview?days=N      what a rule (the body) would match over the last N
//                                          days (default 7, at most 90): nothing is sent
//   GET    /api/alerts/history             the newest alerts (?rule=, ?status=, ?size= up to
//                                          1000, ?from= an offset): the alerts index, newest first
//
// Reading needs the read role, changing needs admin; alerts are about every account, so a key
// limited to some accounts is refused (403).
#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "alert/dispatcher.h"
#include "alert/engine.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"

namespace vigil::http {

namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kRedacted = "********";

std::optional<HttpResponse> Refuse(const ApiContext& ctx, const HttpRequest& r) {
  if (ctx.alert_store == nullptr || ctx.alert_engine == nullptr) {
    return ErrorResponse(503, "unavailable", "alerting is not available on this server");
  }
  if (!r.account_scope.empty()) {
    return ErrorResponse(403, "security_exception",
                         fmt::format("API key [{}] is limited to some accounts and may not use "
                                     "the alerts API, whose alerts are about every account",
                                     r.principal));
  }
  return std::nullopt;
}

Result<int64_t> IntParam(const HttpRequest& r, std::string_view name, int64_t fallback, int64_t min,
                         int64_t max) {
  std::optional<std::string_view> text = r.Query(name);
  if (!text) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    return Status::InvalidArgument(
        fmt::format("[{}] must be an integer from {} to {}, got [{}]", name, min, max, *text));
  }
  return v;
}

json ChannelJson(const ApiContext& ctx, const alert::Channel& c,
                 const std::map<std::string, alert::ChannelStats>& stats) {
  json j = json::parse(alert::ChannelToJson(c, true));
  j["configured"] = ctx.alert_store->IsConfigured("channel", c.name);
  alert::ChannelStats s;
  if (auto it = stats.find(c.name); it != stats.end()) s = it->second;
  json st = {{"pending", s.pending},
             {"delivered", s.delivered},
             {"failures", s.failures},
             {"dropped", s.dropped},
             {"consecutive_failures", s.consecutive_failures}};
  if (!s.last_error.empty()) {
    st["last_error"] = s.last_error;
    st["last_error_at"] = FormatTimestamp(s.last_error_at);
  }
  if (s.last_delivered_at != 0) st["last_delivered_at"] = FormatTimestamp(s.last_delivered_at);
  j["status"] = st;
  return j;
}

json RuleJson(const ApiContext& ctx, const alert::Rule& rule) {
  json j = json::parse(alert::RuleToJson(rule));
  j["configured"] = ctx.alert_store->IsConfigured("rule", rule.name);
  return j;
}

std::map<std::string, alert::ChannelStats> Stats(const ApiContext& ctx) {
  return ctx.alert_dispatcher != nullptr ? ctx.alert_dispatcher->stats()
                                         : std::map<std::string, alert::ChannelStats>();
}

// The body as JSON text with the path's name filled in (or checked against the body's).
Result<std::string> NamedBody(const ApiContext& ctx, const HttpRequest& r, std::string_view name) {
  Result<json> body = query::ParseJsonBody(r.body, ctx.options.max_json_depth);
  if (!body.ok()) return body.status();
  if (!body->is_object()) return Status::InvalidArgument("the body must be a JSON object");
  if (!name.empty()) {
    if (body->contains("name") && (*body)["name"] != name) {
      return Status::InvalidArgument(
          fmt::format("the body's [name] {} differs from the name in the path [{}]",
                      (*body)["name"].dump(), name));
    }
    (*body)["name"] = std::string(name);
  }
  return body->dump();
}

HttpResponse Json(int status, const json& j) {
  return HttpResponse::Json(status, j.dump(-1, ' ', false, json::error_handler_t::replace));
}

HttpResponse PutChannel(const ApiContext& ctx, HttpRequest& r, std::string_view name, bool create) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  Result<std::string> text = NamedBody(ctx, r, name);
  if (!text.ok()) return ErrorResponse(text.status());
  Result<alert::Channel> c = alert::ParseChannel(*text, ctx.options.max_json_depth);
  if (!c.ok()) return ErrorResponse(c.status());
  // Secrets sent back redacted (a GET, edited, PUT again) keep the stored values.
  bool existed = false;
  for (const alert::Channel& old : ctx.alert_store->Get().channels) {
    if (old.name != c->name) continue;
    existed = true;
    if (c->secret == kRedacted) c->secret = old.secret;
    if (c->password == kRedacted) c->password = old.password;
    if (c->secret_access_key == kRedacted) c->secret_access_key = old.secret_access_key;
    if (c->session_token == kRedacted) c->session_token = old.session_token;
  }
  if (Status s = ctx.alert_store->PutChannel(*c, create); !s.ok()) return ErrorResponse(s);
  return Json(existed ? 200 : 201, ChannelJson(ctx, *c, Stats(ctx)));
}

HttpResponse PutRule(const ApiContext& ctx, HttpRequest& r, std::string_view name, bool create) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  Result<std::string> text = NamedBody(ctx, r, name);
  if (!text.ok()) return ErrorResponse(text.status());
  Result<alert::Rule> rule = alert::ParseRule(*text, ctx.options.max_json_depth);
  if (!rule.ok()) return ErrorResponse(rule.status());
  bool existed = false;
  for (const alert::Rule& old : ctx.alert_store->Get().rules) existed |= old.name == rule->name;
  if (Status s = ctx.alert_store->PutRule(*rule, create); !s.ok()) return ErrorResponse(s);
  return Json(existed ? 200 : 201, RuleJson(ctx, *rule));
}

HttpResponse Deleted(std::string_view kind, std::string_view name) {
  return Json(200, {{kind, std::string(name)}, {"result", "deleted"}});
}

}  // namespace

HttpResponse HandleListAlertChannels(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  const auto stats = Stats(ctx);
  json list = json::array();
  for (const alert::Channel& c : ctx.alert_store->Get().channels) {
    list.push_back(ChannelJson(ctx, c, stats));
  }
  return Json(200, {{"channels", list}});
}

HttpResponse HandleGetAlertChannel(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  for (const alert::Channel& c : ctx.alert_store->Get().channels) {
    if (c.name == r.Param("name")) return Json(200, ChannelJson(ctx, c, Stats(ctx)));
  }
  return ErrorResponse(
      Status::NotFound(fmt::format("no alert channel named [{}]", r.Param("name"))));
}

HttpResponse HandleCreateAlertChannel(const ApiContext& ctx, HttpRequest& r) {
  return PutChannel(ctx, r, "", true);
}

HttpResponse HandlePutAlertChannel(const ApiContext& ctx, HttpRequest& r) {
  const std::string name(r.Param("name"));
  return PutChannel(ctx, r, name, false);
}

HttpResponse HandleDeleteAlertChannel(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  if (Status s = ctx.alert_store->DeleteChannel(r.Param("name")); !s.ok()) return ErrorResponse(s);
  return Deleted("channel", r.Param("name"));
}

HttpResponse HandleListAlertRules(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  json list = json::array();
  for (const alert::Rule& rule : ctx.alert_store->Get().rules) list.push_back(RuleJson(ctx, rule));
  return Json(200, {{"rules", list}});
}

HttpResponse HandleGetAlertRule(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  for (const alert::Rule& rule : ctx.alert_store->Get().rules) {
    if (rule.name == r.Param("name")) return Json(200, RuleJson(ctx, rule));
  }
  return ErrorResponse(Status::NotFound(fmt::format("no alert rule named [{}]", r.Param("name"))));
}

HttpResponse HandleCreateAlertRule(const ApiContext& ctx, HttpRequest& r) {
  return PutRule(ctx, r, "", true);
}

HttpResponse HandlePutAlertRule(const ApiContext& ctx, HttpRequest& r) {
  const std::string name(r.Param("name"));
  return PutRule(ctx, r, name, false);
}

HttpResponse HandleDeleteAlertRule(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  if (Status s = ctx.alert_store->DeleteRule(r.Param("name")); !s.ok()) return ErrorResponse(s);
  return Deleted("rule", r.Param("name"));
}

HttpResponse HandlePreviewAlertRule(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  Result<int64_t> days = IntParam(r, "days", 7, 1, 90);
  if (!days.ok()) return ErrorResponse(days.status());
  Result<alert::Rule> rule = alert::ParseRule(r.body, ctx.options.max_json_depth);
  if (!rule.ok()) return ErrorResponse(rule.status());
  Result<std::string> preview = ctx.alert_engine->Preview(*rule, *days * 86'400'000LL);
  if (!preview.ok()) return ErrorResponse(preview.status());
  return HttpResponse::Json(200, std::move(*preview));
}

HttpResponse HandleAlertHistory(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Refuse(ctx, r)) return std::move(*refused);
  Result<int64_t> size = IntParam(r, "size", 50, 0, 1000);
  if (!size.ok()) return ErrorResponse(size.status());
  Result<int64_t> from = IntParam(r, "from", 0, 0, 10000);
  if (!from.ok()) return ErrorResponse(from.status());
  json body = {{"size", *size},
               {"from", *from},
               {"track_total_hits", true},
               {"sort", json::array({{{"created_at", "desc"}}})}};
  json filters = json::array();
  if (auto rule = r.Query("rule")) filters.push_back({{"term", {{"rule", std::string(*rule)}}}});
  if (auto status = r.Query("status")) {
    filters.push_back({{"term", {{"status", std::string(*status)}}}});
  }
  body["query"] = {{"bool", {{"filter", filters}}}};
  Result<query::SearchRequest> request = query::ParseSearchRequest(body.dump());
  if (!request.ok()) return ErrorResponse(request.status());
  json out = {{"total", 0}, {"alerts", json::array()}};
  Result<std::shared_ptr<storage::Index>> index = ctx.engine->GetIndex(alert::kAlertsIndex, false);
  if (!index.ok()) {
    if (index.status().code() == StatusCode::kNotFound) return Json(200, out);
    return ErrorResponse(index.status());
  }
  std::vector<query::IndexSnapshot> indices = {
      {std::string(alert::kAlertsIndex), (*index)->GetSnapshot()}};
  Result<std::string> response = query::Search(indices, *request);
  if (!response.ok()) return ErrorResponse(response.status());
  json parsed = json::parse(*response, nullptr, false);
  if (parsed.is_discarded()) return ErrorResponse(500, "exception", "invalid search response");
  out["total"] = parsed["hits"]["total"]["value"];
  for (json& hit : parsed["hits"]["hits"]) out["alerts"].push_back(std::move(hit["_source"]));
  return Json(200, out);
}

}  // namespace vigil::http
