#include "storage/coding.h"

namespace vigil::storage {

void PutVarint64(std::string* out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

void PutLengthPrefixed(std::string* out, std::string_view bytes) {
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

bool Decoder::GetFixed32(uint32_t* v) {
  if (data_.size() < 4) return false;
  *v = DecodeFixed32(data_.data());
  data_.remove_prefix(4);
  return true;
}

bool Decoder::GetFixed64(uint64_t* v) {
  if (data_.size() < 8) return false;
  *v = DecodeFixed64(data_.data());
  data_.remove_prefix(8);
  return true;
}

bool Decoder::GetByte(uint8_t* v) {
  if (data_.empty()) return false;
  *v = static_cast<uint8_t>(data_[0]);
  data_.remove_prefix(1);
  return true;
}

bool Decoder::GetVarint64(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !data_.empty(); shift += 7) {
    uint64_t byte = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;  // more than 64 bits
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool Decoder::GetVarint32(uint32_t* v) {
  uint64_t wide;
  if (!GetVarint64(&wide) || wide > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}

bool Decoder::GetLengthPrefixed(std::string_view* bytes) {
  uint64_t n;
  if (!GetVarint64(&n) || n > data_.size()) return false;
  *bytes = data_.substr(0, n);
  data_.remove_prefix(n);
  return true;
}

bool Decoder::GetBytes(size_t n, std::string_view* bytes) {
  if (n > data_.size()) return false;
  *bytes = data_.substr(0, n);
  data_.remove_prefix(n);
  return true;
}

bool Decoder::Skip(size_t n) {
  if (n > data_.size()) return false;
  data_.remove_prefix(n);
  return true;
}

}  // namespace vigil::storage
