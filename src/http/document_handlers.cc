// The document API: GET /{index}/_doc/{id} (the live document's source), and the single-document
// writes (index, create, update, delete) through the DocumentWriter, answered as Elasticsearch
// answers them.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"

namespace vigil::http {

HttpResponse HandleGetDoc(const ApiContext& ctx, HttpRequest& r) {
  const std::string_view name = r.Param("index");
  const std::string_view id = r.Param("id");
  Result<std::shared_ptr<storage::Index>> index = OpenIndex(ctx.engine, name);
  if (!index.ok()) return ErrorResponse(index.status());
  auto snapshot = (*index)->GetSnapshot();
  Result<std::optional<std::string>> source = query::GetById(*snapshot, id);
  if (!source.ok()) return ErrorResponse(source.status());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("_index", name);
  w.Field("_type", "_doc");
  w.Field("_id", id);
  // A key scoped to some accounts sees no document of another account (nor one without any).
  if (source->has_value() && !r.account_scope.empty()) {
    auto doc = nlohmann::json::parse(**source, nullptr, false);
    auto account = doc.is_object() ? doc.find("accountId") : doc.end();
    const bool in_scope = account != doc.end() && account->is_string() &&
                          std::find(r.account_scope.begin(), r.account_scope.end(),
                                    account->get<std::string>()) != r.account_scope.end();
    if (!in_scope) source->reset();
  }
  if (!source->has_value()) {
    w.Field("found", false);
    w.EndObject();
    return HttpResponse::Json(404, std::move(body));
  }
  w.Field("_version", 1);
  w.Field("_seq_no", 0);
  w.Field("_primary_term", 1);
  w.Field("found", true);
  w.Key("_source");
  w.Raw(**source);
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace vigil::http

namespace vigil::http {

namespace {

// One write through the document writer, answered as Elasticsearch answers a single-document
// call: the result with its status, or the error in Elasticsearch's shape.
HttpResponse WriteOne(const ApiContext& ctx, const HttpRequest& request, std::string_view index,
                      const ingest::DocOp& op) {
  if (ctx.documents == nullptr) {
    return ErrorResponse(503, "unavailable_exception", "this server does not take documents");
  }
  Result<std::vector<ingest::DocResult>> results = ctx.documents->Apply(
      index, std::span<const ingest::DocOp>(&op, 1), NowMillis(), request.account_scope);
  if (!results.ok()) return ErrorResponse(results.status());
  const ingest::DocResult& r = results->front();
  if (r.kind == ingest::DocResultKind::kFailed) return ErrorResponse(r.error);
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  WriteDocResult(&w, index, r);
  w.EndObject();
  return HttpResponse::Json(DocResultStatus(r), std::move(body));
}

Result<bool> OpTypeIsCreate(const HttpRequest& r) {
  std::optional<std::string_view> op_type = r.Query("op_type");
  if (!op_type || *op_type == "index") return false;
  if (*op_type == "create") return true;
  return Status::InvalidArgument(
             fmt::format("opType must be 'create' or 'index', found: [{}]", *op_type))
      .WithDetail("illegal_argument_exception");
}

}  // namespace

HttpResponse HandleIndexDoc(const ApiContext& ctx, HttpRequest& r) {
  Result<bool> create = OpTypeIsCreate(r);
  if (!create.ok()) return ErrorResponse(create.status());
  ingest::DocOp op;
  op.type = *create ? ingest::DocOpType::kCreate : ingest::DocOpType::kIndex;
  op.id = std::string(r.Param("id"));  // empty for POST /{index}/_doc: generated
  op.source = r.body;
  return WriteOne(ctx, r, r.Param("index"), op);
}

HttpResponse HandleCreateDoc(const ApiContext& ctx, HttpRequest& r) {
  ingest::DocOp op;
  op.type = ingest::DocOpType::kCreate;
  op.id = std::string(r.Param("id"));
  op.source = r.body;
  return WriteOne(ctx, r, r.Param("index"), op);
}

Status ParseUpdateBody(std::string_view text, size_t max_depth, ingest::DocOp* op, std::string* doc,
                       std::string* upsert) {
  Result<nlohmann::ordered_json> body = query::ParseJsonBody(text, max_depth);
  if (!body.ok()) return body.status();
  auto invalid = [](std::string reason, std::string type) {
    return Status::InvalidArgument(std::move(reason)).WithDetail(std::move(type));
  };
  if (!body->is_object()) {
    return invalid("the update must be a JSON object", "x_content_parse_exception");
  }
  for (const auto& [key, value] : body->items()) {
    if (key == "doc" && value.is_object()) {
      *doc = value.dump();
    } else if (key == "upsert" && value.is_object()) {
      *upsert = value.dump();
    } else if (key == "doc_as_upsert" && value.is_boolean()) {
      op->doc_as_upsert = value.get<bool>();
    } else if (key == "script" || key == "scripted_upsert") {
      return invalid("scripts are not supported: send a partial document in [doc]",
                     "illegal_argument_exception");
    } else if (key != "detect_noop" && key != "_source") {
      // detect_noop is always on; _source filtering of the answer is not offered.
      return invalid(fmt::format("[update] has an unknown or mistyped field [{}]", key),
                     "x_content_parse_exception");
    }
  }
  if (doc->empty()) {
    return invalid("Validation Failed: 1: script or doc is missing;",
                   "action_request_validation_exception");
  }
  op->source = *doc;
  op->upsert = *upsert;
  return Status::Ok();
}

HttpResponse HandleUpdateDoc(const ApiContext& ctx, HttpRequest& r) {
  ingest::DocOp op;
  op.type = ingest::DocOpType::kUpdate;
  op.id = std::string(r.Param("id"));
  std::string doc, upsert;
  Status s = ParseUpdateBody(r.body, ctx.options.max_json_depth, &op, &doc, &upsert);
  if (!s.ok()) return ErrorResponse(s);
  return WriteOne(ctx, r, r.Param("index"), op);
}

HttpResponse HandleDeleteDoc(const ApiContext& ctx, HttpRequest& r) {
  // Deleting from an index that does not exist does not create it.
  Result<std::shared_ptr<storage::Index>> index = OpenIndex(ctx.engine, r.Param("index"));
  if (!index.ok()) return ErrorResponse(index.status());
  ingest::DocOp op;
  op.type = ingest::DocOpType::kDelete;
  op.id = std::string(r.Param("id"));
  return WriteOne(ctx, r, r.Param("index"), op);
}

}  // namespace vigil::http
