// The only place where a Status becomes an HTTP status: Elasticsearch's error shape,
// {"error":{"root_cause":[...],"type":..,"reason":..},"status":N}, with 4xx for the caller's
// mistakes and 5xx only for ours.
#pragma once

#include <string_view>

#include "base/status.h"
#include "http/http_types.h"

namespace vigil::http {

// The HTTP status of a failed Status: InvalidArgument 400, NotFound 404, Conflict 409,
// ResourceExhausted 400 (a limit of the request: Elasticsearch's illegal_argument), Unavailable
// 503, the rest 500.
int HttpStatusOf(const Status& status);

// Elasticsearch's error type for a Status: its detail() when the engine set one, else one
// derived from the code.
std::string_view ErrorTypeOf(const Status& status);

// The error response for `status` (which must not be OK).
HttpResponse ErrorResponse(const Status& status);
// An error response with an explicit HTTP status and type.
HttpResponse ErrorResponse(int http_status, std::string_view type, std::string_view reason);

}  // namespace vigil::http
