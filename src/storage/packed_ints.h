// Fixed-width bit packing of unsigned integers, with O(1) random access: the encoding of column
// ordinals and offsets. Values are packed little-endian, `bits` per value, followed by 8 zero
// bytes so a reader can always load a whole 64-bit word.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "storage/coding.h"

namespace vigil::storage {

// The number of bits needed to represent `max_value` (0 for 0). Widths above 56 are stored as 64.
int BitsFor(uint64_t max_value);

// Bytes that PackInts appends for `count` values of `bits` bits (including the padding).
size_t PackedSize(uint64_t count, int bits);

// Appends `values`, each < 2^bits, packed.
void PackInts(std::span<const uint64_t> values, int bits, std::string* out);
void PackInts(std::span<const uint32_t> values, int bits, std::string* out);

// Read access to packed values. The bytes must outlive the view.
class PackedInts {
 public:
  PackedInts() = default;
  // `data` must hold at least PackedSize(count, bits) bytes (checked by Init).
  bool Init(std::string_view data, uint64_t count, int bits);

  uint64_t Get(uint64_t i) const {
    if (bits_ == 0) return 0;
    if (bits_ == 64) return DecodeFixed64(data_ + i * 8);
    uint64_t bit = i * static_cast<uint64_t>(bits_);
    uint64_t word = DecodeFixed64(data_ + (bit >> 3));
    return (word >> (bit & 7)) & mask_;
  }
  uint64_t size() const { return count_; }

 private:
  const char* data_ = nullptr;
  uint64_t count_ = 0;
  int bits_ = 0;
  uint64_t mask_ = 0;
};

}  // namespace vigil::storage
