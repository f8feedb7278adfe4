// FindingsDeriver: the storage engine's FieldDeriver for findings. `vigil ingest` (and the server)
// write findings in derived batches (codec kFindingsCodec): their log records hold each finding's
// raw JSON and ingest time, not its flattened fields, and on recovery this rebuilds the fields
// with the same reader and converter the ingest used. The same raw finding and ingest time give
// the same document (flattening and enrichment are pure functions of them), so replay indexes
// exactly what was acknowledged; FindingsDeriverTest checks it on the real samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "findings/finding_reader.h"
#include "ingest/document_converter.h"
#include "storage/field_deriver.h"
#include "storage/index.h"

namespace vigil::ingest {

inline constexpr uint8_t kFindingsCodec = 1;

class FindingsDeriver : public storage::FieldDeriver {
 public:
  explicit FindingsDeriver(findings::ReaderOptions options = {});
  uint8_t codec() const override { return kFindingsCodec; }
  Status Derive(storage::OpKind kind, std::string_view id, storage::Version version,
                std::string_view source, uint64_t context, storage::WriteBatch* batch) override;

 private:
  findings::FindingReader reader_;
  DocumentConverter converter_;
};

// The deriver to give every index that ingest writes to (IndexOptions::deriver).
std::shared_ptr<storage::FieldDeriver> MakeFindingsDeriver();
// Default index options with that deriver.
storage::IndexOptions IngestIndexOptions();

}  // namespace vigil::ingest
