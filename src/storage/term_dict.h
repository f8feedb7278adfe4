// TermDict: a field's sorted terms, addressed by ordinal (0..size-1). Lookups by exact term, by
// lower bound (for prefixes and ranges) and iteration in order.
//
//   term_dict := u32 count, u32 offsets[count + 1], bytes
//
// Offsets are relative to the start of `bytes`; term i is bytes[offsets[i], offsets[i+1]).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/coding.h"

namespace vigil::storage {

// Appends the dictionary of `terms`, which must be sorted and distinct.
void EncodeTermDict(std::span<const std::string_view> terms, std::string* out);

class TermDict {
 public:
  TermDict() = default;
  // Checks the structure (offsets in bounds and increasing, terms strictly sorted).
  static Result<TermDict> Open(std::string_view data);

  uint32_t size() const { return count_; }
  std::string_view term(uint32_t ord) const {
    uint32_t begin = DecodeFixed32(offsets_ + 4 * static_cast<size_t>(ord));
    uint32_t end = DecodeFixed32(offsets_ + 4 * (static_cast<size_t>(ord) + 1));
    return {bytes_ + begin, end - begin};
  }
  // The ordinal of `term`, if present.
  std::optional<uint32_t> Find(std::string_view term) const;
  // The first ordinal whose term is >= `term` (size() when none).
  uint32_t LowerBound(std::string_view term) const;
  // The first ordinal whose term is > `term`.
  uint32_t UpperBound(std::string_view term) const;
  // The ordinals [begin, end) of the terms starting with `prefix`.
  std::pair<uint32_t, uint32_t> PrefixRange(std::string_view prefix) const;

 private:
  uint32_t count_ = 0;
  const char* offsets_ = nullptr;
  const char* bytes_ = nullptr;
};

}  // namespace vigil::storage
