#include "storage/term_dict.h"

#include <algorithm>

#include "storage/compression.h"

namespace vigil::storage {

namespace {

constexpr size_t kHeaderSize = 4 + 1 + 4;
constexpr size_t kIndexEntrySize = 12;
// Compressed only when that leaves at most this share of the plain size.
constexpr double kCompressionGain = 0.8;
// Smaller plain dictionaries are not worth compressing.
constexpr size_t kMinCompressedBytes = 4096;
constexpr int kZstdLevel = 1;

size_t SharedPrefix(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

struct Layout {
  std::vector<uint32_t> starts;  // first ordinal of each block
  std::string index;
  std::string firsts;
  std::string data;
};

// Blocks of at most `max_terms` terms and about `max_bytes` front-coded bytes; each block's
// front-coded bytes compressed with zstd when `zstd`. *raw_bytes gets the front-coded size.
bool Build(std::span<const std::string_view> terms, uint32_t max_terms, size_t max_bytes, bool zstd,
           Layout* out, size_t* raw_bytes) {
  std::string raw;
  size_t begin = 0;
  *raw_bytes = 0;
  while (begin < terms.size()) {
    size_t end = std::min(terms.size(), begin + max_terms);
    raw.clear();
    for (size_t i = begin + 1; i < end; ++i) {
      size_t shared = SharedPrefix(terms[i - 1], terms[i]);
      PutVarint32(&raw, static_cast<uint32_t>(shared));
      PutVarint32(&raw, static_cast<uint32_t>(terms[i].size() - shared));
      raw.append(terms[i].substr(shared));
      if (raw.size() >= max_bytes) {
        end = i + 1;
        break;
      }
    }
    PutFixed32(&out->index, static_cast<uint32_t>(begin));
    PutFixed32(&out->index, static_cast<uint32_t>(out->data.size()));
    PutFixed32(&out->index, static_cast<uint32_t>(out->firsts.size()));
    out->firsts.append(terms[begin]);
    *raw_bytes += raw.size();
    if (zstd) {
      if (!ZstdCompressAppend(raw, kZstdLevel, &out->data).ok()) return false;
    } else {
      out->data.append(raw);
    }
    begin = end;
  }
  PutFixed32(&out->index, static_cast<uint32_t>(terms.size()));
  PutFixed32(&out->index, static_cast<uint32_t>(out->data.size()));
  PutFixed32(&out->index, static_cast<uint32_t>(out->firsts.size()));
  return true;
}

void Emit(uint32_t count, uint8_t encoding, const Layout& layout, std::string* out) {
  PutFixed32(out, count);
  out->push_back(static_cast<char>(encoding));
  PutFixed32(out, static_cast<uint32_t>(layout.index.size() / kIndexEntrySize - 1));
  out->append(layout.index);
  out->append(layout.firsts);
  out->append(layout.data);
}

Status Bad(std::string_view what) {
  return Status::Corruption("term dictionary: " + std::string(what));
}

}  // namespace

void EncodeTermDict(std::span<const std::string_view> terms, std::string* out,
                    TermDictOptions options) {
  const auto count = static_cast<uint32_t>(terms.size());
  size_t raw_size = 0;
  if (options.allow_compression) {
    size_t term_bytes = 0;
    for (std::string_view t : terms) term_bytes += t.size();
    if (term_bytes >= kMinCompressedBytes) {
      Layout packed;
      if (Build(terms, UINT32_MAX, kZstdBlockBytes, true, &packed, &raw_size)) {
        // What the plain layout would take, about: the same front-coded bytes, a first term and
        // an index entry per kPlainBlockTerms terms.
        const double plain_size =
            static_cast<double>(raw_size + packed.firsts.size()) +
            static_cast<double>(count) / kPlainBlockTerms * (kIndexEntrySize + 16);
        const size_t packed_size = packed.index.size() + packed.firsts.size() + packed.data.size();
        if (static_cast<double>(packed_size) <= kCompressionGain * plain_size) {
          Emit(count, 1, packed, out);
          return;
        }
      }
    }
  }
  Layout plain;
  (void)Build(terms, kPlainBlockTerms, SIZE_MAX, false, &plain, &raw_size);
  Emit(count, 0, plain, out);
}

Result<TermDict> TermDict::Open(std::string_view data) {
  Decoder in(data);
  TermDict d;
  uint8_t encoding;
  if (!in.GetFixed32(&d.count_) || !in.GetByte(&encoding) || !in.GetFixed32(&d.blocks_)) {
    return Bad("too short");
  }
  if (encoding > 1) return Bad("unknown encoding");
  d.encoding_ = encoding;
  if ((static_cast<uint64_t>(d.blocks_) + 1) * kIndexEntrySize > in.remaining() ||
      (d.count_ == 0) != (d.blocks_ == 0) || d.blocks_ > d.count_) {
    return Bad("bad block count");
  }
  const size_t index_bytes = (static_cast<size_t>(d.blocks_) + 1) * kIndexEntrySize;
  d.index_ = data.data() + kHeaderSize;
  const uint32_t firsts_size = DecodeFixed32(d.index_ + index_bytes - 4);
  const uint32_t data_size = DecodeFixed32(d.index_ + index_bytes - 8);
  if (DecodeFixed32(d.index_ + index_bytes - 12) != d.count_ ||
      static_cast<uint64_t>(firsts_size) + data_size != data.size() - kHeaderSize - index_bytes) {
    return Bad("bad sizes");
  }
  d.firsts_ = data.substr(kHeaderSize + index_bytes, firsts_size);
  d.data_ = data.substr(kHeaderSize + index_bytes + firsts_size);
  for (uint32_t b = 0; b < d.blocks_; ++b) {
    const char* e = d.index_ + kIndexEntrySize * static_cast<size_t>(b);
    // Each block holds at least one term; data and firsts offsets do not decrease; first terms
    // strictly increase.
    if (DecodeFixed32(e) >= DecodeFixed32(e + kIndexEntrySize) ||
        DecodeFixed32(e + 4) > DecodeFixed32(e + 4 + kIndexEntrySize) ||
        DecodeFixed32(e + 8) > DecodeFixed32(e + 8 + kIndexEntrySize)) {
      return Bad("bad block index");
    }
    if (b == 0 ? DecodeFixed32(e) != 0 : !(d.FirstTerm(b - 1) < d.FirstTerm(b))) {
      return Bad("blocks out of order");
    }
  }
  return d;
}

std::string_view TermDict::FirstTerm(uint32_t block) const {
  const char* e = index_ + kIndexEntrySize * static_cast<size_t>(block);
  uint32_t begin = DecodeFixed32(e + 8);
  uint32_t end = DecodeFixed32(e + 8 + kIndexEntrySize);
  return firsts_.substr(begin, end - begin);
}

uint32_t TermDict::BlockFor(std::string_view term) const {
  // The first block whose first term is > term, minus one.
  uint32_t lo = 0;
  uint32_t hi = blocks_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (FirstTerm(mid) <= term) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? 0 : lo - 1;
}

Status TermDict::DecodeBlock(uint32_t block, std::string* bytes,
                             std::vector<std::string_view>* terms) const {
  const char* e = index_ + kIndexEntrySize * static_cast<size_t>(block);
  const uint32_t first_ord = DecodeFixed32(e);
  const uint32_t count = DecodeFixed32(e + kIndexEntrySize) - first_ord;
  const uint32_t begin = DecodeFixed32(e + 4);
  std::string_view raw = data_.substr(begin, DecodeFixed32(e + 4 + kIndexEntrySize) - begin);
  std::string inflated;
  if (encoding_ == 1) {
    if (!ZstdDecompress(raw, 64u << 20, &inflated).ok()) return Bad("bad compressed block");
    raw = inflated;
  }
  // The terms are rebuilt into *bytes, each in full: a first pass over the lengths sizes it, so
  // that the second can copy prefixes out of it without it moving.
  std::string_view first = FirstTerm(block);
  uint64_t total = first.size();
  {
    Decoder sizes(raw);
    uint64_t prev_length = first.size();
    for (uint32_t i = 1; i < count; ++i) {
      uint32_t shared;
      uint32_t suffix_length;
      if (!sizes.GetVarint32(&shared) || !sizes.GetVarint32(&suffix_length) ||
          !sizes.Skip(suffix_length) || shared > prev_length) {
        return Bad("bad block");
      }
      prev_length = static_cast<uint64_t>(shared) + suffix_length;
      total += prev_length;
    }
    if (!sizes.empty()) return Bad("trailing bytes in a block");
  }
  if (total > (1ULL << 31)) return Bad("block too large");
  bytes->clear();
  bytes->reserve(total);
  bytes->append(first);
  terms->clear();
  terms->emplace_back(bytes->data(), first.size());
  Decoder in(raw);
  for (uint32_t i = 1; i < count; ++i) {
    uint32_t shared;
    uint32_t suffix_length;
    std::string_view suffix;
    (void)in.GetVarint32(&shared);
    (void)in.GetVarint32(&suffix_length);
    (void)in.GetBytes(suffix_length, &suffix);
    const char* prev = terms->back().data();
    const size_t start = bytes->size();
    bytes->append(prev, shared);  // within the reserved capacity: no reallocation
    bytes->append(suffix);
    std::string_view cur(bytes->data() + start, shared + suffix_length);
    if (!(terms->back() < cur)) return Bad("terms not sorted");
    terms->push_back(cur);
  }
  if (block + 1 < blocks_ && !(terms->back() < FirstTerm(block + 1))) {
    return Bad("blocks overlap");
  }
  return Status::Ok();
}

Status TermDict::Term(uint32_t ord, std::string* out) const {
  if (ord >= count_) return Status::InvalidArgument("term ordinal out of range");
  // The block of `ord`: the last whose first ordinal is <= ord.
  uint32_t lo = 0;
  uint32_t hi = blocks_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (BlockFirstOrd(mid) <= ord) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const uint32_t block = lo - 1;
  const uint32_t first_ord = BlockFirstOrd(block);
  if (ord == first_ord) {
    out->assign(FirstTerm(block));
    return Status::Ok();
  }
  std::string bytes;
  std::vector<std::string_view> terms;
  VIGIL_RETURN_IF_ERROR(DecodeBlock(block, &bytes, &terms));
  out->assign(terms[ord - first_ord]);
  return Status::Ok();
}

Result<uint32_t> TermDict::ScanBlock(uint32_t block, std::string_view term, bool upper,
                                     bool* equal) const {
  // Walks the block's front-coded terms, rebuilding each in a buffer reused by the thread, up to
  // the first that is >= `term` (> when `upper`): no allocation, and no decoding past it. A
  // compressed block is inflated first.
  thread_local std::string inflated;
  thread_local std::string current;
  const char* e = index_ + kIndexEntrySize * static_cast<size_t>(block);
  const uint32_t first_ord = DecodeFixed32(e);
  const uint32_t count = DecodeFixed32(e + kIndexEntrySize) - first_ord;
  const uint32_t begin = DecodeFixed32(e + 4);
  std::string_view raw = data_.substr(begin, DecodeFixed32(e + 4 + kIndexEntrySize) - begin);
  if (encoding_ == 1) {
    if (!ZstdDecompress(raw, 64u << 20, &inflated).ok()) return Bad("bad compressed block");
    raw = inflated;
  }
  current.assign(FirstTerm(block));
  *equal = false;
  Decoder in(raw);
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0) {
      uint32_t shared;
      uint32_t suffix_length;
      std::string_view suffix;
      if (!in.GetVarint32(&shared) || !in.GetVarint32(&suffix_length) ||
          !in.GetBytes(suffix_length, &suffix) || shared > current.size()) {
        return Bad("bad block");
      }
      current.resize(shared);
      current.append(suffix);
    }
    const int c = std::string_view(current).compare(term);
    if (c > 0 || (c == 0 && !upper)) {
      *equal = c == 0;
      return first_ord + i;
    }
  }
  return first_ord + count;
}

Result<uint32_t> TermDict::Bound(std::string_view term, bool upper) const {
  if (count_ == 0) return 0u;
  const uint32_t block = BlockFor(term);
  const std::string_view first = FirstTerm(block);
  if (upper ? term < first : term <= first) return BlockFirstOrd(block);
  bool equal;
  return ScanBlock(block, term, upper, &equal);
}

Result<uint32_t> TermDict::LowerBound(std::string_view term) const { return Bound(term, false); }

Result<uint32_t> TermDict::UpperBound(std::string_view term) const { return Bound(term, true); }

Result<std::optional<uint32_t>> TermDict::Find(std::string_view term) const {
  if (count_ == 0) return std::optional<uint32_t>();
  const uint32_t block = BlockFor(term);
  const std::string_view first = FirstTerm(block);
  if (term == first) return std::optional<uint32_t>(BlockFirstOrd(block));
  if (term < first) return std::optional<uint32_t>();
  bool equal;
  Result<uint32_t> ord = ScanBlock(block, term, false, &equal);
  if (!ord.ok()) return ord.status();
  if (!equal) return std::optional<uint32_t>();
  return std::optional<uint32_t>(*ord);
}

Result<std::pair<uint32_t, uint32_t>> TermDict::PrefixRange(std::string_view prefix) const {
  Result<uint32_t> begin = LowerBound(prefix);
  if (!begin.ok()) return begin.status();
  // The terms with the prefix end before the first term >= the prefix with its last byte below
  // 0xFF incremented (and the rest dropped); a prefix of only 0xFF bytes runs to the end.
  std::string limit(prefix);
  while (!limit.empty() && static_cast<uint8_t>(limit.back()) == 0xFF) limit.pop_back();
  if (limit.empty()) return std::pair<uint32_t, uint32_t>(*begin, count_);
  limit.back() = static_cast<char>(static_cast<uint8_t>(limit.back()) + 1);
  Result<uint32_t> end = LowerBound(limit);
  if (!end.ok()) return end.status();
  return std::pair<uint32_t, uint32_t>(*begin, std::max(*begin, *end));
}

Status TermDict::Iterator::Seek(uint32_t ord) {
  ord_ = std::min(ord, dict_->count_);
  if (ord_ >= dict_->count_) return Status::Ok();
  if (block_ != UINT32_MAX && ord_ >= block_first_ && ord_ - block_first_ < terms_.size()) {
    return Status::Ok();
  }
  uint32_t lo = 0;
  uint32_t hi = dict_->blocks_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (dict_->BlockFirstOrd(mid) <= ord_) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  block_ = lo - 1;
  block_first_ = dict_->BlockFirstOrd(block_);
  Status s = dict_->DecodeBlock(block_, &bytes_, &terms_);
  if (!s.ok()) {
    block_ = UINT32_MAX;
    ord_ = dict_->count_;
  }
  return s;
}

Status TermDict::Iterator::Next() { return Seek(ord_ + 1); }

}  // namespace vigil::storage
