#include "storage/write_batch.h"

#include <zstd.h>

#include <bit>
#include <cstring>

#include "storage/coding.h"
#include "storage/compression.h"

namespace vigil::storage {

namespace {

// The log is written once and read only by recovery: zstd level 1 (with a reused context) is as
// fast as its negative levels on log records and compresses them a third better.
constexpr int kWalZstdLevel = 1;

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool DecodeValue(Decoder* in, FieldValue* v) {
  uint8_t kind;
  if (!in->GetByte(&kind)) return false;
  switch (static_cast<ValueKind>(kind)) {
    case ValueKind::kNull:
      *v = FieldValue::Null();
      return true;
    case ValueKind::kBool: {
      uint8_t b;
      if (!in->GetByte(&b) || b > 1) return false;
      *v = FieldValue::Bool(b != 0);
      return true;
    }
    case ValueKind::kLong: {
      uint64_t z;
      if (!in->GetVarint64(&z)) return false;
      *v = FieldValue::Long(UnZigZag(z));
      return true;
    }
    case ValueKind::kDouble: {
      uint64_t bits;
      if (!in->GetFixed64(&bits)) return false;
      *v = FieldValue::Double(std::bit_cast<double>(bits));
      return true;
    }
    case ValueKind::kString: {
      std::string_view s;
      if (!in->GetLengthPrefixed(&s)) return false;
      *v = FieldValue::String(s);
      return true;
    }
    case ValueKind::kGeoPoint: {
      uint64_t lat;
      uint64_t lon;
      if (!in->GetFixed64(&lat) || !in->GetFixed64(&lon)) return false;
      *v = FieldValue::GeoPoint(std::bit_cast<double>(lat), std::bit_cast<double>(lon));
      return true;
    }
  }
  return false;
}

bool DecodeField(Decoder* in, const std::vector<std::string_view>& names,
                 std::vector<FieldValue>* scratch, IndexField* field, uint32_t* name_id) {
  uint8_t hint;
  uint32_t count;
  if (!in->GetVarint32(name_id) || *name_id >= names.size() || !in->GetByte(&hint) ||
      hint > kMaxFieldType || !in->GetVarint32(&count) || count > in->remaining()) {
    return false;
  }
  field->name = names[*name_id];
  field->type_hint = static_cast<FieldType>(hint);
  scratch->resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (!DecodeValue(in, &(*scratch)[i])) return false;
  }
  field->values = *scratch;
  return true;
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  count_ = 0;
  body_.assign(4, '\0');
  sealed_ = false;
  name_ids_.Clear();
  names_.clear();
}

void WriteBatch::Unseal() {
  if (!sealed_) return;
  body_.resize(unsealed_size_);
  sealed_ = false;
}

uint32_t WriteBatch::NameId(std::string_view name, uint64_t hash) {
  if (hash == 0) hash = FlatStringMap<uint32_t>::Hash(name);
  auto id = static_cast<uint32_t>(names_.size());
  FlatStringMap<uint32_t>::Inserted entry = name_ids_.Insert(name, hash, id);
  if (!entry.inserted) return *entry.value;
  names_.push_back(entry.key);  // the map's copy: stable until Clear()
  return id;
}

void WriteBatch::AddDoc(OpKind kind, const IndexDoc& doc) {
  Unseal();
  ++count_;
  body_.push_back(static_cast<char>(kind));
  PutLengthPrefixed(&body_, doc.id);
  PutFixed64(&body_, static_cast<uint64_t>(doc.version.primary));
  PutFixed64(&body_, static_cast<uint64_t>(doc.version.secondary));
  PutLengthPrefixed(&body_, doc.source);
  PutVarint32(&body_, static_cast<uint32_t>(doc.fields.size()));
  for (const IndexField& f : doc.fields) {
    PutVarint32(&body_, NameId(f.name, f.name_hash));
    body_.push_back(static_cast<char>(f.type_hint));
    PutVarint32(&body_, static_cast<uint32_t>(f.values.size()));
    for (const FieldValue& v : f.values) {
      body_.push_back(static_cast<char>(v.kind));
      switch (v.kind) {
        case ValueKind::kNull:
          break;
        case ValueKind::kBool:
          body_.push_back(v.boolean ? '\1' : '\0');
          break;
        case ValueKind::kLong:
          PutVarint64(&body_, ZigZag(v.integer));
          break;
        case ValueKind::kDouble:
          PutFixed64(&body_, std::bit_cast<uint64_t>(v.number));
          break;
        case ValueKind::kString:
          PutLengthPrefixed(&body_, v.string);
          break;
        case ValueKind::kGeoPoint:
          PutFixed64(&body_, std::bit_cast<uint64_t>(v.number));
          PutFixed64(&body_, std::bit_cast<uint64_t>(v.number2));
          break;
      }
    }
  }
}

void WriteBatch::Delete(std::string_view id) {
  Unseal();
  ++count_;
  body_.push_back(static_cast<char>(OpKind::kDelete));
  PutLengthPrefixed(&body_, id);
}

void WriteBatch::DeleteIfOlder(std::string_view id, int64_t cutoff) {
  Unseal();
  ++count_;
  body_.push_back(static_cast<char>(OpKind::kDeleteIfOlder));
  PutLengthPrefixed(&body_, id);
  PutFixed64(&body_, static_cast<uint64_t>(cutoff));
}

std::string_view WriteBatch::rep() {
  if (!sealed_) {
    unsealed_size_ = body_.size();
    std::memcpy(body_.data(), &count_, 4);
    auto names_offset = static_cast<uint32_t>(body_.size());
    PutVarint32(&body_, static_cast<uint32_t>(names_.size()));
    for (std::string_view name : names_) PutLengthPrefixed(&body_, name);
    PutFixed32(&body_, names_offset);
    sealed_ = true;
  }
  return body_;
}

bool NextField(std::string_view* cursor, const std::vector<std::string_view>& names,
               std::vector<FieldValue>* scratch, IndexField* field, uint32_t* name_id) {
  Decoder in(*cursor);
  if (!DecodeField(&in, names, scratch, field, name_id)) return false;
  *cursor = in.rest();
  return true;
}

Status DecodeBatch(std::string_view rep, std::vector<BatchOp>* ops,
                   std::vector<std::string_view>* names) {
  ops->clear();
  names->clear();
  if (rep.size() < 8) return Status::Corruption("write batch: too short");
  uint32_t names_offset = DecodeFixed32(rep.data() + rep.size() - 4);
  if (names_offset < 4 || names_offset > rep.size() - 4) {
    return Status::Corruption("write batch: bad name table offset");
  }
  Decoder name_table(rep.substr(names_offset, rep.size() - 4 - names_offset));
  uint32_t name_count;
  if (!name_table.GetVarint32(&name_count) || name_count > name_table.remaining()) {
    return Status::Corruption("write batch: bad name table");
  }
  for (uint32_t i = 0; i < name_count; ++i) {
    std::string_view name;
    if (!name_table.GetLengthPrefixed(&name)) return Status::Corruption("write batch: bad name");
    names->push_back(name);
  }
  if (!name_table.empty()) return Status::Corruption("write batch: bad name table");
  Decoder in(rep.substr(0, names_offset));
  uint32_t count;
  if (!in.GetFixed32(&count) || count > in.remaining()) {
    return Status::Corruption("write batch: bad operation count");
  }
  std::vector<FieldValue> scratch;
  uint32_t name_id;
  for (uint32_t i = 0; i < count; ++i) {
    BatchOp op;
    uint8_t kind;
    auto bad = [i](std::string_view what) {
      return Status::Corruption("write batch: operation " + std::to_string(i) + ": " +
                                std::string(what));
    };
    if (!in.GetByte(&kind) || kind < 1 || kind > 5) return bad("unknown kind");
    op.kind = static_cast<OpKind>(kind);
    if (!in.GetLengthPrefixed(&op.id)) return bad("bad id");
    if (op.kind == OpKind::kDeleteIfOlder) {
      uint64_t cutoff;
      if (!in.GetFixed64(&cutoff)) return bad("bad cutoff");
      op.version.primary = static_cast<int64_t>(cutoff);
    } else if (op.kind != OpKind::kDelete) {
      uint64_t primary;
      uint64_t secondary;
      if (!in.GetFixed64(&primary) || !in.GetFixed64(&secondary) ||
          !in.GetLengthPrefixed(&op.source) || !in.GetVarint32(&op.field_count)) {
        return bad("bad document header");
      }
      op.version = {static_cast<int64_t>(primary), static_cast<int64_t>(secondary)};
      std::string_view start = in.rest();
      IndexField field;
      for (uint32_t f = 0; f < op.field_count; ++f) {
        if (!DecodeField(&in, *names, &scratch, &field, &name_id)) return bad("bad field");
      }
      op.fields = start.substr(0, start.size() - in.remaining());
    }
    op.names = names;
    ops->push_back(op);
  }
  if (!in.empty()) return Status::Corruption("write batch: trailing bytes");
  return Status::Ok();
}

std::string_view EncodeWalPayload(std::string_view rep, std::string* buffer) {
  if (rep.size() >= 512) {
    buffer->assign(1, '\1');
    if (ZstdCompressAppend(rep, kWalZstdLevel, buffer).ok()) return *buffer;
  }
  // Small, or (never in practice) zstd failed: stored plain.
  buffer->assign(1, '\0');
  buffer->append(rep);
  return *buffer;
}

Status DecodeWalPayload(std::string_view payload, std::string* rep) {
  if (payload.empty()) return Status::Corruption("WAL payload: empty");
  if (payload[0] == '\0') {
    rep->assign(payload.substr(1));
    return Status::Ok();
  }
  if (payload[0] != '\1') return Status::Corruption("WAL payload: unknown encoding");
  payload.remove_prefix(1);
  unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ULL << 31)) {
    return Status::Corruption("WAL payload: bad zstd frame");
  }
  rep->resize(size);
  size_t n = ZSTD_decompress(rep->data(), rep->size(), payload.data(), payload.size());
  if (ZSTD_isError(n) || n != size) return Status::Corruption("WAL payload: bad zstd frame");
  return Status::Ok();
}

}  // namespace vigil::storage
