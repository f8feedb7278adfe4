// A whole `_search` body: the query (dsl_parser.cc), paging, sorting, search_after,
// track_total_hits, _source, fields and aggregations (aggs/registry.cc), with the request-wide
// checks (depth, result window, search_after against sort).
#include <fmt/format.h>

#include <charconv>

#include "query/dsl_parser.h"
#include "query/json_util.h"

namespace vigil::query {

namespace {

Status ParseSort(const json& v, SearchRequest* r) {
  std::vector<const json*> items;
  if (v.is_array()) {
    for (const json& i : v) items.push_back(&i);
  } else {
    items.push_back(&v);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = *items[i];
    const std::string path = fmt::format("sort[{}]", i);
    SortKey key;
    if (item.is_string()) {
      key.field = item.get<std::string>();
      // "field:desc" is the URI form.
      if (size_t colon = key.field.rfind(':'); colon != std::string::npos) {
        std::string order = key.field.substr(colon + 1);
        if (order == "asc" || order == "desc") {
          key.descending = order == "desc";
          key.field.resize(colon);
        }
      }
      key.descending = key.descending || key.field == "_score";
    } else if (item.is_object() && item.size() == 1) {
      key.field = item.begin().key();
      const json& spec = item.begin().value();
      key.descending = key.field == "_score";
      if (spec.is_string()) {
        if (spec != "asc" && spec != "desc") {
          return IllegalArgument(fmt::format("[{}] sort order must be asc or desc, got \"{}\"",
                                             path, spec.get<std::string>()));
        }
        key.descending = spec == "desc";
      } else if (spec.is_object()) {
        for (auto it = spec.begin(); it != spec.end(); ++it) {
          const std::string& k = it.key();
          if (k == "order") {
            if (it.value() != "asc" && it.value() != "desc") {
              return IllegalArgument(fmt::format("[{}.order] must be asc or desc", path));
            }
            key.descending = it.value() == "desc";
          } else if (k == "missing") {
            if (it.value() == "_last") {
              key.missing = SortKey::Missing::kLast;
            } else if (it.value() == "_first") {
              key.missing = SortKey::Missing::kFirst;
            } else {
              Result<Scalar> s = ToScalar(it.value(), path + ".missing");
              if (!s.ok()) return s.status();
              key.missing = SortKey::Missing::kValue;
              key.missing_value = std::move(*s);
            }
          } else if (k == "mode") {
            if (it.value() == "min") {
              key.mode = SortKey::Mode::kMin;
            } else if (it.value() == "max") {
              key.mode = SortKey::Mode::kMax;
            } else {
              return IllegalArgument(fmt::format(
                  "[{}.mode] must be min or max (sum, avg and median are not supported)", path));
            }
          } else if (k != "unmapped_type" && k != "format" && k != "numeric_type") {
            return ParsingError(fmt::format("[{}] unknown sort option [{}]", path, k));
          }
        }
      } else {
        return ParsingError(fmt::format("[{}] malformed sort", path));
      }
    } else {
      return ParsingError(
          fmt::format("[{}] malformed sort: expected a field name or an object "
                      "with one field",
                      path));
    }
    r->sort.push_back(std::move(key));
  }
  return Status::Ok();
}

// Counts the nesting of a JSON text outside strings, so that a body nested too deep is refused
// before it is parsed (nlohmann's parser is iterative, but destroying a deep tree recurses).
Status CheckDepth(std::string_view body, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return ParsingError(fmt::format(
            "the request body is nested deeper than {} levels (at byte {})", max_depth, i));
      }
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<json> ParseJsonBody(std::string_view body, size_t max_depth) {
  VIGIL_RETURN_IF_ERROR(CheckDepth(body, max_depth));
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // Line and column of the byte where parsing failed.
    size_t at = std::min(e.byte > 0 ? e.byte - 1 : 0, body.size());
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < at; ++i) {
      if (body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    if (size_t p = what.find(": "); p != std::string::npos) what = what.substr(p + 2);
    return Status::InvalidArgument(
               fmt::format("failed to parse the request body at line {}, column {}: {}", line, col,
                           what))
        .WithDetail("x_content_parse_exception");
  } catch (const json::exception& e) {
    // A number beyond a double's range ("1e999"): nlohmann reports it as out_of_range, without a
    // position.
    std::string what = e.what();
    if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return Status::InvalidArgument(fmt::format("failed to parse the request body: {}", what))
        .WithDetail("x_content_parse_exception");
  }
}

Result<SearchRequest> ParseSearchRequest(std::string_view body, const ParseLimits& limits) {
  SearchRequest r;
  bool blank = true;
  for (char c : body) blank = blank && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
  if (blank) {
    r.query = Query::MatchAll();
    return r;
  }
  Result<json> parsed = ParseJsonBody(body, limits.max_depth);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  if (!j.is_object()) {
    return ParsingError(fmt::format("the request body must be a JSON object, got {}", TypeName(j)));
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "query") {
      Result<std::unique_ptr<Query>> q = ParseQuery(v, "query", limits);
      if (!q.ok()) return q.status();
      r.query = std::move(*q);
    } else if (k == "from" || k == "size") {
      Result<int64_t> n = GetInt(v, k);
      if (!n.ok()) return n.status();
      if (*n < 0) {
        return IllegalArgument(fmt::format("[{}] must be 0 or more, got {}", k, *n));
      }
      (k == "from" ? r.from : r.size) = *n;
    } else if (k == "sort") {
      VIGIL_RETURN_IF_ERROR(ParseSort(v, &r));
    } else if (k == "search_after") {
      if (!v.is_array()) return ParsingError("[search_after] must be an array of sort values");
      for (const json& s : v) {
        if (s.is_null()) {
          r.search_after.emplace_back();
          continue;
        }
        Result<Scalar> sv = ToScalar(s, "search_after");
        if (!sv.ok()) return sv.status();
        r.search_after.emplace_back(std::move(*sv));
      }
    } else if (k == "track_total_hits") {
      r.track_total_hits_set = true;
      if (v.is_boolean()) {
        r.track_total_hits = v.get<bool>() ? INT64_MAX : 0;
      } else {
        Result<int64_t> n = GetInt(v, k);
        if (!n.ok()) return n.status();
        if (*n < -1) {
          return IllegalArgument(
              fmt::format("[track_total_hits] must be a boolean or 0 or more, got {}", *n));
        }
        r.track_total_hits = *n == -1 ? INT64_MAX : *n;
      }
    } else if (k == "_source") {
      if (v.is_boolean()) {
        r.source.enabled = v.get<bool>();
      } else if (v.is_object()) {
        for (auto s = v.begin(); s != v.end(); ++s) {
          if (s.key() != "includes" && s.key() != "excludes" && s.key() != "include" &&
              s.key() != "exclude") {
            return ParsingError(fmt::format("[_source] unknown key [{}]", s.key()));
          }
          Result<std::vector<std::string>> list = StringList(s.value(), "_source." + s.key());
          if (!list.ok()) return list.status();
          (s.key().starts_with("include") ? r.source.includes : r.source.excludes) =
              std::move(*list);
        }
      } else {
        Result<std::vector<std::string>> list = StringList(v, "_source");
        if (!list.ok()) return list.status();
        r.source.includes = std::move(*list);
      }
    } else if (k == "fields" || k == "docvalue_fields") {
      if (!v.is_array()) return ParsingError(fmt::format("[{}] must be an array", k));
      for (const json& f : v) {
        if (f.is_string()) {
          r.fields.push_back(f.get<std::string>());
        } else if (f.is_object() && f.contains("field") && f["field"].is_string()) {
          r.fields.push_back(f["field"].get<std::string>());
        } else {
          return ParsingError(fmt::format("[{}] expected field names", k));
        }
      }
    } else if (k == "aggs" || k == "aggregations") {
      Result<std::vector<std::unique_ptr<AggregationSpec>>> aggs = ParseAggregations(v, k);
      if (!aggs.ok()) return aggs.status();
      for (auto& a : *aggs) r.aggs.push_back(std::move(a));
    } else if (k == "min_score") {
      Result<float> f = GetFloat(v, k);
      if (!f.ok()) return f.status();
      r.min_score = *f;
    } else if (k == "terminate_after") {
      Result<int64_t> n = GetInt(v, k);
      if (!n.ok()) return n.status();
      r.terminate_after = std::max<int64_t>(0, *n);
    } else if (k == "explain" || k == "version" || k == "seq_no_primary_term") {
      Result<bool> b = GetBool(v, k);
      if (!b.ok()) return b.status();
      (k == "explain" ? r.explain : k == "version" ? r.version : r.seq_no_primary_term) = *b;
    } else if (k == "timeout" || k == "stored_fields" || k == "highlight" || k == "_name" ||
               k == "script_fields" || k == "runtime_mappings" || k == "indices_boost" ||
               k == "stats" || k == "profile" || k == "pit" || k == "collapse" || k == "suggest" ||
               k == "rescore" || k == "post_filter") {
      if (k == "post_filter") {
        return IllegalArgument("[post_filter] is not supported: put the filter in the query");
      }
      if (k == "runtime_mappings" || k == "script_fields" || k == "collapse" || k == "pit" ||
          k == "suggest" || k == "rescore") {
        return IllegalArgument(fmt::format("[{}] is not supported by Vigil", k));
      }
      // Accepted and ignored: no effect on the results.
    } else {
      return ParsingError(fmt::format("Unknown key for a {} in [{}].",
                                      v.is_object() ? "START_OBJECT" : "VALUE", k));
    }
  }
  if (!r.query) r.query = Query::MatchAll();
  if (r.from + r.size > limits.max_result_window) {
    return IllegalArgument(fmt::format(
        "Result window is too large, from + size must be less than or equal to: [{}] but was "
        "[{}]. See the scroll api for a more efficient way to request large data sets.",
        limits.max_result_window, r.from + r.size));
  }
  if (!r.search_after.empty()) {
    if (r.sort.empty()) {
      return IllegalArgument("[search_after] needs a [sort]: one value per sort field");
    }
    if (r.search_after.size() != r.sort.size()) {
      return IllegalArgument(fmt::format("search_after has {} value(s) but sort has {}",
                                         r.search_after.size(), r.sort.size()));
    }
    if (r.from > 0) {
      return IllegalArgument("[from] parameter must be set to 0 when [search_after] is used");
    }
  }
  return r;
}

}  // namespace vigil::query
