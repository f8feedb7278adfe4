#include "storage/group_applier.h"

#include <fmt/format.h>

#include "storage/term_encoding.h"

namespace vigil::storage {

std::string_view WriteOutcomeName(WriteOutcome outcome) {
  switch (outcome) {
    case WriteOutcome::kCreated:
      return "created";
    case WriteOutcome::kUpdated:
      return "updated";
    case WriteOutcome::kStale:
      return "stale";
    case WriteOutcome::kDeleted:
      return "deleted";
    case WriteOutcome::kNotFound:
      return "not_found";
    case WriteOutcome::kExists:
      return "exists";
  }
  return "unknown";
}

GroupApplier::GroupApplier(const std::vector<LiveSegment>& segments, const Mapping* mapping,
                           std::function<Mapping*()> mutable_mapping,
                           std::function<void(std::string_view)> log,
                           std::shared_ptr<const ZstdDictionary> source_dict)
    : segments_(segments),
      mapping_(mapping),
      mutable_mapping_(std::move(mutable_mapping)),
      log_(std::move(log)),
      builder_(SegmentBuilderOptions{.dict = std::move(source_dict)}) {}

bool GroupApplier::Lookup(std::string_view id, Location* found) {
  auto it = group_ids_.find(id);
  if (it != group_ids_.end() && !new_deleted_.contains(it->second)) {
    found->in_group = true;
    found->doc = it->second;
    found->version = group_versions_[it->second];
    return true;
  }
  // Newest segments first: a live copy is most likely recent.
  for (size_t i = segments_.size(); i-- > 0;) {
    const LiveSegment& seg = segments_[i];
    Status s = seg.reader->FindId(id, &docs_);
    if (!s.ok()) {
      log_(fmt::format("cannot look up id {} in {}: {}", id, seg.reader->name(), s.message()));
      continue;
    }
    auto pending = deletions_.find(i);
    for (uint32_t doc : docs_) {
      if (seg.deleted->contains(doc)) continue;
      if (pending != deletions_.end() && pending->second.contains(doc)) continue;
      Result<Version> v = seg.reader->GetVersion(doc);
      found->in_group = false;
      found->segment = i;
      found->doc = doc;
      found->version = v.ok() ? *v : Version{};
      return true;
    }
  }
  return false;
}

void GroupApplier::Remove(const Location& loc) {
  if (loc.in_group) {
    new_deleted_.add(loc.doc);
  } else {
    deletions_[loc.segment].add(loc.doc);
  }
}

GroupApplier::Slot& GroupApplier::SlotFor(std::string_view name, FieldType hint) {
  auto it = slots_.find(name);
  bool inserted = it == slots_.end();
  if (inserted) it = slots_.emplace(std::string(name), Slot()).first;
  Slot& slot = it->second;
  if (inserted) {
    const FieldMapping* m = mapping_->Find(name);
    if (m != nullptr) slot.type = m->type;
  }
  if (slot.type == FieldType::kNone && hint != FieldType::kNone) {
    Mapping* mapping = mutable_mapping_();
    mapping_ = mapping;
    FieldMapping& m = mapping->Add(name, hint);
    if (m.type == FieldType::kNone) m.type = hint;
    slot.type = m.type;
  }
  if (slot.handle < 0 && slot.type != FieldType::kNone && slot.type != FieldType::kObject) {
    slot.handle = builder_.FieldHandle(name, slot.type);
  }
  return slot;
}

uint32_t GroupApplier::AddDoc(const BatchOp& op, bool framed) {
  uint32_t doc = framed ? builder_.StartDocWithoutSource(op.id, op.version)
                        : builder_.StartDoc(op.id, op.version, op.source);
  group_ids_[op.id] = doc;
  group_versions_.push_back(op.version);
  // The document's terms, added together (SegmentBuilder::AddTerms). A keyword's term is its
  // string, a view into the batch; other terms are encoded into term_bytes_, whose views are made
  // once it stops growing.
  doc_terms_.clear();
  term_bytes_.clear();
  encoded_.clear();
  ForEachField(op, &scratch_, [&](const IndexField& field, uint32_t name_id) {
    Slot* slot = nullptr;
    for (const FieldValue& v : field.values) {
      if (v.kind == ValueKind::kNull) continue;
      if (slot == nullptr) {
        slot = batch_slots_[name_id];
        if (slot == nullptr ||
            (slot->type == FieldType::kNone && field.type_hint != FieldType::kNone)) {
          slot = &SlotFor(field.name, field.type_hint);
          batch_slots_[name_id] = slot;
        }
      }
      if (slot->handle >= 0 && v.kind == ValueKind::kString &&
          (slot->type == FieldType::kKeyword || slot->type == FieldType::kText)) {
        doc_terms_.push_back({static_cast<uint32_t>(slot->handle), v.string});
        continue;
      }
      const size_t start = term_bytes_.size();
      if (slot->handle >= 0 && EncodeTerm(slot->type, v, &term_bytes_)) {
        encoded_.push_back(doc_terms_.size());
        doc_terms_.push_back({static_cast<uint32_t>(slot->handle),
                              std::string_view(nullptr, term_bytes_.size() - start)});
        continue;
      }
      term_bytes_.resize(start);
      // A value that does not fit the field's type: kept as a keyword beside it, and counted.
      if (slot->conflict_handle < 0) {
        slot->conflict_handle = builder_.FieldHandle(field.name, FieldType::kKeyword, true);
      }
      ConflictText(v, &term_bytes_);
      encoded_.push_back(doc_terms_.size());
      doc_terms_.push_back({static_cast<uint32_t>(slot->conflict_handle),
                            std::string_view(nullptr, term_bytes_.size() - start)});
      Mapping* mapping = mutable_mapping_();
      mapping_ = mapping;
      mapping->Add(field.name, slot->type).conflicts++;
    }
    if (slot == nullptr && field.values.empty() && field.type_hint == FieldType::kObject) {
      SlotFor(field.name, field.type_hint);  // records an empty object field in the mapping
    }
  });
  size_t offset = 0;
  for (size_t i : encoded_) {
    const size_t length = doc_terms_[i].term.size();
    doc_terms_[i].term = std::string_view(term_bytes_).substr(offset, length);
    offset += length;
  }
  builder_.AddTerms(doc, doc_terms_);
  return doc;
}

Status GroupApplier::Apply(std::string_view rep, std::span<const SourceFrame> frames,
                           const ZstdDictionary* frames_dict, uint64_t first_seq,
                           uint64_t skip_below, std::vector<WriteOutcome>* outcomes,
                           std::vector<uint32_t>* docs) {
  uint8_t flags = 0;
  VIGIL_RETURN_IF_ERROR(DecodeBatch(rep, &ops_, &names_, &flags));
  const bool framed = (flags & kBatchFramed) != 0;
  uint64_t entries = 0;
  for (const SourceFrame& f : frames) entries += f.entries;
  uint64_t doc_ops = 0;
  for (const BatchOp& op : ops_) {
    doc_ops += op.kind == OpKind::kDelete || op.kind == OpKind::kDeleteIfOlder ? 0 : 1;
  }
  if (framed ? entries != doc_ops : !frames.empty()) {
    return Status::Corruption("write batch: its sources do not match its documents");
  }
  added_.assign(framed ? doc_ops : 0, 0);
  size_t doc_op = 0;
  batch_slots_.assign(names_.size(), nullptr);
  for (size_t i = 0; i < ops_.size(); ++i) {
    const BatchOp& op = ops_[i];
    uint64_t seq = first_seq + i;
    const bool is_doc = op.kind != OpKind::kDelete && op.kind != OpKind::kDeleteIfOlder;
    const size_t this_doc = doc_op;
    doc_op += is_doc ? 1 : 0;
    if (seq < skip_below) continue;
    min_seq_ = std::min(min_seq_, seq);
    max_seq_ = std::max(max_seq_, seq);
    Location loc;
    bool exists = Lookup(op.id, &loc);
    WriteOutcome outcome = WriteOutcome::kCreated;
    uint32_t added = kNoDoc;
    switch (op.kind) {
      case OpKind::kUpsert:
        if (exists && !(op.version > loc.version)) {
          outcome = WriteOutcome::kStale;
          break;
        }
        if (exists) Remove(loc);
        added = AddDoc(op, framed);
        outcome = exists ? WriteOutcome::kUpdated : WriteOutcome::kCreated;
        break;
      case OpKind::kIndex:
        if (exists) Remove(loc);
        added = AddDoc(op, framed);
        outcome = exists ? WriteOutcome::kUpdated : WriteOutcome::kCreated;
        break;
      case OpKind::kCreate:
        if (exists) {
          outcome = WriteOutcome::kExists;
          break;
        }
        added = AddDoc(op, framed);
        break;
      case OpKind::kDelete:
        if (exists) Remove(loc);
        outcome = exists ? WriteOutcome::kDeleted : WriteOutcome::kNotFound;
        break;
      case OpKind::kDeleteIfOlder:
        exists = exists && loc.version.primary < op.version.primary;
        if (exists) Remove(loc);
        outcome = exists ? WriteOutcome::kDeleted : WriteOutcome::kNotFound;
        break;
    }
    if (framed && is_doc &&
        (outcome == WriteOutcome::kCreated || outcome == WriteOutcome::kUpdated)) {
      added_[this_doc] = 1;
    }
    if (outcomes != nullptr) outcomes->push_back(outcome);
    if (docs != nullptr) docs->push_back(added);
  }
  // A derived batch's sources: its frames, each with the entries of the documents added.
  size_t entry = 0;
  for (const SourceFrame& f : frames) {
    uint32_t live = 0;
    live_.assign((static_cast<size_t>(f.entries) + 7) / 8, '\0');
    for (uint32_t i = 0; i < f.entries; ++i, ++entry) {
      if (!added_[entry]) continue;
      ++live;
      live_[i / 8] = static_cast<char>(live_[i / 8] | (1 << (i % 8)));
    }
    if (live == 0) continue;
    VIGIL_RETURN_IF_ERROR(builder_.AddSourceFrame(
        f.bytes, f.entries, live == f.entries ? std::string_view() : live_, frames_dict));
  }
  return Status::Ok();
}

}  // namespace vigil::storage
