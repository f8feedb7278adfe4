// WriteBatch: the operations of one write, encoded once. The same bytes go into the write-ahead
// log (compressed) and are decoded to apply the batch, so what recovery replays is exactly what
// was applied (LevelDB's WriteBatch).
//
//   rep    := u32 count, op[count], names, u32 names_offset
//   names  := varint n, lp name[n]          the field names the batch uses, each once
//   op     := u8 kind, lp id, body
//   body   := (kUpsert | kIndex | kCreate) u64 primary, u64 secondary, lp source,
//                                          varint fields, field[fields]
//           | kDelete                       (nothing)
//           | kDeleteIfOlder                u64 cutoff
//   field  := varint name (index in names), u8 type_hint, varint values, value[values]
//   value  := u8 kind, (bool: u8 | long: zigzag varint | double: u64 bits | string: lp
//                       | geo: u64 lat bits, u64 lon bits | null: nothing)
//
// lp = varint length + bytes; u64 little-endian.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/flat_string_map.h"
#include "base/status.h"
#include "storage/field_value.h"

namespace vigil::storage {

enum class OpKind : uint8_t {
  kUpsert = 1,         // replace only when the new version is newer (findings)
  kIndex = 2,          // replace whatever is there (Elasticsearch `index`)
  kCreate = 3,         // add only when the id is absent (Elasticsearch `create`)
  kDelete = 4,         // remove the document with this id
  kDeleteIfOlder = 5,  // remove it when its primary version is below a cutoff (retention)
};

// A document to write. Views: they must stay valid while it is added to a batch.
struct IndexDoc {
  std::string_view id;
  Version version;
  std::string_view source;
  std::span<const IndexField> fields;
};

class WriteBatch {
 public:
  WriteBatch();
  void Upsert(const IndexDoc& doc) { AddDoc(OpKind::kUpsert, doc); }
  void Index(const IndexDoc& doc) { AddDoc(OpKind::kIndex, doc); }
  void Create(const IndexDoc& doc) { AddDoc(OpKind::kCreate, doc); }
  void Delete(std::string_view id);
  void DeleteIfOlder(std::string_view id, int64_t cutoff);
  void Clear();

  uint32_t count() const { return count_; }
  // The encoding (see above). Valid until the batch changes.
  std::string_view rep();
  size_t ByteSize() const { return body_.size(); }

 private:
  void AddDoc(OpKind kind, const IndexDoc& doc);
  void Unseal();
  uint32_t NameId(std::string_view name, uint64_t hash);

  uint32_t count_ = 0;
  std::string body_;  // u32 count, ops; plus the names while sealed
  size_t unsealed_size_ = 0;
  bool sealed_ = false;
  FlatStringMap<uint32_t> name_ids_;
  std::vector<std::string_view> names_;  // views of name_ids_'s keys, by id
};

// One decoded operation; views into the encoded batch.
struct BatchOp {
  OpKind kind = OpKind::kUpsert;
  std::string_view id;
  Version version;  // for kDeleteIfOlder: {cutoff, 0}
  std::string_view source;
  uint32_t field_count = 0;
  std::string_view fields;                               // the encoded fields, for ForEachField
  const std::vector<std::string_view>* names = nullptr;  // the batch's field names
};

// Decodes a batch; Corruption when the bytes are malformed (checked completely, including every
// field, so applying a decoded batch cannot fail half-way). The ops point into `rep` and into
// *names, which must outlive them.
Status DecodeBatch(std::string_view rep, std::vector<BatchOp>* ops,
                   std::vector<std::string_view>* names);

// Calls fn(const IndexField&) for each field of a decoded op. `scratch` holds the values.
template <typename Fn>
void ForEachField(const BatchOp& op, std::vector<FieldValue>* scratch, Fn&& fn);

// Implementation detail of ForEachField: decodes the next field; false at the end.
bool NextField(std::string_view* cursor, const std::vector<std::string_view>& names,
               std::vector<FieldValue>* scratch, IndexField* field, uint32_t* name_id);

// fn(const IndexField& field, uint32_t name_id): name_id numbers the field names of the batch.
template <typename Fn>
void ForEachField(const BatchOp& op, std::vector<FieldValue>* scratch, Fn&& fn) {
  std::string_view cursor = op.fields;
  IndexField field;
  uint32_t name_id = 0;
  for (uint32_t i = 0;
       i < op.field_count && NextField(&cursor, *op.names, scratch, &field, &name_id); ++i) {
    fn(field, name_id);
  }
}

// The payload of a WAL record: u8 encoding (0 = plain, 1 = zstd), then the (compressed) rep.
// Returns a view into *buffer, which is reused (not cleared) across calls.
std::string_view EncodeWalPayload(std::string_view rep, std::string* buffer);
Status DecodeWalPayload(std::string_view payload, std::string* rep);

}  // namespace vigil::storage
