// zstd compression with a context reused per thread: a fresh context for every call costs an
// allocation and a table initialisation, which for the blocks of a segment and the records of
// the log is a large part of the work.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::storage {

// Appends one zstd frame of `in` (recording its content size) to *out.
Status ZstdCompressAppend(std::string_view in, int level, std::string* out);

// The content size a zstd frame records, or 0 when it records none or is not a frame.
uint64_t ZstdContentSize(std::string_view frame);

// Decompresses one zstd frame that records its content size, of at most `max_size` bytes, into
// *out (replacing its contents). Corruption when `in` is not such a frame.
Status ZstdDecompress(std::string_view in, size_t max_size, std::string* out);

}  // namespace vigil::storage
