// Byte-level encodings shared by the engine's on-disk formats: little-endian fixed-width
// integers, LEB128 varints, and bounds-checked decoding from a string_view cursor.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::storage {

inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[4];
  std::memcpy(buf, &v, 4);  // the engine targets little-endian machines (static_assert below)
  out->append(buf, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out->append(buf, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
static_assert(std::endian::native == std::endian::little, "on-disk formats are little-endian");

void PutVarint64(std::string* out, uint64_t v);
inline void PutVarint32(std::string* out, uint32_t v) { PutVarint64(out, v); }
// Appends a varint length and the bytes.
void PutLengthPrefixed(std::string* out, std::string_view bytes);

// A cursor over encoded bytes. Every Get* returns false, consuming nothing useful, when the
// input is too short or malformed; callers turn that into a Corruption status.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  bool GetFixed32(uint32_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetByte(uint8_t* v);
  bool GetVarint64(uint64_t* v);
  bool GetVarint32(uint32_t* v);
  bool GetLengthPrefixed(std::string_view* bytes);
  bool GetBytes(size_t n, std::string_view* bytes);
  bool Skip(size_t n);

  std::string_view rest() const { return data_; }
  bool empty() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }

 private:
  std::string_view data_;
};

}  // namespace vigil::storage
