// GroupApplier: applies the operations of one commit group to the index's state: decides each
// operation's outcome against the live documents (version order for upserts), builds the
// in-memory segment of the new documents, and collects the deletions it causes. Used by Index
// for every group it commits and for every group it replays from the write-ahead log, so both
// paths decide alike. Index holds its apply lock throughout.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "storage/mapping.h"
#include "storage/postings.h"
#include "storage/segment_builder.h"
#include "storage/segment_reader.h"
#include "storage/write_batch.h"

namespace vigil::storage {

enum class WriteOutcome : uint8_t {
  kCreated,   // a new document
  kUpdated,   // replaced an older version (or any version, for kIndex)
  kStale,     // an upsert whose version is not newer than the live one: nothing changed
  kDeleted,   // a delete that removed a document
  kNotFound,  // a delete of an absent id (or, for kDeleteIfOlder, of a newer document)
  kExists,    // a create of an id that is present: nothing changed
};
std::string_view WriteOutcomeName(WriteOutcome outcome);

// What the applier reads of an existing segment.
struct LiveSegment {
  std::shared_ptr<const SegmentReader> reader;
  std::shared_ptr<const Bitmap> deleted;
};

class GroupApplier {
 public:
  // `segments` (oldest first) and `*mapping` are the index's state; the applier changes the
  // mapping through `mutable_mapping`, which returns a private copy when others share it. The
  // group's segment compresses its sources with `source_dict` (null: without a dictionary).
  GroupApplier(const std::vector<LiveSegment>& segments, const Mapping* mapping,
               std::function<Mapping*()> mutable_mapping, std::function<void(std::string_view)> log,
               std::shared_ptr<const ZstdDictionary> source_dict = nullptr);

  // Applies one batch (`rep` and `frames` must outlive the applier); `frames` are a derived
  // batch's compressed sources (empty for others), compressed with `frames_dict` (null: without
  // a dictionary; frames compressed otherwise than the group's segment are compressed again).
  // Operations numbered below `skip_below`
  // (already durable elsewhere, during recovery) are skipped. Outcomes are appended to *outcomes
  // when it is not null, and the document each operation added to the group's segment (kNoDoc:
  // none) to *docs when it is not null.
  static constexpr uint32_t kNoDoc = UINT32_MAX;
  Status Apply(std::string_view rep, std::span<const SourceFrame> frames,
               const ZstdDictionary* frames_dict, uint64_t first_seq, uint64_t skip_below,
               std::vector<WriteOutcome>* outcomes, std::vector<uint32_t>* docs = nullptr);

  uint32_t new_docs() const { return builder_.num_docs(); }
  size_t memory_usage() const { return builder_.memory_usage(); }
  uint64_t min_seq() const { return min_seq_; }
  uint64_t max_seq() const { return max_seq_; }
  // The documents of the group's segment that later operations of the group replaced.
  const Bitmap& new_deleted() const { return new_deleted_; }
  // New deletions in existing segments, by index in `segments`.
  const std::map<size_t, Bitmap>& deletions() const { return deletions_; }
  // Encodes the group's segment (call only when new_docs() > 0).
  Result<std::string> FinishSegment() { return builder_.Finish(min_seq_, max_seq_); }

 private:
  struct Location {
    bool in_group = false;
    size_t segment = 0;
    uint32_t doc = 0;
    Version version;
  };
  struct Slot {
    FieldType type = FieldType::kNone;
    int64_t handle = -1;
    int64_t conflict_handle = -1;
  };

  bool Lookup(std::string_view id, Location* found);
  void Remove(const Location& loc);
  uint32_t AddDoc(const BatchOp& op, bool framed);  // returns the document's number
  Slot& SlotFor(std::string_view name, FieldType hint);

  const std::vector<LiveSegment>& segments_;
  const Mapping* mapping_;
  std::function<Mapping*()> mutable_mapping_;
  std::function<void(std::string_view)> log_;
  SegmentBuilder builder_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // Ids of the group's documents: views into the batches, which outlive the applier.
  std::unordered_map<std::string_view, uint32_t, StringHash> group_ids_;
  std::vector<Version> group_versions_;
  Bitmap new_deleted_;
  std::map<size_t, Bitmap> deletions_;
  std::unordered_map<std::string, Slot, StringHash, std::equal_to<>> slots_;
  std::vector<Slot*> batch_slots_;  // by name id within the batch being applied
  std::vector<BatchOp> ops_;
  std::vector<std::string_view> names_;
  std::vector<SegmentBuilder::Term> doc_terms_;  // the terms of the document being added
  std::string term_bytes_;                       // its encoded (non-keyword) terms
  std::vector<size_t> encoded_;                  // which of doc_terms_ are in term_bytes_
  std::vector<uint8_t> added_;  // a derived batch: which of its documents were added
  std::string live_;            // scratch for a frame\'s live-entry bitmap
  std::vector<FieldValue> scratch_;
  std::vector<uint32_t> docs_;
  uint64_t min_seq_ = UINT64_MAX;
  uint64_t max_seq_ = 0;
};

}  // namespace vigil::storage
