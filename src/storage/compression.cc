#include "storage/compression.h"

#define XXH_INLINE_ALL
#include <xxhash.h>
#include <zdict.h>
#include <zstd.h>

#include <memory>

namespace vigil::storage {

namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}

}  // namespace

Status ZstdCompressAppend(std::string_view in, int level, std::string* out) {
  ZSTD_CCtx* ctx = ThreadCCtx();
  if (ctx == nullptr) return Status::ResourceExhausted("zstd: cannot create a context");
  const size_t start = out->size();
  const size_t bound = ZSTD_compressBound(in.size());
  out->resize(start + bound);
  size_t n = ZSTD_compressCCtx(ctx, out->data() + start, bound, in.data(), in.size(), level);
  if (ZSTD_isError(n)) {
    out->resize(start);
    return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out->resize(start + n);
  return Status::Ok();
}

uint64_t ZstdContentSize(std::string_view frame) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return 0;
  return size;
}

Status ZstdDecompress(std::string_view in, size_t max_size, std::string* out) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_size) {
    return Status::Corruption("zstd: bad frame header");
  }
  ZSTD_DCtx* ctx = ThreadDCtx();
  if (ctx == nullptr) return Status::ResourceExhausted("zstd: cannot create a context");
  out->resize(size);
  size_t n = ZSTD_decompressDCtx(ctx, out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) {
    return Status::Corruption(std::string("zstd: ") +
                              (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  }
  return Status::Ok();
}

Result<std::shared_ptr<const ZstdDictionary>> ZstdDictionary::Train(
    const std::vector<std::string_view>& samples, size_t capacity) {
  // zstd wants at least a few dozen samples and some kilobytes of them.
  size_t total = 0;
  for (std::string_view s : samples) total += s.size();
  if (samples.size() < 64 || total < size_t{64} * 1024)
    return std::shared_ptr<const ZstdDictionary>();
  std::string joined;
  joined.reserve(total);
  std::vector<size_t> sizes;
  sizes.reserve(samples.size());
  for (std::string_view s : samples) {
    joined.append(s);
    sizes.push_back(s.size());
  }
  std::string dict(capacity, '\0');
  const size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), joined.data(), sizes.data(),
                                         static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return std::shared_ptr<const ZstdDictionary>();  // nothing to learn
  dict.resize(n);
  return FromBytes(std::move(dict));
}

Result<std::shared_ptr<const ZstdDictionary>> ZstdDictionary::FromBytes(std::string bytes) {
  std::shared_ptr<ZstdDictionary> d(new ZstdDictionary());
  d->bytes_ = std::move(bytes);
  d->id_ = XXH3_64bits(d->bytes_.data(), d->bytes_.size());
  d->cdict_ = ZSTD_createCDict(d->bytes_.data(), d->bytes_.size(), kLevel);
  d->ddict_ = ZSTD_createDDict(d->bytes_.data(), d->bytes_.size());
  if (d->cdict_ == nullptr || d->ddict_ == nullptr) {
    return Status::Corruption("zstd: a source dictionary that zstd does not take");
  }
  return std::shared_ptr<const ZstdDictionary>(std::move(d));
}

ZstdDictionary::~ZstdDictionary() {
  ZSTD_freeCDict(static_cast<ZSTD_CDict*>(cdict_));
  ZSTD_freeDDict(static_cast<ZSTD_DDict*>(ddict_));
}

Status ZstdDictionary::CompressAppend(std::string_view in, std::string* out) const {
  ZSTD_CCtx* ctx = ThreadCCtx();
  if (ctx == nullptr) return Status::ResourceExhausted("zstd: cannot create a context");
  const size_t start = out->size();
  const size_t bound = ZSTD_compressBound(in.size());
  out->resize(start + bound);
  size_t n = ZSTD_compress_usingCDict(ctx, out->data() + start, bound, in.data(), in.size(),
                                      static_cast<const ZSTD_CDict*>(cdict_));
  if (ZSTD_isError(n)) {
    out->resize(start);
    return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out->resize(start + n);
  return Status::Ok();
}

Status ZstdDictionary::Decompress(std::string_view in, size_t max_size, std::string* out) const {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_size) {
    return Status::Corruption("zstd: bad frame header");
  }
  ZSTD_DCtx* ctx = ThreadDCtx();
  if (ctx == nullptr) return Status::ResourceExhausted("zstd: cannot create a context");
  out->resize(size);
  size_t n = ZSTD_decompress_usingDDict(ctx, out->data(), out->size(), in.data(), in.size(),
                                        static_cast<const ZSTD_DDict*>(ddict_));
  if (ZSTD_isError(n) || n != size) {
    return Status::Corruption(std::string("zstd: ") +
                              (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  }
  return Status::Ok();
}

Status ZstdDecompressWith(const ZstdDictionary* dict, std::string_view in, size_t max_size,
                          std::string* out) {
  return dict != nullptr ? dict->Decompress(in, max_size, out) : ZstdDecompress(in, max_size, out);
}

bool SameCompression(const ZstdDictionary* a, const ZstdDictionary* b) {
  return a != nullptr ? b != nullptr && a->id() == b->id() : b == nullptr;
}

}  // namespace vigil::storage
