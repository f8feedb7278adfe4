#include "storage/deletion_file.h"

#include <fmt/format.h>

#include "base/crc32.h"
#include "storage/coding.h"

namespace vigil::storage {

std::string EncodeDeletions(const Bitmap& deleted) {
  std::string bitmap(deleted.getSizeInBytes(true), '\0');
  deleted.write(bitmap.data(), true);
  std::string out(kDeletionMagic);
  PutFixed32(&out, kDeletionFormatVersion);
  PutFixed32(&out, Crc32(bitmap));
  out.append(bitmap);
  return out;
}

Result<Bitmap> DecodeDeletions(std::string_view name, std::string_view bytes, uint32_t num_docs) {
  auto bad = [name](std::string_view what) {
    return Status::Corruption(fmt::format("deletion file {}: {}", name, what));
  };
  if (bytes.size() < 16 || bytes.substr(0, 8) != kDeletionMagic) return bad("bad header");
  if (DecodeFixed32(bytes.data() + 8) != kDeletionFormatVersion) return bad("unknown version");
  std::string_view bitmap = bytes.substr(16);
  if (Crc32(bitmap) != DecodeFixed32(bytes.data() + 12)) return bad("checksum mismatch");
  try {
    Bitmap deleted = Bitmap::readSafe(bitmap.data(), bitmap.size());
    if (!deleted.isEmpty() && deleted.maximum() >= num_docs) {
      return bad("document number past the segment");
    }
    return deleted;
  } catch (const std::exception& e) {
    return bad(e.what());
  }
}

Status WriteDeletionFile(Env* env, const std::string& path, const Bitmap& deleted) {
  Result<std::unique_ptr<WritableFile>> file = env->NewWritableFile(path);
  if (!file.ok()) return file.status();
  VIGIL_RETURN_IF_ERROR((*file)->Append(EncodeDeletions(deleted)));
  VIGIL_RETURN_IF_ERROR((*file)->Sync());
  return (*file)->Close();
}

Result<Bitmap> ReadDeletionFile(Env* env, const std::string& path, uint32_t num_docs) {
  Result<std::string> bytes = env->ReadFile(path, 1ULL << 32);
  if (!bytes.ok()) return bytes.status();
  return DecodeDeletions(path, *bytes, num_docs);
}

}  // namespace vigil::storage
