// Field names as users write them, resolved to the index's fields (DESIGN.md section 2.3): a
// field of the mapping as it is (flat keys such as `...portProbeDetails.0.remoteIpDetails...`,
// array-collapsed keys, `derived.*`), or `X.keyword` for the exact form of string field X (what
// Kibana users type). A name that resolves to nothing matches nothing: not an error, as in
// Elasticsearch. Also the per-segment view of a resolved field that queries and aggregations
// read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/mapping.h"
#include "storage/snapshot.h"

namespace vigil::query {

// The documents' ids, a keyword field of every segment (Resolve("_id") gives it; Expand never
// does).
inline constexpr std::string_view kIdField = "_id";

struct ResolvedField {
  std::string name;  // the index's field name; empty: unknown (matches nothing)
  storage::FieldType type = storage::FieldType::kNone;
  bool has_conflicts = false;  // some values did not fit `type` (in the conflict entry)
  bool known() const { return !name.empty(); }
};

// Resolves against a snapshot's mapping. Cheap to create; not thread-safe (it caches).
class FieldResolver {
 public:
  explicit FieldResolver(const storage::Mapping* mapping) : mapping_(mapping) {}
  ResolvedField Resolve(std::string_view user_name) const;
  // Every field of the mapping whose name matches `pattern` (`*` wildcards), for multi_match,
  // query_string's `fields` and `_source`-like lists. Resolved names, sorted.
  std::vector<ResolvedField> Expand(std::string_view pattern) const;
  const storage::Mapping& mapping() const { return *mapping_; }

 private:
  const storage::Mapping* mapping_;
};

// True when `name` matches `pattern`, where `*` matches any run of characters.
bool MatchesFieldPattern(std::string_view pattern, std::string_view name);

// One segment of a search, as queries and aggregations see it.
struct SegmentContext {
  const storage::SegmentView* view = nullptr;
  const storage::SegmentReader* reader = nullptr;
  uint32_t index = 0;  // the segment's position in the snapshot
  const FieldResolver* fields = nullptr;
  std::string_view index_name;  // the index the segment belongs to
};

// A resolved field within one segment: its term dictionary, postings and column (absent when
// the segment has no value of the field).
struct FieldInSegment {
  ResolvedField field;
  int index = -1;           // in the segment's fields(); -1: the segment has none
  int conflict_index = -1;  // the conflict entry, if any
  bool present() const { return index >= 0; }
};
FieldInSegment FindSegmentField(const SegmentContext& segment, const ResolvedField& field);

}  // namespace vigil::query
