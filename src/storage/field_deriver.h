// FieldDeriver: rebuilds the documents of a derived batch (WriteBatch::SetDerived) from what its
// log record holds: each document's kind, id, version, source and context. The write-ahead log
// of such a batch has no fields (most of a batch's bytes), so recovery calls the deriver of the
// batch's codec for every document it replays. Derive must give exactly the fields the batch was
// written with, or replay would index something else than what was acknowledged: for findings
// (ingest::FindingsDeriver), flattening and enrichment are a pure function of the raw finding
// and its ingest time.
//
// Used by one thread at a time (recovery runs in Index::Open).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "storage/field_value.h"
#include "storage/write_batch.h"

namespace vigil::storage {

class FieldDeriver {
 public:
  virtual ~FieldDeriver() = default;
  // The codec of the batches this deriver rebuilds (1-255).
  virtual uint8_t codec() const = 0;
  // Adds to *batch (a plain batch) the operation `kind` (an upsert, index or create) of
  // document `id` at `version` with `source` and the fields derived from it and `context`.
  virtual Status Derive(OpKind kind, std::string_view id, Version version, std::string_view source,
                        uint64_t context, WriteBatch* batch) = 0;
};

}  // namespace vigil::storage
