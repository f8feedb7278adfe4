// Deletion files: the deleted documents of one segment file, written when the manifest is
// (segments are immutable; their deletions are not). A new generation is a new file.
//
//   deletion_file := "VIGILDEL" u32 format_version(1) u32 crc32(bitmap) bitmap
//   bitmap        := CRoaring portable serialization
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "env/env.h"
#include "storage/postings.h"

namespace vigil::storage {

inline constexpr std::string_view kDeletionMagic = "VIGILDEL";
inline constexpr uint32_t kDeletionFormatVersion = 1;

std::string EncodeDeletions(const Bitmap& deleted);
// Corruption (naming `name`) for bad bytes or a document number >= `num_docs`.
Result<Bitmap> DecodeDeletions(std::string_view name, std::string_view bytes, uint32_t num_docs);

// Writes and fsyncs the file (the caller syncs the directory).
Status WriteDeletionFile(Env* env, const std::string& path, const Bitmap& deleted);
Result<Bitmap> ReadDeletionFile(Env* env, const std::string& path, uint32_t num_docs);

}  // namespace vigil::storage
