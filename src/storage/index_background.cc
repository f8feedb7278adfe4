// Index: background work. Flushes of the in-memory segments to a file, merges of in-memory
// segments, tiered merges of segment files, and the manifest that records their results.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "base/time.h"
#include "storage/deletion_file.h"
#include "storage/index.h"

namespace vigil::storage {

namespace {

uint32_t LiveDocs(const SegmentReader& r, const Bitmap& deleted) {
  return static_cast<uint32_t>(r.num_docs() - deleted.cardinality());
}

}  // namespace

size_t Index::MemoryBytes() const {
  size_t bytes = 0;
  for (const auto& e : segments_) {
    if (!e->on_disk) bytes += e->reader->data().size();
  }
  return bytes;
}

bool Index::PickWork(Work* work, WorkKind kind) {
  *work = Work();
  if (closed_) return false;
  const bool memory_work = kind != WorkKind::kFiles;
  const bool file_work = kind != WorkKind::kMemory;
  size_t memory_bytes = 0;
  std::vector<Entry*> memory;
  for (const auto& e : segments_) {
    if (!e->on_disk && !e->merging) {
      memory.push_back(e.get());
      memory_bytes += e->reader->data().size();
    }
  }
  if (memory_work && !memory.empty() && (force_flush_ || memory_bytes >= options_.flush_bytes)) {
    work->to_file = true;
    work->is_flush = true;
    work->sources = memory;
  } else if (memory_work && memory.size() > options_.max_memory_segments) {
    work->sources = memory;
  } else if (file_work) {
    // Tiered merging of files: tier = floor(log_f(live docs)); merge_factor files of one tier
    // become one file of the next, up to max_segment_docs. Files of max_segment_docs / 2 or more
    // are full: merged only alone, once enough of them is deleted.
    std::map<int, std::vector<Entry*>> tiers;
    const uint64_t full = std::max<uint64_t>(options_.max_segment_docs / 2, 1);
    for (const auto& e : segments_) {
      if (!e->on_disk || e->merging) continue;
      uint32_t live = LiveDocs(*e->reader, *e->deleted);
      if (live >= full) continue;
      int tier = live <= 1 ? 0
                           : static_cast<int>(std::log(static_cast<double>(live)) /
                                              std::log(static_cast<double>(options_.merge_factor)));
      tiers[tier].push_back(e.get());
    }
    for (auto& [tier, list] : tiers) {
      if (list.size() < options_.merge_factor) continue;
      list.resize(options_.merge_factor);
      // As many of them as fit under max_segment_docs (at least two).
      uint64_t total = 0;
      size_t take = 0;
      while (take < list.size() && total + LiveDocs(*list[take]->reader, *list[take]->deleted) <=
                                       options_.max_segment_docs) {
        total += LiveDocs(*list[take]->reader, *list[take]->deleted);
        ++take;
      }
      if (take < 2) continue;
      list.resize(take);
      work->to_file = true;
      work->sources = list;
      break;
    }
    if (work->sources.empty()) {
      for (const auto& e : segments_) {
        if (!e->on_disk || e->merging || e->reader->num_docs() < full) continue;
        const double deleted =
            static_cast<double>(e->deleted->cardinality()) / e->reader->num_docs();
        if (deleted > options_.expunge_deletes_ratio) {
          work->to_file = true;
          work->sources = {e.get()};
          break;
        }
      }
    }
  }
  if (work->sources.empty()) return false;
  for (Entry* e : work->sources) {
    e->merging = true;
    work->inputs.push_back({e->reader, e->deleted, e->on_disk});
  }
  return true;
}

void Index::AbandonWork(Work* work) {
  for (Entry* e : work->sources) e->merging = false;
}

std::shared_ptr<const ZstdDictionary> Index::SourceDictionaryFor(
    std::span<const MergeSource> inputs) {
  if (!options_.source_dictionary) return nullptr;
  {
    std::lock_guard<std::mutex> lock(dict_mu_);
    if (source_dict_ != nullptr) return source_dict_;
  }
  // Learn one from a sample of the inputs' sources: the same share of each input, its first
  // documents (findings vary little in shape over a segment).
  std::vector<std::string> sample;
  size_t bytes = 0;
  const size_t share = kSourceDictSampleBytes / std::max<size_t>(1, inputs.size());
  for (const MergeSource& in : inputs) {
    size_t taken = 0;
    Status s = in.segment->ForEachSource(0, in.segment->num_docs(),
                                         [&](uint32_t, std::string_view source) {
                                           if (taken >= share) return;
                                           sample.emplace_back(source);
                                           taken += source.size();
                                         });
    if (!s.ok()) return nullptr;  // a damaged input: no dictionary this time
    bytes += taken;
  }
  std::vector<std::string_view> views(sample.begin(), sample.end());
  Result<std::shared_ptr<const ZstdDictionary>> dict =
      ZstdDictionary::Train(views, kSourceDictBytes);
  if (!dict.ok() || *dict == nullptr) return nullptr;
  // Saved before any write batch may compress with it (log records name it; recovery needs it).
  Status saved = SaveSourceDictionary(**dict);
  if (!saved.ok()) {
    options_.log(
        fmt::format("cannot save the source dictionary ({}): segments are written "
                    "without one for now",
                    saved.message()));
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(dict_mu_);
  if (source_dict_ == nullptr) {
    source_dict_ = std::move(*dict);
    source_dict_saved_ = true;
    options_.log(fmt::format("learnt a {}-byte source dictionary from {} bytes of {} documents",
                             source_dict_->bytes().size(), bytes, sample.size()));
  }
  return source_dict_;
}

Status Index::WriteSegmentFile(const std::string& path, std::span<const MergeSource> inputs,
                               std::shared_ptr<const SegmentReader>* result) {
  std::shared_ptr<const ZstdDictionary> dict;
  Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(path);
  Status s = file.status();
  if (s.ok()) {
    SegmentWriter writer(file->get());
    dict = SourceDictionaryFor(inputs);
    Result<MergeResult> merged = MergeSegments(inputs, options_.flush_zstd_level, &writer, dict);
    s = merged.status();
    if (s.ok()) s = (*file)->Sync();
    if (s.ok()) s = (*file)->Close();
    if (s.ok()) s = env_->SyncDir(dir_);
  }
  if (s.ok()) {
    Result<std::unique_ptr<MappedFile>> mapped = env_->MapFile(path);
    s = mapped.status();
    if (s.ok()) {
      Result<std::shared_ptr<const SegmentReader>> reader =
          SegmentReader::Open(path, std::move(*mapped), std::move(dict));
      s = reader.status();
      if (s.ok()) *result = std::move(*reader);
    }
  }
  if (!s.ok()) (void)env_->RemoveFile(path);
  return s;
}

void Index::SwapIn(const Work& work, std::shared_ptr<const SegmentReader> result,
                   const std::string& file_name) {
  // Carry over the deletions made while the merge ran.
  auto deleted = std::make_shared<Bitmap>();
  uint32_t base = 0;
  for (size_t i = 0; i < work.sources.size(); ++i) {
    const Bitmap& frozen = *work.inputs[i].deleted;
    Bitmap extra = *work.sources[i]->deleted - frozen;
    for (uint32_t doc : extra) {
      deleted->add(base + doc - static_cast<uint32_t>(frozen.rank(doc)));
    }
    base += LiveDocs(*work.inputs[i].segment, frozen);
  }
  auto entry = std::make_unique<Entry>();
  entry->reader = std::move(result);
  entry->deleted = std::move(deleted);
  entry->on_disk = work.to_file;
  entry->file = file_name;
  auto first = std::find_if(segments_.begin(), segments_.end(),
                            [&](const auto& e) { return e.get() == work.sources[0]; });
  auto position = static_cast<size_t>(first - segments_.begin());
  for (Entry* source : work.sources) {
    if (source->on_disk) {
      obsolete_files_.push_back(JoinPath(dir_, source->file));
      if (!source->deletes_file.empty()) {
        obsolete_files_.push_back(JoinPath(dir_, source->deletes_file));
      }
    }
  }
  std::erase_if(segments_, [&](const auto& e) {
    return std::find(work.sources.begin(), work.sources.end(), e.get()) != work.sources.end();
  });
  segments_.insert(
      segments_.begin() + static_cast<std::ptrdiff_t>(std::min(position, segments_.size())),
      std::move(entry));
}

Status Index::PersistWithMemoryEmpty() {
  // Segments that arrived while a flush ran are written too, here, under the lock: a manifest is
  // only ever written when nothing is in memory, so it holds the effect of exactly the
  // operations before its replay start (wal_start_seq = next_seq). Replaying operations whose
  // effects (deletions, documents merged away) are already in the manifest could decide
  // differently (a create that found its id present would succeed).
  Work rest;
  rest.to_file = true;
  for (const auto& e : segments_) {
    if (e->on_disk) continue;
    if (e->merging) return Status::Ok();  // the background thread will get here after its merge
    rest.sources.push_back(e.get());
    rest.inputs.push_back({e->reader, e->deleted, false});
  }
  if (!rest.sources.empty()) {
    std::string path = NewFileName("seg-", ".vseg");
    std::shared_ptr<const SegmentReader> result;
    VIGIL_RETURN_IF_ERROR(WriteSegmentFile(path, rest.inputs, &result));
    SwapIn(rest, std::move(result), std::string(BaseName(path)));
  }
  Status s = Status::Ok();
  if (wal_ && next_seq_ > wal_files_.back().first_seq) s = NewWalFile();
  if (s.ok()) s = PersistManifest();
  if (s.ok()) {
    RemoveObsoleteFiles();
  } else {
    // The manifest on disk may still name the obsolete files: keep them (the next open removes
    // what its manifest does not name).
    bg_error_ = s;
    obsolete_files_.clear();
  }
  return s;
}

Status Index::RunWork(Work* work) {
  const uint64_t start = SteadyNanos();
  std::shared_ptr<const SegmentReader> result;
  std::string file_name;
  if (work->to_file) {
    std::string path;
    {
      std::lock_guard<std::mutex> lock(apply_mu_);
      path = NewFileName("seg-", ".vseg");
    }
    file_name = std::string(BaseName(path));
    VIGIL_RETURN_IF_ERROR(WriteSegmentFile(path, work->inputs, &result));
  } else {
    size_t bytes = 0;
    for (const MergeSource& input : work->inputs) bytes += input.segment->data().size();
    SegmentWriter writer(bytes);
    // In the dictionary's blocks once there is one, as the segments of commit groups are.
    std::shared_ptr<const ZstdDictionary> dict = SourceDictionary();
    Result<MergeResult> merged = MergeSegments(work->inputs, 1, &writer, dict);
    if (!merged.ok()) return merged.status();
    std::string name;
    {
      std::lock_guard<std::mutex> lock(apply_mu_);
      name = fmt::format("memory-{}", next_memory_id_++);
    }
    Result<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::FromBytes(name, std::move(merged->bytes), std::move(dict));
    if (!reader.ok()) return reader.status();
    result = std::move(*reader);
  }

  std::lock_guard<std::mutex> lock(apply_mu_);
  SwapIn(*work, std::move(result), file_name);
  work->sources.clear();  // swapped out and destroyed: nothing to abandon if what follows fails
  work->inputs.clear();
  if (work->is_flush) {
    ++flushes_;
    flush_nanos_ += SteadyNanos() - start;
  } else {
    ++merges_;
    merge_nanos_ += SteadyNanos() - start;
  }
  Status s = Status::Ok();
  // A flush persists (with memory empty); a merge of files waits for the next flush to record it
  // (its inputs stay on disk until then).
  if (work->is_flush) s = PersistWithMemoryEmpty();
  Publish();
  state_cv_.notify_all();
  return s;
}

Status Index::PersistManifest() {
  Manifest m;
  m.mapping = *mapping_;
  m.next_seq = next_seq_;
  m.wal_start_seq = next_seq_;
  bool wrote_deletions = false;
  for (const auto& e : segments_) {
    if (!e->on_disk) {
      m.wal_start_seq = std::min(m.wal_start_seq, e->reader->min_seq());
      continue;
    }
    uint64_t deleted = e->deleted->cardinality();
    if (deleted != e->persisted_deleted) {
      std::string path =
          NewFileName(fmt::format("{}-", e->file.substr(0, e->file.size() - 5)), ".del");
      VIGIL_RETURN_IF_ERROR(WriteDeletionFile(env_, path, *e->deleted));
      if (!e->deletes_file.empty()) obsolete_files_.push_back(JoinPath(dir_, e->deletes_file));
      e->deletes_file = std::string(BaseName(path));
      e->persisted_deleted = deleted;
      wrote_deletions = true;
    }
    m.segments.push_back(
        {e->file, e->reader->num_docs(), e->deletes_file, static_cast<uint32_t>(deleted)});
  }
  for (const ManifestSegment& ms : unavailable_) m.segments.push_back(ms);
  if (wrote_deletions) VIGIL_RETURN_IF_ERROR(env_->SyncDir(dir_));
  m.next_file = next_file_;
  VIGIL_RETURN_IF_ERROR(WriteManifest(env_, dir_, m));
  persisted_wal_start_ = m.wal_start_seq;
  PruneWalFiles(m.wal_start_seq);
  return Status::Ok();
}

void Index::PruneWalFiles(uint64_t wal_start) {
  // Log files whose every record is below the replay start are no longer needed.
  while (wal_files_.size() > 1 && wal_files_[1].first_seq <= wal_start) {
    obsolete_files_.push_back(wal_files_[0].path);
    wal_files_.erase(wal_files_.begin());
  }
}

void Index::RemoveObsoleteFiles() {
  for (const std::string& path : obsolete_files_) {
    Status s = env_->RemoveFile(path);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      options_.log(fmt::format("cannot remove {}: {}", path, s.message()));
    }
  }
  obsolete_files_.clear();
}

void Index::MaybeLearnSourceDictionary() {
  if (!options_.source_dictionary) return;
  {
    std::lock_guard<std::mutex> lock(dict_mu_);
    if (source_dict_ != nullptr) return;
  }
  std::vector<MergeSource> inputs;
  {
    std::lock_guard<std::mutex> lock(apply_mu_);
    uint64_t docs = 0;
    for (const auto& e : segments_) {
      if (e->on_disk) continue;
      inputs.push_back({e->reader, e->deleted});
      docs += e->reader->num_docs();
    }
    if (docs < kSourceDictMinDocs) return;
  }
  (void)SourceDictionaryFor(inputs);
}

Status Index::DoAllWork(WorkKind kind) {
  if (kind != WorkKind::kFiles) MaybeLearnSourceDictionary();
  while (!stopping_) {
    Work work;
    {
      std::lock_guard<std::mutex> lock(apply_mu_);
      if (!PickWork(&work, kind)) return Status::Ok();
    }
    Status s = RunWork(&work);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(apply_mu_);
      AbandonWork(&work);
      state_cv_.notify_all();
      options_.log(
          fmt::format("background {} failed: {}", work.is_flush ? "flush" : "merge", s.message()));
      return s;
    }
  }
  return Status::Ok();
}

void Index::BackgroundLoop(WorkKind kind) {
  const auto k = static_cast<size_t>(kind);
  std::unique_lock<std::mutex> l(bg_mu_);
  while (true) {
    bg_cv_.wait(l, [this, k] { return bg_pending_[k] || bg_stop_; });
    if (bg_stop_) return;
    bg_pending_[k] = false;
    l.unlock();
    (void)DoAllWork(kind);
    l.lock();
  }
}

void Index::MaybeScheduleWork() {
  if (options_.background) {
    {
      std::lock_guard<std::mutex> l(bg_mu_);
      bg_pending_[0] = true;
      bg_pending_[1] = true;
    }
    bg_cv_.notify_all();
  } else {
    (void)DoAllWork();
  }
}

Status Index::Flush() {
  std::unique_lock<std::mutex> lock(apply_mu_);
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    bool memory = false;
    bool busy = false;
    for (const auto& e : segments_) {
      if (e->on_disk) continue;
      memory = true;
      busy = busy || e->merging;
    }
    if (!memory) {
      // Nothing in memory, but operations since the manifest (deletes, stale writes) may still
      // need the log: record them in a manifest so the log can go.
      if (next_seq_ <= persisted_wal_start_ && obsolete_files_.empty()) return Status::Ok();
      return PersistWithMemoryEmpty();
    }
    if (busy) {  // the background thread is merging them: wait for its commit
      state_cv_.wait(lock);
      continue;
    }
    force_flush_ = true;
    Work work;
    bool picked = PickWork(&work);
    force_flush_ = false;
    if (!picked) return Status::Ok();
    lock.unlock();
    Status s = RunWork(&work);
    lock.lock();
    if (!s.ok()) {
      AbandonWork(&work);
      state_cv_.notify_all();
      return s;
    }
  }
}

Status Index::Close() {
  Status s = Flush();
  stopping_ = true;
  {
    std::lock_guard<std::mutex> l(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  // The merge that may be running finishes; the flush after it records it in a manifest (a merge
  // is recorded by the next flush), so its work is not lost.
  if (bg_thread_.joinable()) bg_thread_.join();
  if (merge_thread_.joinable()) merge_thread_.join();
  if (s.ok()) s = Flush();
  std::lock_guard<std::mutex> lock(apply_mu_);
  closed_ = true;
  if (wal_) {
    Status c = wal_->Close();
    if (s.ok()) s = c;
  }
  return s;
}

}  // namespace vigil::storage
