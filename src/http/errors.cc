#include "http/errors.h"

#include <cstdint>
#include <string>
#include <utility>

#include "base/json_writer.h"

namespace vigil::http {

int HttpStatusOf(const Status& status) {
  if (status.detail() == "index_not_found_exception") return 404;
  if (status.detail() == "resource_already_exists_exception") return 400;
  if (status.detail() == "security_exception") return 403;  // refused sender (aws::SnsReceiver)
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

namespace {

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, so
// that a reason quoting bad input is still valid JSON.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      min = 0x10000;
    }
    bool ok = n > 0 && i + n <= s.size();
    uint32_t cp = n > 0 ? c & (0x7F >> n) : 0;
    for (size_t k = 1; ok && k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

}  // namespace

HttpResponse ErrorResponse(int http_status, std::string_view type, std::string_view raw_reason) {
  const std::string reason = ValidUtf8(raw_reason);
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
