// Engine: the indices of one data directory (DATA/indices/<name>/), and the lock that makes one
// process its only writer. A second process that opens the same directory gets a Conflict error
// naming the process that holds it.
//
// Thread-safe. An index handed out stays usable by its holders after DeleteIndex (its writes
// then fail; its snapshots still read) and is destroyed with its last holder.
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
  // starting with - _ +, not . or .., at most 255 bytes. InvalidArgument with the detail
  // invalid_index_name_exception (Elasticsearch's error type; CreateIndex's Conflict carries
  // resource_already_exists_exception).
  static Status ValidateIndexName(std::string_view name);

  // The open index `name`; opens it, or creates it when `create` is true.
  Result<std::shared_ptr<Index>> GetIndex(std::string_view name, bool create);
  // Creates an index; Conflict when it exists.
  Result<std::shared_ptr<Index>> CreateIndex(std::string_view name);
  // Closes and removes an index with all its files. Its holders keep a closed index: writes
  // fail, snapshots taken before still read.
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
  std::map<std::string, std::shared_ptr<Index>, std::less<>> open_;
};

}  // namespace vigil::storage
