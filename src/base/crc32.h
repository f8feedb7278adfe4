// CRC-32 (the IEEE 802.3 / zlib / gzip polynomial) for the checksums in Vigil's file formats.
// A pure function, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

// Returns the CRC-32 of `data`. Passing the CRC of a prefix as `crc` extends it:
// Crc32(b, Crc32(a)) == Crc32(a + b), so a checksum can be computed over pieces without
// concatenating them. Crc32("123456789") == 0xCBF43926.
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

}  // namespace vigil
