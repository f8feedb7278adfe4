// SegmentReader: read access to one immutable segment, held in memory (a segment built from a
// write group) or mapped from its file. The read API the query engine is built on: per field
// the sorted term dictionary, the postings of each term and the column of per-document
// ordinals; per document its id, version and stored source.
//
// Thread-safe: any number of threads may read one SegmentReader. Sections are checked against
// their checksum on first use; a damaged section gives a Corruption status naming the segment
// and the section, and the rest of the segment stays readable.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "env/env.h"
#include "storage/compression.h"
#include "storage/field_value.h"
#include "storage/id_filter.h"
#include "storage/packed_ints.h"
#include "storage/postings.h"
#include "storage/segment_format.h"
#include "storage/term_dict.h"

namespace vigil::storage {

struct SegmentField {
  std::string name;
  FieldType type = FieldType::kNone;
  bool multi_valued = false;
  bool conflicts = false;  // the keyword entry of the values of `name` that did not fit its type
  uint32_t docs_with_value = 0;
  uint64_t values = 0;
};

// A field's postings: one list of documents per term ordinal (segment_format.h): either encoded
// lists (postings.h) behind packed offsets, or, when every term has exactly one document (ids,
// timestamps, descriptions), that document alone.
class Postings {
 public:
  Postings() = default;
  uint32_t terms() const { return terms_; }
  // The documents of term `ord`, in order; checked (Corruption when malformed).
  Status Decode(uint32_t ord, std::vector<uint32_t>* docs) const;
  Status AddTo(uint32_t ord, Bitmap* docs) const;
  // The number of documents of term `ord`.
  Result<uint32_t> Count(uint32_t ord) const;

 private:
  friend class SegmentReader;
  std::string_view List(uint32_t ord) const {
    uint64_t begin = offsets_.Get(ord);
    uint64_t end = offsets_.Get(static_cast<uint64_t>(ord) + 1);
    return lists_.substr(begin, end - begin);
  }
  uint8_t layout_ = kPostingsLists;
  PackedInts offsets_;  // lists: terms + 1 offsets into lists_
  std::string_view lists_;
  PackedInts singles_;  // singletons: each term's document
  uint32_t terms_ = 0;
  uint32_t num_docs_ = 0;
};

// A field's per-document ordinals into its term dictionary. Ord() gives a document's first
// (smallest) ordinal or -1, ForEach() visits all of a document's ordinals in order. To visit only
// the documents that have values, iterate entries: entries() of them, entry_doc(i) is the
// document of entry i (increasing), ForEachInEntry(i, fn) its ordinals (none for a document
// without value in a dense column).
class Column {
 public:
  bool multi_valued() const { return layout_ != kColumnSingle; }
  bool sparse() const { return layout_ == kColumnSparse; }

  uint32_t entries() const { return entries_; }
  uint32_t entry_doc(uint32_t i) const {
    return layout_ == kColumnSparse ? static_cast<uint32_t>(docs_.Get(i)) : i;
  }
  template <typename Fn>
  void ForEachInEntry(uint32_t i, Fn&& fn) const {
    if (layout_ == kColumnSingle) {
      uint64_t v = single_.Get(i);
      if (v != 0) fn(static_cast<uint32_t>(v - 1));
      return;
    }
    for (uint64_t j = offsets_.Get(i), end = offsets_.Get(i + 1); j < end; ++j) {
      fn(static_cast<uint32_t>(values_.Get(j)));
    }
  }

  int64_t Ord(uint32_t doc) const {
    int64_t ord = -1;
    ForEach(doc, [&ord](uint32_t o) {
      if (ord < 0) ord = o;
    });
    return ord;
  }
  template <typename Fn>
  void ForEach(uint32_t doc, Fn&& fn) const {
    int64_t i = EntryOf(doc);
    if (i >= 0) ForEachInEntry(static_cast<uint32_t>(i), fn);
  }
  uint32_t Count(uint32_t doc) const {
    int64_t i = EntryOf(doc);
    if (i < 0) return 0;
    if (layout_ == kColumnSingle) return single_.Get(static_cast<uint64_t>(i)) != 0 ? 1 : 0;
    return static_cast<uint32_t>(offsets_.Get(i + 1) - offsets_.Get(i));
  }

 private:
  friend class SegmentReader;
  // The entry of `doc`, or -1 when a sparse column does not have it.
  int64_t EntryOf(uint32_t doc) const {
    if (layout_ != kColumnSparse) return doc < entries_ ? static_cast<int64_t>(doc) : -1;
    uint32_t lo = 0;
    uint32_t hi = entries_;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (docs_.Get(mid) < doc) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < entries_ && docs_.Get(lo) == doc ? static_cast<int64_t>(lo) : -1;
  }

  uint8_t layout_ = kColumnSingle;
  uint32_t entries_ = 0;
  PackedInts single_;
  PackedInts docs_;
  PackedInts offsets_;
  PackedInts values_;
};

class SegmentReader {
 public:
  // Opens a segment file mapped by `file`; checks the footer, the directory and the metadata.
  // `name` names the segment in errors and in the manifest.
  // `dict`, when not null, is a source dictionary already made: the reader uses it when the
  // segment's source dictionary has the same bytes, instead of making its own (which takes about
  // a millisecond).
  static Result<std::shared_ptr<const SegmentReader>> Open(
      std::string name, std::unique_ptr<MappedFile> file,
      std::shared_ptr<const ZstdDictionary> dict = nullptr);
  // The same over bytes held in memory (a segment that is not written yet).
  static Result<std::shared_ptr<const SegmentReader>> FromBytes(
      std::string name, std::string bytes, std::shared_ptr<const ZstdDictionary> dict = nullptr);

  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;
  ~SegmentReader();

  const std::string& name() const { return name_; }
  uint32_t num_docs() const { return num_docs_; }
  uint64_t min_seq() const { return min_seq_; }
  uint64_t max_seq() const { return max_seq_; }
  // The encoded segment: the file's bytes, or the bytes in memory.
  std::string_view data() const { return data_; }
  bool in_memory() const { return file_ == nullptr; }

  const std::vector<SegmentField>& fields() const { return fields_; }
  // The index in fields() of (name, conflicts), or -1.
  int FindField(std::string_view name, bool conflicts = false) const;

  Result<TermDict> Terms(int field) const;
  Result<Postings> GetPostings(int field) const;
  Result<Column> GetColumn(int field) const;
  // The values of a numeric field (long, date: epoch ms, double, boolean: 0/1) by ordinal, as
  // doubles: decoded on first use and kept with the reader (8 bytes a term), for aggregations
  // that read every value of a large dictionary again and again (histograms, metrics).
  Result<std::shared_ptr<const std::vector<double>>> NumericValues(int field) const;

  // The documents whose id is `id` (several only while an older copy is not yet merged away).
  Status FindId(std::string_view id, std::vector<uint32_t>* docs) const;
  Result<std::string> Id(uint32_t doc) const;
  Result<Version> GetVersion(uint32_t doc) const;
  // The stored source of a document (a copy: it comes out of a compressed block).
  Result<std::string> Source(uint32_t doc) const;
  // The stored sources as compressed blocks, for merges that copy a block whole: the number of
  // blocks, and one block as it is stored (its compressed bytes checked against their CRC).
  struct SourceBlockInfo {
    uint32_t first_doc = 0;
    uint32_t docs = 0;      // documents in the block: its live entries
    uint32_t entries = 0;   // sources in its frame (more than docs when it has holes)
    std::string_view live;  // bitmap of the live entries (bit i of byte i / 8); empty: all
    std::string_view compressed;
  };
  Result<uint32_t> SourceBlockCount() const;
  // The dictionary the source blocks are compressed with (segment files), or null (plain
  // blocks: in-memory segments, and files of format version 2).
  Result<std::shared_ptr<const ZstdDictionary>> SourceDictionary() const;
  Status GetSourceBlock(uint32_t block, SourceBlockInfo* info) const;
  // For a segment mapped from its file: drops the resident pages of a field's sections, or of
  // every section, so that a merge reading the whole segment does not keep it all in memory
  // (MappedFile::Release). Reading them again faults them back in. Nothing for a segment in
  // memory.
  void ReleaseField(int field) const;
  void ReleaseAll() const;

  // Calls fn(doc, source) for each document in [begin, end), decompressing each block once.
  Status ForEachSource(uint32_t begin, uint32_t end,
                       const std::function<void(uint32_t, std::string_view)>& fn) const;

 private:
  struct Entry {
    SectionKind kind;
    uint32_t field;
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
  };
  SegmentReader() = default;
  static Result<std::shared_ptr<const SegmentReader>> Init(std::shared_ptr<SegmentReader> r);
  Status Corrupt(std::string_view what) const;
  // A section's bytes, checked on first use.
  Result<std::string_view> Section(SectionKind kind, uint32_t field) const;
  // Decompresses a block; *docs gets (offset in *raw, length) of each of its documents.
  Status LoadSourceBlock(uint32_t block, SourceBlockInfo* info, std::string* raw,
                         std::vector<std::pair<uint32_t, uint32_t>>* docs) const;
  Result<const IdFilter*> GetIdFilter() const;

  std::string name_;
  std::unique_ptr<MappedFile> file_;
  std::string bytes_;
  std::string_view data_;
  uint32_t num_docs_ = 0;
  uint64_t min_seq_ = 0;
  uint64_t max_seq_ = 0;
  std::vector<SegmentField> fields_;
  std::vector<Entry> entries_;
  // entries_ index of (kind, field) lookups: per field [terms, postings, column].
  std::vector<std::array<int32_t, 3>> field_sections_;
  int32_t versions_ = -1;
  int32_t source_index_ = -1;
  int32_t source_data_ = -1;
  int32_t id_filter_ = -1;
  // entries_ index of the sections that belong to the segment as a whole, by kind.
  std::array<int32_t, kMaxSectionKind + 1> global_sections_{};  // -1: none
  // 0 = not checked, 1 = good, 2 = bad; per entry.
  mutable std::unique_ptr<std::atomic<uint8_t>[]> checked_;
  // Parsed structures, built once.
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<TermDict>> dicts_;
  mutable std::vector<std::unique_ptr<Postings>> postings_;
  mutable std::vector<std::unique_ptr<Column>> columns_;
  mutable std::vector<std::shared_ptr<const std::vector<double>>> numbers_;
  Result<Column> ParseColumn(int field) const;
  Result<Postings> ParsePostings(int field) const;
  mutable PackedInts versions_primary_;
  mutable PackedInts versions_secondary_;
  mutable int64_t primary_base_ = 0;
  mutable int64_t secondary_base_ = 0;
  mutable std::once_flag versions_once_;
  mutable std::once_flag id_filter_once_;
  mutable std::once_flag source_dict_once_;
  mutable std::shared_ptr<const ZstdDictionary> source_dict_;
  std::shared_ptr<const ZstdDictionary> preset_dict_;  // Open's or FromBytes's `dict`
  mutable Status source_dict_status_;
  mutable IdFilter id_filter_value_;
  mutable Status id_filter_status_;
  mutable Status versions_status_;
};

}  // namespace vigil::storage
