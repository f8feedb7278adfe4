// WriteBatch: the operations of one write, encoded once. The encoding is decoded to apply the
// batch; the write-ahead log holds either the same bytes (compressed) or, for a derived batch,
// only what it takes to rebuild them (LevelDB's WriteBatch, with an escape for documents whose
// fields are a function of their source).
//
//   rep    := u32 count, u8 flags, op[count], names, u32 names_offset
//   names  := varint n, lp name[n]          the field names the batch uses, each once
//   op     := u8 kind, lp id, body
//   body   := (kUpsert | kIndex | kCreate) u64 primary, u64 secondary, source,
//                                          varint fields, field[fields]
//           | kDelete                       (nothing)
//           | kDeleteIfOlder                u64 cutoff
//   source := lp source                     (flags bit 0 clear)
//           | u64 context                   (flags bit 0 set: a derived batch; the sources are in
//                                            its frames, in the order of the document ops)
//   field  := varint name (index in names), u8 type_hint, varint values, value[values]
//   value  := u8 kind, (bool: u8 | long: zigzag varint | double: u64 bits | string: lp
//                       | geo: u64 lat bits, u64 lon bits | null: nothing)
//
// lp = varint length + bytes; u64 little-endian.
//
// A derived batch (SetDerived) is one whose documents a FieldDeriver can rebuild, fields and all,
// from their source and context (a finding: its raw JSON and its ingest time). Its sources are
// compressed into frames as they are added (the stored-source blocks of segment_format.h, which
// the in-memory segment then takes as they are), and its log record holds only the operations'
// kinds, ids, versions and contexts beside the frames (EncodeWalPayload): the fields, most of a
// batch's bytes, are neither compressed nor written to the log.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/flat_string_map.h"
#include "base/status.h"
#include "storage/compression.h"
#include "storage/field_value.h"

namespace vigil::storage {

enum class OpKind : uint8_t {
  kUpsert = 1,         // replace only when the new version is newer (findings)
  kIndex = 2,          // replace whatever is there (Elasticsearch `index`)
  kCreate = 3,         // add only when the id is absent (Elasticsearch `create`)
  kDelete = 4,         // remove the document with this id
  kDeleteIfOlder = 5,  // remove it when its primary version is below a cutoff (retention)
};

inline constexpr uint8_t kBatchFramed = 1;  // rep flags: sources in frames, contexts in ops

// A document to write. Views: they must stay valid while it is added to a batch.
struct IndexDoc {
  std::string_view id;
  Version version;
  std::string_view source;
  std::span<const IndexField> fields;
  // What the deriver needs besides the source (derived batches only).
  uint64_t context = 0;
};

// Compressed sources of a derived batch: `entries` sources in one zstd frame (the frame content
// of a segment's source block).
struct SourceFrame {
  uint32_t entries = 0;
  std::string_view bytes;
};

class WriteBatch {
 public:
  WriteBatch();
  // Makes this an (empty) derived batch for the deriver whose codec is `codec` (1-255); stays so
  // across Clear().
  void SetDerived(uint8_t codec);
  bool derived() const { return codec_ != 0; }
  uint8_t codec() const { return codec_; }
  // A derived batch compresses its sources with `dict` (the index's source dictionary,
  // Index::SourceDictionary(); null: without one) into frames of about kDictSourceBlockSize,
  // which the index's segments then keep as they are: each source is compressed once. Takes
  // effect only on an empty batch (no operation since the last Clear()); stays across Clear().
  void SetSourceDictionary(std::shared_ptr<const ZstdDictionary> dict);
  const std::shared_ptr<const ZstdDictionary>& source_dictionary() const { return dict_; }

  void Upsert(const IndexDoc& doc) { AddDoc(OpKind::kUpsert, doc); }
  void Index(const IndexDoc& doc) { AddDoc(OpKind::kIndex, doc); }
  void Create(const IndexDoc& doc) { AddDoc(OpKind::kCreate, doc); }
  void Delete(std::string_view id);
  void DeleteIfOlder(std::string_view id, int64_t cutoff);
  void Clear();

  uint32_t count() const { return count_; }
  // The encoding (see above). Valid until the batch changes.
  std::string_view rep();
  // A derived batch's frames, in order (empty for others). Valid until the batch changes; call
  // rep() first.
  std::span<const SourceFrame> frames() const { return frames_; }
  // A derived batch's operations as its log record holds them (see EncodeWalPayload).
  std::string_view lean() const { return lean_; }
  size_t ByteSize() const { return body_.size() + frame_bytes_.size() + pending_.size(); }

 private:
  void AddDoc(OpKind kind, const IndexDoc& doc);
  void Unseal();
  uint32_t NameId(std::string_view name, uint64_t hash);
  void AddSource(std::string_view source);
  void FlushFrame();

  uint8_t codec_ = 0;
  std::shared_ptr<const ZstdDictionary> dict_;
  uint32_t count_ = 0;
  std::string body_;  // u32 count, u8 flags, ops; plus the names while sealed
  size_t unsealed_size_ = 0;
  bool sealed_ = false;
  FlatStringMap<uint32_t> name_ids_;
  std::vector<std::string_view> names_;  // views of name_ids_'s keys, by id
  // Derived batches.
  std::string lean_;     // u32 count, then each op's kind, id, versions and context
  std::string pending_;  // the sources of the frame being gathered, concatenated
  std::vector<uint32_t> pending_lengths_;
  std::string frame_bytes_;                              // the closed frames, concatenated
  std::vector<std::pair<uint32_t, size_t>> frame_ends_;  // (entries, end in frame_bytes_)
  std::vector<SourceFrame> frames_;
  std::string scratch_;
};

// One decoded operation; views into the encoded batch.
struct BatchOp {
  OpKind kind = OpKind::kUpsert;
  std::string_view id;
  Version version;          // for kDeleteIfOlder: {cutoff, 0}
  std::string_view source;  // empty in a derived batch
  uint64_t context = 0;     // a derived batch's
  uint32_t field_count = 0;
  std::string_view fields;                               // the encoded fields, for ForEachField
  const std::vector<std::string_view>* names = nullptr;  // the batch's field names
};

// Decodes a batch; Corruption when the bytes are malformed (checked completely, including every
// field, so applying a decoded batch cannot fail half-way). The ops point into `rep` and into
// *names, which must outlive them. *flags gets the rep's flags when not null.
Status DecodeBatch(std::string_view rep, std::vector<BatchOp>* ops,
                   std::vector<std::string_view>* names, uint8_t* flags = nullptr);

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

// The payload of a WAL record (docs/format/index.md):
//   u8 0, rep            a batch under 512 bytes
//   u8 1, zstd(rep)      a larger batch
//   u8 2, u8 codec, lp lean, varint frames, (varint entries, varint length)[frames], frames
//                        a derived batch: lean := u32 count, (u8 kind, lp id, [u64 primary,
//                        u64 secondary, u64 context] | [u64 cutoff] | nothing)[count]
//   u8 3, u64 dict, then as u8 2 from the codec on
//                        a derived batch whose frames are compressed with the source dictionary
//                        whose id is `dict`
// Returns a view into *buffer, which is reused (not cleared) across calls.
std::string_view EncodeWalPayload(WriteBatch* batch, std::string* buffer);

// A decoded payload: the rep of a plain batch, or a derived batch's operations and frames (views
// into the payload).
struct WalPayload {
  bool derived = false;
  std::string rep;  // not derived
  uint8_t codec = 0;
  // Derived: the id of the source dictionary its frames are compressed with (has_dict).
  bool has_dict = false;
  uint64_t dict_id = 0;
  std::vector<BatchOp> ops;  // derived: kind, id, version, context; `source` empty
  std::vector<SourceFrame> frames;
};
Status DecodeWalPayload(std::string_view payload, WalPayload* out);

}  // namespace vigil::storage
