#include "storage/segment_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include "storage/coding.h"
#include "storage/compression.h"

namespace vigil::storage {

struct SegmentBuilder::FieldBuilder {
  std::string name;
  FieldType type;
  bool conflicts;
  // Open addressing: a power-of-two size, at most half full. A slot holds the term's hash and
  // its record in the arena (u32 length, then the bytes), so a probe reads the slot and, when the
  // hashes match, one arena line.
  struct Slot {
    uint32_t hash;
    uint32_t local;  // local id + 1; 0 = empty
    const char* record;
  };
  std::vector<Slot> table;
  std::vector<std::string_view> terms;  // by local id
  std::vector<uint32_t> entry_docs;     // non-decreasing
  std::vector<uint32_t> entry_terms;    // local ids
};

namespace {

constexpr size_t kArenaBlock = 1 << 16;

// A fast hash of a term, eight bytes at a time (terms come from one batch of documents; a
// collision costs a comparison).
uint64_t HashTerm(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  h = (h ^ w) * 0x94d049bb133111ebULL;
  return h ^ (h >> 29);
}

}  // namespace

SegmentBuilder::SegmentBuilder(SegmentBuilderOptions options)
    : options_(std::move(options)),
      sources_(options_.dict, options_.zstd_level, [this](std::string_view block) {
        source_data_.append(block);
        return Status::Ok();
      }) {
  id_handle_ = FieldHandle("_id", FieldType::kKeyword);
}

SegmentBuilder::~SegmentBuilder() = default;

uint32_t SegmentBuilder::StartDoc(std::string_view id, Version version, std::string_view source) {
  uint32_t doc = num_docs();
  versions_.push_back(version);
  size_t before = sources_.emitted_bytes() + sources_.buffered_bytes();
  Status s = sources_.Add(source);
  if (!s.ok() && status_.ok()) status_ = s;
  memory_ += sizeof(Version) + sources_.emitted_bytes() + sources_.buffered_bytes() - before;
  AddTerm(id_handle_, doc, id);
  return doc;
}

uint32_t SegmentBuilder::StartDocWithoutSource(std::string_view id, Version version) {
  uint32_t doc = num_docs();
  versions_.push_back(version);
  memory_ += sizeof(Version);
  AddTerm(id_handle_, doc, id);
  return doc;
}

Status SegmentBuilder::AddSourceFrame(std::string_view compressed, uint32_t entries,
                                      std::string_view live, const ZstdDictionary* dict) {
  size_t before = sources_.emitted_bytes();
  Status s = SameCompression(dict, options_.dict.get())
                 ? sources_.AddCompressed(compressed, entries, live)
                 : AddSourcesOf(compressed, entries, live, dict);
  if (!s.ok() && status_.ok()) status_ = s;
  memory_ += sources_.emitted_bytes() - before;
  return s;
}

Status SegmentBuilder::AddSourcesOf(std::string_view compressed, uint32_t entries,
                                    std::string_view live, const ZstdDictionary* dict) {
  if (!live.empty() && live.size() < (static_cast<size_t>(entries) + 7) / 8) {
    return Status::Corruption("source frame: short live-entry bitmap");
  }
  std::string raw;
  VIGIL_RETURN_IF_ERROR(ZstdDecompressWith(dict, compressed, size_t{1} << 30, &raw));
  std::vector<std::string_view> sources;
  VIGIL_RETURN_IF_ERROR(SplitSourceFrame(raw, entries, &sources));
  for (uint32_t i = 0; i < entries; ++i) {
    if (!live.empty() && ((static_cast<uint8_t>(live[i / 8]) >> (i % 8)) & 1) == 0) continue;
    VIGIL_RETURN_IF_ERROR(sources_.Add(sources[i]));
  }
  return Status::Ok();
}

uint32_t SegmentBuilder::FieldHandle(std::string_view name, FieldType type, bool conflicts) {
  key_.assign(name);
  key_.push_back('\0');
  key_.push_back(conflicts ? '1' : '0');
  auto it = handles_.find(key_);
  if (it != handles_.end()) return it->second;
  auto field = std::make_unique<FieldBuilder>();
  field->name = std::string(name);
  field->type = conflicts ? FieldType::kKeyword : type;
  field->conflicts = conflicts;
  uint32_t handle = static_cast<uint32_t>(fields_.size());
  fields_.push_back(std::move(field));
  handles_.emplace(key_, handle);
  memory_ += 128 + name.size();
  return handle;
}

const char* SegmentBuilder::StoreRecord(std::string_view term) {
  const size_t size = 4 + term.size();
  char* dst;
  if (size > kArenaBlock / 4) {
    blocks_.insert(blocks_.begin(), std::make_unique<char[]>(size));
    dst = blocks_.front().get();
    memory_ += size;
  } else {
    if (size > left_) {
      blocks_.push_back(std::make_unique<char[]>(kArenaBlock));
      cursor_ = blocks_.back().get();
      left_ = kArenaBlock;
      memory_ += kArenaBlock;
    }
    dst = cursor_;
    cursor_ += size;
    left_ -= size;
  }
  const auto length = static_cast<uint32_t>(term.size());
  std::memcpy(dst, &length, 4);
  if (!term.empty()) std::memcpy(dst + 4, term.data(), term.size());
  return dst;
}

void SegmentBuilder::AddTerm(uint32_t handle, uint32_t doc, std::string_view term) {
  AddTermHashed(handle, doc, term, static_cast<uint32_t>(HashTerm(term)));
}

void SegmentBuilder::AddTerms(uint32_t doc, std::span<const Term> terms) {
  // Three passes over the document's terms, so that the cache misses of each (the slot, then the
  // arena record it points to) overlap instead of following one another.
  hashes_.resize(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    FieldBuilder& f = *fields_[terms[i].handle];
    if (f.table.empty()) f.table.assign(16, FieldBuilder::Slot{0, 0, nullptr});
    const auto hash = static_cast<uint32_t>(HashTerm(terms[i].term));
    hashes_[i] = hash;
    __builtin_prefetch(&f.table[hash & (f.table.size() - 1)]);
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    const FieldBuilder& f = *fields_[terms[i].handle];
    const FieldBuilder::Slot& slot = f.table[hashes_[i] & (f.table.size() - 1)];
    if (slot.record != nullptr) __builtin_prefetch(slot.record);
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    AddTermHashed(terms[i].handle, doc, terms[i].term, hashes_[i]);
  }
}

void SegmentBuilder::AddTermHashed(uint32_t handle, uint32_t doc, std::string_view term,
                                   uint32_t hash) {
  FieldBuilder& f = *fields_[handle];
  if (f.table.empty()) f.table.assign(16, FieldBuilder::Slot{0, 0, nullptr});
  size_t mask = f.table.size() - 1;
  size_t i = hash & mask;
  uint32_t local = 0;
  bool found = false;
  while (f.table[i].local != 0) {
    const FieldBuilder::Slot& slot = f.table[i];
    if (slot.hash == hash) {
      uint32_t length;
      std::memcpy(&length, slot.record, 4);
      if (length == term.size() &&
          (term.empty() || std::memcmp(slot.record + 4, term.data(), term.size()) == 0)) {
        local = slot.local - 1;
        found = true;
        break;
      }
    }
    i = (i + 1) & mask;
  }
  if (!found) {
    local = static_cast<uint32_t>(f.terms.size());
    const char* record = StoreRecord(term);
    f.terms.emplace_back(record + 4, term.size());
    memory_ += 16;
    f.table[i] = {hash, local + 1, record};
    if (f.terms.size() * 2 > f.table.size()) {
      // Grow and reinsert every slot by its stored hash (rare, amortised).
      std::vector<FieldBuilder::Slot> old(f.table.size() * 2, FieldBuilder::Slot{0, 0, nullptr});
      old.swap(f.table);
      memory_ += old.size() * sizeof(FieldBuilder::Slot);
      mask = f.table.size() - 1;
      for (const FieldBuilder::Slot& slot : old) {
        if (slot.local == 0) continue;
        size_t j = slot.hash & mask;
        while (f.table[j].local != 0) j = (j + 1) & mask;
        f.table[j] = slot;
      }
    }
  }
  f.entry_docs.push_back(doc);
  f.entry_terms.push_back(local);
  memory_ += 8;
}

Result<std::string> SegmentBuilder::Finish(uint64_t min_seq, uint64_t max_seq) {
  VIGIL_RETURN_IF_ERROR(status_);
  VIGIL_RETURN_IF_ERROR(sources_.Flush());
  const uint32_t docs = num_docs();
  if (sources_.docs() != docs) {
    return Status::Corruption(
        fmt::format("segment builder: {} documents but {} sources", docs, sources_.docs()));
  }
  SegmentWriter writer(memory_);
  VIGIL_RETURN_IF_ERROR(writer.AddSection(SectionKind::kSourceIndex, kNoField, sources_.index()));
  VIGIL_RETURN_IF_ERROR(writer.AddSection(SectionKind::kSourceData, kNoField, source_data_));
  if (!sources_.live().empty()) {
    VIGIL_RETURN_IF_ERROR(writer.AddSection(SectionKind::kSourceLive, kNoField, sources_.live()));
  }
  if (options_.dict != nullptr) {
    VIGIL_RETURN_IF_ERROR(
        writer.AddSection(SectionKind::kSourceDict, kNoField, options_.dict->bytes()));
  }
  VIGIL_RETURN_IF_ERROR(writer.AddVersions(versions_));

  // Fields in name order, the conflict entry after the main one.
  std::vector<uint32_t> order(fields_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    if (fields_[a]->name != fields_[b]->name) return fields_[a]->name < fields_[b]->name;
    return fields_[a]->conflicts < fields_[b]->conflicts;
  });

  std::vector<uint32_t> ord_of_local;
  std::vector<uint32_t> sorted_locals;
  std::vector<std::string_view> sorted_terms;
  std::vector<uint32_t> doc_ords;
  std::vector<uint32_t> value_docs;
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> values;
  for (uint32_t index : order) {
    FieldBuilder& f = *fields_[index];
    const auto n = static_cast<uint32_t>(f.terms.size());
    sorted_locals.resize(n);
    std::iota(sorted_locals.begin(), sorted_locals.end(), 0);
    std::sort(sorted_locals.begin(), sorted_locals.end(),
              [&f](uint32_t a, uint32_t b) { return f.terms[a] < f.terms[b]; });
    ord_of_local.resize(n);
    sorted_terms.resize(n);
    for (uint32_t ord = 0; ord < n; ++ord) {
      ord_of_local[sorted_locals[ord]] = ord;
      sorted_terms[ord] = f.terms[sorted_locals[ord]];
    }
    value_docs.clear();
    offsets.assign(1, 0);
    values.clear();
    const size_t entries = f.entry_docs.size();
    for (size_t e = 0; e < entries;) {
      const uint32_t doc = f.entry_docs[e];
      doc_ords.clear();
      for (; e < entries && f.entry_docs[e] == doc; ++e) {
        doc_ords.push_back(ord_of_local[f.entry_terms[e]]);
      }
      if (doc_ords.size() > 1) {
        std::sort(doc_ords.begin(), doc_ords.end());
        doc_ords.erase(std::unique(doc_ords.begin(), doc_ords.end()), doc_ords.end());
      }
      value_docs.push_back(doc);
      values.insert(values.end(), doc_ords.begin(), doc_ords.end());
      offsets.push_back(static_cast<uint32_t>(values.size()));
    }
    FieldData data;
    data.name = f.name;
    data.type = f.type;
    data.conflicts = f.conflicts;
    data.terms = sorted_terms;
    data.docs = value_docs;
    data.offsets = offsets;
    data.ords = values;
    VIGIL_RETURN_IF_ERROR(writer.AddField(data, docs));
  }
  return writer.Finish(docs, min_seq, max_seq);
}

}  // namespace vigil::storage
