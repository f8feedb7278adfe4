#include "storage/packed_ints.h"

#include <bit>

namespace vigil::storage {

int BitsFor(uint64_t max_value) {
  int bits = max_value == 0 ? 0 : 64 - std::countl_zero(max_value);
  return bits > 56 ? 64 : bits;
}

size_t PackedSize(uint64_t count, int bits) { return (count * bits + 7) / 8 + 8; }

namespace {

template <typename T>
void Pack(std::span<const T> values, int bits, std::string* out) {
  size_t start = out->size();
  out->resize(start + PackedSize(values.size(), bits), '\0');
  if (bits == 0) return;
  char* base = out->data() + start;
  if (bits == 64) {
    for (size_t i = 0; i < values.size(); ++i) {
      uint64_t v = values[i];
      std::memcpy(base + i * 8, &v, 8);
    }
    return;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t bit = i * static_cast<uint64_t>(bits);
    uint64_t word = DecodeFixed64(base + (bit >> 3));
    word |= static_cast<uint64_t>(values[i]) << (bit & 7);
    std::memcpy(base + (bit >> 3), &word, 8);
  }
}

}  // namespace

void PackInts(std::span<const uint64_t> values, int bits, std::string* out) {
  Pack(values, bits, out);
}
void PackInts(std::span<const uint32_t> values, int bits, std::string* out) {
  Pack(values, bits, out);
}

bool PackedInts::Init(std::string_view data, uint64_t count, int bits) {
  if (bits < 0 || bits > 64 || (bits > 56 && bits != 64)) return false;
  if (count > (UINT64_MAX - 64) / 64 || data.size() < PackedSize(count, bits)) return false;
  data_ = data.data();
  count_ = count;
  bits_ = bits;
  mask_ = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
  return true;
}

}  // namespace vigil::storage
