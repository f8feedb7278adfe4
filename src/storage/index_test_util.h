// Helpers for the index tests: small documents with a few typed fields.
#pragma once

#include <string>
#include <vector>

#include "storage/index.h"
#include "storage/term_encoding.h"
#include "storage/write_batch.h"

namespace vigil::storage::testing {

// A finding-like document: id, version (updatedAt ms, count), a type and a severity.
struct TestDoc {
  std::string id;
  Version version;
  std::string type = "Recon:EC2/PortProbeUnprotectedPort";
  double severity = 5;

  std::string Source() const {
    return "{\"id\":\"" + id + "\",\"v\":" + std::to_string(version.primary) + "." +
           std::to_string(version.secondary) + "}";
  }
};

// Adds `doc` to `batch` with `kind` (kUpsert, kIndex or kCreate).
inline void AddDoc(WriteBatch* batch, const TestDoc& doc, OpKind kind = OpKind::kUpsert) {
  std::string source = doc.Source();
  FieldValue type = FieldValue::String(doc.type);
  FieldValue severity = FieldValue::Double(doc.severity);
  FieldValue count = FieldValue::Long(doc.version.secondary);
  IndexField fields[] = {
      {"type", FieldType::kKeyword, {&type, 1}},
      {"severity", FieldType::kDouble, {&severity, 1}},
      {"service.count", FieldType::kLong, {&count, 1}},
  };
  IndexDoc d{doc.id, doc.version, source, fields};
  switch (kind) {
    case OpKind::kIndex:
      batch->Index(d);
      break;
    case OpKind::kCreate:
      batch->Create(d);
      break;
    default:
      batch->Upsert(d);
      break;
  }
}

// The live document with `id` in `snapshot`: its source, or "" when absent. Fails the test when
// two live copies exist.
inline std::string LiveSource(const Snapshot& snapshot, const std::string& id) {
  std::string found;
  int copies = 0;
  std::vector<uint32_t> docs;
  for (const SegmentView& view : snapshot.segments) {
    EXPECT_TRUE(view.segment->FindId(id, &docs).ok());
    for (uint32_t doc : docs) {
      if (!view.IsLive(doc)) continue;
      ++copies;
      Result<std::string> source = view.segment->Source(doc);
      EXPECT_TRUE(source.ok()) << source.status().ToString();
      if (source.ok()) found = *source;
    }
  }
  EXPECT_LE(copies, 1) << "id " << id << " is live " << copies << " times";
  return found;
}

}  // namespace vigil::storage::testing
