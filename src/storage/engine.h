// Engine: the indices of one data directory (DATA/indices/<name>/), and the lock that makes one
// process its only writer. A second process that opens the same directory gets a Conflict error
// naming the process that holds it.
//
// Thread-safe. Index pointers stay valid until the index is deleted or the engine destroyed.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "env/env.h"
#include "storage/index.h"

namespace vigil::storage {

inline constexpr std::string_view kDefaultIndex = "findings";

class Engine {
 public:
  // Locks `data_dir` (creating it) and opens nothing yet: indices open on first use.
  static Result<std::unique_ptr<Engine>> Open(Env* env, const std::string& data_dir,
                                              IndexOptions options = {});
  ~Engine();

  // Elasticsearch's rules for index names: lower case, no \ / * ? " < > | , # : or space, not
  // starting with - _ +, not . or .., at most 255 bytes.
  static Status ValidateIndexName(std::string_view name);

  // The open index `name`; opens it, or creates it when `create` is true.
  Result<Index*> GetIndex(std::string_view name, bool create);
  // Creates an index; Conflict when it exists.
  Result<Index*> CreateIndex(std::string_view name);
  // Closes and removes an index with all its files.
  Status DeleteIndex(std::string_view name);
  // The names of the indices on disk, sorted.
  Result<std::vector<std::string>> ListIndices();
  // Closes every open index (flushing it).
  Status Close();

  const std::string& data_dir() const { return data_dir_; }

 private:
  Engine(Env* env, std::string data_dir, IndexOptions options);
  bool Exists(std::string_view name);
  Status RemoveTree(const std::string& dir);

  Env* env_;
  std::string data_dir_;
  std::string indices_dir_;
  IndexOptions options_;
  std::unique_ptr<FileLock> lock_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Index>, std::less<>> open_;
};

}  // namespace vigil::storage
