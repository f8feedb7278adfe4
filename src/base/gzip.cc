#include "base/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

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

}  // namespace vigil
