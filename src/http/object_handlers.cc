// The saved objects API (docs/http-api.md, "Saved objects"): the dashboard's visualizations,
// dashboards and saved searches, kept by storage::ObjectStore under DATA/objects/.
//
//   GET    /api/objects[?type=T][&search=S]   list (search: a case-insensitive part of the title)
//   GET    /api/objects/{type}                the same, of one type
//   POST   /api/objects/{type}                create with a new id     -> 201
//   GET    /api/objects/{type}/{id}           one object
//   PUT    /api/objects/{type}/{id}           create (201) or replace (200)
//   DELETE /api/objects/{type}/{id}           remove
//
// A write's body is {"attributes": {...}} with an optional "version": the version it replaces
// (0: the object must not exist yet), also accepted as ?version=N; a stale one is 409. Reading
// needs the read role; writing needs read or admin and a key without an account scope (saved
// objects are shared by every user of the dashboard, so a key limited to some accounts may not
// change them).
#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/json_writer.h"
#include "base/time.h"
#include "http/api.h"
#include "http/errors.h"
#include "query/dsl_parser.h"
#include "storage/object_store.h"

namespace vigil::http {

namespace {

void WriteObject(const storage::SavedObject& o, JsonWriter* w) {
  w->BeginObject();
  w->Field("type", o.type);
  w->Field("id", o.id);
  w->Key("version");
  w->Uint(o.version);
  w->Field("updated_at", FormatTimestamp(o.updated_at));
  w->Key("attributes");
  w->Raw(o.attributes);
  w->EndObject();
}

HttpResponse ObjectResponse(int status, const storage::SavedObject& o) {
  std::string body;
  JsonWriter w(&body);
  WriteObject(o, &w);
  return HttpResponse::Json(status, std::move(body));
}

std::optional<HttpResponse> Unavailable(const ApiContext& ctx) {
  if (ctx.objects != nullptr) return std::nullopt;
  return ErrorResponse(503, "unavailable", "saved objects are not available on this server");
}

std::optional<HttpResponse> RefuseScoped(const HttpRequest& r) {
  if (r.account_scope.empty()) return std::nullopt;
  return ErrorResponse(403, "security_exception",
                       fmt::format("API key [{}] is limited to some accounts and may not change "
                                   "saved objects, which every user of the dashboard sees",
                                   r.principal));
}

bool ContainsFolded(std::string_view haystack, std::string_view needle) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (needle.empty()) return true;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && fold(haystack[i + k]) == fold(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// ?version=N, or nullopt when absent; InvalidArgument when it is not a number.
Result<std::optional<uint64_t>> VersionParam(const HttpRequest& r) {
  std::optional<std::string_view> text = r.Query("version");
  if (!text) return std::optional<uint64_t>();
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return Status::InvalidArgument(
        fmt::format("[version] must be a non-negative integer, got [{}]", *text));
  }
  return std::optional<uint64_t>(v);
}

// The attributes (as JSON text) and the version of a write's body.
struct WriteBody {
  std::string attributes;
  std::optional<uint64_t> version;
};

Result<WriteBody> ParseWriteBody(const ApiContext& ctx, const HttpRequest& r) {
  Result<nlohmann::ordered_json> body = query::ParseJsonBody(r.body, ctx.options.max_json_depth);
  if (!body.ok()) return body.status();
  if (!body->is_object()) {
    return Status::InvalidArgument("the body must be a JSON object: {\"attributes\": {...}}");
  }
  WriteBody out;
  for (const auto& [key, value] : body->items()) {
    if (key == "attributes") {
      out.attributes = value.dump();
    } else if (key == "version") {
      if (!value.is_number_unsigned()) {
        return Status::InvalidArgument("[version] must be a non-negative integer");
      }
      out.version = value.get<uint64_t>();
    } else {
      return Status::InvalidArgument(fmt::format(
          "unknown field [{}] in a saved object: the body is {{\"attributes\": {{...}}, "
          "\"version\": N}}",
          key));
    }
  }
  if (out.attributes.empty()) return Status::InvalidArgument("[attributes] is missing");
  Result<std::optional<uint64_t>> param = VersionParam(r);
  if (!param.ok()) return param.status();
  if (*param) {
    if (out.version && *out.version != **param) {
      return Status::InvalidArgument(
          fmt::format("the body's version {} and ?version={} differ", *out.version, **param));
    }
    out.version = *param;
  }
  return out;
}

HttpResponse Write(const ApiContext& ctx, HttpRequest& r, std::string_view id) {
  if (auto refused = Unavailable(ctx)) return std::move(*refused);
  if (auto refused = RefuseScoped(r)) return std::move(*refused);
  Result<WriteBody> body = ParseWriteBody(ctx, r);
  if (!body.ok()) return ErrorResponse(body.status());
  bool created = false;
  Result<storage::SavedObject> o =
      ctx.objects->Put(r.Param("type"), id, body->attributes, body->version, &created);
  if (!o.ok()) return ErrorResponse(o.status());
  return ObjectResponse(created ? 201 : 200, *o);
}

}  // namespace

HttpResponse HandleListObjects(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Unavailable(ctx)) return std::move(*refused);
  std::string type(r.Param("type"));
  if (type.empty()) type = std::string(r.Query("type").value_or(""));
  if (!type.empty()) {
    Status valid = storage::ObjectStore::ValidateTypeAndId(type, "x");
    if (!valid.ok()) return ErrorResponse(valid);
  }
  const std::string_view search = r.Query("search").value_or("");
  std::string body;
  JsonWriter w(&body);
  std::vector<storage::SavedObject> objects = ctx.objects->List(type);
  size_t total = 0;
  for (const storage::SavedObject& o : objects) total += ContainsFolded(o.title, search) ? 1 : 0;
  w.BeginObject();
  w.Field("total", static_cast<int64_t>(total));
  w.Key("objects");
  w.BeginArray();
  for (const storage::SavedObject& o : objects) {
    if (ContainsFolded(o.title, search)) WriteObject(o, &w);
  }
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse HandleGetObject(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Unavailable(ctx)) return std::move(*refused);
  Result<storage::SavedObject> o = ctx.objects->Get(r.Param("type"), r.Param("id"));
  if (!o.ok()) return ErrorResponse(o.status());
  return ObjectResponse(200, *o);
}

HttpResponse HandleCreateObject(const ApiContext& ctx, HttpRequest& r) { return Write(ctx, r, ""); }

HttpResponse HandlePutObject(const ApiContext& ctx, HttpRequest& r) {
  const std::string id(r.Param("id"));
  return Write(ctx, r, id);
}

HttpResponse HandleDeleteObject(const ApiContext& ctx, HttpRequest& r) {
  if (auto refused = Unavailable(ctx)) return std::move(*refused);
  if (auto refused = RefuseScoped(r)) return std::move(*refused);
  Result<std::optional<uint64_t>> version = VersionParam(r);
  if (!version.ok()) return ErrorResponse(version.status());
  Status deleted = ctx.objects->Delete(r.Param("type"), r.Param("id"), *version);
  if (!deleted.ok()) return ErrorResponse(deleted);
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("type", r.Param("type"));
  w.Field("id", r.Param("id"));
  w.Field("result", "deleted");
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace vigil::http
