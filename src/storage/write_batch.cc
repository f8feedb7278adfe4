#include "storage/write_batch.h"

#include <bit>
#include <cstring>

#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/segment_format.h"

namespace vigil::storage {

namespace {

// The log is written once and read only by recovery: zstd level 1 (with a reused context) is as
// fast as its negative levels on log records and compresses them a third better.
constexpr int kWalZstdLevel = 1;
// A derived batch's frames become the in-memory segment's source blocks.
constexpr int kFrameZstdLevel = 1;

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

void WriteBatch::SetDerived(uint8_t codec) {
  codec_ = codec;
  Clear();
}

void WriteBatch::SetSourceDictionary(std::shared_ptr<const ZstdDictionary> dict) {
  if (count_ == 0 && pending_lengths_.empty() && frame_ends_.empty()) dict_ = std::move(dict);
}

void WriteBatch::Clear() {
  count_ = 0;
  body_.assign(4, '\0');
  body_.push_back(static_cast<char>(derived() ? kBatchFramed : 0));
  sealed_ = false;
  name_ids_.Clear();
  names_.clear();
  lean_.assign(4, '\0');
  pending_.clear();
  pending_lengths_.clear();
  frame_bytes_.clear();
  frame_ends_.clear();
  frames_.clear();
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

void WriteBatch::AddSource(std::string_view source) {
  pending_lengths_.push_back(static_cast<uint32_t>(source.size()));
  pending_.append(source);
  if (pending_.size() >= (dict_ != nullptr ? kDictSourceBlockSize : kSourceBlockSize)) FlushFrame();
}

void WriteBatch::FlushFrame() {
  if (pending_lengths_.empty()) return;
  scratch_.clear();
  PutFixed32(&scratch_, static_cast<uint32_t>(pending_lengths_.size()));
  for (uint32_t len : pending_lengths_) PutFixed32(&scratch_, len);
  scratch_.append(pending_);
  if (!(dict_ != nullptr ? dict_->CompressAppend(scratch_, &frame_bytes_)
                         : ZstdCompressAppend(scratch_, kFrameZstdLevel, &frame_bytes_))
           .ok()) {
    // Cannot happen with a valid level; a frame that does not decode fails the write's replay
    // and its segment's reads, never silently.
    frame_bytes_.append(scratch_);
  }
  frame_ends_.emplace_back(static_cast<uint32_t>(pending_lengths_.size()), frame_bytes_.size());
  pending_.clear();
  pending_lengths_.clear();
}

void WriteBatch::AddDoc(OpKind kind, const IndexDoc& doc) {
  Unseal();
  ++count_;
  body_.push_back(static_cast<char>(kind));
  PutLengthPrefixed(&body_, doc.id);
  PutFixed64(&body_, static_cast<uint64_t>(doc.version.primary));
  PutFixed64(&body_, static_cast<uint64_t>(doc.version.secondary));
  if (derived()) {
    PutFixed64(&body_, doc.context);
    lean_.push_back(static_cast<char>(kind));
    PutLengthPrefixed(&lean_, doc.id);
    PutFixed64(&lean_, static_cast<uint64_t>(doc.version.primary));
    PutFixed64(&lean_, static_cast<uint64_t>(doc.version.secondary));
    PutFixed64(&lean_, doc.context);
    AddSource(doc.source);
  } else {
    PutLengthPrefixed(&body_, doc.source);
  }
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
  if (derived()) {
    lean_.push_back(static_cast<char>(OpKind::kDelete));
    PutLengthPrefixed(&lean_, id);
  }
}

void WriteBatch::DeleteIfOlder(std::string_view id, int64_t cutoff) {
  Unseal();
  ++count_;
  body_.push_back(static_cast<char>(OpKind::kDeleteIfOlder));
  PutLengthPrefixed(&body_, id);
  PutFixed64(&body_, static_cast<uint64_t>(cutoff));
  if (derived()) {
    lean_.push_back(static_cast<char>(OpKind::kDeleteIfOlder));
    PutLengthPrefixed(&lean_, id);
    PutFixed64(&lean_, static_cast<uint64_t>(cutoff));
  }
}

std::string_view WriteBatch::rep() {
  if (!sealed_) {
    unsealed_size_ = body_.size();
    std::memcpy(body_.data(), &count_, 4);
    auto names_offset = static_cast<uint32_t>(body_.size());
    PutVarint32(&body_, static_cast<uint32_t>(names_.size()));
    for (std::string_view name : names_) PutLengthPrefixed(&body_, name);
    PutFixed32(&body_, names_offset);
    if (derived()) {
      std::memcpy(lean_.data(), &count_, 4);
      FlushFrame();
      frames_.clear();
      size_t begin = 0;
      for (const auto& [entries, end] : frame_ends_) {
        frames_.push_back({entries, std::string_view(frame_bytes_).substr(begin, end - begin)});
        begin = end;
      }
    }
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
                   std::vector<std::string_view>* names, uint8_t* flags_out) {
  ops->clear();
  names->clear();
  if (rep.size() < 9) return Status::Corruption("write batch: too short");
  uint32_t names_offset = DecodeFixed32(rep.data() + rep.size() - 4);
  if (names_offset < 5 || names_offset > rep.size() - 4) {
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
  uint8_t flags;
  if (!in.GetFixed32(&count) || !in.GetByte(&flags) || count > in.remaining()) {
    return Status::Corruption("write batch: bad operation count");
  }
  if ((flags & ~kBatchFramed) != 0) return Status::Corruption("write batch: unknown flags");
  if (flags_out != nullptr) *flags_out = flags;
  const bool framed = (flags & kBatchFramed) != 0;
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
          !(framed ? in.GetFixed64(&op.context) : in.GetLengthPrefixed(&op.source)) ||
          !in.GetVarint32(&op.field_count)) {
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

std::string_view EncodeWalPayload(WriteBatch* batch, std::string* buffer) {
  std::string_view rep = batch->rep();
  if (batch->derived()) {
    if (batch->source_dictionary() != nullptr) {
      buffer->assign(1, '\3');
      PutFixed64(buffer, batch->source_dictionary()->id());
    } else {
      buffer->assign(1, '\2');
    }
    buffer->push_back(static_cast<char>(batch->codec()));
    PutLengthPrefixed(buffer, batch->lean());
    PutVarint32(buffer, static_cast<uint32_t>(batch->frames().size()));
    for (const SourceFrame& f : batch->frames()) {
      PutVarint32(buffer, f.entries);
      PutVarint64(buffer, f.bytes.size());
    }
    for (const SourceFrame& f : batch->frames()) buffer->append(f.bytes);
    return *buffer;
  }
  if (rep.size() >= 512) {
    buffer->assign(1, '\1');
    if (ZstdCompressAppend(rep, kWalZstdLevel, buffer).ok()) return *buffer;
  }
  // Small, or (never in practice) zstd failed: stored plain.
  buffer->assign(1, '\0');
  buffer->append(rep);
  return *buffer;
}

namespace {

Status DecodeLean(std::string_view payload, WalPayload* out) {
  auto bad = [](std::string_view what) {
    return Status::Corruption("WAL payload: derived batch: " + std::string(what));
  };
  Decoder in(payload);
  std::string_view lean;
  uint32_t frame_count;
  if (!in.GetByte(&out->codec) || out->codec == 0 || !in.GetLengthPrefixed(&lean) ||
      !in.GetVarint32(&frame_count) || frame_count > in.remaining()) {
    return bad("bad header");
  }
  std::vector<std::pair<uint32_t, uint64_t>> sizes(frame_count);
  uint64_t entries = 0;
  uint64_t bytes = 0;
  for (auto& [n, size] : sizes) {
    if (!in.GetVarint32(&n) || !in.GetVarint64(&size) || n == 0) return bad("bad frame table");
    entries += n;
    bytes += size;
  }
  if (bytes != in.remaining()) return bad("frame sizes do not add up");
  std::string_view rest = in.rest();
  for (const auto& [n, size] : sizes) {
    out->frames.push_back({n, rest.substr(0, size)});
    rest.remove_prefix(size);
  }
  Decoder ops(lean);
  uint32_t count;
  if (!ops.GetFixed32(&count) || count > ops.remaining()) return bad("bad operation count");
  uint64_t docs = 0;
  for (uint32_t i = 0; i < count; ++i) {
    BatchOp op;
    uint8_t kind;
    if (!ops.GetByte(&kind) || kind < 1 || kind > 5 || !ops.GetLengthPrefixed(&op.id)) {
      return bad("bad operation");
    }
    op.kind = static_cast<OpKind>(kind);
    uint64_t a;
    uint64_t b;
    if (op.kind == OpKind::kDeleteIfOlder) {
      if (!ops.GetFixed64(&a)) return bad("bad operation");
      op.version.primary = static_cast<int64_t>(a);
    } else if (op.kind != OpKind::kDelete) {
      if (!ops.GetFixed64(&a) || !ops.GetFixed64(&b) || !ops.GetFixed64(&op.context)) {
        return bad("bad operation");
      }
      op.version = {static_cast<int64_t>(a), static_cast<int64_t>(b)};
      ++docs;
    }
    out->ops.push_back(op);
  }
  if (!ops.empty()) return bad("trailing bytes");
  if (docs != entries) return bad("documents and sources do not match");
  return Status::Ok();
}

}  // namespace

Status DecodeWalPayload(std::string_view payload, WalPayload* out) {
  *out = WalPayload();
  if (payload.empty()) return Status::Corruption("WAL payload: empty");
  if (payload[0] == '\2') {
    out->derived = true;
    return DecodeLean(payload.substr(1), out);
  }
  if (payload[0] == '\3') {
    out->derived = true;
    out->has_dict = true;
    if (payload.size() < 9) return Status::Corruption("WAL payload: derived batch: bad header");
    out->dict_id = DecodeFixed64(payload.data() + 1);
    return DecodeLean(payload.substr(9), out);
  }
  if (payload[0] == '\0') {
    out->rep.assign(payload.substr(1));
    return Status::Ok();
  }
  if (payload[0] != '\1') return Status::Corruption("WAL payload: unknown encoding");
  if (!ZstdDecompress(payload.substr(1), 1u << 31, &out->rep).ok()) {
    return Status::Corruption("WAL payload: bad zstd frame");
  }
  return Status::Ok();
}

}  // namespace vigil::storage
