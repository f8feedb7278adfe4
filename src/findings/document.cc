#include "findings/document.h"

#include <cstring>

#include "base/json_writer.h"
#include "findings/field_types.h"

namespace vigil::findings {

namespace {

constexpr size_t kBlockSize = size_t{16} * 1024;

void WriteValue(JsonWriter* w, const Value& v) {
  switch (v.kind) {
    case ValueKind::kNull:
      w->Null();
      break;
    case ValueKind::kBool:
      w->Bool(v.boolean);
      break;
    case ValueKind::kInt:
      w->Int(v.integer);
      break;
    case ValueKind::kDouble:
      w->Double(v.number);
      break;
    case ValueKind::kString:
      w->String(v.string());
      break;
    case ValueKind::kEmptyObject:
      w->BeginObject();
      w->EndObject();
      break;
    case ValueKind::kEmptyArray:
      w->BeginArray();
      w->EndArray();
      break;
    case ValueKind::kGeoPoint:
      w->BeginObject();
      w->Field("lat", v.number);
      w->Field("lon", v.number2);
      w->EndObject();
      break;
  }
}

}  // namespace

Document::Document() { table_.assign(256, 0); }

void Document::Clear() {
  block_index_ = 0;
  block_cursor_ = nullptr;
  block_left_ = 0;
  large_.clear();
  fields_.clear();
  field_hashes_.clear();
  index_all_ = false;
  has_unindexed_ = false;
  pending_.clear();
  values_.clear();
  std::fill(table_.begin(), table_.end(), 0);
}

std::string_view Document::InternSlow(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > kBlockSize / 4) {
    auto& big = large_.emplace_back(std::make_unique<char[]>(s.size()));
    std::memcpy(big.get(), s.data(), s.size());
    return {big.get(), s.size()};
  }
  // The current block is full: move to the next one, reusing blocks kept across Clear().
  if (block_cursor_ != nullptr) ++block_index_;
  if (block_index_ == blocks_.size()) blocks_.push_back(std::make_unique<char[]>(kBlockSize));
  block_cursor_ = blocks_[block_index_].get();
  block_left_ = kBlockSize;
  return Intern(s);
}

int32_t Document::Lookup(std::string_view name, uint64_t hash, size_t* empty_slot) const {
  size_t mask = table_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = table_[i];
    if (slot == 0) {
      if (empty_slot != nullptr) *empty_slot = i;
      return -1;
    }
    uint32_t f = slot - 1;
    if (field_hashes_[f] == hash && fields_[f].name == name) return static_cast<int32_t>(f);
  }
}

void Document::Rehash(size_t buckets) {
  table_.assign(buckets, 0);
  size_t mask = buckets - 1;
  for (uint32_t f = 0; f < fields_.size(); ++f) {
    if (field_hashes_[f] == 0) continue;
    size_t i = field_hashes_[f] & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = f + 1;
  }
}

void Document::InsertNew(uint32_t field, uint64_t hash, size_t empty_slot) {
  field_hashes_[field] = hash;
  if ((fields_.size() + 1) * 2 > table_.size()) {
    Rehash(table_.size() * 2);  // inserts the new field too
  } else {
    table_[empty_slot] = field + 1;
  }
}

void Document::AddNewFlat(std::string_view name, const Value& value) {
  if (index_all_) {
    Add(name, FieldOrigin::kFlat, value);
    return;
  }
  auto begin = static_cast<uint32_t>(values_.size());
  fields_.push_back(Field{Intern(name), FieldOrigin::kFlat, begin, begin + 1});
  field_hashes_.push_back(0);
  has_unindexed_ = true;
  values_.push_back(value);
}

void Document::IndexAll() {
  index_all_ = true;
  if (!has_unindexed_) return;
  has_unindexed_ = false;
  for (uint32_t f = 0; f < fields_.size(); ++f) {
    if (field_hashes_[f] == 0) field_hashes_[f] = HashName(fields_[f].name) | 1;
  }
  size_t buckets = table_.size();
  while ((fields_.size() + 1) * 2 > buckets) buckets *= 2;
  Rehash(buckets);
}

bool Document::Add(std::string_view name, uint64_t hash, FieldOrigin origin, const Value& value) {
  // Collisions cost only a name comparison; a hostile document can make lookups slow but is
  // bounded by the event size limit.
  hash |= 1;
  size_t empty_slot = 0;
  int32_t found = Lookup(name, hash, &empty_slot);
  if (found < 0) {
    auto field = static_cast<uint32_t>(fields_.size());
    auto begin = static_cast<uint32_t>(values_.size());
    fields_.push_back(Field{Intern(name), origin, begin, begin});
    field_hashes_.push_back(0);
    InsertNew(field, hash, empty_slot);
    if (origin == FieldOrigin::kFlat) {
      fields_[field].end = begin + 1;
      values_.push_back(value);
    } else {
      pending_.push_back(Pending{field, value});
    }
    return true;
  }
  auto field = static_cast<uint32_t>(found);
  Field& f = fields_[field];
  if (origin == FieldOrigin::kFlat && f.origin == FieldOrigin::kFlat) return false;
  if (f.origin == FieldOrigin::kFlat) {
    // The flat value joins the list, ahead of the new one.
    pending_.push_back(Pending{field, values_[f.begin]});
    f.origin = FieldOrigin::kCollapsed;
  }
  pending_.push_back(Pending{field, value});
  return true;
}

void Document::Finish() {
  // Counting sort of the pending values by field, keeping each field's values in arrival order,
  // after the flat values.
  if (pending_.empty()) return;
  counts_.assign(fields_.size() + 1, 0);
  for (const Pending& p : pending_) ++counts_[p.field + 1];
  auto base = static_cast<uint32_t>(values_.size());
  for (size_t f = 0; f < fields_.size(); ++f) {
    uint32_t n = counts_[f + 1];
    counts_[f + 1] += counts_[f];
    if (n == 0) continue;
    fields_[f].begin = base + counts_[f];
    fields_[f].end = base + counts_[f + 1];
  }
  values_.resize(base + pending_.size());
  for (const Pending& p : pending_) values_[base + counts_[p.field]++] = p.value;
  pending_.clear();
}

const Field* Document::Find(std::string_view name) {
  IndexAll();
  int32_t f = Lookup(name, HashName(name) | 1, nullptr);
  return f < 0 ? nullptr : &fields_[static_cast<size_t>(f)];
}

void Document::WriteJson(std::string* out, bool types) const {
  JsonWriter w(out);
  w.BeginObject();
  for (const Field& f : fields_) {
    std::span<const Value> vals = values(f);
    w.Key(f.name);
    if (types) {
      w.String(MappedType(f.name, vals));
      continue;
    }
    bool list = f.origin == FieldOrigin::kCollapsed || vals.size() != 1;
    if (list) w.BeginArray();
    for (const Value& v : vals) WriteValue(&w, v);
    if (list) w.EndArray();
  }
  w.EndObject();
}

}  // namespace vigil::findings
