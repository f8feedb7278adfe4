// TermDict: a field's sorted, distinct terms, addressed by ordinal (0..size-1): lookups by exact
// term, by lower and upper bound (prefixes and ranges), by ordinal, and iteration in order.
//
//   term_dict := u32 count, u8 encoding, u32 blocks,
//                index[blocks + 1], firsts, block_data
//   index     := u32 first_ord, u32 data_offset, u32 first_offset     (the last one: count and
//                                                                       the ends of both areas)
//   firsts    := the first term of every block, concatenated (first_offset .. next first_offset)
//   block     := (encoding 1: one zstd frame of) the block's terms after its first, each as
//                varint shared, varint suffix_length, suffix: the term is the first `shared` bytes
//                of the term before it followed by the suffix (front coding)
//
// Terms are grouped into blocks by ordinal. A plain dictionary (encoding 0) has blocks of at
// most kPlainBlockTerms terms, so that any term is a short decode away; a compressed one
// (encoding 1) gathers up to kZstdBlockBytes of front-coded terms in a block and compresses it
// with zstd, for the large dictionaries of unique strings (descriptions, ARNs, ids). The writer
// compresses when that saves at least a fifth, never for `_id` (every upsert looks ids up).
//
// Opening checks the header, the index and that the first terms increase; a block is checked
// (front coding in bounds, terms strictly increasing up to the next block's first term) each
// time it is decoded, and a damaged one is a Corruption error. A TermDict is a view of the
// section's bytes; copies are cheap. Thread-safe for concurrent readers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/coding.h"

namespace vigil::storage {

inline constexpr uint32_t kPlainBlockTerms = 32;
inline constexpr size_t kZstdBlockBytes = 16 << 10;

struct TermDictOptions {
  bool allow_compression = true;
};

// Appends the dictionary of `terms`, which must be sorted and distinct.
void EncodeTermDict(std::span<const std::string_view> terms, std::string* out,
                    TermDictOptions options = {});

class TermDict {
 public:
  TermDict() = default;
  static Result<TermDict> Open(std::string_view data);

  uint32_t size() const { return count_; }
  bool compressed() const { return encoding_ == 1; }

  // Term `ord` (< size()) into *out.
  Status Term(uint32_t ord, std::string* out) const;
  // The ordinal of `term`, if present.
  Result<std::optional<uint32_t>> Find(std::string_view term) const;
  // The first ordinal whose term is >= `term` (size() when none).
  Result<uint32_t> LowerBound(std::string_view term) const;
  // The first ordinal whose term is > `term`.
  Result<uint32_t> UpperBound(std::string_view term) const;
  // The ordinals [begin, end) of the terms starting with `prefix`.
  Result<std::pair<uint32_t, uint32_t>> PrefixRange(std::string_view prefix) const;

  // Reads the terms in order, decoding each block once.
  class Iterator {
   public:
    explicit Iterator(const TermDict& dict) : dict_(&dict) {}
    // Positions at `ord`; ord == size() is the end.
    Status Seek(uint32_t ord);
    bool Valid() const { return ord_ < dict_->count_; }
    uint32_t ord() const { return ord_; }
    // Valid until the next Seek() or Next().
    std::string_view term() const { return terms_[ord_ - block_first_]; }
    Status Next();

   private:
    const TermDict* dict_;
    uint32_t ord_ = 0;
    uint32_t block_ = UINT32_MAX;
    uint32_t block_first_ = 0;
    std::string bytes_;
    std::vector<std::string_view> terms_;
  };

 private:
  uint32_t BlockFirstOrd(uint32_t block) const {
    return DecodeFixed32(index_ + 12 * static_cast<size_t>(block));
  }
  std::string_view FirstTerm(uint32_t block) const;
  // The last block whose first term is <= `term` (0 when none is).
  uint32_t BlockFor(std::string_view term) const;
  // Decodes block `block`: its terms, as views into *bytes.
  Status DecodeBlock(uint32_t block, std::string* bytes,
                     std::vector<std::string_view>* terms) const;
  // The first ordinal whose term is >= `term` (or > when `upper`).
  Result<uint32_t> Bound(std::string_view term, bool upper) const;
  // The same within `block` (the end of the block when none is); *equal when that term is
  // `term`. Does not check the block's order (DecodeBlock does).
  Result<uint32_t> ScanBlock(uint32_t block, std::string_view term, bool upper, bool* equal) const;

  uint32_t count_ = 0;
  uint8_t encoding_ = 0;
  uint32_t blocks_ = 0;
  const char* index_ = nullptr;
  std::string_view firsts_;
  std::string_view data_;
};

}  // namespace vigil::storage
