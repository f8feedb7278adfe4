// ObjectStore: the dashboard's saved objects (visualizations, dashboards, saved searches), one
// JSON file each under DATA/objects/<type>/<id>.json (docs/format/objects.md). Every write is
// durable when it returns (a temporary file, fsync, rename, fsync of the directory), so a saved
// object survives a crash or a restart; a reader never sees half a file.
//
// Each object has a version that starts at 1 and grows by one with each write, for optimistic
// concurrency: a write may name the version it replaces and fails with Conflict when another write
// came first (two analysts editing one dashboard do not silently overwrite each other).
//
// The attributes are a JSON object the dashboard defines; the store checks the parts every user
// of an object relies on (a title; a visualization's kind; a dashboard's panels on the grid) and
// keeps the rest as it was given.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "env/env.h"

namespace vigil::storage {

struct SavedObject {
  std::string type;  // one of ObjectStore::kTypes
  std::string id;
  uint64_t version = 0;    // 1 for a new object, +1 per write
  int64_t updated_at = 0;  // epoch milliseconds of the last write
  std::string title;       // attributes.title
  std::string attributes;  // the attributes as compact JSON (an object)
};

struct ObjectStoreOptions {
  size_t max_objects = 10'000;        // of all types together
  size_t max_object_bytes = 1 << 20;  // of one object's attributes
  size_t max_json_depth = 32;         // nesting of the attributes
  std::function<int64_t()> clock;     // epoch milliseconds; empty: the system clock
};

class ObjectStore {
 public:
  // The kinds of saved object, as they appear in paths.
  static constexpr std::array<std::string_view, 3> kTypes = {"dashboard", "search",
                                                             "visualization"};
  // A visualization's kinds (attributes.kind).
  static constexpr std::array<std::string_view, 6> kVisualizationKinds = {"metric", "table", "pie",
                                                                          "bar",    "line",  "map"};
  static constexpr int kGridColumns = 12;  // a dashboard's grid is 12 columns wide

  // Loads every object under `dir` (creating it). A file that cannot be read as an object is
  // left where it is and skipped, with a line in warnings() naming it and why (a saved object
  // must not keep the server from starting); leftover temporary files are removed.
  static Result<std::unique_ptr<ObjectStore>> Open(Env* env, std::string dir,
                                                   ObjectStoreOptions options = {});

  // InvalidArgument naming the problem when `type` is not one of kTypes or `id` is not 1 to 64
  // letters, digits, '-' and '_'.
  static Status ValidateTypeAndId(std::string_view type, std::string_view id);
  // Checks `attributes` (JSON text) for `type` and returns them compact; InvalidArgument naming
  // the field at fault.
  Result<std::string> ValidateAttributes(std::string_view type, std::string_view attributes) const;

  // NotFound when there is none.
  Result<SavedObject> Get(std::string_view type, std::string_view id) const;
  // The objects of `type` (empty: all types), sorted by type, then title (case-insensitively),
  // then id.
  std::vector<SavedObject> List(std::string_view type) const;
  // Creates or replaces an object. `id` empty: a new random id. `expected_version`: nullopt
  // writes whatever is there; 0 requires that the object does not exist; N requires it to be at
  // version N. Conflict when that does not hold; ResourceExhausted at max_objects.
  // *created says whether the object is new.
  Result<SavedObject> Put(std::string_view type, std::string_view id, std::string_view attributes,
                          std::optional<uint64_t> expected_version, bool* created = nullptr);
  // Removes an object (NotFound when there is none; Conflict when `expected_version` is given
  // and differs).
  Status Delete(std::string_view type, std::string_view id,
                std::optional<uint64_t> expected_version);

  size_t size() const;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  ObjectStore(Env* env, std::string dir, ObjectStoreOptions options);
  Status Load();
  std::string PathOf(std::string_view type, std::string_view id) const;
  int64_t Now() const;

  Env* env_;
  std::string dir_;
  ObjectStoreOptions options_;
  std::vector<std::string> warnings_;
  mutable std::mutex mu_;
  std::map<std::string, SavedObject> objects_;  // by "type/id"; guarded by mu_
};

}  // namespace vigil::storage
