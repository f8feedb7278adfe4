// POST /api/ingest: findings pushed in real time (the target of an EventBridge API destination):
// one event, one bare finding, a JSON array of either, or JSON Lines, through archive and index
// exactly as `vigil ingest` takes them. The answer lists what became of each event, in order.
// POST /api/ingest/sns: the same through an SNS HTTP(S) subscription.
#include <fmt/format.h>

#include <optional>
#include <string>

#include "aws/sns.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"

namespace vigil::http {

namespace {

// Takes `text` through the push ingester and answers item by item.
HttpResponse IngestText(const ApiContext& ctx, const HttpRequest& r, std::string_view name,
                        std::string_view text) {
  const uint64_t started = SteadyNanos();
  Result<ingest::PushResult> result = ctx.push->Ingest(name, text, NowMillis(), r.account_scope);
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

}  // namespace

HttpResponse HandleIngest(const ApiContext& ctx, HttpRequest& r) {
  if (ctx.push == nullptr) {
    return ErrorResponse(503, "unavailable_exception", "this server does not take findings");
  }
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return ErrorResponse(400, "parse_exception",
                         "the request body is empty: send an EventBridge event, a finding, an "
                         "array of either, or JSON Lines");
  }
  // A declared JSON Lines type is taken at its word (a bad line is then one bad item); otherwise
  // the shape is recognised from the bytes.
  std::string_view type = r.Header("content-type").value_or("");
  type = type.substr(0, type.find(';'));
  const bool lines = type == "application/x-ndjson" || type == "application/ndjson" ||
                     type == "application/jsonl" || type == "application/x-jsonlines" ||
                     type == "application/json-seq";
  return IngestText(ctx, r, lines ? "request.jsonl" : "request", r.body);
}

// POST /api/ingest/sns: an SNS HTTP(S) subscription. Every delivery is authenticated (listed
// topic, signature checked against SNS's certificate) before anything else is done with it. A
// subscription confirmation is confirmed by a GET of its SubscribeURL; a notification's Message
// (an EventBridge event, when EventBridge publishes GuardDuty findings to the topic) is ingested
// as /api/ingest takes a body.
HttpResponse HandleIngestSns(const ApiContext& ctx, HttpRequest& r) {
  if (ctx.push == nullptr || ctx.sns == nullptr) {
    return ErrorResponse(503, "unavailable_exception", "this server does not take SNS deliveries");
  }
  Result<aws::SnsMessage> m = ctx.sns->Authenticate(r.body);
  if (!m.ok()) {
    if (ctx.options.log) {
      ctx.options.log(fmt::format("POST /api/ingest/sns from [{}] refused: {}", r.remote,
                                  m.status().message()));
    }
    return ErrorResponse(m.status());
  }
  const std::string_view type = aws::SnsTypeName(m->type);
  if (std::optional<std::string_view> declared = r.Header("x-amz-sns-message-type");
      declared && *declared != type) {
    return ErrorResponse(400, "illegal_argument_exception",
                         fmt::format("the x-amz-sns-message-type header says [{}] but the message "
                                     "is a [{}]",
                                     declared->substr(0, 64), type));
  }
  switch (m->type) {
    case aws::SnsType::kNotification: {
      if (m->message.find_first_not_of(" \t\r\n") == std::string::npos) {
        return ErrorResponse(400, "parse_exception",
                             fmt::format("SNS message [{}] is empty", m->message_id));
      }
      return IngestText(ctx, r, "sns:" + m->message_id, m->message);
    }
    case aws::SnsType::kSubscriptionConfirmation: {
      if (Status s = ctx.sns->Confirm(*m); !s.ok()) return ErrorResponse(s);
      if (ctx.options.log) {
        ctx.options.log(fmt::format("SNS subscription to [{}] confirmed", m->topic_arn));
      }
      break;
    }
    case aws::SnsType::kUnsubscribeConfirmation:
      // Nothing to do: the subscription is gone, and it is not renewed behind the user's back.
      if (ctx.options.log) {
        ctx.options.log(fmt::format("SNS subscription to [{}] was removed", m->topic_arn));
      }
      break;
  }
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("type", type);
  w.Field("topic", m->topic_arn);
  w.Field("confirmed", m->type == aws::SnsType::kSubscriptionConfirmation);
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace vigil::http
