// POST /api/ingest: findings pushed in real time (the target of an EventBridge API destination):
// one event, one bare finding, a JSON array of either, or JSON Lines, through archive and index
// exactly as `vigil ingest` takes them. The answer lists what became of each event, in order.
#include <string>

#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"

namespace vigil::http {

HttpResponse HandleIngest(const ApiContext& ctx, HttpRequest& r) {
  if (ctx.push == nullptr) {
    return ErrorResponse(503, "unavailable_exception", "this server does not take findings");
  }
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return ErrorResponse(400, "parse_exception",
                         "the request body is empty: send an EventBridge event, a finding, an "
                         "array of either, or JSON Lines");
  }
  const uint64_t started = SteadyNanos();
  // A declared JSON Lines type is taken at its word (a bad line is then one bad item); otherwise
  // the shape is recognised from the bytes.
  std::string_view type = r.Header("content-type").value_or("");
  type = type.substr(0, type.find(';'));
  const bool lines = type == "application/x-ndjson" || type == "application/ndjson" ||
                     type == "application/jsonl" || type == "application/x-jsonlines" ||
                     type == "application/json-seq";
  Result<ingest::PushResult> result =
      ctx.push->Ingest(lines ? "request.jsonl" : "request", r.body, NowMillis());
  if (!result.ok()) return ErrorResponse(result.status());
  const ingest::PushResult& p = *result;
  ctx.metrics->Pushed("created", p.created);
  ctx.metrics->Pushed("updated", p.updated);
  ctx.metrics->Pushed("stale", p.stale);
  ctx.metrics->Pushed("skipped", p.skipped);
  ctx.metrics->Pushed("rejected", p.rejected);
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("took");
  w.Uint((SteadyNanos() - started) / 1'000'000);
  w.Field("errors", p.rejected > 0);
  w.Key("created");
  w.Uint(p.created);
  w.Key("updated");
  w.Uint(p.updated);
  w.Key("stale");
  w.Uint(p.stale);
  w.Key("skipped");
  w.Uint(p.skipped);
  w.Key("rejected");
  w.Uint(p.rejected);
  w.Key("items");
  w.BeginArray();
  for (const ingest::PushItem& item : p.items) {
    w.BeginObject();
    w.Field("status", ingest::PushOutcomeName(item.outcome));
    if (!item.id.empty()) w.Field("id", item.id);
    if (!item.location.empty()) w.Field("location", item.location);
    if (!item.reason.empty()) w.Field("reason", item.reason);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  // Nothing usable at all is the sender's mistake; a partly bad push is answered item by item.
  const bool all_rejected = p.rejected > 0 && p.rejected == p.items.size();
  return HttpResponse::Json(all_rejected ? 400 : 200, std::move(body));
}

}  // namespace vigil::http
