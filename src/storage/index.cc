#include "storage/index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <deque>

#include "base/time.h"
#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/deletion_file.h"
#include "storage/wal_reader.h"

namespace vigil::storage {

struct Index::Writer {
  WriteBatch* batch = nullptr;
  std::vector<WriteOutcome>* outcomes = nullptr;
  WriteTrace* trace = nullptr;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

namespace {

// The number in "wal-000012.log" / "seg-000012.vseg" / "seg-000012-000013.del", or 0.
uint64_t FileNumber(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return 0;
  name.remove_prefix(prefix.size());
  uint64_t n = 0;
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') {
    n = n * 10 + static_cast<uint64_t>(name[digits] - '0');
    ++digits;
  }
  return digits == 0 ? 0 : n;
}

// The file of a saved source dictionary: source-<id, 16 hex digits>.zdict.
std::string SourceDictionaryFileName(uint64_t id) {
  return fmt::format("source-{:016x}.zdict", id);
}

// The largest number in a file name of the index (so new names never reuse one).
uint64_t LargestNumber(std::string_view name) {
  uint64_t best = 0;
  for (size_t i = 0; i < name.size();) {
    if (name[i] < '0' || name[i] > '9') {
      ++i;
      continue;
    }
    uint64_t n = 0;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9' && n < (1ULL << 58)) {
      n = n * 10 + static_cast<uint64_t>(name[i] - '0');
      ++i;
    }
    best = std::max(best, n);
  }
  return best;
}

}  // namespace

Index::Index(Env* env, std::string dir, IndexOptions options)
    : env_(env), dir_(std::move(dir)), options_(std::move(options)) {
  if (!options_.log) {
    options_.log = [d = dir_](std::string_view line) {
      std::fprintf(stderr, "vigil: index %s: %.*s\n", d.c_str(), static_cast<int>(line.size()),
                   line.data());
    };
  }
  mapping_ = std::make_shared<Mapping>();
}

Index::~Index() {
  {
    std::lock_guard<std::mutex> l(bg_mu_);
    bg_stop_ = true;
  }
  stopping_ = true;
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
  if (merge_thread_.joinable()) merge_thread_.join();
  std::lock_guard<std::mutex> lock(apply_mu_);
  if (wal_) (void)wal_->Close();
}

Result<std::unique_ptr<Index>> Index::Open(Env* env, const std::string& dir, IndexOptions options) {
  std::unique_ptr<Index> index(new Index(env, dir, std::move(options)));
  VIGIL_RETURN_IF_ERROR(index->Recover());
  if (index->options_.background) {
    Index* raw = index.get();
    index->bg_thread_ = std::thread([raw] { raw->BackgroundLoop(WorkKind::kMemory); });
    index->merge_thread_ = std::thread([raw] { raw->BackgroundLoop(WorkKind::kFiles); });
  }
  return index;
}

Status Index::Recover() {
  std::lock_guard<std::mutex> lock(apply_mu_);
  VIGIL_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  Manifest manifest;
  Result<Manifest> read = ReadManifest(env_, dir_);
  if (read.ok()) {
    manifest = std::move(*read);
  } else if (read.status().code() != StatusCode::kNotFound) {
    return read.status();
  }
  mapping_ = std::make_shared<Mapping>(manifest.mapping);
  next_file_ = manifest.next_file;
  next_seq_ = std::max<uint64_t>(manifest.next_seq, 1);
  const uint64_t wal_start = manifest.wal_start_seq;

  auto report = [this](std::string line) {
    options_.log(line);
    recovery_.errors.push_back(std::move(line));
  };
  for (const ManifestSegment& ms : manifest.segments) {
    std::string path = JoinPath(dir_, ms.file);
    Result<std::unique_ptr<MappedFile>> file = env_->MapFile(path);
    if (!file.ok()) {
      report(fmt::format("cannot open segment {}: {}; its {} documents are unavailable", path,
                         file.status().message(), ms.docs));
      unavailable_.push_back(ms);
      continue;
    }
    Result<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::Open(path, std::move(*file));
    if (!reader.ok()) {
      report(
          fmt::format("{}; its {} documents are unavailable", reader.status().message(), ms.docs));
      continue;
    }
    if ((*reader)->num_docs() != ms.docs) {
      report(fmt::format("segment {} holds {} documents, the manifest says {}; skipped", path,
                         (*reader)->num_docs(), ms.docs));
      unavailable_.push_back(ms);
      continue;
    }
    auto entry = std::make_unique<Entry>();
    entry->reader = *reader;
    entry->on_disk = true;
    entry->file = ms.file;
    entry->deleted = std::make_shared<Bitmap>();
    if (!ms.deletes.empty()) {
      Result<Bitmap> deleted = ReadDeletionFile(env_, JoinPath(dir_, ms.deletes), ms.docs);
      if (deleted.ok()) {
        entry->deleted = std::make_shared<Bitmap>(std::move(*deleted));
        entry->deletes_file = ms.deletes;
        entry->persisted_deleted = entry->deleted->cardinality();
      } else {
        report(fmt::format("{}; deleted and replaced documents of {} may reappear",
                           deleted.status().message(), path));
      }
    }
    segments_.push_back(std::move(entry));
  }

  // Files of the index: find the write-ahead logs and the source dictionaries, and make sure new
  // names are new.
  Result<std::vector<std::string>> files = env_->ListFilesRecursive(dir_);
  if (!files.ok()) return files.status();
  std::vector<std::pair<uint64_t, std::string>> wals;
  for (const std::string& path : *files) {
    std::string_view name = BaseName(path);
    if (name.starts_with("source-")) {
      if (name.ends_with(".zdict") && DirName(path) == dir_) {
        // Named by the dictionary's id, which is a hash of its bytes: a check of them too.
        Result<std::string> bytes = env_->ReadFile(path, 64 << 20);
        Result<std::shared_ptr<const ZstdDictionary>> dict =
            bytes.ok() ? ZstdDictionary::FromBytes(std::move(*bytes))
                       : Result<std::shared_ptr<const ZstdDictionary>>(bytes.status());
        if (dict.ok() && name == SourceDictionaryFileName((*dict)->id())) {
          saved_dicts_[(*dict)->id()] = *dict;
        } else {
          report(fmt::format(
              "source dictionary {} is damaged ({}); log records that need it "
              "cannot be replayed",
              path, dict.ok() ? "its bytes do not match its name" : dict.status().message()));
        }
      }
      continue;
    }
    next_file_ = std::max(next_file_, LargestNumber(name) + 1);
    if (name.ends_with(".log")) {
      uint64_t n = FileNumber(name, "wal-");
      if (n > 0) wals.emplace_back(n, path);
    }
  }
  std::sort(wals.begin(), wals.end());

  // The source dictionary: the newest segment file's (later files share it, so that merges copy
  // their blocks as they are), else a saved one. Write batches use it once it is saved.
  if (options_.source_dictionary) {
    std::shared_ptr<const ZstdDictionary> dict;
    for (auto it = segments_.rbegin(); it != segments_.rend() && dict == nullptr; ++it) {
      Result<std::shared_ptr<const ZstdDictionary>> d = (*it)->reader->SourceDictionary();
      if (d.ok()) dict = *d;
    }
    if (dict == nullptr && !saved_dicts_.empty()) dict = saved_dicts_.rbegin()->second;
    bool saved = dict != nullptr && saved_dicts_.count(dict->id()) > 0;
    if (dict != nullptr && !saved) {
      Status s = SaveSourceDictionary(*dict);
      if (s.ok()) {
        saved_dicts_[dict->id()] = dict;
        saved = true;
      } else {
        options_.log(fmt::format("cannot save the source dictionary: {}", s.message()));
      }
    }
    std::lock_guard<std::mutex> dict_lock(dict_mu_);
    source_dict_ = std::move(dict);
    source_dict_saved_ = saved;
  }

  last_applied_seq_ = next_seq_ - 1;
  for (size_t i = 0; i < wals.size(); ++i) {
    VIGIL_RETURN_IF_ERROR(ReplayWalFile(wals[i].second, wal_start, i + 1 == wals.size()));
  }
  VIGIL_RETURN_IF_ERROR(NewWalFile());
  persisted_wal_start_ = wal_start;
  PruneWalFiles(wal_start);
  RemoveObsoleteFiles();

  // Leftovers of interrupted work: segment and deletion files the manifest does not name (a file
  // it names stays even when it could not be opened), and a manifest never renamed into place.
  for (const std::string& path : *files) {
    std::string_view name = BaseName(path);
    if (DirName(path) != dir_) continue;
    if (name.starts_with("source-") && name.ends_with(".zdict.tmp")) {
      options_.log(fmt::format("removing leftover file {}", path));
      (void)env_->RemoveFile(path);
      continue;
    }
    bool ours = (name.starts_with("seg-") && (name.ends_with(".vseg") || name.ends_with(".del"))) ||
                name == "MANIFEST.tmp";
    if (!ours) continue;
    bool referenced = false;
    for (const ManifestSegment& ms : manifest.segments) {
      if (name == ms.file || name == ms.deletes) referenced = true;
    }
    if (!referenced) {
      options_.log(fmt::format("removing leftover file {}", path));
      (void)env_->RemoveFile(path);
    }
  }
  Publish();
  if (recovery_.replayed_ops > 0 || recovery_.wal_bytes_dropped > 0) {
    options_.log(
        fmt::format("recovered: {} operations replayed from the write-ahead log, {} "
                    "bytes of torn log tail dropped",
                    recovery_.replayed_ops, recovery_.wal_bytes_dropped));
  }
  return Status::Ok();
}

Status Index::Rederive(const WalPayload& payload, WriteBatch* batch) {
  if (!options_.deriver || options_.deriver->codec() != payload.codec) {
    return Status::InvalidArgument(fmt::format(
        "the log holds documents to rebuild with deriver {}, which this process does not have "
        "(open the index with vigil)",
        payload.codec));
  }
  size_t frame = 0;
  std::string raw;
  std::vector<std::string_view> sources;
  size_t next = 0;
  for (const BatchOp& op : payload.ops) {
    if (op.kind == OpKind::kDelete) {
      batch->Delete(op.id);
      continue;
    }
    if (op.kind == OpKind::kDeleteIfOlder) {
      batch->DeleteIfOlder(op.id, op.version.primary);
      continue;
    }
    if (next == sources.size()) {
      if (frame >= payload.frames.size()) return Status::Corruption("derived batch: no source");
      const SourceFrame& f = payload.frames[frame++];
      const ZstdDictionary* dict = nullptr;
      if (payload.has_dict) {
        auto it = saved_dicts_.find(payload.dict_id);
        if (it == saved_dicts_.end()) {
          // Like a missing deriver: the log is sound, this process cannot read it. Refuse to
          // open rather than open without acknowledged documents.
          return Status::InvalidArgument(fmt::format(
              "the log's sources are compressed with the source dictionary {}, which the index "
              "directory does not have (or has damaged): restore that file to open the index",
              SourceDictionaryFileName(payload.dict_id)));
        }
        dict = it->second.get();
      }
      VIGIL_RETURN_IF_ERROR(ZstdDecompressWith(dict, f.bytes, 1u << 30, &raw));
      Status split = SplitSourceFrame(raw, f.entries, &sources);
      if (!split.ok()) return Status::Corruption("derived batch: " + split.message());
      next = 0;
    }
    Status s =
        options_.deriver->Derive(op.kind, op.id, op.version, sources[next++], op.context, batch);
    if (!s.ok()) {
      return Status::Corruption(
          fmt::format("cannot rebuild document {} from its source: {}", op.id, s.message()));
    }
  }
  if (batch->count() != payload.ops.size()) {
    return Status::Corruption("derived batch: the deriver did not give one operation each");
  }
  return Status::Ok();
}

Status Index::ReplayWalFile(const std::string& path, uint64_t wal_start, bool last) {
  Result<std::string> contents = env_->ReadFile(path, 1ULL << 34);
  if (!contents.ok()) return contents.status();
  WalReader reader(*contents);
  WalRecord record;
  uint64_t file_first_seq = 0;
  std::deque<std::string> reps;  // a deque: views into its strings survive push_back
  std::vector<GroupBatch> batches;
  size_t pending_bytes = 0;
  auto apply = [&]() -> Status {
    if (batches.empty()) return Status::Ok();
    std::vector<std::vector<WriteOutcome>*> no_outcomes(batches.size(), nullptr);
    Status s = ApplyGroup(batches, wal_start, no_outcomes);
    batches.clear();
    reps.clear();
    pending_bytes = 0;
    return s;
  };
  bool stopped = false;
  Status s;
  WalPayload payload;
  WriteBatch rebuilt;
  while (reader.Next(&record)) {
    std::string rep;
    s = DecodeWalPayload(record.payload, &payload);
    if (s.ok() && payload.derived) {
      rebuilt.Clear();
      s = Rederive(payload, &rebuilt);
      if (s.ok()) rep = std::string(rebuilt.rep());
    } else if (s.ok()) {
      rep = std::move(payload.rep);
    }
    uint32_t count = 0;
    Decoder count_reader(rep);
    if (s.ok() && !count_reader.GetFixed32(&count)) s = Status::Corruption("bad batch");
    if (!s.ok()) {
      options_.log(fmt::format("{}: record at offset {}: {}; replay of this file stops here", path,
                               record.offset, s.message()));
      recovery_.errors.push_back(fmt::format("{}: {}", path, s.message()));
      // No deriver, or no source dictionary: refuse to open.
      if (s.code() == StatusCode::kInvalidArgument) return s;
      stopped = true;
      break;
    }
    if (file_first_seq == 0) file_first_seq = record.first_seq;
    if (record.first_seq + count > wal_start) {
      recovery_.replayed_ops +=
          record.first_seq >= wal_start ? count : record.first_seq + count - wal_start;
    }
    next_seq_ = std::max(next_seq_, record.first_seq + count);
    pending_bytes += rep.size();
    reps.push_back(std::move(rep));
    batches.push_back({reps.back(), {}, nullptr, record.first_seq});
    if (pending_bytes >= (16u << 20)) {
      s = apply();
      if (!s.ok()) break;
    }
  }
  if (s.ok() || stopped) s = apply();  // what came before a bad payload still goes in
  if (!s.ok()) {
    // A record with a good checksum that does not decode: written by a bug or another format.
    // What came before it is applied; it and the rest of this file are not.
    options_.log(fmt::format("{}: {}; replay of this file stopped", path, s.message()));
    recovery_.errors.push_back(fmt::format("{}: {}", path, s.message()));
    stopped = true;
  }
  // An empty file is a log created at an open (or rotation) that nothing was written to: its
  // header is written with its first record. Nothing to report.
  if (!stopped && reader.end_state() != WalEndState::kClean && !contents->empty()) {
    options_.log(fmt::format("{}: {}; truncating the log to {} bytes, dropping {} bytes{}", path,
                             reader.problem(), reader.valid_size(), reader.dropped_bytes(),
                             last ? " (a write that was never acknowledged)"
                                  : " (in the middle of the log: later logs are still replayed)"));
    recovery_.wal_bytes_dropped += reader.dropped_bytes();
    VIGIL_RETURN_IF_ERROR(env_->TruncateFile(path, reader.valid_size()));
  }
  wal_files_.push_back({path, file_first_seq == 0 ? next_seq_ : file_first_seq});
  wal_bytes_closed_ += std::min<uint64_t>(contents->size(), reader.valid_size());
  return Status::Ok();
}

Status Index::NewWalFile() {
  if (wal_) {
    wal_bytes_closed_ += wal_->size();
    VIGIL_RETURN_IF_ERROR(wal_->Close());
  }
  std::string path = NewFileName("wal-", ".log");
  Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(path);
  if (!file.ok()) return file.status();
  wal_ = std::make_unique<WalWriter>(std::move(*file));
  // The new log's directory entry must be durable before a record in it is acknowledged.
  VIGIL_RETURN_IF_ERROR(env_->SyncDir(dir_));
  wal_files_.push_back({path, next_seq_});
  wal_path_ = path;
  return Status::Ok();
}

std::string Index::NewFileName(std::string_view prefix, std::string_view suffix) {
  return JoinPath(dir_, fmt::format("{}{:06d}{}", prefix, next_file_++, suffix));
}

Status Index::Write(WriteBatch* batch, std::vector<WriteOutcome>* outcomes, WriteTrace* trace) {
  if (outcomes != nullptr) outcomes->clear();
  if (trace != nullptr) *trace = WriteTrace();
  if (batch->count() == 0) return Status::Ok();
  Writer w;
  w.batch = batch;
  w.outcomes = outcomes;
  w.trace = trace;
  std::unique_lock<std::mutex> l(queue_mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.wait(l);
  if (w.done) return w.status;

  // The leader: commit every waiting batch, up to a size limit, with one fsync.
  std::vector<Writer*> group;
  size_t bytes = 0;
  for (Writer* x : writers_) {
    if (!group.empty() && bytes + x->batch->ByteSize() > options_.max_group_bytes) break;
    group.push_back(x);
    bytes += x->batch->ByteSize();
  }
  l.unlock();
  Status s = CommitGroup(group);
  l.lock();
  for (Writer* x : group) {
    writers_.pop_front();
    if (x != &w) {
      x->status = s;
      x->done = true;
      x->cv.notify_one();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  l.unlock();
  if (s.ok()) MaybeScheduleWork();
  return s;
}

Status Index::CommitGroup(std::vector<Writer*>& group) {
  std::unique_lock<std::mutex> lock(apply_mu_);
  // The background thread has fallen behind: wait for a flush rather than fill memory.
  while (options_.background && !closed_ && bg_error_.ok() &&
         MemoryBytes() > options_.max_memory_bytes) {
    ++stalls_;
    state_cv_.wait(lock);
  }
  if (closed_) return Status::Unavailable("index " + dir_ + " is closed");
  if (!bg_error_.ok()) return bg_error_;
  uint64_t seq = next_seq_;
  std::vector<GroupBatch> batches;
  std::vector<std::vector<WriteOutcome>*> outcomes;
  uint64_t t0 = SteadyNanos();
  for (Writer* x : group) {
    Status s = wal_->AddRecord(seq, EncodeWalPayload(x->batch, &wal_buffer_));
    if (!s.ok()) {
      bg_error_ = s;
      return s;
    }
    batches.push_back(
        {x->batch->rep(), x->batch->frames(), x->batch->source_dictionary().get(), seq, x->trace});
    outcomes.push_back(x->outcomes);
    seq += x->batch->count();
  }
  uint64_t t1 = SteadyNanos();
  Status s = wal_->Sync();
  if (!s.ok()) {
    bg_error_ = s;
    return s;
  }
  uint64_t t2 = SteadyNanos();
  log_nanos_ += t1 - t0;
  sync_nanos_ += t2 - t1;
  next_seq_ = seq;
  s = ApplyGroup(batches, 0, outcomes);
  if (!s.ok()) {
    // The batch is in the log but could not be applied: only a bug gets here. Refuse further
    // writes; reopening replays the log.
    bg_error_ = s;
    return s;
  }
  if (wal_->size() >= options_.wal_file_bytes) {
    s = NewWalFile();
    if (!s.ok()) bg_error_ = s;
  }
  return Status::Ok();
}

std::vector<LiveSegment> Index::LiveSegments() const {
  std::vector<LiveSegment> live;
  live.reserve(segments_.size());
  for (const auto& e : segments_) live.push_back({e->reader, e->deleted});
  return live;
}

Mapping* Index::MutableMapping() {
  if (mapping_.use_count() > 1) mapping_ = std::make_shared<Mapping>(*mapping_);
  return mapping_.get();
}

Status Index::ApplyGroup(const std::vector<GroupBatch>& batches, uint64_t skip_below,
                         const std::vector<std::vector<WriteOutcome>*>& outcomes) {
  uint64_t t0 = SteadyNanos();
  std::vector<LiveSegment> live = LiveSegments();
  std::shared_ptr<const ZstdDictionary> dict = SourceDictionary();
  GroupApplier applier(
      live, mapping_.get(), [this] { return MutableMapping(); }, options_.log, dict);
  for (size_t i = 0; i < batches.size(); ++i) {
    WriteTrace* trace = batches[i].trace;
    VIGIL_RETURN_IF_ERROR(applier.Apply(batches[i].rep, batches[i].frames, batches[i].frames_dict,
                                        batches[i].first_seq, skip_below, outcomes[i],
                                        trace != nullptr ? &trace->docs : nullptr));
  }
  for (const auto& [i, bits] : applier.deletions()) {
    Entry& e = *segments_[i];
    auto deleted = std::make_shared<Bitmap>(*e.deleted);
    *deleted |= bits;
    e.deleted = std::move(deleted);
  }
  uint64_t t1 = SteadyNanos();
  apply_nanos_ += t1 - t0;
  if (applier.new_docs() > 0) {
    Result<std::string> bytes = applier.FinishSegment();
    if (!bytes.ok()) return bytes.status();
    auto entry = std::make_unique<Entry>();
    Result<std::shared_ptr<const SegmentReader>> reader = SegmentReader::FromBytes(
        fmt::format("memory-{}", next_memory_id_++), std::move(*bytes), std::move(dict));
    if (!reader.ok()) return reader.status();
    entry->reader = std::move(*reader);
    entry->deleted = std::make_shared<Bitmap>(applier.new_deleted());
    for (const GroupBatch& b : batches) {
      if (b.trace != nullptr) b.trace->segment = entry->reader;
    }
    segments_.push_back(std::move(entry));
    build_nanos_ += SteadyNanos() - t1;
  }
  if (applier.max_seq() > 0) last_applied_seq_ = std::max(last_applied_seq_, applier.max_seq());
  for (const GroupBatch& b : batches) {
    if (b.trace != nullptr) b.trace->mapping = mapping_;
  }
  Publish();
  return Status::Ok();
}

std::shared_ptr<const ZstdDictionary> Index::SourceDictionary() const {
  std::lock_guard<std::mutex> lock(dict_mu_);
  return source_dict_saved_ ? source_dict_ : nullptr;
}

Status Index::SaveSourceDictionary(const ZstdDictionary& dict) {
  const std::string path = JoinPath(dir_, SourceDictionaryFileName(dict.id()));
  const std::string tmp = path + ".tmp";
  Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  Status s = (*file)->Append(dict.bytes());
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = env_->RenameFile(tmp, path);
  if (s.ok()) s = env_->SyncDir(dir_);
  if (!s.ok()) (void)env_->RemoveFile(tmp);
  return s;
}

void Index::Publish() {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->segments.reserve(segments_.size());
  for (const auto& e : segments_) {
    uint64_t deleted = e->deleted->cardinality();
    snapshot->segments.push_back(
        {e->reader, e->deleted, static_cast<uint32_t>(e->reader->num_docs() - deleted)});
  }
  snapshot->mapping = mapping_;
  snapshot->last_seq = last_applied_seq_;
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  current_ = std::move(snapshot);
}

std::shared_ptr<const Snapshot> Index::GetSnapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return current_;
}

Result<uint64_t> Index::DeleteOlderThan(int64_t cutoff) {
  std::shared_ptr<const Snapshot> snapshot = GetSnapshot();
  WriteBatch batch;
  std::vector<WriteOutcome> outcomes;
  uint64_t deleted = 0;
  auto commit = [&]() -> Status {
    VIGIL_RETURN_IF_ERROR(Write(&batch, &outcomes));
    for (WriteOutcome o : outcomes) deleted += o == WriteOutcome::kDeleted ? 1 : 0;
    batch.Clear();
    return Status::Ok();
  };
  for (const SegmentView& view : snapshot->segments) {
    for (uint32_t doc = 0; doc < view.segment->num_docs(); ++doc) {
      if (!view.IsLive(doc)) continue;
      Result<Version> v = view.segment->GetVersion(doc);
      if (!v.ok()) return v.status();
      if (v->primary >= cutoff) continue;
      Result<std::string> id = view.segment->Id(doc);
      if (!id.ok()) return id.status();
      batch.DeleteIfOlder(*id, cutoff);
      if (batch.count() >= 10000) VIGIL_RETURN_IF_ERROR(commit());
    }
  }
  VIGIL_RETURN_IF_ERROR(commit());
  return deleted;
}

IndexStats Index::stats() const {
  std::lock_guard<std::mutex> lock(apply_mu_);
  IndexStats s;
  for (const auto& e : segments_) {
    uint64_t deleted = e->deleted->cardinality();
    s.docs += e->reader->num_docs() - deleted;
    s.deleted_docs += deleted;
    if (e->on_disk) {
      ++s.file_segments;
      s.file_bytes += e->reader->data().size();
    } else {
      ++s.memory_segments;
      s.memory_bytes += e->reader->data().size();
    }
  }
  s.wal_bytes = wal_bytes_closed_ + (wal_ ? wal_->size() : 0);
  s.fields = mapping_->size();
  s.last_seq = last_applied_seq_;
  s.flushes = flushes_;
  s.merges = merges_;
  s.stalls = stalls_;
  s.log_nanos = log_nanos_;
  s.sync_nanos = sync_nanos_;
  s.apply_nanos = apply_nanos_;
  s.build_nanos = build_nanos_;
  s.flush_nanos = flush_nanos_;
  s.merge_nanos = merge_nanos_;
  return s;
}

}  // namespace vigil::storage
