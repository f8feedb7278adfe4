#include "storage/term_dict.h"

namespace vigil::storage {

void EncodeTermDict(std::span<const std::string_view> terms, std::string* out) {
  PutFixed32(out, static_cast<uint32_t>(terms.size()));
  uint32_t offset = 0;
  PutFixed32(out, 0);
  for (std::string_view t : terms) {
    offset += static_cast<uint32_t>(t.size());
    PutFixed32(out, offset);
  }
  for (std::string_view t : terms) out->append(t);
}

Result<TermDict> TermDict::Open(std::string_view data) {
  Decoder in(data);
  uint32_t count;
  if (!in.GetFixed32(&count) || in.remaining() < 4 || count > in.remaining() / 4 - 1) {
    return Status::Corruption("term dictionary: bad term count");
  }
  TermDict dict;
  dict.count_ = count;
  dict.offsets_ = in.rest().data();
  size_t bytes_start = 4 + (static_cast<size_t>(count) + 1) * 4;
  size_t bytes_size = data.size() - bytes_start;
  dict.bytes_ = data.data() + bytes_start;
  if (DecodeFixed32(dict.offsets_) != 0) return Status::Corruption("term dictionary: bad offsets");
  uint32_t prev = 0;
  for (uint32_t i = 1; i <= count; ++i) {
    uint32_t off = DecodeFixed32(dict.offsets_ + 4 * static_cast<size_t>(i));
    if (off < prev || off > bytes_size) return Status::Corruption("term dictionary: bad offsets");
    prev = off;
  }
  if (prev != bytes_size) return Status::Corruption("term dictionary: trailing bytes");
  for (uint32_t i = 1; i < count; ++i) {
    if (!(dict.term(i - 1) < dict.term(i))) {
      return Status::Corruption("term dictionary: terms not sorted");
    }
  }
  return dict;
}

uint32_t TermDict::LowerBound(std::string_view term) const {
  uint32_t lo = 0;
  uint32_t hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (this->term(mid) < term) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

uint32_t TermDict::UpperBound(std::string_view term) const {
  uint32_t lo = 0;
  uint32_t hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (this->term(mid) <= term) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::optional<uint32_t> TermDict::Find(std::string_view term) const {
  uint32_t ord = LowerBound(term);
  if (ord < count_ && this->term(ord) == term) return ord;
  return std::nullopt;
}

std::pair<uint32_t, uint32_t> TermDict::PrefixRange(std::string_view prefix) const {
  uint32_t begin = LowerBound(prefix);
  uint32_t end = begin;
  // Binary search for the first term past the prefix block.
  uint32_t lo = begin;
  uint32_t hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (term(mid).starts_with(prefix)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  end = lo;
  return {begin, end};
}

}  // namespace vigil::storage
