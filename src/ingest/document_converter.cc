#include "ingest/document_converter.h"

#include "findings/field_types.h"

namespace vigil::ingest {

namespace {

// The storage form of a value; false for the values that index nothing (empty `{}` and `[]`).
bool Convert(const findings::Value& v, storage::FieldValue* out) {
  using findings::ValueKind;
  switch (v.kind) {
    case ValueKind::kNull:
      *out = storage::FieldValue::Null();
      return true;
    case ValueKind::kBool:
      *out = storage::FieldValue::Bool(v.boolean);
      return true;
    case ValueKind::kInt:
      *out = storage::FieldValue::Long(v.integer);
      return true;
    case ValueKind::kDouble:
      *out = storage::FieldValue::Double(v.number);
      return true;
    case ValueKind::kString:
      *out = storage::FieldValue::String(v.string());
      return true;
    case ValueKind::kGeoPoint:
      *out = storage::FieldValue::GeoPoint(v.number, v.number2);
      return true;
    case ValueKind::kEmptyObject:
    case ValueKind::kEmptyArray:
      return false;
  }
  return false;
}

}  // namespace

storage::FieldType DocumentConverter::Hint(std::string_view name, uint64_t hash,
                                           std::span<const findings::Value> values) {
  if (const storage::FieldType* known = hints_.Find(name, hash)) return *known;
  std::optional<storage::FieldType> type =
      storage::ParseFieldTypeName(findings::MappedType(name, values));
  storage::FieldType hint = type.value_or(storage::FieldType::kKeyword);
  // A field seen only with nulls has no type yet: ask again next time.
  if (hint != storage::FieldType::kNone) hints_.Insert(name, hash, hint);
  return hint;
}

void DocumentConverter::BuildFields(const findings::Document& doc) {
  values_.clear();
  fields_.clear();
  value_offsets_.clear();
  for (const findings::Field& field : doc.fields()) {
    value_offsets_.push_back(values_.size());
    for (const findings::Value& v : doc.values(field)) {
      storage::FieldValue out;
      if (Convert(v, &out)) values_.push_back(out);
    }
  }
  value_offsets_.push_back(values_.size());
  size_t i = 0;
  for (const findings::Field& field : doc.fields()) {
    std::span<const storage::FieldValue> values(values_.data() + value_offsets_[i],
                                                value_offsets_[i + 1] - value_offsets_[i]);
    const uint64_t hash = FlatStringMap<storage::FieldType>::Hash(field.name);
    fields_.push_back({field.name, Hint(field.name, hash, doc.values(field)), values, hash});
    ++i;
  }
}

void DocumentConverter::Add(storage::OpKind kind, const findings::ReadFinding& finding,
                            storage::WriteBatch* batch, int64_t ingested_at) {
  BuildFields(*finding.document);
  storage::IndexDoc out;
  out.id = finding.meta.id;
  out.version = {finding.meta.updated_at, finding.meta.service_count};
  out.source = finding.raw;
  out.fields = fields_;
  out.context = static_cast<uint64_t>(ingested_at);
  AddOp(kind, out, batch);
}

void DocumentConverter::AddDocument(storage::OpKind kind, std::string_view id,
                                    std::string_view source, const findings::Document& doc,
                                    storage::WriteBatch* batch) {
  BuildFields(doc);
  storage::IndexDoc out;
  out.id = id;
  out.source = source;
  out.fields = fields_;
  AddOp(kind, out, batch);
}

void DocumentConverter::AddOp(storage::OpKind kind, const storage::IndexDoc& out,
                              storage::WriteBatch* batch) {
  switch (kind) {
    case storage::OpKind::kIndex:
      batch->Index(out);
      break;
    case storage::OpKind::kCreate:
      batch->Create(out);
      break;
    default:
      batch->Upsert(out);
      break;
  }
}

}  // namespace vigil::ingest
