// Postings: the sorted document numbers of one term. A short list is a varint-delta array; from
// kRoaringThreshold documents on it is a roaring bitmap (portable serialization), as in
// ClickHouse's inverted indices.
//
//   postings := 0x00 varint(count) varint(first) varint(delta)...   (count < threshold)
//             | 0x01 roaring-portable-bytes                         (count >= threshold)
#pragma once

#include <cstdint>
#include <roaring/roaring.hh>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::storage {

// A set of document numbers (CRoaring's C++ class; Debian 12's version has no namespace).
using Bitmap = ::Roaring;

inline constexpr uint32_t kRoaringThreshold = 4096;

// Appends the encoding of `docs` (strictly increasing).
void EncodePostings(std::span<const uint32_t> docs, std::string* out);

// Decoding. Each checks the bytes and returns Corruption for malformed input; document numbers
// at or past `num_docs` are malformed too.
Status DecodePostings(std::string_view bytes, uint32_t num_docs, std::vector<uint32_t>* out);
Status AddPostingsTo(std::string_view bytes, uint32_t num_docs, Bitmap* out);
Result<uint32_t> PostingsCount(std::string_view bytes);

}  // namespace vigil::storage
