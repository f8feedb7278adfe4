// Search: a SearchRequest run on one or more index snapshots, answered in Elasticsearch's
// response shape (`took`, `timed_out`, `_shards`, `hits` with `total`, `max_score` and the hits,
// `aggregations`). Also `_count`.
//
// Hits are collected per segment on ordinals (a field sort compares dictionary codes, which
// order like the values), and only the winners' terms are decoded to merge segments and
// indices. Aggregations run on the same matching documents (aggregation.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "base/status.h"
#include "query/executor.h"
#include "query/search_request.h"
#include "storage/snapshot.h"

namespace vigil::query {

struct IndexSnapshot {
  std::string name;
  std::shared_ptr<const storage::Snapshot> snapshot;
};

struct SearchOptions {
  int64_t now = 0;  // the request's time (0: the clock at the start of the search)
  ExecOptions exec;
  uint64_t max_buckets = 65'536;
};

// The response body. Errors: InvalidArgument / ResourceExhausted with an Elasticsearch error
// type in detail(); Corruption when stored data is damaged.
Result<std::string> Search(std::span<const IndexSnapshot> indices, const SearchRequest& request,
                           const SearchOptions& options = {});

// The number of matching documents (`_count`).
Result<uint64_t> Count(std::span<const IndexSnapshot> indices, const Query& query,
                       const SearchOptions& options = {});

// The stored source of the live document with `_id` `id` (Elasticsearch's GET _doc), or
// nullopt when there is none: the newest segments first, each asked through its id filter.
Result<std::optional<std::string>> GetById(const storage::Snapshot& snapshot, std::string_view id);

// Writes a term of a field of `type` as a JSON value, as Elasticsearch writes field values:
// numbers for longs and doubles, true/false for booleans, strings for keywords, IPs and geo
// points; dates as epoch milliseconds (sort values) or ISO-8601 strings (`fields`).
void WriteTermValue(storage::FieldType type, std::string_view term, bool dates_as_millis,
                    JsonWriter* w);

// The `_source` of a document filtered by include and exclude patterns (`*` wildcards on dotted
// paths), keeping the order of its keys. An empty filter returns the source as it is.
Result<std::string> FilterSource(std::string_view source, const SourceFilter& filter);

}  // namespace vigil::query
