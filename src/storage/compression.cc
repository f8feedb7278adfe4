#include "storage/compression.h"

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

}  // namespace vigil::storage
