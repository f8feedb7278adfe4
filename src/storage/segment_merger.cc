#include "storage/segment_merger.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <queue>

namespace vigil::storage {

namespace {

struct FieldSource {
  size_t source;
  int field;
};

// Merges one field of every source that has it.
// new_docs[s][d]: the number in the result of document d of source s (for live documents).
Status MergeField(std::span<const MergeSource> sources, const std::vector<FieldSource>& parts,
                  const SegmentField& info, uint32_t total_docs,
                  const std::vector<std::vector<uint32_t>>& new_docs, SegmentWriter* writer) {
  std::vector<TermDict> dicts(parts.size());
  std::vector<Column> columns(parts.size());
  std::vector<std::vector<uint32_t>> ord_maps(parts.size());
  std::vector<std::vector<uint8_t>> used(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    const MergeSource& src = sources[parts[p].source];
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
    dicts[p] = *dict;
    columns[p] = *column;
    used[p].assign(dict->size(), 0);
    const Column& c = columns[p];
    for (uint32_t i = 0; i < c.entries(); ++i) {
      if (src.deleted->contains(c.entry_doc(i))) continue;
      c.ForEachInEntry(i, [&](uint32_t ord) { used[p][ord] = 1; });
    }
    ord_maps[p].assign(dict->size(), 0);
  }

  // The union of the used terms, in order: a k-way merge.
  std::vector<std::string_view> terms;
  std::vector<uint32_t> cursor(parts.size(), 0);
  auto advance = [&](size_t p) {
    while (cursor[p] < dicts[p].size() && !used[p][cursor[p]]) ++cursor[p];
  };
  using Item = std::pair<std::string_view, size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  for (size_t p = 0; p < parts.size(); ++p) {
    advance(p);
    if (cursor[p] < dicts[p].size()) heap.emplace(dicts[p].term(cursor[p]), p);
  }
  while (!heap.empty()) {
    auto [term, p] = heap.top();
    heap.pop();
    if (terms.empty() || terms.back() != term) terms.push_back(term);
    ord_maps[p][cursor[p]] = static_cast<uint32_t>(terms.size() - 1);
    ++cursor[p];
    advance(p);
    if (cursor[p] < dicts[p].size()) heap.emplace(dicts[p].term(cursor[p]), p);
  }

  std::vector<uint32_t> docs;
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> ords;
  offsets.push_back(0);
  for (size_t p = 0; p < parts.size(); ++p) {
    const MergeSource& src = sources[parts[p].source];
    const Column& column = columns[p];
    const std::vector<uint32_t>& map = ord_maps[p];
    for (uint32_t i = 0; i < column.entries(); ++i) {
      uint32_t doc = column.entry_doc(i);
      if (src.deleted->contains(doc)) continue;
      size_t before = ords.size();
      // The mapping is monotonic, so mapped ordinals stay sorted and distinct.
      column.ForEachInEntry(i, [&](uint32_t ord) { ords.push_back(map[ord]); });
      if (ords.size() == before) continue;
      docs.push_back(new_docs[parts[p].source][doc]);
      offsets.push_back(static_cast<uint32_t>(ords.size()));
    }
  }
  FieldData data;
  data.name = info.name;
  data.type = info.type;
  data.conflicts = info.conflicts;
  data.terms = terms;
  data.docs = docs;
  data.offsets = offsets;
  data.ords = ords;
  return writer->AddField(data, total_docs);
}

}  // namespace

Result<MergeResult> MergeSegments(std::span<const MergeSource> sources, int zstd_level,
                                  SegmentWriter* writer) {
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

  // Stored sources, streamed block by block.
  SourceBlocks blocks(zstd_level,
                      [writer](std::string_view block) { return writer->AppendToSection(block); });
  VIGIL_RETURN_IF_ERROR(writer->BeginSection(SectionKind::kSourceData, kNoField));
  std::vector<Version> versions;
  versions.reserve(total);
  for (const MergeSource& src : sources) {
    // A block without deleted documents is copied as it is: a source is compressed once, when
    // its in-memory segment is built, not again at every flush and merge. A block with deleted
    // documents is decompressed and its live sources compressed again.
    Result<uint32_t> block_count = src.segment->SourceBlockCount();
    if (!block_count.ok()) return block_count.status();
    Status add_status;
    for (uint32_t b = 0; b < *block_count; ++b) {
      uint32_t first = 0;
      uint32_t docs = 0;
      std::string_view compressed;
      VIGIL_RETURN_IF_ERROR(src.segment->RawSourceBlock(b, &first, &docs, &compressed));
      bool clean = true;
      for (uint32_t doc = first; doc < first + docs && clean; ++doc) {
        clean = !src.deleted->contains(doc);
      }
      if (clean) {
        VIGIL_RETURN_IF_ERROR(blocks.AddCompressed(compressed, docs));
        continue;
      }
      VIGIL_RETURN_IF_ERROR(src.segment->ForEachSource(
          first, first + docs, [&](uint32_t doc, std::string_view source) {
            if (src.deleted->contains(doc) || !add_status.ok()) return;
            add_status = blocks.Add(source);
          }));
      VIGIL_RETURN_IF_ERROR(add_status);
    }
    for (uint32_t doc = 0; doc < src.segment->num_docs(); ++doc) {
      if (src.deleted->contains(doc)) continue;
      Result<Version> v = src.segment->GetVersion(doc);
      if (!v.ok()) return v.status();
      versions.push_back(*v);
    }
  }
  VIGIL_RETURN_IF_ERROR(blocks.Flush());
  VIGIL_RETURN_IF_ERROR(writer->EndSection());
  VIGIL_RETURN_IF_ERROR(writer->AddSection(SectionKind::kSourceIndex, kNoField, blocks.index()));
  VIGIL_RETURN_IF_ERROR(writer->AddVersions(versions));

  // Document numbers in the result.
  std::vector<std::vector<uint32_t>> new_docs(sources.size());
  uint32_t next = 0;
  for (size_t s = 0; s < sources.size(); ++s) {
    new_docs[s].resize(sources[s].segment->num_docs());
    for (uint32_t doc = 0; doc < sources[s].segment->num_docs(); ++doc) {
      new_docs[s][doc] = next;
      if (!sources[s].deleted->contains(doc)) ++next;
    }
  }

  // Fields in (name, conflicts) order, each from the sources that have it.
  std::map<std::pair<std::string_view, bool>, std::vector<FieldSource>> fields;
  for (size_t s = 0; s < sources.size(); ++s) {
    const auto& list = sources[s].segment->fields();
    for (size_t f = 0; f < list.size(); ++f) {
      fields[{list[f].name, list[f].conflicts}].push_back({s, static_cast<int>(f)});
    }
  }
  for (const auto& [key, parts] : fields) {
    const SegmentField& info = sources[parts[0].source].segment->fields()[parts[0].field];
    VIGIL_RETURN_IF_ERROR(MergeField(sources, parts, info, result.docs, new_docs, writer));
  }
  Result<std::string> done = writer->Finish(result.docs, result.min_seq, result.max_seq);
  if (!done.ok()) return done.status();
  result.bytes = std::move(*done);
  return result;
}

}  // namespace vigil::storage
