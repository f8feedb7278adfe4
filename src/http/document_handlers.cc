// GET /{index}/_doc/{id}: the live document's source, as Elasticsearch answers it.
#include <string>

#include "base/json_writer.h"
#include "http/api.h"
#include "http/errors.h"

namespace vigil::http {

HttpResponse HandleGetDoc(const ApiContext& ctx, HttpRequest& r) {
  const std::string_view name = r.Param("index");
  const std::string_view id = r.Param("id");
  Result<storage::Index*> index = OpenIndex(ctx.engine, name);
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
