// DocumentConverter: turns a finding as the findings module reads it (flattened and enriched)
// into a write for the storage engine: `_id` = the finding's id, version = (updatedAt,
// service.count), `_source` = the raw finding, and every field with its values and the type
// dynamic mapping gives it on first sight (findings::MappedType).
//
// Not thread-safe: one per ingesting thread.
#pragma once

#include <string>
#include <vector>

#include "base/flat_string_map.h"
#include "findings/finding_reader.h"
#include "storage/field_value.h"
#include "storage/write_batch.h"

namespace vigil::ingest {

class DocumentConverter {
 public:
  // Adds `finding` (read with ReaderOptions::keep_raw) to `batch` as a versioned upsert.
  // `ingested_at` is the time it was read with (the context of a derived batch).
  void AddUpsert(const findings::ReadFinding& finding, storage::WriteBatch* batch,
                 int64_t ingested_at = 0) {
    Add(storage::OpKind::kUpsert, finding, batch, ingested_at);
  }
  // The same as operation `kind` (upsert, index or create).
  void Add(storage::OpKind kind, const findings::ReadFinding& finding, storage::WriteBatch* batch,
           int64_t ingested_at);
  // Adds a document that is not a finding (an Elasticsearch-style write to another index): its
  // flattened fields (findings::Flattener, then Document::Finish), no version, as operation
  // `kind` (index or create). `source` and `doc` need only outlive the call.
  void AddDocument(storage::OpKind kind, std::string_view id, std::string_view source,
                   const findings::Document& doc, storage::WriteBatch* batch);

 private:
  // Fills fields_ (and values_) from `doc`.
  void BuildFields(const findings::Document& doc);
  static void AddOp(storage::OpKind kind, const storage::IndexDoc& doc, storage::WriteBatch* batch);
  storage::FieldType Hint(std::string_view name, uint64_t hash,
                          std::span<const findings::Value> values);

  // Type hints already given: a field's type is fixed on first sight, so a later hint is never
  // used and need not be worked out again (it costs more than the lookup).
  FlatStringMap<storage::FieldType> hints_;
  std::vector<storage::FieldValue> values_;
  std::vector<storage::IndexField> fields_;
  std::vector<size_t> value_offsets_;
};

}  // namespace vigil::ingest
