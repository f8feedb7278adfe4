// GET /api/stream: Server-Sent Events of findings as they are created or updated (a summary of
// each, ingest/finding_events.h), for the dashboard's live view. `q=` (a Lucene query string,
// with `df`, `default_operator`, `lenient` as in _search) keeps only the findings it matches,
// evaluated on the index when the event is sent; a key's account scope keeps only its accounts.
//
//   retry: 3000                      sent first, with a `: connected` comment
//   id: 42
//   event: finding
//   data: {"seq":42,"change":"created","finding":{"id":..,"type":..,...}}
//
// A client that falls more than 10,000 events behind gets `event: overflow` and the stream ends:
// it should reconnect and search for what it missed.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "http/api.h"
#include "http/errors.h"
#include "query/search.h"

namespace vigil::http {

namespace {

constexpr size_t kBatch = 1000;  // events sent per Take

class FindingStream : public BodyStream {
 public:
  FindingStream(const ApiContext& ctx, const HttpRequest& r,
                std::shared_ptr<ingest::FindingEventHub::Subscription> subscription)
      : ctx_(ctx), request_(r), subscription_(std::move(subscription)) {
    request_.body.clear();
    q_ = std::string(r.Query("q").value_or(""));
  }

  bool Take(std::string* out) override {
    if (!started_) {
      started_ = true;
      *out += "retry: 3000\n: connected\n\n";
      return true;
    }
    std::vector<std::shared_ptr<const ingest::FindingEvent>> events;
    subscription_->Take(&events, kBatch);
    if (events.empty() && subscription_->overflowed()) {
      *out +=
          "event: overflow\ndata: {\"reason\":\"this client fell more than 10000 findings "
          "behind; reconnect and search for what it missed\"}\n\n";
      return false;
    }
    if (events.empty()) return true;
    std::set<std::string> matching;
    if (!q_.empty()) {
      Result<std::set<std::string>> m = Matching(events);
      if (!m.ok()) {
        *out += fmt::format("event: error\ndata: {}\n\n", ErrorResponse(m.status()).body);
        return false;
      }
      matching = std::move(*m);
    }
    const auto& scope = request_.account_scope;
    for (const auto& e : events) {
      if (!scope.empty() && std::find(scope.begin(), scope.end(), e->account_id) == scope.end()) {
        continue;
      }
      if (!q_.empty() && matching.count(e->id) == 0) continue;
      *out += fmt::format(
          "id: {}\nevent: finding\ndata: {{\"seq\":{},\"change\":\"{}\",\"finding\":{}}}\n\n",
          e->seq, e->seq, e->change, e->summary);
    }
    return true;
  }

  bool Arm(std::function<void()> wake) override {
    if (!started_) return false;
    return subscription_->Arm(std::move(wake));
  }

 private:
  // The ids of `events` whose finding matches q= now.
  Result<std::set<std::string>> Matching(
      const std::vector<std::shared_ptr<const ingest::FindingEvent>>& events) {
    Result<std::unique_ptr<query::Query>> user = UriQuery(request_, q_);
    if (!user.ok()) return user.status();
    auto ids = std::make_unique<query::Query>();
    ids->kind = query::QueryKind::kIds;
    for (const auto& e : events) ids->values.push_back(query::Scalar::String(e->id));
    query::SearchRequest search;
    search.query = std::make_unique<query::Query>();
    search.query->kind = query::QueryKind::kBool;
    search.query->filter.push_back(std::move(ids));
    search.query->filter.push_back(std::move(*user));
    search.size = static_cast<int64_t>(events.size());
    search.source.enabled = false;
    Result<std::vector<query::IndexSnapshot>> indices =
        ResolveIndices(ctx_.engine, storage::kDefaultIndex);
    if (!indices.ok()) return indices.status();
    query::SearchOptions options;
    options.exec.account_scope = request_.account_scope;
    Result<std::string> response = query::Search(*indices, search, options);
    if (!response.ok()) return response.status();
    std::set<std::string> out;
    nlohmann::json parsed = nlohmann::json::parse(*response, nullptr, false);
    if (parsed.is_discarded()) return Status::Corruption("the stream's filter gave invalid JSON");
    for (const auto& hit : parsed["hits"]["hits"]) out.insert(hit["_id"].get<std::string>());
    return out;
  }

  const ApiContext& ctx_;
  HttpRequest request_;  // its parameters and scope
  std::shared_ptr<ingest::FindingEventHub::Subscription> subscription_;
  std::string q_;
  bool started_ = false;
};

}  // namespace

HttpResponse HandleStream(const ApiContext& ctx, HttpRequest& r) {
  if (ctx.events == nullptr) {
    return ErrorResponse(503, "unavailable_exception", "this server has no live stream");
  }
  if (auto q = r.Query("q")) {
    // A syntax error is the caller's, now, rather than an error event later.
    Result<std::unique_ptr<query::Query>> parsed = UriQuery(r, *q);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
  }
  HttpResponse response;
  response.content_type = "text/event-stream; charset=UTF-8";
  response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  response.stream = std::make_shared<FindingStream>(ctx, r, ctx.events->Subscribe());
  return response;
}

}  // namespace vigil::http
