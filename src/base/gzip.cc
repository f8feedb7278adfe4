#include "base/gzip.h"

#include <fmt/format.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

namespace vigil {

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

GunzipResult Gunzip(std::string_view compressed, uint64_t max_output) {
  GunzipResult result;
  z_stream zs{};
  // 16 + MAX_WBITS: gzip format only.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    result.error = Status::ResourceExhausted("gzip: cannot initialise zlib");
    return result;
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string& out = result.data;
  out.resize(std::min<uint64_t>(max_output, std::max<size_t>(compressed.size() * 4, 4096)));
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() >= max_output) {
        result.error = Status::ResourceExhausted(fmt::format(
            "gzip: decompressed data exceeds the limit of {} bytes (at compressed byte {})",
            max_output, zs.total_in));
        break;
      }
      out.resize(std::min<uint64_t>(max_output, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another member follows, unless the rest is padding zeros (as some tools write).
      std::string_view rest(reinterpret_cast<const char*>(zs.next_in), zs.avail_in);
      if (rest.find_first_not_of('\0') == std::string_view::npos) break;
      if (!IsGzip(rest)) {
        result.error = Status::Corruption(
            fmt::format("gzip: {} bytes of trailing data that is not gzip, at compressed byte {}",
                        rest.size(), zs.total_in));
        break;
      }
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out > 0) {
      result.truncated = true;
      result.error = Status::Corruption(fmt::format(
          "gzip: unexpected end of compressed data after {} bytes (the file is truncated); {} "
          "bytes were recovered",
          compressed.size(), produced));
      break;
    }
    if (rc == Z_BUF_ERROR) continue;  // needs more output space
    result.error =
        Status::Corruption(fmt::format("gzip: {} at compressed byte {}",
                                       zs.msg != nullptr ? zs.msg : "corrupt data", zs.total_in));
    break;
  }
  out.resize(produced);
  inflateEnd(&zs);
  return result;
}

Status GzipAppend(std::string_view data, int level, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::ResourceExhausted("gzip: cannot initialise zlib");
  }
  size_t start = out->size();
  out->resize(start + deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  zs.avail_out = static_cast<uInt>(out->size() - start);
  int rc = deflate(&zs, Z_FINISH);
  out->resize(start + zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::ResourceExhausted("gzip: compression did not finish");
  return Status::Ok();
}

Status GzipAppendFast(std::string_view data, std::string* out) {
  // The stream (its history buffer and hash tables) and the level 1 buffer are large: one of
  // each per thread, reset for every member.
  struct State {
    isal_zstream stream{};
    std::unique_ptr<uint8_t[]> level_buf = std::make_unique<uint8_t[]>(ISAL_DEF_LVL1_DEFAULT);
  };
  thread_local std::unique_ptr<State> state;
  if (!state) state = std::make_unique<State>();
  isal_zstream& zs = state->stream;
  isal_deflate_init(&zs);
  zs.level = 1;
  zs.level_buf = state->level_buf.get();
  zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  zs.gzip_flag = IGZIP_GZIP;
  zs.flush = NO_FLUSH;

  const size_t start = out->size();
  size_t produced = 0;
  // Room for incompressible input (stored blocks) and the header and trailer; grown if short.
  out->resize(start + data.size() + data.size() / 16 + 64);
  size_t consumed = 0;
  constexpr size_t kMaxChunk = size_t{1} << 30;  // avail_in and avail_out are 32-bit
  for (;;) {
    if (zs.avail_in == 0 && consumed < data.size()) {
      size_t chunk = std::min(kMaxChunk, data.size() - consumed);
      zs.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data.data() + consumed));
      zs.avail_in = static_cast<uint32_t>(chunk);
      consumed += chunk;
    }
    zs.end_of_stream = consumed == data.size() ? 1 : 0;
    if (produced == out->size() - start) out->resize(start + 2 * produced + 64);
    size_t room = std::min(kMaxChunk, out->size() - start - produced);
    zs.next_out = reinterpret_cast<uint8_t*>(out->data() + start + produced);
    zs.avail_out = static_cast<uint32_t>(room);
    int rc = isal_deflate(&zs);
    produced += room - zs.avail_out;
    if (rc != COMP_OK) {
      out->resize(start);
      return Status::ResourceExhausted(fmt::format("gzip: igzip compression failed ({})", rc));
    }
    if (zs.internal_state.state == ZSTATE_END) break;
  }
  out->resize(start + produced);
  return Status::Ok();
}

}  // namespace vigil
