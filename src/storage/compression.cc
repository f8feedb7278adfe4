#include "storage/compression.h"

#include <zstd.h>

#include <memory>

namespace vigil::storage {

namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

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

}  // namespace vigil::storage
