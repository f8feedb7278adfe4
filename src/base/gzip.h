// gzip compression and decompression (zlib; ISA-L's igzip for the fast compressor), for
// GuardDuty's .jsonl.gz exports and the archive. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil {

// True when `data` starts with the gzip magic bytes.
bool IsGzip(std::string_view data);

struct GunzipResult {
  std::string data;        // everything decompressed, up to the problem when there is one
  Status error;            // OK, or what was wrong and at which compressed byte
  bool truncated = false;  // the input ended inside a member (a file cut short)
};

// Decompresses a gzip stream of one or more members (concatenated gzip files are one valid
// stream, as `cat a.gz b.gz` makes). Stops with ResourceExhausted past `max_output` bytes.
GunzipResult Gunzip(std::string_view compressed, uint64_t max_output);

// Appends one gzip member holding `data` to *out.
Status GzipAppend(std::string_view data, int level, std::string* out);

// Appends one gzip member (RFC 1952) holding `data` to *out, compressed by ISA-L's igzip at its
// level 1: about three times as fast as zlib's level 1 at about the same ratio. Each thread keeps
// one compression state (a few hundred KiB) for reuse.
Status GzipAppendFast(std::string_view data, std::string* out);

}  // namespace vigil
