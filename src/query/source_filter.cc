// `_source` filtering (search.h's FilterSource): include and exclude patterns over the dotted
// paths of a parsed document, keeping the order of its keys.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "query/field_resolver.h"
#include "query/search.h"

namespace vigil::query {

namespace {

// Source filtering on a parsed document: keeps the order of the keys.
using OrderedJson = nlohmann::ordered_json;

void FilterObject(OrderedJson* obj, const std::string& prefix, const SourceFilter& f) {
  for (auto it = obj->begin(); it != obj->end();) {
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    bool excluded = false;
    for (const std::string& p : f.excludes) excluded = excluded || MatchesFieldPattern(p, path);
    bool included = f.includes.empty();
    bool whole = f.includes.empty();
    for (const std::string& p : f.includes) {
      if (MatchesFieldPattern(p, path) || MatchesFieldPattern(p + ".*", path)) whole = true;
      if (whole || p.starts_with(path + ".")) included = true;
    }
    if (excluded || !included) {
      it = obj->erase(it);
      continue;
    }
    if (it->is_object()) {
      if (!whole || !f.excludes.empty()) {
        SourceFilter sub = f;
        if (whole) sub.includes.clear();
        FilterObject(&*it, path, sub);
        if (it->empty() && !whole) {
          it = obj->erase(it);
          continue;
        }
      }
    } else if (it->is_array() && (!whole || !f.excludes.empty())) {
      SourceFilter sub = f;
      if (whole) sub.includes.clear();
      for (auto& el : *it) {
        if (el.is_object()) FilterObject(&el, path, sub);
      }
    } else if (!whole) {
      it = obj->erase(it);
      continue;
    }
    ++it;
  }
}

}  // namespace

Result<std::string> FilterSource(std::string_view source, const SourceFilter& filter) {
  if (filter.includes.empty() && filter.excludes.empty()) return std::string(source);
  OrderedJson doc;
  try {
    doc = OrderedJson::parse(source);
  } catch (const std::exception& e) {
    return Status::Corruption(fmt::format("a stored source is not valid JSON: {}", e.what()));
  }
  if (doc.is_object()) FilterObject(&doc, "", filter);
  return doc.dump();
}

}  // namespace vigil::query
