// zstd compression with a context reused per thread: a fresh context for every call costs an
// allocation and a table initialisation, which for the blocks of a segment and the records of
// the log is a large part of the work.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::storage {

// Appends one zstd frame of `in` (recording its content size) to *out.
Status ZstdCompressAppend(std::string_view in, int level, std::string* out);

// The content size a zstd frame records, or 0 when it records none or is not a frame.
uint64_t ZstdContentSize(std::string_view frame);

// Decompresses one zstd frame that records its content size, of at most `max_size` bytes, into
// *out (replacing its contents). Corruption when `in` is not such a frame.
Status ZstdDecompress(std::string_view in, size_t max_size, std::string* out);

// A zstd dictionary: what the stored sources of an index's segment files are compressed with
// (segment_format.h, kSourceDict), in blocks of a few documents, so that a document is a few
// kilobytes of decompression away (a point lookup) while the ratio stays that of large blocks:
// findings share most of their keys and many values, which the dictionary holds once.
// Immutable and thread-safe.
class ZstdDictionary;
// Decompresses one frame compressed with `dict` (null: without a dictionary) into *out.
Status ZstdDecompressWith(const ZstdDictionary* dict, std::string_view in, size_t max_size,
                          std::string* out);
// Whether frames compressed with `a` and with `b` are compressed alike (the same dictionary, or
// none on either side), so that one can be stored where the other is expected.
bool SameCompression(const ZstdDictionary* a, const ZstdDictionary* b);

class ZstdDictionary {
 public:
  // zstd level sources are compressed at with a dictionary: 3 compresses findings a seventh
  // smaller than 1 at the same speed in 8 KiB blocks (docs/format/segment.md).
  static constexpr int kLevel = 3;

  // Trains a dictionary of at most `capacity` bytes on `samples` (one document each). Null, not
  // an error, when the samples are too few or too small to learn from.
  static Result<std::shared_ptr<const ZstdDictionary>> Train(
      const std::vector<std::string_view>& samples, size_t capacity);
  // A dictionary as stored (the bytes Train made). Corruption when zstd does not take it.
  static Result<std::shared_ptr<const ZstdDictionary>> FromBytes(std::string bytes);

  ~ZstdDictionary();
  ZstdDictionary(const ZstdDictionary&) = delete;
  ZstdDictionary& operator=(const ZstdDictionary&) = delete;

  const std::string& bytes() const { return bytes_; }
  // A hash of the bytes: two segments whose dictionaries have the same id can share blocks.
  uint64_t id() const { return id_; }

  // Appends one frame of `in`, compressed with the dictionary, to *out.
  Status CompressAppend(std::string_view in, std::string* out) const;
  // Decompresses one frame made by CompressAppend, of at most `max_size` bytes, into *out.
  Status Decompress(std::string_view in, size_t max_size, std::string* out) const;

 private:
  ZstdDictionary() = default;
  std::string bytes_;
  uint64_t id_ = 0;
  void* cdict_ = nullptr;  // ZSTD_CDict
  void* ddict_ = nullptr;  // ZSTD_DDict
};

}  // namespace vigil::storage
