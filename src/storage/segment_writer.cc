#include "storage/segment_writer.h"

#include <algorithm>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/id_filter.h"
#include "storage/packed_ints.h"
#include "storage/postings.h"
#include "storage/term_dict.h"

namespace vigil::storage {

namespace {

// Frame-of-reference packing: i64 min, u8 bits, packed (v - min).
void PackForInts(std::span<const int64_t> values, std::string* out) {
  int64_t min = values.empty() ? 0 : *std::min_element(values.begin(), values.end());
  uint64_t max_delta = 0;
  std::vector<uint64_t> deltas(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    deltas[i] = static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(min);
    max_delta = std::max(max_delta, deltas[i]);
  }
  int bits = BitsFor(max_delta);
  PutFixed64(out, static_cast<uint64_t>(min));
  out->push_back(static_cast<char>(bits));
  PackInts(deltas, bits, out);
}

}  // namespace

Status SplitSourceFrame(std::string_view raw, uint32_t entries,
                        std::vector<std::string_view>* sources) {
  Decoder in(raw);
  uint32_t count;
  if (!in.GetFixed32(&count) || count != entries || count > in.remaining() / 4) {
    return Status::Corruption("source frame: bad entry count");
  }
  std::string_view lengths;
  (void)in.GetBytes(4 * static_cast<size_t>(count), &lengths);
  sources->clear();
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view source;
    if (!in.GetBytes(DecodeFixed32(lengths.data() + 4 * static_cast<size_t>(i)), &source)) {
      return Status::Corruption("source frame: bad lengths");
    }
    sources->push_back(source);
  }
  if (!in.empty()) return Status::Corruption("source frame: trailing bytes");
  return Status::Ok();
}

Status SourceBlocks::Add(std::string_view source) {
  lengths_.push_back(static_cast<uint32_t>(source.size()));
  block_.append(source);
  ++next_doc_;
  if (block_.size() >= block_size_) return Flush();
  return Status::Ok();
}

void SourceBlocks::AddIndexEntry(std::string_view compressed, uint32_t live) {
  PutFixed32(&index_, block_first_doc_);
  PutFixed64(&index_, emitted_);
  PutFixed32(&index_, static_cast<uint32_t>(compressed.size()));
  PutFixed32(&index_, Crc32(compressed));
  PutFixed32(&index_, live);
  emitted_ += compressed.size();
}

Status SourceBlocks::Flush() {
  if (lengths_.empty()) return Status::Ok();
  raw_.clear();
  PutFixed32(&raw_, static_cast<uint32_t>(lengths_.size()));
  for (uint32_t len : lengths_) PutFixed32(&raw_, len);
  raw_.append(block_);
  compressed_.clear();
  VIGIL_RETURN_IF_ERROR(dict_ != nullptr ? dict_->CompressAppend(raw_, &compressed_)
                                         : ZstdCompressAppend(raw_, zstd_level_, &compressed_));
  AddIndexEntry(compressed_, 0);
  block_first_doc_ = next_doc_;
  block_.clear();
  lengths_.clear();
  return emit_(compressed_);
}

Status SourceBlocks::AddCompressed(std::string_view compressed, uint32_t entries,
                                   std::string_view live) {
  VIGIL_RETURN_IF_ERROR(Flush());
  uint32_t docs = entries;
  uint32_t live_ref = 0;
  if (!live.empty()) {
    docs = 0;
    for (uint32_t i = 0; i < entries; ++i) {
      docs += (static_cast<uint8_t>(live[i / 8]) >> (i % 8)) & 1;
    }
    live_ref = static_cast<uint32_t>(live_.size()) + 1;
    PutFixed32(&live_, entries);
    live_.append(live.substr(0, (static_cast<size_t>(entries) + 7) / 8));
  }
  AddIndexEntry(compressed, live_ref);
  next_doc_ += docs;
  block_first_doc_ = next_doc_;
  return emit_(compressed);
}

SegmentWriter::SegmentWriter(size_t reserve) {
  memory_.reserve(reserve);
  memory_.append(kSegmentMagic);
  PutFixed32(&memory_, kSegmentFormatVersion);
  PutFixed32(&memory_, 0);
  offset_ = memory_.size();
}

SegmentWriter::SegmentWriter(WritableFile* file) : file_(file) {
  std::string header(kSegmentMagic);
  PutFixed32(&header, kSegmentFormatVersion);
  PutFixed32(&header, 0);
  status_ = Write(header);
}

Status SegmentWriter::Write(std::string_view bytes) {
  if (file_ != nullptr) {
    Status s = file_->Append(bytes);
    if (!s.ok()) return s;
  } else {
    memory_.append(bytes);
  }
  offset_ += bytes.size();
  return Status::Ok();
}

Status SegmentWriter::BeginSection(SectionKind kind, uint32_t field) {
  if (!status_.ok()) return status_;
  open_ = true;
  open_kind_ = kind;
  open_field_ = field;
  open_offset_ = offset_;
  open_crc_ = 0;
  return Status::Ok();
}

Status SegmentWriter::AppendToSection(std::string_view bytes) {
  if (!status_.ok()) return status_;
  open_crc_ = Crc32(bytes, open_crc_);
  status_ = Write(bytes);
  return status_;
}

Status SegmentWriter::EndSection() {
  if (!status_.ok()) return status_;
  open_ = false;
  AddDirectoryEntry(open_kind_, open_field_, open_offset_, offset_ - open_offset_, open_crc_);
  return Status::Ok();
}

Status SegmentWriter::AddSection(SectionKind kind, uint32_t field, std::string_view bytes) {
  if (!status_.ok()) return status_;
  // A field's sections are often byte for byte those of another field (a flattened array of one
  // element and its array-collapsed twin, derived.remote.* and derived.attacker.*): the second
  // directory entry points at the first copy's bytes. Matched by length, CRC-32 and a 128-bit
  // hash, which together make a false match practically impossible.
  const uint32_t crc = Crc32(bytes);
  if (bytes.size() >= kMinSharedSection) {
    const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    SectionKey key{h.low64, h.high64, bytes.size(), crc};
    auto [it, inserted] = written_.try_emplace(key, offset_);
    if (!inserted) {
      AddDirectoryEntry(kind, field, it->second, bytes.size(), crc);
      return Status::Ok();
    }
  }
  const uint64_t offset = offset_;
  status_ = Write(bytes);
  if (!status_.ok()) return status_;
  AddDirectoryEntry(kind, field, offset, bytes.size(), crc);
  return Status::Ok();
}

void SegmentWriter::AddDirectoryEntry(SectionKind kind, uint32_t field, uint64_t offset,
                                      uint64_t length, uint32_t crc) {
  directory_.push_back(static_cast<char>(kind));
  PutFixed32(&directory_, field);
  PutFixed64(&directory_, offset);
  PutFixed64(&directory_, length);
  PutFixed32(&directory_, crc);
}

Status SegmentWriter::AddField(const FieldData& f, uint32_t num_docs) {
  if (!status_.ok()) return status_;
  const uint32_t index = field_count_++;
  const auto n = static_cast<uint32_t>(f.terms.size());
  section_.clear();
  TermDictOptions dict_options;
  // In-memory segments live briefly and are read by every upsert: plain dictionaries. `_id` is
  // looked up by every upsert in every segment: plain everywhere.
  dict_options.allow_compression = file_ != nullptr && !(f.name == "_id" && !f.conflicts);
  EncodeTermDict(f.terms, &section_, dict_options);
  VIGIL_RETURN_IF_ERROR(AddSection(SectionKind::kTerms, index, section_));
  if (f.name == "_id" && !f.conflicts) {
    section_.clear();
    BuildIdFilter(f.terms, &section_);
    VIGIL_RETURN_IF_ERROR(AddSection(SectionKind::kIdFilter, kNoField, section_));
  }

  const auto count = static_cast<uint32_t>(f.docs.size());
  bool multi = false;
  for (uint32_t i = 0; i < count && !multi; ++i) multi = f.offsets[i + 1] - f.offsets[i] > 1;

  // Postings: a counting sort of (ordinal, doc).
  counts_.assign(n, 0);
  for (uint32_t v : f.ords) ++counts_[v];
  starts_.assign(static_cast<size_t>(n) + 1, 0);
  for (uint32_t ord = 0; ord < n; ++ord) starts_[ord + 1] = starts_[ord] + counts_[ord];
  docs_.resize(f.ords.size());
  fill_.assign(starts_.begin(), starts_.end() - 1);
  for (uint32_t i = 0; i < count; ++i) {
    for (uint32_t j = f.offsets[i]; j < f.offsets[i + 1]; ++j)
      docs_[fill_[f.ords[j]]++] = f.docs[i];
  }
  section_.clear();
  bool singletons = n > 0;
  for (uint32_t ord = 0; ord < n && singletons; ++ord) singletons = counts_[ord] == 1;
  if (singletons) {
    // Every term has one document: the documents, packed, in term order.
    const int doc_bits = BitsFor(num_docs);
    section_.push_back(static_cast<char>(kPostingsSingletons));
    section_.push_back(static_cast<char>(doc_bits));
    PackInts(std::span<const uint32_t>(docs_).subspan(0, n), doc_bits, &section_);
  } else {
    lists_.clear();
    offsets_.assign(1, 0);
    for (uint32_t ord = 0; ord < n; ++ord) {
      EncodePostings(std::span<const uint32_t>(docs_).subspan(starts_[ord], counts_[ord]), &lists_);
      offsets_.push_back(static_cast<uint32_t>(lists_.size()));
    }
    const int offset_bits = BitsFor(lists_.size());
    section_.push_back(static_cast<char>(kPostingsLists));
    section_.push_back(static_cast<char>(offset_bits));
    PackInts(offsets_, offset_bits, &section_);
    section_.append(lists_);
  }
  VIGIL_RETURN_IF_ERROR(AddSection(SectionKind::kPostings, index, section_));

  section_.clear();
  const int bits = BitsFor(n == 0 ? 0 : n - 1);
  if (static_cast<uint64_t>(count) * kSparseRatio < num_docs) {
    section_.push_back(static_cast<char>(kColumnSparse));
    PutFixed32(&section_, count);
    int doc_bits = BitsFor(num_docs);
    section_.push_back(static_cast<char>(doc_bits));
    PackInts(f.docs, doc_bits, &section_);
    int offset_bits = BitsFor(f.ords.size());
    section_.push_back(static_cast<char>(offset_bits));
    PackInts(f.offsets.subspan(0, static_cast<size_t>(count) + 1), offset_bits, &section_);
    PutFixed32(&section_, static_cast<uint32_t>(f.ords.size()));
    section_.push_back(static_cast<char>(bits));
    PackInts(f.ords, bits, &section_);
  } else if (!multi) {
    dense_.assign(num_docs, 0);
    for (uint32_t i = 0; i < count; ++i) dense_[f.docs[i]] = f.ords[f.offsets[i]] + 1;
    int single_bits = BitsFor(n);
    section_.push_back(static_cast<char>(kColumnSingle));
    section_.push_back(static_cast<char>(single_bits));
    PackInts(dense_, single_bits, &section_);
  } else {
    dense_.assign(static_cast<size_t>(num_docs) + 1, 0);
    for (uint32_t i = 0; i < count; ++i) dense_[f.docs[i] + 1] = f.offsets[i + 1] - f.offsets[i];
    for (uint32_t d = 0; d < num_docs; ++d) dense_[d + 1] += dense_[d];
    int offset_bits = BitsFor(f.ords.size());
    section_.push_back(static_cast<char>(kColumnMulti));
    section_.push_back(static_cast<char>(offset_bits));
    PackInts(dense_, offset_bits, &section_);
    PutFixed32(&section_, static_cast<uint32_t>(f.ords.size()));
    section_.push_back(static_cast<char>(bits));
    PackInts(f.ords, bits, &section_);
  }
  VIGIL_RETURN_IF_ERROR(AddSection(SectionKind::kColumn, index, section_));
  const uint32_t docs_with_value = count;

  PutLengthPrefixed(&field_table_, f.name);
  field_table_.push_back(static_cast<char>(f.type));
  field_table_.push_back(
      static_cast<char>((multi ? kFieldMultiValued : 0) | (f.conflicts ? kFieldConflicts : 0)));
  PutFixed32(&field_table_, docs_with_value);
  PutFixed64(&field_table_, f.ords.size());
  return Status::Ok();
}

Status SegmentWriter::AddVersions(std::span<const Version> versions) {
  std::vector<int64_t> primary(versions.size());
  std::vector<int64_t> secondary(versions.size());
  for (size_t i = 0; i < versions.size(); ++i) {
    primary[i] = versions[i].primary;
    secondary[i] = versions[i].secondary;
  }
  section_.clear();
  PackForInts(primary, &section_);
  PackForInts(secondary, &section_);
  return AddSection(SectionKind::kVersions, kNoField, section_);
}

Result<std::string> SegmentWriter::Finish(uint32_t num_docs, uint64_t min_seq, uint64_t max_seq) {
  if (!status_.ok()) return status_;
  std::string meta;
  PutFixed32(&meta, num_docs);
  PutFixed64(&meta, min_seq);
  PutFixed64(&meta, max_seq);
  PutFixed32(&meta, field_count_);
  meta.append(field_table_);
  VIGIL_RETURN_IF_ERROR(AddSection(SectionKind::kMeta, kNoField, meta));

  std::string tail;
  PutFixed32(&tail, static_cast<uint32_t>(directory_.size() / kDirectoryEntrySize));
  tail.append(directory_);
  uint64_t dir_offset = offset_;
  uint64_t dir_length = tail.size();
  uint32_t dir_crc = Crc32(tail);
  PutFixed64(&tail, dir_offset);
  PutFixed64(&tail, dir_length);
  PutFixed32(&tail, dir_crc);
  PutFixed32(&tail, kSegmentFormatVersion);
  tail.append(kSegmentFooterMagic);
  status_ = Write(tail);
  if (!status_.ok()) return status_;
  return std::move(memory_);
}

}  // namespace vigil::storage
