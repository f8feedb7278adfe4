#include "http/api.h"

#include <fmt/format.h>

#include <utility>

#include "base/time.h"
#include "http/errors.h"

namespace vigil::http {

Api::Api(storage::Engine* engine, ingest::PushIngester* push, ingest::DocumentWriter* documents,
         Authenticator* auth, ingest::FindingEventHub* events, ApiOptions options) {
  ctx_.engine = engine;
  ctx_.push = push;
  ctx_.documents = documents;
  ctx_.auth = auth;
  ctx_.events = events;
  ctx_.metrics = &metrics_;
  ctx_.options = std::move(options);
  auto add = [this](Method m, std::string_view pattern, Access access,
                    HttpResponse (*fn)(const ApiContext&, HttpRequest&)) {
    // SNS sends its Basic credentials only after a 401 that asks for them.
    const bool basic = pattern == "/api/ingest/sns";
    router_.Add(m, pattern, [this, fn, access, basic](HttpRequest& r) {
      if (std::optional<HttpResponse> refused = Authorize(access, basic, r)) {
        return std::move(*refused);
      }
      return fn(ctx_, r);
    });
  };
  constexpr Access kOpen = Access::kOpen, kRead = Access::kRead, kWrite = Access::kWrite,
                   kAdmin = Access::kAdmin;
  // The routing table (DESIGN.md section 2.2), with what each route needs of an API key
  // (docs/configuration.md).
  add(Method::kGet, "/", kOpen, HandleRoot);
  add(Method::kHead, "/", kOpen, HandleRoot);
  add(Method::kGet, "/_app/{file}", kOpen, HandleAsset);
  add(Method::kHead, "/_app/{file}", kOpen, HandleAsset);
  add(Method::kGet, "/api/health", kOpen, HandleApiHealth);
  add(Method::kGet, "/_cluster/health", kRead, HandleClusterHealth);
  add(Method::kPost, "/api/ingest", kWrite, HandleIngest);
  add(Method::kPost, "/api/ingest/sns", kWrite, HandleIngestSns);
  add(Method::kGet, "/api/stream", kRead, HandleStream);
  // Saved objects: writes also need a key without an account scope (object_handlers.cc).
  add(Method::kGet, "/api/objects", kRead, HandleListObjects);
  add(Method::kGet, "/api/objects/{type}", kRead, HandleListObjects);
  add(Method::kPost, "/api/objects/{type}", kRead, HandleCreateObject);
  add(Method::kGet, "/api/objects/{type}/{id}", kRead, HandleGetObject);
  add(Method::kPut, "/api/objects/{type}/{id}", kRead, HandlePutObject);
  add(Method::kDelete, "/api/objects/{type}/{id}", kRead, HandleDeleteObject);
  // Alerting: also a key without an account scope (alert_handlers.cc).
  add(Method::kGet, "/api/alerts/channels", kRead, HandleListAlertChannels);
  add(Method::kPost, "/api/alerts/channels", kAdmin, HandleCreateAlertChannel);
  add(Method::kGet, "/api/alerts/channels/{name}", kRead, HandleGetAlertChannel);
  add(Method::kPut, "/api/alerts/channels/{name}", kAdmin, HandlePutAlertChannel);
  add(Method::kDelete, "/api/alerts/channels/{name}", kAdmin, HandleDeleteAlertChannel);
  add(Method::kGet, "/api/alerts/rules", kRead, HandleListAlertRules);
  add(Method::kPost, "/api/alerts/rules", kAdmin, HandleCreateAlertRule);
  add(Method::kGet, "/api/alerts/rules/{name}", kRead, HandleGetAlertRule);
  add(Method::kPut, "/api/alerts/rules/{name}", kAdmin, HandlePutAlertRule);
  add(Method::kDelete, "/api/alerts/rules/{name}", kAdmin, HandleDeleteAlertRule);
  add(Method::kPost, "/api/alerts/preview", kRead, HandlePreviewAlertRule);
  add(Method::kGet, "/api/alerts/history", kRead, HandleAlertHistory);
  add(Method::kGet, "/metrics", kAdmin, HandleMetrics);
  add(Method::kGet, "/_cat/indices", kRead, HandleCatIndices);
  add(Method::kGet, "/_search", kRead, HandleSearch);
  add(Method::kPost, "/_search", kRead, HandleSearch);
  add(Method::kGet, "/{index}/_search", kRead, HandleSearch);
  add(Method::kPost, "/{index}/_search", kRead, HandleSearch);
  add(Method::kPost, "/_msearch", kRead, HandleMultiSearch);
  add(Method::kGet, "/_msearch", kRead, HandleMultiSearch);
  add(Method::kPost, "/{index}/_msearch", kRead, HandleMultiSearch);
  add(Method::kGet, "/{index}/_msearch", kRead, HandleMultiSearch);
  add(Method::kGet, "/_count", kRead, HandleCount);
  add(Method::kPost, "/_count", kRead, HandleCount);
  add(Method::kGet, "/{index}/_count", kRead, HandleCount);
  add(Method::kPost, "/{index}/_count", kRead, HandleCount);
  add(Method::kGet, "/{index}/_doc/{id}", kRead, HandleGetDoc);
  add(Method::kPut, "/{index}/_doc/{id}", kWrite, HandleIndexDoc);
  add(Method::kPost, "/{index}/_doc/{id}", kWrite, HandleIndexDoc);
  add(Method::kPost, "/{index}/_doc", kWrite, HandleIndexDoc);
  add(Method::kDelete, "/{index}/_doc/{id}", kWrite, HandleDeleteDoc);
  add(Method::kPut, "/{index}/_create/{id}", kWrite, HandleCreateDoc);
  add(Method::kPost, "/{index}/_create/{id}", kWrite, HandleCreateDoc);
  add(Method::kPost, "/{index}/_update/{id}", kWrite, HandleUpdateDoc);
  add(Method::kPost, "/_bulk", kWrite, HandleBulk);
  add(Method::kPut, "/_bulk", kWrite, HandleBulk);
  add(Method::kPost, "/{index}/_bulk", kWrite, HandleBulk);
  add(Method::kPut, "/{index}/_bulk", kWrite, HandleBulk);
  add(Method::kPut, "/{index}", kAdmin, HandleCreateIndex);
  add(Method::kDelete, "/{index}", kAdmin, HandleDeleteIndex);
  add(Method::kGet, "/{index}", kRead, HandleGetIndex);
  add(Method::kHead, "/{index}", kRead, HandleIndexExists);
  add(Method::kGet, "/{index}/_mapping", kRead, HandleGetMapping);
  add(Method::kPost, "/{index}/_refresh", kWrite, HandleRefresh);
  add(Method::kGet, "/{index}/_refresh", kWrite, HandleRefresh);
}

std::optional<HttpResponse> Api::Authorize(Access access, bool basic, HttpRequest& request) const {
  if (ctx_.auth == nullptr || !ctx_.auth->enabled()) return std::nullopt;
  Authenticator::Decision d = ctx_.auth->Check(request.headers, request.remote, access);
  switch (d.verdict) {
    case Authenticator::Verdict::kOk:
      if (d.principal) {
        request.principal = d.principal->name;
        request.account_scope = d.principal->accounts;
      }
      return std::nullopt;
    case Authenticator::Verdict::kMissing:
    case Authenticator::Verdict::kInvalid: {
      HttpResponse r = ErrorResponse(401, "security_exception", d.reason);
      r.headers.emplace_back("WWW-Authenticate",
                             basic ? "Basic realm=\"vigil\", ApiKey, Bearer" : "ApiKey, Bearer");
      return r;
    }
    case Authenticator::Verdict::kForbidden:
      return ErrorResponse(403, "security_exception", d.reason);
    case Authenticator::Verdict::kThrottled: {
      HttpResponse r = ErrorResponse(429, "too_many_requests", d.reason);
      r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
      return r;
    }
  }
  return ErrorResponse(500, "exception", "unknown authentication verdict");
}

HttpResponse Api::Handle(HttpRequest& request) const {
  const uint64_t started = SteadyNanos();
  std::string_view route = "unmatched";
  HttpResponse response;
  // Each request holds one server thread: past the limit, the caller is asked to come back
  // rather than queued without bound (Elasticsearch's rejected execution).
  if (in_flight_.fetch_add(1) >= ctx_.options.max_concurrent_requests) {
    response = ErrorResponse(
        429, "es_rejected_execution_exception",
        fmt::format("more than {} requests are running (limits.max_concurrent_requests); retry",
                    ctx_.options.max_concurrent_requests));
    response.headers.emplace_back("Retry-After", "1");
  } else {
    response = Dispatch(request, &route);
  }
  in_flight_.fetch_sub(1);
  metrics_.Request(route, request.method, response.status, SteadyNanos() - started);
  return response;
}

HttpResponse Api::Dispatch(HttpRequest& request, std::string_view* route) const {
  Router::Match m = router_.Find(&request);
  switch (m.outcome) {
    case Router::Outcome::kFound:
      *route = *m.pattern;
      return (*m.handler)(request);
    case Router::Outcome::kMethodNotAllowed: {
      std::string allowed;
      for (Method a : m.allowed) {
        if (!allowed.empty()) allowed += ",";
        allowed += MethodName(a);
      }
      HttpResponse r = ErrorResponse(
          405, "method_not_allowed_exception",
          fmt::format("Incorrect HTTP method for uri [{}] and method [{}], allowed: [{}]",
                      request.path, MethodName(request.method), allowed));
      r.headers.emplace_back("Allow", allowed);
      return r;
    }
    case Router::Outcome::kNotFound:
      break;
  }
  return ErrorResponse(404, "resource_not_found_exception",
                       fmt::format("no handler found for uri [{}] and method [{}]", request.path,
                                   MethodName(request.method)));
}

}  // namespace vigil::http
