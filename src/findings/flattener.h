// Flattener: turns a parsed finding into Document fields exactly as npm `flat` (default options,
// delimiter '.') keys its leaves, and adds the array-collapsed multi-valued fields.
//
//   {"a": {"b": [ {"c": 1}, {"c": 2} ], "d": [], "e": {}}}
//   flat:      a.b.0.c = 1, a.b.1.c = 2, a.d = [], a.e = {}
//   collapsed: a.b.c = [1, 2]
//
// npm `flat` keeps empty objects and arrays as leaf values and recurses into everything else;
// so does this. A collapsed field gets every non-null leaf value found under its path with the
// array indices removed. Not thread-safe; use one Flattener per thread (it reuses buffers).
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "findings/document.h"

namespace vigil::findings {

class KeyChecker;

class Flattener {
 public:
  // Adds the fields of `object` to *doc (which the caller cleared). String values borrow the
  // parser's memory: the document is valid while `object` is. Fails with InvalidArgument on a
  // duplicate key, naming it. Does not call doc->Finish().
  Status Flatten(simdjson::dom::object object, Document* doc);

 private:
  Status Walk(simdjson::dom::element element, size_t array_depth, Document* doc);
  Status AddLeaf(const Value& value, size_t array_depth, Document* doc);
  // Fails on a key the object already had; calls doc->IndexAll() once a key has a dot.
  Status CheckKey(KeyChecker* checker, std::string_view key, Document* doc);

  // The names being built, extended part by part.
  std::string flat_key_;
  std::string collapsed_key_;
};

}  // namespace vigil::findings
