// IdFilter: a blocked Bloom filter over the ids of one segment (section kIdFilter), so that the
// upsert path, which looks up every incoming id in every segment, skips almost every segment
// without touching its `_id` dictionary. No false negatives; about 1% false positives at the
// 10 bits per id the writer uses.
//
//   section := u32 block_count, u8 probes, block[block_count]
//   block   := 64 bytes (512 bits)
//
// An id's 64-bit hash h = XXH3_64bits(id) picks the block ((h >> 32) * block_count) >> 32 and,
// with h1 = h & 0xFFFFFFFF and h2 = (h >> 23) | 1, sets or tests bit (h1 + i * h2) mod 512 of
// that block for i in [0, probes). One cache line per lookup.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::storage {

// Appends the filter of `ids` to *out.
void BuildIdFilter(std::span<const std::string_view> ids, std::string* out);

class IdFilter {
 public:
  IdFilter() = default;  // matches everything
  // Checks the section's shape; Corruption when it is malformed.
  static Result<IdFilter> Parse(std::string_view section);
  // False only when `id` is certainly not in the segment.
  bool MayContain(std::string_view id) const;

 private:
  std::string_view blocks_;
  uint32_t block_count_ = 0;
  uint8_t probes_ = 0;
};

}  // namespace vigil::storage
