// POST /_bulk and /{index}/_bulk: Elasticsearch's bulk API. The body is NDJSON: an action line
// ({"index"|"create"|"update"|"delete": {"_index": .., "_id": ..}}), then, except for delete,
// the document (or, for update, {"doc": .., "upsert": .., "doc_as_upsert": ..}). Each item is
// answered in order; a bad line fails only its item. The operations are grouped by index and
// each group is one durable write (DocumentWriter).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"

namespace vigil::http {

namespace {

struct BulkItem {
  ingest::DocOp op;
  std::string index;
  std::string update_body;  // update: the partial document, as text
  std::string upsert_body;  // update: the upsert document, as text
  Status error;             // set when the item fails before it is applied
  ingest::DocResult result;
};

std::string_view Trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

Status BulkError(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail("illegal_argument_exception");
}

// The operation an action line names, or why it names none.
Status ParseAction(std::string_view line, size_t line_no, std::string_view default_index,
                   size_t max_depth, BulkItem* item) {
  Result<nlohmann::ordered_json> parsed = query::ParseJsonBody(line, max_depth);
  if (!parsed.ok()) {
    return BulkError(
        fmt::format("Malformed action/metadata line [{}]: {}", line_no, parsed.status().message()));
  }
  if (!parsed->is_object() || parsed->size() != 1 || !parsed->begin().value().is_object()) {
    return BulkError(
        fmt::format("Malformed action/metadata line [{}], expected an object with one action "
                    "(index, create, update or delete) holding an object",
                    line_no));
  }
  const std::string& action = parsed->begin().key();
  if (action == "index") {
    item->op.type = ingest::DocOpType::kIndex;
  } else if (action == "create") {
    item->op.type = ingest::DocOpType::kCreate;
  } else if (action == "update") {
    item->op.type = ingest::DocOpType::kUpdate;
  } else if (action == "delete") {
    item->op.type = ingest::DocOpType::kDelete;
  } else {
    return BulkError(fmt::format(
        "Malformed action/metadata line [{}], expected one of [create, delete, index, update] but "
        "found [{}]",
        line_no, action));
  }
  item->index = std::string(default_index);
  for (const auto& [key, value] : parsed->begin().value().items()) {
    if (key == "_index" || key == "_id") {
      if (!value.is_string()) {
        return BulkError(
            fmt::format("Action/metadata line [{}]: [{}] must be a string", line_no, key));
      }
      (key == "_index" ? item->index : item->op.id) = value.get<std::string>();
    } else if (key == "op_type" && value == "create") {
      item->op.type = ingest::DocOpType::kCreate;
    } else if (key == "routing" || key == "version" || key == "version_type" ||
               key == "if_seq_no" || key == "if_primary_term" || key == "pipeline" ||
               key == "require_alias" || key == "retry_on_conflict" || key == "_source" ||
               key == "op_type" || key == "dynamic_templates") {
      // Accepted and ignored: one shard, no pipelines, no optimistic concurrency.
    } else {
      return BulkError(fmt::format("Action/metadata line [{}] contains an unknown parameter [{}]",
                                   line_no, key));
    }
  }
  if (item->index.empty()) {
    return Status::InvalidArgument(fmt::format("Validation Failed: 1: index is missing;"))
        .WithDetail("action_request_validation_exception");
  }
  if ((item->op.type == ingest::DocOpType::kDelete ||
       item->op.type == ingest::DocOpType::kUpdate) &&
      item->op.id.empty()) {
    return Status::InvalidArgument("Validation Failed: 1: id is missing;")
        .WithDetail("action_request_validation_exception");
  }
  return Status::Ok();
}

// True when `line` reads as an action line (so that it is not taken as the document of a
// broken action before it).
bool LooksLikeAction(std::string_view line) {
  Result<nlohmann::ordered_json> parsed = query::ParseJsonBody(line, 8);
  if (!parsed.ok() || !parsed->is_object() || parsed->size() != 1) return false;
  const std::string& key = parsed->begin().key();
  return parsed->begin().value().is_object() &&
         (key == "index" || key == "create" || key == "update" || key == "delete");
}

}  // namespace

void WriteDocResult(JsonWriter* w, std::string_view index, const ingest::DocResult& r) {
  w->Field("_index", index);
  w->Field("_id", r.id);
  if (r.kind == ingest::DocResultKind::kFailed) {
    w->Key("status");
    w->Int(HttpStatusOf(r.error));
    w->Key("error");
    w->BeginObject();
    w->Field("type", ErrorTypeOf(r.error));
    w->Field("reason", r.error.message());
    w->Field("index", index);
    w->EndObject();
    return;
  }
  w->Field("_version", 1);
  w->Field("result", ingest::DocResultName(r.kind));
  w->Key("_shards");
  w->BeginObject();
  w->Field("total", 1);
  w->Field("successful", r.kind == ingest::DocResultKind::kNoop ? 0 : 1);
  w->Field("failed", 0);
  w->EndObject();
  w->Field("_seq_no", 0);
  w->Field("_primary_term", 1);
  w->Key("status");
  w->Int(DocResultStatus(r));
}

int DocResultStatus(const ingest::DocResult& r) {
  switch (r.kind) {
    case ingest::DocResultKind::kCreated:
      return 201;
    case ingest::DocResultKind::kNotFound:
      return 404;
    case ingest::DocResultKind::kFailed:
      return HttpStatusOf(r.error);
    default:
      return 200;
  }
}

HttpResponse HandleBulk(const ApiContext& ctx, HttpRequest& r) {
  if (ctx.documents == nullptr) {
    return ErrorResponse(503, "unavailable_exception", "this server does not take documents");
  }
  const uint64_t started = SteadyNanos();
  const std::string_view default_index = r.Param("index");
  const size_t max_depth = ctx.options.max_json_depth;
  std::string_view body = r.body;
  size_t line_no = 0;
  std::vector<std::pair<size_t, std::string_view>> numbered;  // (line number, text)
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = Trim(body.substr(0, nl));
    ++line_no;
    if (!line.empty()) numbered.emplace_back(line_no, line);
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  if (numbered.empty()) {
    return ErrorResponse(400, "action_request_validation_exception",
                         "Validation Failed: 1: no requests added;");
  }
  std::vector<BulkItem> items;
  for (size_t i = 0; i < numbered.size();) {
    if (items.size() >= ctx.options.max_bulk_items) {
      return ErrorResponse(
          400, "illegal_argument_exception",
          fmt::format("a bulk request may hold at most {} operations (limits.max_bulk_items); "
                      "split it",
                      ctx.options.max_bulk_items));
    }
    auto [no, line] = numbered[i];
    BulkItem& item = items.emplace_back();
    item.error = ParseAction(line, no, default_index, max_depth, &item);
    ++i;
    const bool has_body = item.error.ok()
                              ? item.op.type != ingest::DocOpType::kDelete
                              : i < numbered.size() && !LooksLikeAction(numbered[i].second);
    if (!has_body) continue;
    if (i >= numbered.size()) {
      if (item.error.ok()) {
        item.error = BulkError(fmt::format("the [{}] on line [{}] has no document line after it",
                                           ingest::DocOpName(item.op.type), no));
      }
      continue;
    }
    const std::string_view body_line = numbered[i].second;
    ++i;
    if (!item.error.ok()) continue;
    if (item.op.type == ingest::DocOpType::kUpdate) {
      item.error =
          ParseUpdateBody(body_line, max_depth, &item.op, &item.update_body, &item.upsert_body);
    } else {
      item.op.source = body_line;
    }
  }
  // Each index's operations, in order, as one write.
  std::map<std::string, std::vector<size_t>> by_index;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].error.ok()) by_index[items[i].index].push_back(i);
  }
  const int64_t now = NowMillis();
  for (const auto& [index, at] : by_index) {
    std::vector<ingest::DocOp> ops;
    ops.reserve(at.size());
    for (size_t i : at) ops.push_back(items[i].op);
    Result<std::vector<ingest::DocResult>> results =
        ctx.documents->Apply(index, ops, now, r.account_scope);
    for (size_t j = 0; j < at.size(); ++j) {
      BulkItem& item = items[at[j]];
      if (!results.ok()) {
        // Nothing of this index was acknowledged: an invalid name or a failed write.
        item.error = results.status();
      } else {
        item.result = (*results)[j];
      }
    }
  }
  bool errors = false;
  for (BulkItem& item : items) {
    if (!item.error.ok()) {
      item.result.kind = ingest::DocResultKind::kFailed;
      item.result.id = item.op.id;
      item.result.error = item.error;
    }
    errors |= item.result.kind == ingest::DocResultKind::kFailed;
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("took");
  w.Uint((SteadyNanos() - started) / 1'000'000);
  w.Field("errors", errors);
  w.Key("items");
  w.BeginArray();
  for (const BulkItem& item : items) {
    w.BeginObject();
    w.Key(ingest::DocOpName(item.op.type));
    w.BeginObject();
    WriteDocResult(&w, item.index, item.result);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(out));
}

}  // namespace vigil::http
