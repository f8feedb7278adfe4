// SegmentBuilder: collects documents in memory and encodes them as one immutable segment
// (segment_format.h). Used for the in-memory segments made from each committed write group, and
// by merges.
//
// Documents are numbered 0, 1, ... in StartDoc order. Terms are added per field with the
// document they belong to; a field's documents must come in non-decreasing order (true both when
// adding document by document and when a merge copies field by field). Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "storage/compression.h"
#include "storage/field_value.h"
#include "storage/segment_writer.h"

namespace vigil::storage {

struct SegmentBuilderOptions {
  // The stored sources. Flushes and merges copy these blocks as they are (unless documents in
  // them were deleted), so this is the level sources keep on disk: 1 compresses about as well as
  // 3 at a third more speed.
  int zstd_level = 1;
  // When set, sources are compressed with this dictionary instead, in blocks of
  // kDictSourceBlockSize (the index's source dictionary), and the segment holds it.
  std::shared_ptr<const ZstdDictionary> dict;
};

class SegmentBuilder {
 public:
  explicit SegmentBuilder(SegmentBuilderOptions options = {});
  ~SegmentBuilder();
  SegmentBuilder(const SegmentBuilder&) = delete;
  SegmentBuilder& operator=(const SegmentBuilder&) = delete;

  // Starts the next document and returns its number. Adds `id` as the term of field `_id`.
  uint32_t StartDoc(std::string_view id, Version version, std::string_view source);
  // The same for a document whose source comes in a compressed frame (AddSourceFrame): the
  // frames must cover exactly the documents started this way, in order, and come after them.
  uint32_t StartDocWithoutSource(std::string_view id, Version version);
  // Adds a frame of compressed sources (a derived batch's, write_batch.h) holding `entries`
  // sources, of which the ones marked in `live` (bit i of byte i / 8; empty: all) are the next
  // documents' sources. `dict`: the dictionary the frame is compressed with (null: none); a
  // frame compressed as the segment's blocks are is kept as it is, any other is decompressed
  // and its sources compressed again.
  Status AddSourceFrame(std::string_view compressed, uint32_t entries, std::string_view live,
                        const ZstdDictionary* dict = nullptr);

  // The handle of a field for AddTerm, creating it on first use. `conflicts` selects the keyword
  // entry that holds the values of `name` that did not fit its type.
  uint32_t FieldHandle(std::string_view name, FieldType type, bool conflicts = false);

  // Adds `term` (term_encoding.h) to field `handle` of document `doc`.
  void AddTerm(uint32_t handle, uint32_t doc, std::string_view term);

  // The same for many terms of one document at once: faster, because the hash table slots of all
  // of them are fetched from memory together rather than one cache miss after another.
  struct Term {
    uint32_t handle;
    std::string_view term;
  };
  void AddTerms(uint32_t doc, std::span<const Term> terms);

  uint32_t num_docs() const { return static_cast<uint32_t>(versions_.size()); }
  // Approximate bytes held, for flush decisions.
  size_t memory_usage() const { return memory_; }

  // Encodes the segment. `min_seq`..`max_seq` are the write sequence numbers it covers.
  Result<std::string> Finish(uint64_t min_seq, uint64_t max_seq);

 private:
  struct FieldBuilder;

  // Stores `term` with a length prefix; returns the record (u32 length, then the bytes).
  const char* StoreRecord(std::string_view term);
  void AddTermHashed(uint32_t handle, uint32_t doc, std::string_view term, uint32_t hash);
  // AddSourceFrame of a frame compressed otherwise than this segment's blocks.
  Status AddSourcesOf(std::string_view compressed, uint32_t entries, std::string_view live,
                      const ZstdDictionary* dict);

  SegmentBuilderOptions options_;
  std::vector<std::unique_ptr<FieldBuilder>> fields_;
  std::unordered_map<std::string, uint32_t> handles_;  // name + '\0' + conflicts flag
  std::string key_;                                    // scratch for handle lookups
  std::vector<uint32_t> hashes_;                       // scratch for AddTerms
  uint32_t id_handle_;
  std::vector<Version> versions_;

  // Arena for term bytes.
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cursor_ = nullptr;
  size_t left_ = 0;

  // Stored sources, compressed block by block into source_data_.
  std::string source_data_;
  SourceBlocks sources_;
  Status status_;
  size_t memory_ = 0;
};

}  // namespace vigil::storage
