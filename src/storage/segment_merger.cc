#include "storage/segment_merger.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <queue>

#include "storage/compression.h"

namespace vigil::storage {

namespace {

struct FieldSource {
  size_t source;
  int field;
};

// A source's deletions as a flat bit vector (a bitmap lookup per value costs more than the rest
// of a merge), and the number in the result of each of its live documents.
struct SourceDocs {
  std::vector<uint64_t> deleted;  // empty: nothing deleted
  std::vector<uint32_t> new_docs;
  bool IsDeleted(uint32_t doc) const {
    return !deleted.empty() && ((deleted[doc >> 6] >> (doc & 63)) & 1) != 0;
  }
};

// Scratch reused across the fields of one merge.
struct MergeScratch {
  std::vector<TermDict> dicts;
  std::vector<Column> columns;
  std::vector<std::vector<uint32_t>> ord_maps;
  std::vector<std::vector<uint8_t>> used;
  std::vector<std::optional<TermDict::Iterator>> iters;
  std::string term_bytes;  // the merged terms, concatenated
  std::vector<size_t> term_ends;
  size_t last_size = 0;
  std::vector<std::string_view> terms;
  std::vector<uint32_t> docs;
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> ords;
};

// Merges one field of every source that has it.
Status MergeField(std::span<const MergeSource> sources, const std::vector<FieldSource>& parts,
                  const SegmentField& info, uint32_t total_docs,
                  const std::vector<SourceDocs>& source_docs, MergeScratch* scratch,
                  SegmentWriter* writer) {
  MergeScratch& m = *scratch;
  const size_t n = parts.size();
  m.dicts.resize(n);
  m.columns.resize(n);
  if (m.ord_maps.size() < n) m.ord_maps.resize(n);
  if (m.used.size() < n) m.used.resize(n);
  for (size_t p = 0; p < n; ++p) {
    const MergeSource& src = sources[parts[p].source];
    const SourceDocs& sd = source_docs[parts[p].source];
    const SegmentField& f = src.segment->fields()[parts[p].field];
    if (f.type != info.type) {
      return Status::Corruption(fmt::format("merge: field \"{}\" is {} in {} but {} elsewhere",
                                            f.name, FieldTypeName(f.type), src.segment->name(),
                                            FieldTypeName(info.type)));
    }
    Result<TermDict> dict = src.segment->Terms(parts[p].field);
    if (!dict.ok()) return dict.status();
    Result<Column> column = src.segment->GetColumn(parts[p].field);
    if (!column.ok()) return column.status();
    m.dicts[p] = *dict;
    m.columns[p] = *column;
    std::vector<uint8_t>& used = m.used[p];
    const Column& c = m.columns[p];
    if (sd.deleted.empty()) {
      used.assign(dict->size(), 1);  // every term of a segment is used by some document
    } else {
      used.assign(dict->size(), 0);
      for (uint32_t i = 0; i < c.entries(); ++i) {
        if (sd.IsDeleted(c.entry_doc(i))) continue;
        c.ForEachInEntry(i, [&](uint32_t ord) { used[ord] = 1; });
      }
    }
    m.ord_maps[p].resize(dict->size());
  }

  // The union of the used terms, in order: a k-way merge over each part's dictionary, read in
  // order. The terms are copied (a dictionary hands out one decoded block at a time).
  m.term_bytes.clear();
  m.term_ends.clear();
  auto add_term = [&](std::string_view term) {
    const size_t count = m.term_ends.size();
    const size_t begin = count == 0 ? 0 : m.term_ends.back();
    if (count > 0 && std::string_view(m.term_bytes).substr(begin - m.last_size) == term) {
      return false;
    }
    m.term_bytes.append(term);
    m.term_ends.push_back(m.term_bytes.size());
    m.last_size = term.size();
    return true;
  };
  if (m.iters.size() < n) m.iters.resize(n);
  for (size_t p = 0; p < n; ++p) m.iters[p].emplace(m.dicts[p]);
  // Moves part p's iterator to its next used term (or its end).
  auto advance = [&](size_t p, uint32_t ord) -> Status {
    while (ord < m.dicts[p].size() && !m.used[p][ord]) ++ord;
    return m.iters[p]->Seek(ord);
  };
  using Item = std::pair<std::string_view, size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  for (size_t p = 0; p < n; ++p) {
    VIGIL_RETURN_IF_ERROR(advance(p, 0));
    if (m.iters[p]->Valid()) heap.emplace(m.iters[p]->term(), p);
  }
  while (!heap.empty()) {
    auto [term, p] = heap.top();
    heap.pop();
    add_term(term);
    TermDict::Iterator& it = *m.iters[p];
    m.ord_maps[p][it.ord()] = static_cast<uint32_t>(m.term_ends.size() - 1);
    VIGIL_RETURN_IF_ERROR(advance(p, it.ord() + 1));
    if (it.Valid()) heap.emplace(it.term(), p);
  }
  std::vector<std::string_view>& terms = m.terms;
  terms.clear();
  size_t begin = 0;
  for (size_t end : m.term_ends) {
    terms.emplace_back(m.term_bytes.data() + begin, end - begin);
    begin = end;
  }

  m.docs.clear();
  m.offsets.assign(1, 0);
  m.ords.clear();
  for (size_t p = 0; p < n; ++p) {
    const SourceDocs& sd = source_docs[parts[p].source];
    const Column& column = m.columns[p];
    const std::vector<uint32_t>& map = m.ord_maps[p];
    for (uint32_t i = 0; i < column.entries(); ++i) {
      uint32_t doc = column.entry_doc(i);
      if (sd.IsDeleted(doc)) continue;
      size_t before = m.ords.size();
      // The mapping is monotonic, so mapped ordinals stay sorted and distinct.
      column.ForEachInEntry(i, [&](uint32_t ord) { m.ords.push_back(map[ord]); });
      if (m.ords.size() == before) continue;
      m.docs.push_back(sd.new_docs[doc]);
      m.offsets.push_back(static_cast<uint32_t>(m.ords.size()));
    }
  }
  FieldData data;
  data.name = info.name;
  data.type = info.type;
  data.conflicts = info.conflicts;
  data.terms = terms;
  data.docs = m.docs;
  data.offsets = m.offsets;
  data.ords = m.ords;
  return writer->AddField(data, total_docs);
}

}  // namespace

Result<MergeResult> MergeSegments(std::span<const MergeSource> sources, int zstd_level,
                                  SegmentWriter* writer,
                                  const std::shared_ptr<const ZstdDictionary>& dict) {
  MergeResult result;
  result.min_seq = UINT64_MAX;
  uint64_t total = 0;
  for (const MergeSource& src : sources) {
    total += src.segment->num_docs() -
             std::min<uint64_t>(src.deleted->cardinality(), src.segment->num_docs());
    result.min_seq = std::min(result.min_seq, src.segment->min_seq());
    result.max_seq = std::max(result.max_seq, src.segment->max_seq());
  }
  if (total > UINT32_MAX - 1) return Status::ResourceExhausted("merge: too many documents");
  if (sources.empty()) result.min_seq = 0;
  result.docs = static_cast<uint32_t>(total);

  // Deletions as bit vectors, and document numbers in the result.
  std::vector<SourceDocs> source_docs(sources.size());
  uint32_t next = 0;
  for (size_t s = 0; s < sources.size(); ++s) {
    SourceDocs& sd = source_docs[s];
    const uint32_t docs = sources[s].segment->num_docs();
    if (!sources[s].deleted->isEmpty()) {
      sd.deleted.assign((static_cast<size_t>(docs) + 63) / 64, 0);
      for (uint32_t doc : *sources[s].deleted) {
        if (doc < docs) sd.deleted[doc >> 6] |= uint64_t{1} << (doc & 63);
      }
    }
    sd.new_docs.resize(docs);
    for (uint32_t doc = 0; doc < docs; ++doc) {
      sd.new_docs[doc] = next;
      if (!sd.IsDeleted(doc)) ++next;
    }
  }

  // Stored sources, streamed block by block.
  auto emit = [writer](std::string_view block) { return writer->AppendToSection(block); };
  SourceBlocks blocks(dict, zstd_level, emit);
  VIGIL_RETURN_IF_ERROR(writer->BeginSection(SectionKind::kSourceData, kNoField));
  std::vector<Version> versions;
  versions.reserve(total);
  std::string live;
  for (size_t si = 0; si < sources.size(); ++si) {
    const MergeSource& src = sources[si];
    const SourceDocs& sd = source_docs[si];
    // A source is compressed once, by its write batch or when its in-memory segment is built: a
    // block is copied as it is while enough of its entries are live (the deleted ones are marked
    // in the live-entry bitmap and skipped by readers); below that its live sources are
    // compressed again.
    Result<uint32_t> block_count = src.segment->SourceBlockCount();
    if (!block_count.ok()) return block_count.status();
    // Blocks can be copied only into a segment compressed the same way: the same dictionary, or
    // none on either side.
    Result<std::shared_ptr<const ZstdDictionary>> in_dict = src.segment->SourceDictionary();
    if (!in_dict.ok()) return in_dict.status();
    const bool same_compression = SameCompression(in_dict->get(), dict.get());
    Status add_status;
    SegmentReader::SourceBlockInfo info;
    for (uint32_t b = 0; b < *block_count; ++b) {
      VIGIL_RETURN_IF_ERROR(src.segment->GetSourceBlock(b, &info));
      uint32_t alive = 0;
      for (uint32_t doc = info.first_doc; doc < info.first_doc + info.docs; ++doc) {
        alive += sd.IsDeleted(doc) ? 0 : 1;
      }
      if (alive == 0) continue;
      // Small blocks (the last of a segment, or the frames of small write batches) are gathered
      // into full ones.
      const bool large =
          same_compression && ZstdContentSize(info.compressed) >=
                                  (dict != nullptr ? kDictSourceBlockSize : kSourceBlockSize) / 2;
      if (large && alive == info.entries) {
        VIGIL_RETURN_IF_ERROR(blocks.AddCompressed(info.compressed, info.entries, {}));
        continue;
      }
      if (large && src.reuse_blocks_with_holes &&
          static_cast<uint64_t>(alive) * kSourceReuseDenominator >=
              static_cast<uint64_t>(info.entries) * kSourceReuseNumerator) {
        live.assign((static_cast<size_t>(info.entries) + 7) / 8, '\0');
        uint32_t doc = info.first_doc;
        for (uint32_t i = 0; i < info.entries; ++i) {
          const bool was_live =
              info.live.empty() || ((static_cast<uint8_t>(info.live[i / 8]) >> (i % 8)) & 1) != 0;
          if (!was_live) continue;
          if (!sd.IsDeleted(doc)) live[i / 8] = static_cast<char>(live[i / 8] | (1 << (i % 8)));
          ++doc;
        }
        VIGIL_RETURN_IF_ERROR(blocks.AddCompressed(info.compressed, info.entries, live));
        continue;
      }
      VIGIL_RETURN_IF_ERROR(src.segment->ForEachSource(info.first_doc, info.first_doc + info.docs,
                                                       [&](uint32_t doc, std::string_view source) {
                                                         if (sd.IsDeleted(doc) || !add_status.ok())
                                                           return;
                                                         add_status = blocks.Add(source);
                                                       }));
      VIGIL_RETURN_IF_ERROR(add_status);
    }
    for (uint32_t doc = 0; doc < src.segment->num_docs(); ++doc) {
      if (sd.IsDeleted(doc)) continue;
      Result<Version> v = src.segment->GetVersion(doc);
      if (!v.ok()) return v.status();
      versions.push_back(*v);
    }
    src.segment->ReleaseAll();  // its sources are copied: the pages of the next input replace them
  }
  VIGIL_RETURN_IF_ERROR(blocks.Flush());
  VIGIL_RETURN_IF_ERROR(writer->EndSection());
  VIGIL_RETURN_IF_ERROR(writer->AddSection(SectionKind::kSourceIndex, kNoField, blocks.index()));
  if (!blocks.live().empty()) {
    VIGIL_RETURN_IF_ERROR(writer->AddSection(SectionKind::kSourceLive, kNoField, blocks.live()));
  }
  if (dict != nullptr) {
    VIGIL_RETURN_IF_ERROR(writer->AddSection(SectionKind::kSourceDict, kNoField, dict->bytes()));
  }
  VIGIL_RETURN_IF_ERROR(writer->AddVersions(versions));

  // Fields in (name, conflicts) order, each from the sources that have it.
  std::map<std::pair<std::string_view, bool>, std::vector<FieldSource>> fields;
  for (size_t s = 0; s < sources.size(); ++s) {
    const auto& list = sources[s].segment->fields();
    for (size_t f = 0; f < list.size(); ++f) {
      fields[{list[f].name, list[f].conflicts}].push_back({s, static_cast<int>(f)});
    }
  }
  MergeScratch scratch;
  for (const auto& [key, parts] : fields) {
    const SegmentField& info = sources[parts[0].source].segment->fields()[parts[0].field];
    VIGIL_RETURN_IF_ERROR(
        MergeField(sources, parts, info, result.docs, source_docs, &scratch, writer));
    // Done with the field: its input pages need not stay resident (a merge of files reads every
    // byte of its inputs).
    for (const FieldSource& part : parts) {
      sources[part.source].segment->ReleaseField(part.field);
    }
  }
  for (const MergeSource& src : sources) src.segment->ReleaseAll();
  Result<std::string> done = writer->Finish(result.docs, result.min_seq, result.max_seq);
  if (!done.ok()) return done.status();
  result.bytes = std::move(*done);
  return result;
}

}  // namespace vigil::storage
