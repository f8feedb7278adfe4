#include "base/crc32.h"

#include <zlib.h>

namespace vigil {

uint32_t Crc32(std::string_view data, uint32_t crc) {
  // crc32_z takes a size_t length, so inputs over 4 GiB need no chunking.
  return static_cast<uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

}  // namespace vigil
