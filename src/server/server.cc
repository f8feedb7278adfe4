#include "server/server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "alert/alert_files.h"
#include "alert/dispatcher.h"
#include "alert/engine.h"
#include "archive/archive_format.h"
#include "archive/archive_writer.h"
#include "aws/sns.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/http_server.h"
#include "http/http_types.h"
#include "ingest/document_writer.h"
#include "ingest/findings_deriver.h"
#include "ingest/push_ingester.h"
#include "storage/engine.h"
#include "storage/object_store.h"

namespace vigil::server {

Status ParseListen(std::string_view text, std::string* host, uint16_t* port) {
  Status s = http::ParseHostPort(text, host, port);
  if (!s.ok()) return Status::InvalidArgument(fmt::format("--listen [{}]: {}", text, s.message()));
  return s;
}

bool IsLoopback(std::string_view host) { return host.starts_with("127.") || host == "::1"; }

Status Serve(Env* env, const ServeOptions& options) {
  const ServerConfig& config = options.config;
  if (config.api_keys.empty() && !IsLoopback(options.host)) {
    return Status::InvalidArgument(fmt::format(
        "refusing to listen on {} without API keys: anyone who can reach it could read and write "
        "every finding. Configure auth.api_keys (docs/configuration.md) or listen on 127.0.0.1",
        options.host));
  }
  std::vector<http::ApiKey> keys;
  for (const ApiKeyConfig& k : config.api_keys) {
    std::optional<http::Role> role = http::ParseRole(k.role);
    if (!role) return Status::InvalidArgument(fmt::format("api key {}: bad role", k.name));
    keys.push_back({k.name, k.sha256, *role, k.accounts});
  }
  http::Authenticator auth(std::move(keys), config.auth_header.value_or(""));
  // SIGTERM and SIGINT are taken by sigwait below: blocked before any thread starts, so that
  // every thread inherits the mask and none is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<std::unique_ptr<storage::Engine>> engine =
      storage::Engine::Open(env, options.data_dir, ingest::IngestIndexOptions());
  if (!engine.ok()) return engine.status();
  storage::Engine* db = engine->get();
  Result<std::shared_ptr<storage::Index>> findings = db->GetIndex(storage::kDefaultIndex, true);
  if (!findings.ok()) return findings.status();
  // The archive of pushed findings (what a crashed run committed to its journal is sealed into
  // files first).
  archive::ArchiveOptions archive_options;
  archive_options.log = options.log;
  archive::ArchiveWriter archive(env, JoinPath(options.data_dir, archive::kArchiveDirName),
                                 archive_options);
  archive::CommitStats recovered;
  if (Status s = archive.Open(&recovered); !s.ok()) {
    return Status(s.code(), "cannot open the archive: " + s.message());
  }
  ingest::PushIngester push(&archive, [db] { return db->GetIndex(storage::kDefaultIndex, true); });
  ingest::FindingEventHub events;
  push.SetEvents(&events);
  ingest::DocumentWriter documents(db, &push);
  http::ApiOptions api_options;
  api_options.version = options.version;
  if (config.max_json_depth) api_options.max_json_depth = *config.max_json_depth;
  if (config.max_bulk_items) api_options.max_bulk_items = *config.max_bulk_items;
  if (config.max_concurrent_requests) {
    api_options.max_concurrent_requests = *config.max_concurrent_requests;
  }
  api_options.log = options.log;
  http::Api api(db, &push, &documents, &auth, &events, api_options);
  aws::SnsOptions sns_options;
  sns_options.topic_arns = config.sns_topic_arns;
  sns_options.extra_trusted_url_prefixes = config.sns_extra_trusted_url_prefixes;
  aws::SnsReceiver sns(std::move(sns_options));
  api.SetSns(&sns);
  // The dashboard's saved objects (DATA/objects/).
  Result<std::unique_ptr<storage::ObjectStore>> objects =
      storage::ObjectStore::Open(env, JoinPath(options.data_dir, "objects"));
  if (!objects.ok()) {
    return Status(objects.status().code(),
                  "cannot open the saved objects: " + objects.status().message());
  }
  if (options.log) {
    for (const std::string& warning : (*objects)->warnings()) options.log(warning);
  }
  api.SetObjects(objects->get());
  // The dashboard: its files are loaded once, here. Without them the API still serves, and GET /
  // from a browser says how to build them.
  std::unique_ptr<http::StaticAssets> assets;
  const std::string web_root = config.web_root.value_or(options.default_web_root);
  if (!web_root.empty()) {
    Result<std::unique_ptr<http::StaticAssets>> loaded = http::StaticAssets::Load(env, web_root);
    if (loaded.ok()) {
      assets = std::move(*loaded);
      api.SetAssets(assets.get());
    } else if (config.web_root) {
      return Status(loaded.status().code(), "web.root: " + loaded.status().message());
    } else if (options.log) {
      options.log(fmt::format("the dashboard is not served: {} (make build puts it there)",
                              loaded.status().message()));
    }
  }
  http::ServerLimits limits;
  if (config.max_body_bytes) limits.max_body_bytes = *config.max_body_bytes;
  if (config.max_header_bytes) {
    limits.max_header_bytes =
        static_cast<uint32_t>(std::min<uint64_t>(*config.max_header_bytes, UINT32_MAX));
  }
  if (config.max_concurrent_requests) {
    limits.max_pending_requests = static_cast<size_t>(*config.max_concurrent_requests);
  }
  if (config.request_timeout_seconds) {
    limits.request_timeout = std::chrono::seconds(*config.request_timeout_seconds);
  }
  http::HttpServer server([&api](http::HttpRequest& r) { return api.Handle(r); }, limits,
                          options.log);
  if (config.tls_cert_file && config.tls_key_file) {
    VIGIL_RETURN_IF_ERROR(server.EnableTls(*config.tls_cert_file, *config.tls_key_file));
  }
  VIGIL_RETURN_IF_ERROR(server.Listen(options.host, options.port));
  // Alerting (DATA/alerts/): the definitions, the outbox, the rules on every commit, the
  // deliveries. Set up before the first request: every acknowledged push has been judged.
  alert::Definitions configured{config.alert_channels, config.alert_rules, 0};
  Result<alert::AlertFiles> alert_files =
      alert::OpenAlertFiles(env, options.data_dir, std::move(configured), options.log);
  if (!alert_files.ok()) return alert_files.status();
  alert::AlertStore* alert_store = alert_files->store.get();
  alert::Outbox* outbox = alert_files->outbox.get();
  const std::string_view scheme = server.tls() ? "https" : "http";
  const std::string address = options.host.find(':') != std::string::npos
                                  ? fmt::format("{}://[{}]:{}", scheme, options.host, server.port())
                                  : fmt::format("{}://{}:{}", scheme, options.host, server.port());
  alert::AlertEngineOptions engine_options;
  engine_options.log = options.log;
  engine_options.base_url = config.alerts_base_url.value_or(address);
  alert::AlertEngine alerts(db, alert_store, outbox, engine_options);
  VIGIL_RETURN_IF_ERROR(alerts.Start());
  alert::DispatcherOptions dispatcher_options;
  dispatcher_options.log = options.log;
  dispatcher_options.record = [&alerts](const alert::Notification& n, std::string_view status,
                                        int attempts, std::string_view error) {
    alerts.RecordDelivery(n, status, attempts, error);
  };
  dispatcher_options.tick = [&alerts, &options](int64_t now) {
    Status s = alerts.Tick(now);
    if (!s.ok() && options.log) options.log("alerts: scheduled evaluation failed: " + s.message());
  };
  alert::Dispatcher dispatcher(alert_store, outbox, dispatcher_options);
  dispatcher.Start();
  alerts.SetSink(
      [&dispatcher](std::vector<alert::Notification> n) { dispatcher.Enqueue(std::move(n)); });
  push.SetObserver(&alerts);
  api.SetAlerts(alert_store, &alerts, &dispatcher);
  if (options.log && outbox->pending() > 0) {
    options.log(fmt::format("alerts: {} notification(s) from an earlier run to deliver",
                            outbox->pending()));
  }
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  server.Start(threads);
  if (options.log) {
    if (auth.enabled()) {
      options.log(
          fmt::format("{} API key(s) configured: every request but GET / and "
                      "/api/health needs one",
                      config.api_keys.size()));
    } else {
      options.log(
          "no API keys configured: the server is open to every local client (loopback "
          "only); configure auth.api_keys to listen beyond it");
    }
  }
  if (options.log && assets) {
    options.log(
        fmt::format("dashboard: {}/ ({} files from {})", address, assets->files(), assets->dir()));
  }
  if (options.on_listening) options.on_listening(address);
  int sig = 0;
  sigwait(&signals, &sig);
  if (options.log) {
    options.log(fmt::format("{}: stopping (running requests finish, indices are flushed)",
                            sig == SIGTERM ? "SIGTERM" : "SIGINT"));
  }
  server.Stop();
  // What is not delivered stays in the outbox for the next start.
  dispatcher.Stop();
  if (Status flushed = alerts.FlushDeliveries(); !flushed.ok() && options.log) {
    options.log("alerts: cannot record the last delivery states: " + flushed.message());
  }
  // Every acknowledged push is durable in the archive's journal; the seal writes it to the
  // partition files now rather than at the next start.
  archive::CommitStats sealed;
  Status s = archive.Seal(&sealed);
  Status closed = (*engine)->Close();
  return s.ok() ? closed : s;
}

}  // namespace vigil::server
