// Index-level endpoints: PUT, DELETE, GET and HEAD /{index}, GET /{index}/_mapping and
// POST /{index}/_refresh, and the resolution of index expressions that every index endpoint
// shares.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/json_writer.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"

namespace vigil::http {

Result<std::shared_ptr<storage::Index>> OpenIndex(storage::Engine* engine, std::string_view name) {
  Result<std::shared_ptr<storage::Index>> index = engine->GetIndex(name, false);
  // A name that is not a valid index name cannot be one that exists either.
  if (!index.ok() && (index.status().code() == StatusCode::kNotFound ||
                      index.status().code() == StatusCode::kInvalidArgument)) {
    return Status::NotFound(fmt::format("no such index [{}]", name))
        .WithDetail("index_not_found_exception");
  }
  return index;
}

Result<std::vector<query::IndexSnapshot>> ResolveIndices(storage::Engine* engine,
                                                         std::string_view expression) {
  std::vector<query::IndexSnapshot> out;
  auto add = [&](std::string_view name) -> Status {
    for (const query::IndexSnapshot& s : out) {
      if (s.name == name) return Status::Ok();
    }
    Result<std::shared_ptr<storage::Index>> index = OpenIndex(engine, name);
    if (!index.ok()) return index.status();
    out.push_back({std::string(name), (*index)->GetSnapshot()});
    return Status::Ok();
  };
  const bool all = expression.empty() || expression == "_all" || expression == "*";
  // One plain name (most requests): opened directly, without listing the indices on disk.
  if (!all && expression.find_first_of("*,") == std::string_view::npos) {
    VIGIL_RETURN_IF_ERROR(add(expression));
    return out;
  }
  Result<std::vector<std::string>> names = engine->ListIndices();
  if (!names.ok()) return names.status();
  if (all) {
    for (const std::string& n : *names) VIGIL_RETURN_IF_ERROR(add(n));
    return out;
  }
  while (!expression.empty()) {
    const size_t comma = expression.find(',');
    std::string_view part = expression.substr(0, comma);
    expression =
        comma == std::string_view::npos ? std::string_view() : expression.substr(comma + 1);
    if (part.empty()) continue;
    if (part.find('*') == std::string_view::npos) {
      VIGIL_RETURN_IF_ERROR(add(part));
      continue;
    }
    for (const std::string& n : *names) {
      if (query::MatchesFieldPattern(part, n)) VIGIL_RETURN_IF_ERROR(add(n));
    }
  }
  return out;
}

namespace {

// A node of the nested "properties" tree Elasticsearch reports for dotted field names.
struct PropertyNode {
  const storage::FieldMapping* mapping = nullptr;
  std::map<std::string, PropertyNode, std::less<>> children;
};

void WriteProperties(const PropertyNode& node, JsonWriter* w) {
  w->BeginObject();
  for (const auto& [name, child] : node.children) {
    w->Key(name);
    w->BeginObject();
    if (child.mapping != nullptr && child.mapping->type != storage::FieldType::kObject) {
      w->Field("type", storage::FieldTypeName(child.mapping->type));
      if (child.mapping->type == storage::FieldType::kText) {
        // The exact form that `X.keyword` resolves to.
        w->Key("fields");
        w->BeginObject();
        w->Key("keyword");
        w->BeginObject();
        w->Field("type", "keyword");
        w->EndObject();
        w->EndObject();
      }
      if (child.mapping->conflicts > 0) {
        w->Key("_meta");
        w->BeginObject();
        w->Key("conflicting_values");
        w->Uint(child.mapping->conflicts);
        w->EndObject();
      }
    }
    if (!child.children.empty()) {
      w->Key("properties");
      WriteProperties(child, w);
    }
    w->EndObject();
  }
  w->EndObject();
}

// {"mappings": {"properties": ...}} of one index, the dotted field names nested as objects.
void WriteMappings(const query::IndexSnapshot& ix, JsonWriter* w) {
  PropertyNode root;
  for (const auto& [name, m] : ix.snapshot->mapping->fields()) {
    PropertyNode* node = &root;
    std::string_view rest = name;
    while (true) {
      const size_t dot = rest.find('.');
      std::string_view part = rest.substr(0, dot);
      auto it = node->children.find(part);
      if (it == node->children.end())
        it = node->children.emplace(std::string(part), PropertyNode()).first;
      node = &it->second;
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    node->mapping = &m;
  }
  w->Key("mappings");
  w->BeginObject();
  w->Key("properties");
  WriteProperties(root, w);
  w->EndObject();
}

HttpResponse Acknowledged(std::string_view index) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("acknowledged", true);
  if (!index.empty()) {
    w.Field("shards_acknowledged", true);
    w.Field("index", index);
  }
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace

HttpResponse HandleGetMapping(const ApiContext& ctx, HttpRequest& r) {
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, r.Param("index"));
  if (!indices.ok()) return ErrorResponse(indices.status());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  for (const query::IndexSnapshot& ix : *indices) {
    w.Key(ix.name);
    w.BeginObject();
    WriteMappings(ix, &w);
    w.EndObject();
  }
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleGetIndex(const ApiContext& ctx, HttpRequest& r) {
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, r.Param("index"));
  if (!indices.ok()) return ErrorResponse(indices.status());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  for (const query::IndexSnapshot& ix : *indices) {
    w.Key(ix.name);
    w.BeginObject();
    w.Key("aliases");
    w.BeginObject();
    w.EndObject();
    WriteMappings(ix, &w);
    w.Key("settings");
    w.BeginObject();
    w.Key("index");
    w.BeginObject();
    w.Field("number_of_shards", "1");
    w.Field("number_of_replicas", "0");
    w.Field("provided_name", ix.name);
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleIndexExists(const ApiContext& ctx, HttpRequest& r) {
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, r.Param("index"));
  return HttpResponse::Text(indices.ok() && !indices->empty() ? 200 : 404, "");
}

HttpResponse HandleCreateIndex(const ApiContext& ctx, HttpRequest& r) {
  const std::string_view name = r.Param("index");
  if (r.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    // Settings and mappings are read for their syntax only: one shard, no replicas, and field
    // types fixed by dynamic mapping on first sight (docs/http-api.md).
    Result<nlohmann::ordered_json> body = query::ParseJsonBody(r.body, ctx.options.max_json_depth);
    if (!body.ok()) return ErrorResponse(body.status());
    if (!body->is_object()) {
      return ErrorResponse(400, "parse_exception", "the index definition must be a JSON object");
    }
    for (const auto& [key, value] : body->items()) {
      if (key != "settings" && key != "mappings" && key != "aliases") {
        return ErrorResponse(400, "parse_exception",
                             fmt::format("unknown key [{}] for create index", key));
      }
    }
  }
  Result<std::shared_ptr<storage::Index>> created = ctx.engine->CreateIndex(name);
  if (!created.ok()) return ErrorResponse(created.status());
  return Acknowledged(name);
}

HttpResponse HandleDeleteIndex(const ApiContext& ctx, HttpRequest& r) {
  const std::string_view expression = r.Param("index");
  // Elasticsearch's action.destructive_requires_name: a deletion names its indices.
  if (expression.find_first_of("*,") != std::string_view::npos || expression == "_all") {
    return ErrorResponse(400, "illegal_argument_exception",
                         fmt::format("deleting [{}] is refused: name one index exactly "
                                     "(wildcards and lists are not accepted for deletion)",
                                     expression));
  }
  Status s = ctx.engine->DeleteIndex(expression);
  if (!s.ok()) {
    if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kInvalidArgument) {
      return ErrorResponse(404, "index_not_found_exception",
                           fmt::format("no such index [{}]", expression));
    }
    return ErrorResponse(s);
  }
  return Acknowledged("");
}

HttpResponse HandleRefresh(const ApiContext& ctx, HttpRequest& r) {
  // Acknowledged documents are searchable already: nothing to do but check the indices exist.
  Result<std::vector<query::IndexSnapshot>> indices = ResolveIndices(ctx.engine, r.Param("index"));
  if (!indices.ok()) return ErrorResponse(indices.status());
  const auto n = static_cast<int64_t>(indices->size());
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("_shards");
  w.BeginObject();
  w.Field("total", n);
  w.Field("successful", n);
  w.Field("failed", 0);
  w.EndObject();
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace vigil::http
