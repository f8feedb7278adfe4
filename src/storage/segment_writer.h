// SegmentWriter: encodes a segment (segment_format.h) section by section to memory or to a file,
// so that a merge of large segments streams instead of holding the result in memory.
// SourceBlocks: gathers stored sources into zstd blocks.
//
// Lifecycle (LevelDB's builder pattern): Add* calls in any order, then Finish; the first error
// is sticky and returned by every later call. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "env/env.h"
#include "storage/compression.h"
#include "storage/field_value.h"
#include "storage/segment_format.h"

namespace vigil::storage {

// Compresses sources into blocks of about kSourceBlockSize and hands each block to `emit`;
// keeps the source index (first document, offset, length, checksum and live entries of each
// block) and the live-entry bitmaps of blocks copied with holes.
// The sources of a decompressed frame (a source block's content, below): `entries` views into
// `raw`. Corruption when the frame does not hold exactly that.
Status SplitSourceFrame(std::string_view raw, uint32_t entries,
                        std::vector<std::string_view>* sources);

class SourceBlocks {
 public:
  // Blocks of kDictSourceBlockSize compressed with `dict` when it is not null; else plain blocks
  // of kSourceBlockSize at `zstd_level`.
  SourceBlocks(std::shared_ptr<const ZstdDictionary> dict, int zstd_level,
               std::function<Status(std::string_view)> emit)
      : zstd_level_(dict != nullptr ? ZstdDictionary::kLevel : zstd_level),
        dict_(std::move(dict)),
        block_size_(dict_ != nullptr ? kDictSourceBlockSize : kSourceBlockSize),
        emit_(std::move(emit)) {}
  Status Add(std::string_view source);
  // Adds a block compressed elsewhere (by another SourceBlocks: a merge copying a block whole),
  // whose frame holds `entries` sources. `live` marks the entries that are documents (bit i of
  // byte i / 8), in order; empty when all of them are. Closes the partial block before it.
  Status AddCompressed(std::string_view compressed, uint32_t entries, std::string_view live);
  // Emits the last partial block. Call once, after the last Add.
  Status Flush();
  const std::string& index() const { return index_; }
  // The kSourceLive section; empty when no block has holes.
  const std::string& live() const { return live_; }
  uint64_t emitted_bytes() const { return emitted_; }
  size_t buffered_bytes() const { return block_.size(); }
  // Documents added so far.
  uint32_t docs() const { return next_doc_; }

 private:
  void AddIndexEntry(std::string_view compressed, uint32_t live);

  int zstd_level_;
  std::shared_ptr<const ZstdDictionary> dict_;
  size_t block_size_ = kSourceBlockSize;
  std::function<Status(std::string_view)> emit_;
  std::string block_;
  std::vector<uint32_t> lengths_;
  uint32_t next_doc_ = 0;
  uint32_t block_first_doc_ = 0;
  uint64_t emitted_ = 0;
  std::string index_;
  std::string live_;
  std::string raw_;
  std::string compressed_;
};

// One field as it goes into a segment: its distinct terms in sorted order, the documents that
// have a value (increasing), and for each of them its ordinals (sorted, distinct): those of
// docs[i] are ords[offsets[i] .. offsets[i + 1]).
struct FieldData {
  std::string_view name;
  FieldType type = FieldType::kNone;
  bool conflicts = false;
  std::span<const std::string_view> terms;
  std::span<const uint32_t> docs;
  std::span<const uint32_t> offsets;  // docs.size() + 1 entries
  std::span<const uint32_t> ords;
};

class SegmentWriter {
 public:
  // Writes into memory; Finish returns the bytes. `reserve`: the expected size, so that the
  // buffer is not copied as it grows.
  explicit SegmentWriter(size_t reserve = 0);
  // Writes to `*file`, which must outlive the writer; Finish returns an empty string. The caller
  // syncs and closes the file.
  explicit SegmentWriter(WritableFile* file);

  // A section in one call, or streamed: Begin, Append..., End.
  Status AddSection(SectionKind kind, uint32_t field, std::string_view bytes);
  Status BeginSection(SectionKind kind, uint32_t field);
  Status AppendToSection(std::string_view bytes);
  Status EndSection();

  // Adds the next field (fields must come in (name, conflicts) order): terms, postings, column.
  Status AddField(const FieldData& field, uint32_t num_docs);
  Status AddVersions(std::span<const Version> versions);

  // Writes the metadata, the directory and the footer.
  Result<std::string> Finish(uint32_t num_docs, uint64_t min_seq, uint64_t max_seq);
  uint64_t size() const { return offset_; }

 private:
  Status Write(std::string_view bytes);
  void AddDirectoryEntry(SectionKind kind, uint32_t field, uint64_t offset, uint64_t length,
                         uint32_t crc);

  // Sections written whole (AddSection), by content, for sharing identical ones.
  struct SectionKey {
    uint64_t low;
    uint64_t high;
    uint64_t length;
    uint32_t crc;
    friend bool operator==(const SectionKey& a, const SectionKey& b) {
      return a.low == b.low && a.high == b.high && a.length == b.length && a.crc == b.crc;
    }
  };
  struct SectionKeyHash {
    size_t operator()(const SectionKey& k) const { return k.low; }
  };
  static constexpr size_t kMinSharedSection = 16;
  std::unordered_map<SectionKey, uint64_t, SectionKeyHash> written_;  // -> offset

  WritableFile* file_ = nullptr;
  std::string memory_;
  uint64_t offset_ = 0;
  Status status_;
  std::string directory_;
  std::string field_table_;
  uint32_t field_count_ = 0;
  // The open streamed section.
  bool open_ = false;
  SectionKind open_kind_ = SectionKind::kMeta;
  uint32_t open_field_ = 0;
  uint64_t open_offset_ = 0;
  uint32_t open_crc_ = 0;
  // Scratch.
  std::string section_;
  std::string lists_;
  std::vector<uint32_t> counts_;
  std::vector<uint32_t> starts_;
  std::vector<uint32_t> fill_;
  std::vector<uint32_t> offsets_;
  std::vector<uint32_t> docs_;
  std::vector<uint32_t> dense_;  // a dense column's per-document values
};

}  // namespace vigil::storage
