#include "http/api.h"

#include <fmt/format.h>

#include <utility>

#include "base/time.h"
#include "http/errors.h"

namespace vigil::http {

Api::Api(storage::Engine* engine, ingest::PushIngester* push, ingest::DocumentWriter* documents,
         ApiOptions options) {
  ctx_.engine = engine;
  ctx_.push = push;
  ctx_.documents = documents;
  ctx_.metrics = &metrics_;
  ctx_.options = std::move(options);
  auto add = [this](Method m, std::string_view pattern,
                    HttpResponse (*fn)(const ApiContext&, HttpRequest&)) {
    router_.Add(m, pattern, [this, fn](HttpRequest& r) { return fn(ctx_, r); });
  };
  // The routing table (DESIGN.md section 2.2).
  add(Method::kGet, "/", HandleRoot);
  add(Method::kGet, "/_cluster/health", HandleClusterHealth);
  add(Method::kGet, "/api/health", HandleApiHealth);
  add(Method::kPost, "/api/ingest", HandleIngest);
  add(Method::kGet, "/metrics", HandleMetrics);
  add(Method::kGet, "/_cat/indices", HandleCatIndices);
  add(Method::kGet, "/_search", HandleSearch);
  add(Method::kPost, "/_search", HandleSearch);
  add(Method::kGet, "/{index}/_search", HandleSearch);
  add(Method::kPost, "/{index}/_search", HandleSearch);
  add(Method::kPost, "/_msearch", HandleMultiSearch);
  add(Method::kGet, "/_msearch", HandleMultiSearch);
  add(Method::kPost, "/{index}/_msearch", HandleMultiSearch);
  add(Method::kGet, "/{index}/_msearch", HandleMultiSearch);
  add(Method::kGet, "/_count", HandleCount);
  add(Method::kPost, "/_count", HandleCount);
  add(Method::kGet, "/{index}/_count", HandleCount);
  add(Method::kPost, "/{index}/_count", HandleCount);
  add(Method::kGet, "/{index}/_doc/{id}", HandleGetDoc);
  add(Method::kPut, "/{index}/_doc/{id}", HandleIndexDoc);
  add(Method::kPost, "/{index}/_doc/{id}", HandleIndexDoc);
  add(Method::kPost, "/{index}/_doc", HandleIndexDoc);
  add(Method::kDelete, "/{index}/_doc/{id}", HandleDeleteDoc);
  add(Method::kPut, "/{index}/_create/{id}", HandleCreateDoc);
  add(Method::kPost, "/{index}/_create/{id}", HandleCreateDoc);
  add(Method::kPost, "/{index}/_update/{id}", HandleUpdateDoc);
  add(Method::kPost, "/_bulk", HandleBulk);
  add(Method::kPut, "/_bulk", HandleBulk);
  add(Method::kPost, "/{index}/_bulk", HandleBulk);
  add(Method::kPut, "/{index}/_bulk", HandleBulk);
  add(Method::kPut, "/{index}", HandleCreateIndex);
  add(Method::kDelete, "/{index}", HandleDeleteIndex);
  add(Method::kGet, "/{index}", HandleGetIndex);
  add(Method::kHead, "/{index}", HandleIndexExists);
  add(Method::kGet, "/{index}/_mapping", HandleGetMapping);
  add(Method::kPost, "/{index}/_refresh", HandleRefresh);
  add(Method::kGet, "/{index}/_refresh", HandleRefresh);
}

HttpResponse Api::Handle(HttpRequest& request) const {
  const uint64_t started = SteadyNanos();
  std::string_view route = "unmatched";
  HttpResponse response = Dispatch(request, &route);
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
