#include "http/errors.h"

#include <string>
#include <utility>

#include "base/json_writer.h"

namespace vigil::http {

int HttpStatusOf(const Status& status) {
  if (status.detail() == "index_not_found_exception") return 404;
  if (status.detail() == "resource_already_exists_exception") return 400;
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
      break;
  }
  return 500;
}

std::string_view ErrorTypeOf(const Status& status) {
  if (!status.detail().empty()) return status.detail();
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
      return "illegal_argument_exception";
    case StatusCode::kNotFound:
      return "resource_not_found_exception";
    case StatusCode::kConflict:
      return "version_conflict_engine_exception";
    case StatusCode::kUnavailable:
      return "unavailable_shards_exception";
    default:
      break;
  }
  return "exception";
}

HttpResponse ErrorResponse(int http_status, std::string_view type, std::string_view reason) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("error");
  w.BeginObject();
  w.Key("root_cause");
  w.BeginArray();
  w.BeginObject();
  w.Field("type", type);
  w.Field("reason", reason);
  w.EndObject();
  w.EndArray();
  w.Field("type", type);
  w.Field("reason", reason);
  w.EndObject();
  w.Key("status");
  w.Int(http_status);
  w.EndObject();
  return HttpResponse::Json(http_status, std::move(body));
}

HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusOf(status), ErrorTypeOf(status), status.message());
}

}  // namespace vigil::http
