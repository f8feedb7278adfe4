// Reading request bodies (JSON) the way the DSL and aggregation parsers both need: typed getters
// that accept what Elasticsearch accepts ("5" for 5, "true" for true) and errors in its shape,
// naming the place in the body ([query.bool.must[1].term]).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/query.h"

namespace vigil::query {

using json = nlohmann::ordered_json;

// InvalidArgument with Elasticsearch's error type: a body of the wrong shape, a wrong value.
Status ParsingError(std::string reason);
Status IllegalArgument(std::string reason);

// "path" + "." + "key".
std::string Sub(std::string_view path, std::string_view key);
// "a string", "an object"...: for messages.
std::string TypeName(const json& v);

Result<Scalar> ToScalar(const json& v, const std::string& path);
Result<std::string> GetString(const json& v, const std::string& path);
Result<int64_t> GetInt(const json& v, const std::string& path);
Result<bool> GetBool(const json& v, const std::string& path);
Result<float> GetFloat(const json& v, const std::string& path);
Result<double> GetDouble(const json& v, const std::string& path);
// A string, or an array of strings.
Result<std::vector<std::string>> StringList(const json& v, const std::string& path);

}  // namespace vigil::query
