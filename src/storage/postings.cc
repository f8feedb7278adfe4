#include "storage/postings.h"

#include "storage/coding.h"

namespace vigil::storage {

namespace {

constexpr uint8_t kArray = 0;
constexpr uint8_t kRoaring = 1;

Status Malformed(std::string_view what) {
  return Status::Corruption(std::string("postings: ") + std::string(what));
}

Result<Bitmap> ReadRoaring(std::string_view bytes) {
  try {
    return Bitmap::readSafe(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return Malformed(std::string("bad roaring bitmap: ") + e.what());
  }
}

// Calls fn(doc) for each document of an array list; checks order and bounds.
template <typename Fn>
Status ForEachInArray(Decoder in, uint32_t num_docs, Fn&& fn) {
  uint32_t count;
  if (!in.GetVarint32(&count)) return Malformed("bad count");
  if (count > num_docs) return Malformed("count past the segment's documents");
  uint64_t doc = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t delta;
    if (!in.GetVarint32(&delta)) return Malformed("truncated list");
    if (i > 0 && delta == 0) return Malformed("documents not increasing");
    doc += delta;
    if (doc >= num_docs) return Malformed("document number past the segment's documents");
    fn(static_cast<uint32_t>(doc));
  }
  if (!in.empty()) return Malformed("trailing bytes");
  return Status::Ok();
}

}  // namespace

void EncodePostings(std::span<const uint32_t> docs, std::string* out) {
  if (docs.size() >= kRoaringThreshold) {
    Bitmap r;
    r.addMany(docs.size(), docs.data());
    r.runOptimize();
    out->push_back(static_cast<char>(kRoaring));
    size_t start = out->size();
    out->resize(start + r.getSizeInBytes(true));
    r.write(out->data() + start, true);
    return;
  }
  out->push_back(static_cast<char>(kArray));
  PutVarint32(out, static_cast<uint32_t>(docs.size()));
  uint32_t prev = 0;
  for (uint32_t d : docs) {
    PutVarint32(out, d - prev);
    prev = d;
  }
}

Status DecodePostings(std::string_view bytes, uint32_t num_docs, std::vector<uint32_t>* out) {
  out->clear();
  if (bytes.empty()) return Malformed("empty");
  uint8_t kind = static_cast<uint8_t>(bytes[0]);
  bytes.remove_prefix(1);
  if (kind == kArray) {
    return ForEachInArray(Decoder(bytes), num_docs, [out](uint32_t d) { out->push_back(d); });
  }
  if (kind != kRoaring) return Malformed("unknown kind");
  Result<Bitmap> r = ReadRoaring(bytes);
  if (!r.ok()) return r.status();
  if (!r->isEmpty() && r->maximum() >= num_docs) {
    return Malformed("document number past the segment's documents");
  }
  out->resize(r->cardinality());
  r->toUint32Array(out->data());
  return Status::Ok();
}

Status AddPostingsTo(std::string_view bytes, uint32_t num_docs, Bitmap* out) {
  if (bytes.empty()) return Malformed("empty");
  uint8_t kind = static_cast<uint8_t>(bytes[0]);
  bytes.remove_prefix(1);
  if (kind == kArray) {
    return ForEachInArray(Decoder(bytes), num_docs, [out](uint32_t d) { out->add(d); });
  }
  if (kind != kRoaring) return Malformed("unknown kind");
  Result<Bitmap> r = ReadRoaring(bytes);
  if (!r.ok()) return r.status();
  if (!r->isEmpty() && r->maximum() >= num_docs) {
    return Malformed("document number past the segment's documents");
  }
  *out |= *r;
  return Status::Ok();
}

Result<uint32_t> PostingsCount(std::string_view bytes) {
  if (bytes.empty()) return Malformed("empty");
  uint8_t kind = static_cast<uint8_t>(bytes[0]);
  bytes.remove_prefix(1);
  if (kind == kArray) {
    Decoder in(bytes);
    uint32_t count;
    if (!in.GetVarint32(&count)) return Malformed("bad count");
    return count;
  }
  if (kind != kRoaring) return Malformed("unknown kind");
  Result<Bitmap> r = ReadRoaring(bytes);
  if (!r.ok()) return r.status();
  return static_cast<uint32_t>(r->cardinality());
}

}  // namespace vigil::storage
