// Api: the routing table of `vigil serve` (every endpoint is listed in Api::Api) and the
// dispatch of a request to its handler. Handlers are thin: they read the request, call the
// engine or the query module and write Elasticsearch's response; a failed Status becomes an
// error response in errors.cc, the only place that knows HTTP status codes.
//
// Thread-safe: requests are handled concurrently on the server's threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alert/alert_store.h"
#include "alert/dispatcher.h"
#include "alert/engine.h"
#include "aws/sns.h"
#include "base/json_writer.h"
#include "http/auth.h"
#include "http/http_types.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static_assets.h"
#include "ingest/document_writer.h"
#include "ingest/finding_events.h"
#include "ingest/push_ingester.h"
#include "query/search.h"
#include "storage/engine.h"
#include "storage/object_store.h"

namespace vigil::http {

struct ApiOptions {
  std::string node_name = "vigil";
  std::string version;                        // Vigil's version, reported by GET /
  uint64_t max_json_depth = 64;               // nesting of a request body
  uint64_t max_bulk_items = 10000;            // operations of one _bulk request
  uint64_t max_concurrent_requests = 1024;    // more at once are refused with 429
  std::function<void(std::string_view)> log;  // may be empty
};

// What handlers work with. Borrowed: the engine outlives the Api.
struct ApiContext {
  storage::Engine* engine = nullptr;
  ingest::PushIngester* push = nullptr;         // null: POST /api/ingest answers 503
  ingest::DocumentWriter* documents = nullptr;  // null: document writes answer 503
  Authenticator* auth = nullptr;                // null or without keys: every request is open
  ingest::FindingEventHub* events = nullptr;    // null: GET /api/stream answers 503
  aws::SnsReceiver* sns = nullptr;              // null: POST /api/ingest/sns answers 503
  const StaticAssets* assets = nullptr;         // null: the dashboard is not served
  storage::ObjectStore* objects = nullptr;      // null: /api/objects answers 503
  // Alerting: null store or engine: /api/alerts answers 503; null dispatcher: no delivery state.
  alert::AlertStore* alert_store = nullptr;
  alert::AlertEngine* alert_engine = nullptr;
  alert::Dispatcher* alert_dispatcher = nullptr;
  Metrics* metrics = nullptr;
  ApiOptions options;
};

class Api {
 public:
  Api(storage::Engine* engine, ingest::PushIngester* push, ingest::DocumentWriter* documents,
      Authenticator* auth, ingest::FindingEventHub* events, ApiOptions options);
  Api(const Api&) = delete;  // the routes point at this object
  Api& operator=(const Api&) = delete;
  HttpResponse Handle(HttpRequest& request) const;
  // Takes SNS deliveries on POST /api/ingest/sns; call before serving.
  void SetSns(aws::SnsReceiver* sns) { ctx_.sns = sns; }
  // Serves the dashboard's files (GET / from a browser, GET /_app/{file}); call before serving.
  void SetAssets(const StaticAssets* assets) { ctx_.assets = assets; }
  // Keeps the dashboard's saved objects (/api/objects); call before serving.
  void SetObjects(storage::ObjectStore* objects) { ctx_.objects = objects; }
  // Serves /api/alerts; call before serving.
  void SetAlerts(alert::AlertStore* store, alert::AlertEngine* engine,
                 alert::Dispatcher* dispatcher) {
    ctx_.alert_store = store;
    ctx_.alert_engine = engine;
    ctx_.alert_dispatcher = dispatcher;
  }

 private:
  HttpResponse Dispatch(HttpRequest& request, std::string_view* route) const;
  // The answer to a request that may not go ahead (401, 403, 429), or nullopt; fills the
  // request's principal and account scope.
  // `basic` adds a Basic challenge to a 401 (for clients that send credentials only when asked:
  // SNS).
  std::optional<HttpResponse> Authorize(Access access, bool basic, HttpRequest& request) const;

  mutable Metrics metrics_;  // thread-safe
  mutable std::atomic<uint64_t> in_flight_{0};
  ApiContext ctx_;
  Router router_;
};

// The index `name`; NotFound with index_not_found_exception when there is none.
Result<std::shared_ptr<storage::Index>> OpenIndex(storage::Engine* engine, std::string_view name);

// The indices an index expression names ("findings", "find*", "a,b", "_all", or empty for all),
// as snapshots taken now. A name without a wildcard that does not exist is NotFound
// (index_not_found_exception); a wildcard may match nothing.
Result<std::vector<query::IndexSnapshot>> ResolveIndices(storage::Engine* engine,
                                                         std::string_view expression);

// The query of a `q=` parameter (a Lucene query string), with the request's `df`,
// `default_operator` and `lenient`.
Result<std::unique_ptr<query::Query>> UriQuery(const HttpRequest& r, std::string_view q);

// The body of an update (`_update` and a _bulk update line: {"doc": .., "upsert": ..,
// "doc_as_upsert": ..}) into *op, whose source and upsert then view *doc and *upsert.
Status ParseUpdateBody(std::string_view text, size_t max_depth, ingest::DocOp* op, std::string* doc,
                       std::string* upsert);

// A document write's result as Elasticsearch writes it (the fields of one bulk item or of a
// single-document answer), and its HTTP status.
void WriteDocResult(JsonWriter* w, std::string_view index, const ingest::DocResult& r);
int DocResultStatus(const ingest::DocResult& r);

// The handlers, one file per resource (cluster_handlers.cc, search_handlers.cc,
// document_handlers.cc, bulk_handlers.cc, index_handlers.cc, ingest_handlers.cc,
// object_handlers.cc, alert_handlers.cc).
HttpResponse HandleRoot(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleAsset(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleClusterHealth(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleApiHealth(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleSearch(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleMultiSearch(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCount(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleGetDoc(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleIndexDoc(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCreateDoc(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleUpdateDoc(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleDeleteDoc(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleBulk(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCreateIndex(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleDeleteIndex(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleGetIndex(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleIndexExists(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleGetMapping(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleRefresh(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCatIndices(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleIngest(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleIngestSns(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleMetrics(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleStream(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleListObjects(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleGetObject(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCreateObject(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandlePutObject(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleDeleteObject(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleListAlertChannels(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleGetAlertChannel(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCreateAlertChannel(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandlePutAlertChannel(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleDeleteAlertChannel(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleListAlertRules(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleGetAlertRule(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleCreateAlertRule(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandlePutAlertRule(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleDeleteAlertRule(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandlePreviewAlertRule(const ApiContext& ctx, HttpRequest& r);
HttpResponse HandleAlertHistory(const ApiContext& ctx, HttpRequest& r);

}  // namespace vigil::http
