#include "storage/id_filter.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>

#include "storage/coding.h"

namespace vigil::storage {

namespace {

constexpr size_t kBlockBytes = 64;
constexpr uint32_t kBlockBits = kBlockBytes * 8;
constexpr uint32_t kBitsPerId = 10;
constexpr uint8_t kProbes = 7;

uint32_t BlockOf(uint64_t h, uint32_t block_count) {
  return static_cast<uint32_t>(((h >> 32) * block_count) >> 32);
}

}  // namespace

void BuildIdFilter(std::span<const std::string_view> ids, std::string* out) {
  const uint64_t bits = std::max<uint64_t>(uint64_t{kBitsPerId} * ids.size(), kBlockBits);
  const auto block_count = static_cast<uint32_t>((bits + kBlockBits - 1) / kBlockBits);
  PutFixed32(out, block_count);
  out->push_back(static_cast<char>(kProbes));
  const size_t start = out->size();
  out->resize(start + size_t{block_count} * kBlockBytes, '\0');
  auto* blocks = reinterpret_cast<uint8_t*>(out->data() + start);
  for (std::string_view id : ids) {
    const uint64_t h = XXH3_64bits(id.data(), id.size());
    uint8_t* block = blocks + size_t{BlockOf(h, block_count)} * kBlockBytes;
    const auto h1 = static_cast<uint32_t>(h);
    const auto h2 = static_cast<uint32_t>(h >> 23) | 1;
    for (uint32_t i = 0; i < kProbes; ++i) {
      const uint32_t bit = (h1 + i * h2) % kBlockBits;
      block[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
    }
  }
}

Result<IdFilter> IdFilter::Parse(std::string_view section) {
  if (section.size() < 5) return Status::Corruption("id filter: too short");
  IdFilter f;
  f.block_count_ = DecodeFixed32(section.data());
  f.probes_ = static_cast<uint8_t>(section[4]);
  f.blocks_ = section.substr(5);
  if (f.block_count_ == 0 || f.probes_ == 0 || f.probes_ > 32 ||
      f.blocks_.size() != size_t{f.block_count_} * kBlockBytes) {
    return Status::Corruption("id filter: bad shape");
  }
  return f;
}

bool IdFilter::MayContain(std::string_view id) const {
  if (block_count_ == 0) return true;
  const uint64_t h = XXH3_64bits(id.data(), id.size());
  const auto* block = reinterpret_cast<const uint8_t*>(blocks_.data()) +
                      size_t{BlockOf(h, block_count_)} * kBlockBytes;
  const auto h1 = static_cast<uint32_t>(h);
  const auto h2 = static_cast<uint32_t>(h >> 23) | 1;
  for (uint32_t i = 0; i < probes_; ++i) {
    const uint32_t bit = (h1 + i * h2) % kBlockBits;
    if ((block[bit / 8] & (1u << (bit % 8))) == 0) return false;
  }
  return true;
}

}  // namespace vigil::storage
