#include "storage/segment_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/postings.h"
#include "storage/term_encoding.h"

namespace vigil::storage {

namespace {

constexpr std::string_view kSectionNames[] = {
    "",         "meta",         "terms",       "postings",  "column",
    "versions", "source index", "source data", "id filter", "source live entries"};

std::string_view SectionName(SectionKind kind) {
  auto k = static_cast<size_t>(kind);
  return k < std::size(kSectionNames) ? kSectionNames[k] : "unknown";
}

int SlotOf(SectionKind kind) {
  switch (kind) {
    case SectionKind::kTerms:
      return 0;
    case SectionKind::kPostings:
      return 1;
    case SectionKind::kColumn:
      return 2;
    default:
      return -1;
  }
}

}  // namespace

SegmentReader::~SegmentReader() = default;

Status SegmentReader::Corrupt(std::string_view what) const {
  return Status::Corruption(fmt::format("segment {}: {}", name_, what));
}

Result<std::shared_ptr<const SegmentReader>> SegmentReader::Open(
    std::string name, std::unique_ptr<MappedFile> file,
    std::shared_ptr<const ZstdDictionary> dict) {
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->name_ = std::move(name);
  r->preset_dict_ = std::move(dict);
  r->data_ = file->data();
  r->file_ = std::move(file);
  return Init(std::move(r));
}

Result<std::shared_ptr<const SegmentReader>> SegmentReader::FromBytes(
    std::string name, std::string bytes, std::shared_ptr<const ZstdDictionary> dict) {
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->name_ = std::move(name);
  r->preset_dict_ = std::move(dict);
  r->bytes_ = std::move(bytes);
  r->data_ = r->bytes_;
  return Init(std::move(r));
}

Result<std::shared_ptr<const SegmentReader>> SegmentReader::Init(std::shared_ptr<SegmentReader> r) {
  std::string_view data = r->data_;
  if (data.size() < kSegmentHeaderSize + kSegmentFooterSize) {
    return r->Corrupt(fmt::format("file too short ({} bytes)", data.size()));
  }
  if (data.substr(0, 8) != kSegmentMagic) return r->Corrupt("not a segment file (bad magic)");
  uint32_t version = DecodeFixed32(data.data() + 8);
  if (version < kOldestSegmentFormatVersion || version > kSegmentFormatVersion) {
    return r->Corrupt(fmt::format("unsupported format version {}", version));
  }
  if (DecodeFixed32(data.data() + 12) != 0) return r->Corrupt("bad header");
  const char* footer = data.data() + data.size() - kSegmentFooterSize;
  if (std::string_view(footer + 24, 8) != kSegmentFooterMagic ||
      DecodeFixed32(footer + 20) != version) {
    return r->Corrupt("bad footer (the file is truncated or damaged)");
  }
  uint64_t dir_offset = DecodeFixed64(footer);
  uint64_t dir_length = DecodeFixed64(footer + 8);
  uint32_t dir_crc = DecodeFixed32(footer + 16);
  uint64_t body_end = data.size() - kSegmentFooterSize;
  if (dir_offset < kSegmentHeaderSize || dir_offset > body_end ||
      dir_length != body_end - dir_offset) {
    return r->Corrupt("bad directory location in the footer");
  }
  std::string_view dir = data.substr(dir_offset, dir_length);
  if (Crc32(dir) != dir_crc) return r->Corrupt("directory checksum mismatch");
  Decoder in(dir);
  uint32_t count;
  if (!in.GetFixed32(&count) ||
      in.remaining() != static_cast<uint64_t>(count) * kDirectoryEntrySize) {
    return r->Corrupt("bad directory size");
  }
  int32_t meta = -1;
  r->global_sections_.fill(-1);
  for (uint32_t i = 0; i < count; ++i) {
    Entry e;
    uint8_t kind;
    (void)in.GetByte(&kind);
    (void)in.GetFixed32(&e.field);
    (void)in.GetFixed64(&e.offset);
    (void)in.GetFixed64(&e.length);
    (void)in.GetFixed32(&e.crc);
    e.kind = static_cast<SectionKind>(kind);
    if (kind < 1 || kind > kMaxSectionKind || e.offset < kSegmentHeaderSize ||
        e.offset > dir_offset || e.length > dir_offset - e.offset) {
      return r->Corrupt(fmt::format("directory entry {} is out of bounds", i));
    }
    auto index = static_cast<int32_t>(r->entries_.size());
    switch (e.kind) {
      case SectionKind::kMeta:
        meta = index;
        break;
      case SectionKind::kVersions:
        r->versions_ = index;
        break;
      case SectionKind::kSourceIndex:
        r->source_index_ = index;
        break;
      case SectionKind::kSourceData:
        r->source_data_ = index;
        break;
      case SectionKind::kIdFilter:
        r->id_filter_ = index;
        break;
      default:
        break;
    }
    if (e.field == kNoField) r->global_sections_[kind] = index;
    r->entries_.push_back(e);
  }
  r->checked_ = std::make_unique<std::atomic<uint8_t>[]>(r->entries_.size());
  for (size_t i = 0; i < r->entries_.size(); ++i) r->checked_[i] = 0;
  if (meta < 0 || r->versions_ < 0 || r->source_index_ < 0 || r->source_data_ < 0) {
    return r->Corrupt("a required section is missing");
  }
  Result<std::string_view> meta_bytes = r->Section(SectionKind::kMeta, kNoField);
  if (!meta_bytes.ok()) return meta_bytes.status();
  Decoder m(*meta_bytes);
  uint32_t nfields;
  if (!m.GetFixed32(&r->num_docs_) || !m.GetFixed64(&r->min_seq_) || !m.GetFixed64(&r->max_seq_) ||
      !m.GetFixed32(&nfields) || nfields > m.remaining()) {
    return r->Corrupt("bad metadata");
  }
  for (uint32_t i = 0; i < nfields; ++i) {
    SegmentField f;
    std::string_view name;
    uint8_t type;
    uint8_t flags;
    if (!m.GetLengthPrefixed(&name) || !m.GetByte(&type) || !m.GetByte(&flags) ||
        !m.GetFixed32(&f.docs_with_value) || !m.GetFixed64(&f.values) || type > kMaxFieldType) {
      return r->Corrupt(fmt::format("bad field table entry {}", i));
    }
    f.name = std::string(name);
    f.type = static_cast<FieldType>(type);
    f.multi_valued = (flags & kFieldMultiValued) != 0;
    f.conflicts = (flags & kFieldConflicts) != 0;
    r->fields_.push_back(std::move(f));
  }
  r->field_sections_.assign(nfields, {-1, -1, -1});
  for (size_t i = 0; i < r->entries_.size(); ++i) {
    const Entry& e = r->entries_[i];
    int slot = SlotOf(e.kind);
    if (slot < 0) continue;
    if (e.field >= nfields) return r->Corrupt(fmt::format("directory entry {}: bad field", i));
    r->field_sections_[e.field][slot] = static_cast<int32_t>(i);
  }
  r->dicts_.resize(nfields);
  r->postings_.resize(nfields);
  r->columns_.resize(nfields);
  return std::shared_ptr<const SegmentReader>(std::move(r));
}

Result<std::string_view> SegmentReader::Section(SectionKind kind, uint32_t field) const {
  int32_t index = -1;
  if (field != kNoField) {
    int slot = SlotOf(kind);
    if (slot >= 0 && field < field_sections_.size()) index = field_sections_[field][slot];
  } else if (static_cast<size_t>(kind) < global_sections_.size()) {
    index = global_sections_[static_cast<size_t>(kind)];
  }
  if (index < 0) {
    return Corrupt(fmt::format("missing {} section{}", SectionName(kind),
                               field == kNoField ? "" : fmt::format(" of field {}", field)));
  }
  const Entry& e = entries_[index];
  std::string_view bytes = data_.substr(e.offset, e.length);
  uint8_t state = checked_[index].load(std::memory_order_acquire);
  if (state == 0 && e.kind != SectionKind::kSourceData) {  // source blocks have their own checksums
    state = Crc32(bytes) == e.crc ? 1 : 2;
    checked_[index].store(state, std::memory_order_release);
  }
  if (state == 2) {
    return Corrupt(fmt::format(
        "checksum mismatch in the {} section at offset {}{}", SectionName(kind), e.offset,
        field == kNoField ? "" : fmt::format(" (field \"{}\")", fields_[field].name)));
  }
  return bytes;
}

int SegmentReader::FindField(std::string_view name, bool conflicts) const {
  auto it = std::lower_bound(fields_.begin(), fields_.end(), std::pair(name, conflicts),
                             [](const SegmentField& f, const std::pair<std::string_view, bool>& k) {
                               if (f.name != k.first) return f.name < k.first;
                               return f.conflicts < k.second;
                             });
  if (it == fields_.end() || it->name != name || it->conflicts != conflicts) return -1;
  return static_cast<int>(it - fields_.begin());
}

Result<TermDict> SegmentReader::Terms(int field) const {
  if (field < 0 || static_cast<size_t>(field) >= fields_.size()) {
    return Status::InvalidArgument("no such field");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dicts_[field]) return *dicts_[field];
  }
  Result<std::string_view> bytes = Section(SectionKind::kTerms, field);
  if (!bytes.ok()) return bytes.status();
  Result<TermDict> dict = TermDict::Open(*bytes);
  if (!dict.ok()) {
    return Corrupt(fmt::format("field \"{}\": {}", fields_[field].name, dict.status().message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  dicts_[field] = std::make_unique<TermDict>(*dict);
  return *dict;
}

Result<Postings> SegmentReader::GetPostings(int field) const {
  if (field < 0 || static_cast<size_t>(field) >= fields_.size()) {
    return Status::InvalidArgument("no such field");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (postings_[field]) return *postings_[field];
  }
  Result<Postings> p = ParsePostings(field);
  if (!p.ok()) return p;
  std::lock_guard<std::mutex> lock(mu_);
  postings_[field] = std::make_unique<Postings>(*p);
  return *p;
}

Result<Postings> SegmentReader::ParsePostings(int field) const {
  Result<TermDict> dict = Terms(field);
  if (!dict.ok()) return dict.status();
  Result<std::string_view> bytes = Section(SectionKind::kPostings, field);
  if (!bytes.ok()) return bytes.status();
  auto bad = [&](std::string_view what) {
    return Corrupt(fmt::format("field \"{}\": postings: {}", fields_[field].name, what));
  };
  Postings p;
  p.terms_ = dict->size();
  p.num_docs_ = num_docs_;
  Decoder in(*bytes);
  uint8_t bits;
  if (!in.GetByte(&p.layout_) || !in.GetByte(&bits)) return bad("too short");
  if (p.layout_ == kPostingsSingletons) {
    if (!p.singles_.Init(in.rest(), p.terms_, bits) ||
        PackedSize(p.terms_, bits) != in.remaining()) {
      return bad("bad size");
    }
    if (bits == 0) {  // every term's document is 0 (and no loop over a damaged term count)
      if (p.terms_ > 0 && num_docs_ == 0) return bad("document past the segment");
      return p;
    }
    for (uint32_t i = 0; i < p.terms_; ++i) {
      if (p.singles_.Get(i) >= num_docs_) return bad("document past the segment");
    }
    return p;
  }
  if (p.layout_ != kPostingsLists) return bad("unknown layout");
  const uint64_t count = static_cast<uint64_t>(p.terms_) + 1;
  if (!p.offsets_.Init(in.rest(), count, bits) || !in.Skip(PackedSize(count, bits))) {
    return bad("bad offsets");
  }
  p.lists_ = in.rest();
  if (bits == 0) {  // every offset is 0: every list is empty
    if (!p.lists_.empty()) return bad("trailing bytes");
    return p;
  }
  uint64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t off = p.offsets_.Get(i);
    if (off < prev || off > p.lists_.size() || (i == 0 && off != 0)) {
      return bad("offsets out of order");
    }
    prev = off;
  }
  if (prev != p.lists_.size()) return bad("trailing bytes");
  return p;
}

Status Postings::Decode(uint32_t ord, std::vector<uint32_t>* docs) const {
  if (ord >= terms_) return Status::InvalidArgument("term ordinal out of range");
  if (layout_ == kPostingsSingletons) {
    docs->assign(1, static_cast<uint32_t>(singles_.Get(ord)));
    return Status::Ok();
  }
  return DecodePostings(List(ord), num_docs_, docs);
}

Status Postings::AddTo(uint32_t ord, Bitmap* docs) const {
  if (ord >= terms_) return Status::InvalidArgument("term ordinal out of range");
  if (layout_ == kPostingsSingletons) {
    docs->add(static_cast<uint32_t>(singles_.Get(ord)));
    return Status::Ok();
  }
  return AddPostingsTo(List(ord), num_docs_, docs);
}

Result<uint32_t> Postings::Count(uint32_t ord) const {
  if (ord >= terms_) return Status::InvalidArgument("term ordinal out of range");
  if (layout_ == kPostingsSingletons) return 1u;
  return PostingsCount(List(ord));
}

Result<Column> SegmentReader::GetColumn(int field) const {
  if (field < 0 || static_cast<size_t>(field) >= fields_.size()) {
    return Status::InvalidArgument("no such field");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (columns_[field]) return *columns_[field];
  }
  Result<Column> c = ParseColumn(field);
  if (!c.ok()) return c;
  std::lock_guard<std::mutex> lock(mu_);
  columns_[field] = std::make_unique<Column>(*c);
  return *c;
}

Result<std::shared_ptr<const std::vector<double>>> SegmentReader::NumericValues(int field) const {
  if (field < 0 || static_cast<size_t>(field) >= fields_.size()) {
    return Status::InvalidArgument("no such field");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (numbers_.size() > static_cast<size_t>(field) && numbers_[field]) return numbers_[field];
  }
  const FieldType type = fields_[field].type;
  if (type != FieldType::kLong && type != FieldType::kDouble && type != FieldType::kDate &&
      type != FieldType::kBoolean) {
    return Status::InvalidArgument(fmt::format("field \"{}\" is not numeric", fields_[field].name));
  }
  Result<TermDict> dict = Terms(field);
  if (!dict.ok()) return dict.status();
  auto values = std::make_shared<std::vector<double>>();
  values->reserve(dict->size());
  TermDict::Iterator it(*dict);
  VIGIL_RETURN_IF_ERROR(it.Seek(0));
  while (it.Valid()) {
    FieldValue v = DecodeTerm(type, it.term());
    values->push_back(type == FieldType::kDouble    ? v.number
                      : type == FieldType::kBoolean ? (v.boolean ? 1.0 : 0.0)
                                                    : static_cast<double>(v.integer));
    VIGIL_RETURN_IF_ERROR(it.Next());
  }
  if (values->size() != dict->size()) {
    return Corrupt(fmt::format("field \"{}\": dictionary cut short", fields_[field].name));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (numbers_.size() <= static_cast<size_t>(field)) numbers_.resize(fields_.size());
  if (!numbers_[field]) numbers_[field] = std::move(values);
  return numbers_[field];
}

Result<Column> SegmentReader::ParseColumn(int field) const {
  Result<TermDict> dict = Terms(field);
  if (!dict.ok()) return dict.status();
  Result<std::string_view> bytes = Section(SectionKind::kColumn, field);
  if (!bytes.ok()) return bytes.status();
  auto bad = [&] { return Corrupt(fmt::format("field \"{}\": bad column", fields_[field].name)); };
  Decoder in(*bytes);
  uint8_t layout;
  uint8_t bits;
  Column c;
  if (!in.GetByte(&layout)) return bad();
  c.layout_ = layout;
  const uint32_t terms = dict->size();
  // Every ordinal must be in the dictionary and every offset in order: checked once (the section
  // was checksummed, so this guards against a writer bug), in one pass.
  if (layout == kColumnSingle) {
    if (!in.GetByte(&bits) || !c.single_.Init(in.rest(), num_docs_, bits)) return bad();
    c.entries_ = num_docs_;
    // Checked value by value, unless there are none to check: with 0 bits every value is 0 (no
    // value), and a damaged document count must not make this loop run for billions.
    if (bits > 0) {
      for (uint32_t d = 0; d < num_docs_; ++d) {
        if (c.single_.Get(d) > terms) return bad();
      }
    }
    return c;
  }
  uint32_t entries = num_docs_;
  if (layout == kColumnSparse) {
    if (!in.GetFixed32(&entries) || entries > num_docs_ || !in.GetByte(&bits) ||
        !c.docs_.Init(in.rest(), entries, bits) || !in.Skip(PackedSize(entries, bits))) {
      return bad();
    }
    for (uint32_t i = 0; i < entries; ++i) {
      uint64_t doc = c.docs_.Get(i);
      if (doc >= num_docs_ || (i > 0 && doc <= c.docs_.Get(i - 1))) return bad();
    }
  } else if (layout != kColumnMulti) {
    return bad();
  }
  c.entries_ = entries;
  if (!in.GetByte(&bits) || !c.offsets_.Init(in.rest(), static_cast<uint64_t>(entries) + 1, bits) ||
      !in.Skip(PackedSize(static_cast<uint64_t>(entries) + 1, bits))) {
    return bad();
  }
  uint32_t values;
  uint8_t value_bits;
  if (!in.GetFixed32(&values) || !in.GetByte(&value_bits) ||
      !c.values_.Init(in.rest(), values, value_bits)) {
    return bad();
  }
  // As above: arrays of 0-bit values are all 0 and need no loop (offsets all 0 mean no values).
  if (bits == 0) {
    if (values != 0) return bad();
  } else {
    uint64_t prev = 0;
    for (uint32_t i = 0; i <= entries; ++i) {
      uint64_t off = c.offsets_.Get(i);
      if (off < prev || off > values || (i == 0 && off != 0)) return bad();
      prev = off;
    }
    if (prev != values) return bad();
  }
  if (value_bits == 0) {
    if (values > 0 && terms == 0) return bad();
  } else {
    for (uint32_t i = 0; i < values; ++i) {
      if (c.values_.Get(i) >= terms) return bad();
    }
  }
  return c;
}

Result<const IdFilter*> SegmentReader::GetIdFilter() const {
  std::call_once(id_filter_once_, [this] {
    if (id_filter_ < 0) return;  // a segment written before filters: every id may be here
    Result<std::string_view> bytes = Section(SectionKind::kIdFilter, kNoField);
    Result<IdFilter> filter = bytes.ok() ? IdFilter::Parse(*bytes) : bytes.status();
    if (filter.ok()) {
      id_filter_value_ = *filter;
    } else {
      id_filter_status_ = bytes.ok() ? Corrupt(filter.status().message()) : bytes.status();
    }
  });
  if (!id_filter_status_.ok()) return id_filter_status_;
  return &id_filter_value_;
}

Status SegmentReader::FindId(std::string_view id, std::vector<uint32_t>* docs) const {
  docs->clear();
  Result<const IdFilter*> filter = GetIdFilter();
  if (!filter.ok()) return filter.status();
  if (!(*filter)->MayContain(id)) return Status::Ok();
  int field = FindField("_id");
  if (field < 0) return Status::Ok();
  Result<TermDict> dict = Terms(field);
  if (!dict.ok()) return dict.status();
  Result<std::optional<uint32_t>> found = dict->Find(id);
  if (!found.ok()) return Corrupt(found.status().message());
  std::optional<uint32_t> ord = *found;
  if (!ord) return Status::Ok();
  Result<Postings> postings = GetPostings(field);
  if (!postings.ok()) return postings.status();
  Status s = postings->Decode(*ord, docs);
  if (!s.ok()) return Corrupt(s.message());
  return Status::Ok();
}

Result<std::string> SegmentReader::Id(uint32_t doc) const {
  int field = FindField("_id");
  if (field < 0 || doc >= num_docs_) return Corrupt("no _id field");
  Result<Column> column = GetColumn(field);
  if (!column.ok()) return column.status();
  int64_t ord = column->Ord(doc);
  if (ord < 0) return Corrupt(fmt::format("document {} has no _id", doc));
  Result<TermDict> dict = Terms(field);
  if (!dict.ok()) return dict.status();
  std::string id;
  Status s = dict->Term(static_cast<uint32_t>(ord), &id);
  if (!s.ok()) return Corrupt(s.message());
  return id;
}

Result<Version> SegmentReader::GetVersion(uint32_t doc) const {
  std::call_once(versions_once_, [this] {
    Result<std::string_view> bytes = Section(SectionKind::kVersions, kNoField);
    if (!bytes.ok()) {
      versions_status_ = bytes.status();
      return;
    }
    Decoder in(*bytes);
    uint64_t base;
    uint8_t bits;
    for (int i = 0; i < 2; ++i) {
      PackedInts& ints = i == 0 ? versions_primary_ : versions_secondary_;
      if (!in.GetFixed64(&base) || !in.GetByte(&bits) || !ints.Init(in.rest(), num_docs_, bits) ||
          !in.Skip(PackedSize(num_docs_, bits))) {
        versions_status_ = Corrupt("bad versions section");
        return;
      }
      (i == 0 ? primary_base_ : secondary_base_) = static_cast<int64_t>(base);
    }
  });
  if (!versions_status_.ok()) return versions_status_;
  if (doc >= num_docs_) return Status::InvalidArgument("document number out of range");
  return Version{
      static_cast<int64_t>(static_cast<uint64_t>(primary_base_) + versions_primary_.Get(doc)),
      static_cast<int64_t>(static_cast<uint64_t>(secondary_base_) + versions_secondary_.Get(doc))};
}

void SegmentReader::ReleaseField(int field) const {
  if (file_ == nullptr || field < 0 || static_cast<size_t>(field) >= field_sections_.size()) {
    return;
  }
  for (int32_t index : field_sections_[field]) {
    if (index >= 0) file_->Release(entries_[index].offset, entries_[index].length);
  }
}

void SegmentReader::ReleaseAll() const {
  if (file_ != nullptr) file_->Release(0, data_.size());
}

}  // namespace vigil::storage
