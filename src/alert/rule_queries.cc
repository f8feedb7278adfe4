#include "alert/rule_queries.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "query/dsl_parser.h"
#include "query/query_string.h"
#include "query/search.h"

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kFindingsIndex = "findings";
constexpr size_t kMaxGroups = 1000;

std::unique_ptr<query::Query> Term(const std::string& field, query::Scalar value) {
  auto q = std::make_unique<query::Query>();
  q->kind = query::QueryKind::kTerm;
  q->field = field;
  q->values.push_back(std::move(value));
  return q;
}

std::vector<query::IndexSnapshot> Indices(
    const std::shared_ptr<const storage::Snapshot>& snapshot) {
  return {query::IndexSnapshot{std::string(kFindingsIndex), snapshot}};
}

Result<json> RunSearch(const std::shared_ptr<const storage::Snapshot>& snapshot,
                       const query::SearchRequest& request, int64_t now) {
  query::SearchOptions options;
  options.now = now;
  std::vector<query::IndexSnapshot> indices = Indices(snapshot);
  Result<std::string> response = query::Search(indices, request, options);
  if (!response.ok()) return response.status();
  json j = json::parse(*response, nullptr, false);
  if (j.is_discarded()) return Status::Corruption("a rule's search gave invalid JSON");
  return j;
}

std::string KeyText(const json& key) {
  if (key.is_string()) return key.get<std::string>();
  if (key.is_boolean()) return key.get<bool>() ? "true" : "false";
  return key.dump();
}

}  // namespace

Result<std::unique_ptr<query::Query>> RuleFilter(const Rule& rule) {
  Result<std::unique_ptr<query::Query>> parsed = Status::Unavailable("");
  query::QueryStringOptions qs;
  switch (rule.query.language) {
    case RuleQuery::Language::kKql:
      parsed = query::ParseKql(rule.query.text, qs);
      break;
    case RuleQuery::Language::kLucene:
      parsed = query::ParseLuceneQuery(rule.query.text, qs);
      break;
    case RuleQuery::Language::kDsl: {
      json body = json::parse(rule.query.text, nullptr, false);
      if (body.is_discarded()) return Status::InvalidArgument("the rule's DSL is not JSON");
      parsed = query::ParseQuery(body, "query.dsl");
      break;
    }
  }
  if (!parsed.ok()) return parsed.status();
  auto q = std::make_unique<query::Query>();
  q->kind = query::QueryKind::kBool;
  q->filter.push_back(std::move(*parsed));
  if (!rule.include_samples) {
    q->must_not.push_back(Term("service.additionalInfo.sample", query::Scalar::Bool(true)));
  }
  return q;
}

Result<std::unique_ptr<query::Query>> RuleFilterWithin(
    const Rule& rule, int64_t from, const std::vector<std::pair<std::string, std::string>>& terms) {
  Result<std::unique_ptr<query::Query>> q = RuleFilter(rule);
  if (!q.ok()) return q.status();
  // The most selective clauses first (the executor stops at an empty intersection): the terms,
  // then the time range (which leaves nothing in the segments older than it), then the rule's.
  auto all = std::make_unique<query::Query>();
  all->kind = query::QueryKind::kBool;
  for (const auto& [field, value] : terms) {
    all->filter.push_back(Term(field, query::Scalar::String(value)));
  }
  auto range = std::make_unique<query::Query>();
  range->kind = query::QueryKind::kRange;
  range->field = rule.time_field;
  range->lower = query::RangeBound{query::Scalar::String(FormatTimestamp(from)), true};
  all->filter.push_back(std::move(range));
  all->filter.push_back(std::move(*q));
  return all;
}

Result<uint64_t> CountFindings(const std::shared_ptr<const storage::Snapshot>& snapshot,
                               const query::Query& query, int64_t now) {
  query::SearchOptions options;
  options.now = now;
  std::vector<query::IndexSnapshot> indices = Indices(snapshot);
  return query::Count(indices, query, options);
}

Result<std::vector<GroupCount>> ThresholdCounts(
    const std::shared_ptr<const storage::Snapshot>& snapshot, const Rule& rule, int64_t now,
    const std::vector<std::string>& groups) {
  json body = {{"size", 0}, {"track_total_hits", true}};
  json aggs = json::object();
  if (!rule.cardinality_field.empty()) {
    aggs["distinct"] = {{"cardinality", {{"field", rule.cardinality_field}}}};
  }
  if (!rule.group_by.empty()) {
    json terms = {{"terms", {{"field", rule.group_by}, {"size", kMaxGroups}}}};
    if (!aggs.empty()) terms["aggs"] = aggs;
    body["aggs"] = {{"groups", terms}};
  } else if (!aggs.empty()) {
    body["aggs"] = aggs;
  }
  Result<query::SearchRequest> request = query::ParseSearchRequest(body.dump());
  if (!request.ok()) return request.status();
  Result<std::unique_ptr<query::Query>> q = RuleFilterWithin(rule, now - rule.window_ms, {});
  if (!q.ok()) return q.status();
  if (!groups.empty() && !rule.group_by.empty()) {
    auto terms = std::make_unique<query::Query>();
    terms->kind = query::QueryKind::kTerms;
    terms->field = rule.group_by;
    for (const std::string& g : groups) terms->values.push_back(query::Scalar::String(g));
    (*q)->filter.insert((*q)->filter.begin(), std::move(terms));
  }
  request->query = std::move(*q);
  Result<json> response = RunSearch(snapshot, *request, now);
  if (!response.ok()) return response.status();
  std::vector<GroupCount> out;
  const json& r = *response;
  auto value_of = [&rule](const json& node, uint64_t doc_count) -> uint64_t {
    if (rule.cardinality_field.empty()) return doc_count;
    const json* d = node.contains("distinct") ? &node["distinct"] : nullptr;
    return d != nullptr && d->contains("value") && (*d)["value"].is_number_unsigned()
               ? (*d)["value"].get<uint64_t>()
               : 0;
  };
  if (rule.group_by.empty()) {
    uint64_t total = r["hits"]["total"].value("value", uint64_t{0});
    out.push_back({"", value_of(r.value("aggregations", json::object()), total)});
    return out;
  }
  const json& buckets = r["aggregations"]["groups"]["buckets"];
  if (!buckets.is_array()) return out;
  for (const json& b : buckets) {
    out.push_back({KeyText(b["key"]), value_of(b, b.value("doc_count", uint64_t{0}))});
  }
  return out;
}

Result<std::vector<std::string>> NewestFindings(
    const std::shared_ptr<const storage::Snapshot>& snapshot, std::unique_ptr<query::Query> query,
    const std::string& time_field, size_t size, int64_t now) {
  query::SearchRequest request;
  request.query = std::move(query);
  request.size = static_cast<int64_t>(size);
  request.track_total_hits = 0;
  query::SortKey key;
  key.field = time_field;
  key.descending = true;
  request.sort.push_back(key);
  Result<json> response = RunSearch(snapshot, request, now);
  if (!response.ok()) return response.status();
  std::vector<std::string> out;
  for (const json& hit : (*response)["hits"]["hits"]) {
    if (hit.contains("_source")) out.push_back(hit["_source"].dump());
  }
  return out;
}

}  // namespace vigil::alert
