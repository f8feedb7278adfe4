// SegmentReader: the stored sources (source index, source data, live entries and the source
// dictionary sections; docs/format/segment.md, "Stored sources").
#include <fmt/format.h>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/segment_reader.h"

namespace vigil::storage {

Result<uint32_t> SegmentReader::SourceBlockCount() const {
  Result<std::string_view> index = Section(SectionKind::kSourceIndex, kNoField);
  if (!index.ok()) return index.status();
  if (index->size() % kSourceIndexEntrySize != 0) return Corrupt("bad source index size");
  return static_cast<uint32_t>(index->size() / kSourceIndexEntrySize);
}

Status SegmentReader::GetSourceBlock(uint32_t block, SourceBlockInfo* info) const {
  Result<std::string_view> index = Section(SectionKind::kSourceIndex, kNoField);
  if (!index.ok()) return index.status();
  if (index->size() % kSourceIndexEntrySize != 0) return Corrupt("bad source index size");
  const auto blocks = static_cast<uint32_t>(index->size() / kSourceIndexEntrySize);
  if (block >= blocks) return Status::InvalidArgument("no such source block");
  Result<std::string_view> data = Section(SectionKind::kSourceData, kNoField);
  if (!data.ok()) return data.status();
  const char* e = index->data() + static_cast<size_t>(block) * kSourceIndexEntrySize;
  const uint32_t first = DecodeFixed32(e);
  const uint32_t next = block + 1 < blocks ? DecodeFixed32(e + kSourceIndexEntrySize) : num_docs_;
  const uint64_t offset = DecodeFixed64(e + 4);
  const uint32_t length = DecodeFixed32(e + 12);
  const uint32_t live = DecodeFixed32(e + 20);
  if (next <= first || next > num_docs_ || offset > data->size() ||
      length > data->size() - offset) {
    return Corrupt(fmt::format("source block {} is out of bounds", block));
  }
  info->first_doc = first;
  info->docs = next - first;
  info->entries = info->docs;
  info->live = {};
  if (live != 0) {
    Result<std::string_view> bitmaps = Section(SectionKind::kSourceLive, kNoField);
    if (!bitmaps.ok()) return bitmaps.status();
    const uint64_t at = live - 1;
    if (at > bitmaps->size() || bitmaps->size() - at < 4) {
      return Corrupt(fmt::format("source block {}: live entries out of bounds", block));
    }
    const uint32_t entries = DecodeFixed32(bitmaps->data() + at);
    const uint64_t bytes = (static_cast<uint64_t>(entries) + 7) / 8;
    if (bytes > bitmaps->size() - at - 4) {
      return Corrupt(fmt::format("source block {}: live entries out of bounds", block));
    }
    info->entries = entries;
    info->live = bitmaps->substr(at + 4, bytes);
    uint32_t count = 0;
    for (uint32_t i = 0; i < entries; ++i) {
      count += (static_cast<uint8_t>(info->live[i / 8]) >> (i % 8)) & 1;
    }
    if (count != info->docs) {
      return Corrupt(fmt::format("source block {}: {} live entries for {} documents", block, count,
                                 info->docs));
    }
  }
  info->compressed = data->substr(offset, length);
  if (Crc32(info->compressed) != DecodeFixed32(e + 16)) {
    return Corrupt(fmt::format("checksum mismatch in source block {} (at offset {})", block,
                               entries_[source_data_].offset + offset));
  }
  return Status::Ok();
}

Result<std::shared_ptr<const ZstdDictionary>> SegmentReader::SourceDictionary() const {
  std::call_once(source_dict_once_, [this] {
    if (global_sections_[static_cast<size_t>(SectionKind::kSourceDict)] < 0) return;
    Result<std::string_view> bytes = Section(SectionKind::kSourceDict, kNoField);
    if (!bytes.ok()) {
      source_dict_status_ = bytes.status();
      return;
    }
    if (preset_dict_ != nullptr && preset_dict_->bytes() == *bytes) {
      source_dict_ = preset_dict_;
      return;
    }
    Result<std::shared_ptr<const ZstdDictionary>> dict =
        ZstdDictionary::FromBytes(std::string(*bytes));
    if (!dict.ok()) {
      source_dict_status_ = Corrupt(fmt::format("source dictionary: {}", dict.status().message()));
      return;
    }
    source_dict_ = std::move(*dict);
  });
  if (!source_dict_status_.ok()) return source_dict_status_;
  return source_dict_;
}

Status SegmentReader::LoadSourceBlock(uint32_t block, SourceBlockInfo* info, std::string* raw,
                                      std::vector<std::pair<uint32_t, uint32_t>>* docs) const {
  VIGIL_RETURN_IF_ERROR(GetSourceBlock(block, info));
  Result<std::shared_ptr<const ZstdDictionary>> dict = SourceDictionary();
  if (!dict.ok()) return dict.status();
  Status s = ZstdDecompressWith(dict->get(), info->compressed, size_t{1} << 30, raw);
  if (!s.ok()) return Corrupt(fmt::format("source block {}: {}", block, s.message()));
  Decoder in(*raw);
  uint32_t entries;
  if (!in.GetFixed32(&entries) || entries > in.remaining() / 4 || entries != info->entries) {
    return Corrupt(fmt::format("source block {}: bad document count", block));
  }
  docs->clear();
  uint64_t offset = 4 + 4 * static_cast<uint64_t>(entries);
  for (uint32_t i = 0; i < entries; ++i) {
    uint32_t len;
    (void)in.GetFixed32(&len);
    if (len > raw->size() - offset) {
      return Corrupt(fmt::format("source block {}: bad lengths", block));
    }
    if (info->live.empty() || ((static_cast<uint8_t>(info->live[i / 8]) >> (i % 8)) & 1) != 0) {
      docs->emplace_back(static_cast<uint32_t>(offset), len);
    }
    offset += len;
  }
  if (offset != raw->size()) {
    return Corrupt(fmt::format("source block {}: trailing bytes", block));
  }
  return Status::Ok();
}

Status SegmentReader::ForEachSource(
    uint32_t begin, uint32_t end, const std::function<void(uint32_t, std::string_view)>& fn) const {
  Result<std::string_view> index = Section(SectionKind::kSourceIndex, kNoField);
  if (!index.ok()) return index.status();
  if (index->size() % kSourceIndexEntrySize != 0) return Corrupt("bad source index size");
  auto blocks = static_cast<uint32_t>(index->size() / kSourceIndexEntrySize);
  end = std::min(end, num_docs_);
  if (begin >= end) return Status::Ok();
  // The block holding `begin`: the last whose first document is <= begin.
  uint32_t lo = 0;
  uint32_t hi = blocks;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (DecodeFixed32(index->data() + static_cast<size_t>(mid) * kSourceIndexEntrySize) <= begin) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return Corrupt("source index does not start at document 0");
  std::string raw;
  std::vector<std::pair<uint32_t, uint32_t>> docs;
  SourceBlockInfo info;
  uint32_t doc = begin;
  for (uint32_t block = lo - 1; block < blocks && doc < end; ++block) {
    VIGIL_RETURN_IF_ERROR(LoadSourceBlock(block, &info, &raw, &docs));
    const uint32_t first = info.first_doc;
    if (doc < first || doc - first >= docs.size()) {
      return Corrupt(fmt::format("source block {} does not hold document {}", block, doc));
    }
    for (; doc < end && doc - first < docs.size(); ++doc) {
      const auto [offset, length] = docs[doc - first];
      fn(doc, std::string_view(raw).substr(offset, length));
    }
  }
  if (doc < end) return Corrupt(fmt::format("no source for document {}", doc));
  return Status::Ok();
}

Result<std::string> SegmentReader::Source(uint32_t doc) const {
  std::string out;
  Status s = ForEachSource(doc, doc + 1, [&out](uint32_t, std::string_view src) { out = src; });
  if (!s.ok()) return s;
  if (doc >= num_docs_) return Status::InvalidArgument("document number out of range");
  return out;
}

}  // namespace vigil::storage
