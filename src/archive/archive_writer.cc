#include "archive/archive_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <vector>

#include "archive/archive_format.h"
#include "base/crc32.h"
#include "base/gzip.h"
#include "base/time.h"

namespace vigil::archive {

namespace {

// The journal's integer encodings (archive_format.h). The storage module has its own; the archive
// does not depend on it.
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;  // more than 64 bits
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void PutFixed32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (8 * i));
}

uint32_t GetFixed32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return v;
}

// A version-4-shaped UUID from 128 bits, as GuardDuty names its export objects.
std::string FormatUuid(uint64_t hi, uint64_t lo) {
  hi = (hi & ~0xF000ULL) | 0x4000ULL;
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

// FNV-1a over `a`, a separator and `b`, from `seed`, then splitmix64's finaliser. Fixed here, not
// std::hash: a name computed after a crash, maybe by another build, must be the same.
uint64_t Hash64(uint64_t seed, std::string_view a, std::string_view b) {
  constexpr uint64_t kPrime = 0x100000001B3ULL;
  uint64_t h = seed;
  for (unsigned char c : a) h = (h ^ c) * kPrime;
  h = (h ^ 0xFF) * kPrime;  // never in a name or a path
  for (unsigned char c : b) h = (h ^ c) * kPrime;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  return h;
}

// A partition directory read from a journal is joined to the archive root: relative, and no
// empty, "." or ".." component.
bool IsSafeDir(std::string_view dir) {
  if (dir.empty() || dir.find('\0') != std::string_view::npos) return false;
  size_t pos = 0;
  for (;;) {
    size_t slash = dir.find('/', pos);
    std::string_view part = dir.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    pos = slash + 1;
  }
}

struct Entry {
  std::string_view dir;
  uint64_t findings = 0;
  std::string_view member;
};

// Decodes the record at the start of *in into *entries and moves *in past it. Returns null, or
// what is wrong with the record (and leaves *in alone).
const char* DecodeRecord(std::string_view* in, std::vector<Entry>* entries) {
  if (in->size() < kJournalRecordHeaderSize) return "incomplete record header";
  const uint32_t length = GetFixed32(in->data());
  const uint32_t crc = GetFixed32(in->data() + 4);
  if (length > in->size() - kJournalRecordHeaderSize) {
    return "its length runs past the end of the file";
  }
  std::string_view payload = in->substr(kJournalRecordHeaderSize, length);
  if (Crc32(payload) != crc) return "checksum mismatch";
  entries->clear();
  uint64_t count = 0;
  if (!GetVarint(&payload, &count) || count == 0 || count > payload.size()) {
    return "malformed payload";
  }
  for (uint64_t i = 0; i < count; ++i) {
    Entry e;
    uint64_t dir_length = 0;
    uint64_t member_length = 0;
    if (!GetVarint(&payload, &dir_length) || dir_length > payload.size()) {
      return "malformed payload";
    }
    e.dir = payload.substr(0, dir_length);
    payload.remove_prefix(dir_length);
    if (!IsSafeDir(e.dir) || !GetVarint(&payload, &e.findings) ||
        !GetVarint(&payload, &member_length) || member_length > payload.size()) {
      return "malformed payload";
    }
    e.member = payload.substr(0, member_length);
    payload.remove_prefix(member_length);
    entries->push_back(e);
  }
  if (!payload.empty()) return "malformed payload";
  in->remove_prefix(kJournalRecordHeaderSize + length);
  return nullptr;
}

}  // namespace

ArchiveWriter::ArchiveWriter(Env* env, std::string root, ArchiveOptions options)
    : env_(env),
      root_(std::move(root)),
      journal_dir_(JoinPath(root_, kJournalDirName)),
      options_(std::move(options)) {
  std::random_device rd;
  rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(NowMillis()) ^
            (static_cast<uint64_t>(::getpid()) << 16));
}

ArchiveWriter::~ArchiveWriter() {
  if (journal_ != nullptr) (void)journal_->Close();
}

std::string ArchiveWriter::PartitionDir(std::string_view account_id, std::string_view region,
                                        int64_t updated_at) {
  CivilDate d = DateOfMillis(updated_at);
  return fmt::format("{}/{}/{}/{}/{:04}/{:02}/{:02}", kAwsLogsDirName, account_id, kServiceDirName,
                     region, d.year, d.month, d.day);
}

std::string ArchiveWriter::SealedFileName(std::string_view journal_id, std::string_view dir) {
  return FormatUuid(Hash64(0xCBF29CE484222325ULL, journal_id, dir),
                    Hash64(0x6A09E667F3BCC908ULL, journal_id, dir)) +
         std::string(kFileSuffix);
}

void ArchiveWriter::Log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

Status ArchiveWriter::CheckOpen() const {
  if (opened_) return Status::Ok();
  return Status::InvalidArgument("archive: ArchiveWriter::Open() was not called");
}

void ArchiveWriter::Add(std::string_view account_id, std::string_view region, int64_t updated_at,
                        std::string_view raw) {
  Staged::Lines& batch = pending_.partitions[PartitionDir(account_id, region, updated_at)];
  batch.lines.append(raw);
  batch.lines.push_back('\n');
  ++batch.count;
  ++pending_.findings;
  pending_.bytes += raw.size() + 1;
}

Status ArchiveWriter::Open(CommitStats* stats) {
  if (opened_) return Status::Ok();
  Result<FileInfo> info = env_->Stat(journal_dir_);
  if (!info.ok()) return info.status();
  if (info->exists) {
    Result<std::vector<std::string>> files = env_->ListFilesRecursive(journal_dir_);
    if (!files.ok()) return files.status();
    // Sorted by name, which starts with the journal's number: oldest first.
    for (const std::string& path : *files) {
      std::string_view name = BaseName(path);
      if (DirName(path) != journal_dir_ || !name.starts_with(kJournalPrefix) ||
          !name.ends_with(kJournalSuffix) ||
          name.size() < kJournalPrefix.size() + kJournalSuffix.size()) {
        continue;
      }
      std::string_view id = name.substr(
          kJournalPrefix.size(), name.size() - kJournalPrefix.size() - kJournalSuffix.size());
      uint64_t number = 0;
      std::from_chars(id.data(), id.data() + std::min<size_t>(id.size(), 16), number, 16);
      next_journal_number_ = std::max(next_journal_number_, number + 1);
      VIGIL_RETURN_IF_ERROR(SealJournal(path, id, stats, true));
    }
    known_dirs_.insert(journal_dir_);
  }
  opened_ = true;
  return Status::Ok();
}

Status ArchiveWriter::SealJournal(const std::string& path, std::string_view journal_id,
                                  CommitStats* stats, bool recovering, uint64_t limit) {
  Result<std::unique_ptr<MappedFile>> mapped = env_->MapFile(path);
  if (!mapped.ok() && mapped.status().code() == StatusCode::kNotFound && !recovering) {
    // Sealed and removed by an earlier attempt whose directory fsync failed.
    return env_->SyncDir(journal_dir_);
  }
  if (!mapped.ok()) return mapped.status();
  const std::string_view data_view = (*mapped)->data().substr(0, limit);
  const std::string_view* data = &data_view;
  MemberMap members;
  uint64_t findings = 0;
  uint64_t records = 0;
  std::vector<Entry> entries;
  std::string_view rest = *data;
  while (!rest.empty()) {
    const size_t at = data->size() - rest.size();
    if (const char* problem = DecodeRecord(&rest, &entries)) {
      // Only the last record of a journal can have been cut by a crash, and it was never
      // acknowledged (its fsync had not returned). Damage further up looks the same and loses
      // acknowledged commits: the line says where.
      Log(fmt::format(
          "archive journal {}: torn record at byte {} ({}); dropping {} bytes (a commit that was "
          "never acknowledged)",
          path, at, problem, data->size() - at));
      break;
    }
    for (const Entry& e : entries) {
      Members& m = members[std::string(e.dir)];
      m.parts.push_back(e.member);
      m.count += e.findings;
      findings += e.findings;
    }
    ++records;
  }
  if (!members.empty()) VIGIL_RETURN_IF_ERROR(WriteSealedFiles(journal_id, members, stats));
  if (recovering) {
    stats->findings += findings;
    Log(fmt::format("archive journal {}: sealed {} findings of {} commits into {} files", path,
                    findings, records, members.size()));
  }
  mapped->reset();
  Status s = env_->RemoveFile(path);
  if (!s.ok()) return s;
  return env_->SyncDir(journal_dir_);
}

Status ArchiveWriter::StartJournal() {
  if (known_dirs_.count(journal_dir_) == 0) {
    VIGIL_RETURN_IF_ERROR(env_->CreateDirs(journal_dir_));
    known_dirs_.insert(journal_dir_);
  }
  // Numbered by the clock (and above every journal seen), so names sort oldest first.
  uint64_t number = std::max(next_journal_number_, static_cast<uint64_t>(NowMillis()));
  uint64_t hi = rng_();
  uint64_t lo = rng_();
  std::string id = fmt::format("{:016x}-{}", number, FormatUuid(hi, lo));
  std::string path =
      JoinPath(journal_dir_, fmt::format("{}{}{}", kJournalPrefix, id, kJournalSuffix));
  Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(path);
  if (!file.ok()) {
    known_dirs_.erase(journal_dir_);  // removed behind our back? made again next time
    return file.status();
  }
  next_journal_number_ = number + 1;
  journal_ = std::move(*file);
  journal_path_ = std::move(path);
  journal_id_ = std::move(id);
  journal_entry_durable_ = false;
  journal_acked_bytes_ = 0;
  return Status::Ok();
}

Status ArchiveWriter::Commit(CommitStats* stats) { return CommitStaged(&pending_, stats); }

Status ArchiveWriter::CommitStaged(Staged* staged, CommitStats* stats) {
  VIGIL_RETURN_IF_ERROR(CheckOpen());
  if (staged->partitions.empty()) {
    return unsealed_bytes_ > options_.seal_bytes ? Seal(stats) : Status::Ok();
  }
  // A journal whose last write failed is sealed (from memory, which holds exactly its
  // acknowledged records) and deleted before this commit goes to a new one. So is one whose
  // deletion is not durable yet: it may hold a copy of this commit from a failed attempt, which
  // must not come back after a crash beside the copy in the new journal.
  if (!journal_path_.empty() && journal_ == nullptr) {
    VIGIL_RETURN_IF_ERROR(Seal(stats));
  }

  // The record: its header (filled in below), then one entry per partition.
  std::string record(kJournalRecordHeaderSize, '\0');
  PutVarint(&record, staged->partitions.size());
  std::vector<std::pair<size_t, size_t>> members;  // offset and size in `record`, per partition
  members.reserve(staged->partitions.size());
  for (const auto& [dir, batch] : staged->partitions) {
    scratch_.clear();
    VIGIL_RETURN_IF_ERROR(GzipAppendFast(batch.lines, &scratch_));
    PutVarint(&record, dir.size());
    record.append(dir);
    PutVarint(&record, batch.count);
    PutVarint(&record, scratch_.size());
    members.emplace_back(record.size(), scratch_.size());
    record.append(scratch_);
  }
  const size_t length = record.size() - kJournalRecordHeaderSize;
  if (length > std::numeric_limits<uint32_t>::max()) {
    return Status::ResourceExhausted(fmt::format(
        "archive: a commit of {} compressed bytes is over the journal's 4 GiB limit", length));
  }
  PutFixed32(record.data(), static_cast<uint32_t>(length));
  PutFixed32(record.data() + 4, Crc32(std::string_view(record).substr(kJournalRecordHeaderSize)));

  if (journal_path_.empty()) VIGIL_RETURN_IF_ERROR(StartJournal());
  Status s = journal_->Append(record);
  if (s.ok()) s = journal_->Sync();
  if (s.ok() && !journal_entry_durable_) {
    s = env_->SyncDir(journal_dir_);
    journal_entry_durable_ = s.ok();
  }
  if (!s.ok()) {
    (void)journal_->Close();
    journal_.reset();
    return s;
  }

  // Acknowledged: the members join the partitions' unsealed data.
  for (const auto& [offset, size] : members) unsealed_bytes_ += size;
  journal_acked_bytes_ += record.size();
  stats->findings += staged->findings;
  *staged = Staged();
  if (unsealed_bytes_ > options_.seal_bytes) return Seal(stats);
  return Status::Ok();
}

Status ArchiveWriter::Seal(CommitStats* stats) {
  VIGIL_RETURN_IF_ERROR(CheckOpen());
  if (!journal_path_.empty()) {
    if (journal_ != nullptr) {
      (void)journal_->Close();
      journal_.reset();
    }
    // A journal whose last append failed may end in part of a record: sealed up to it, like
    // one a crash left (nothing after the last fsync was acknowledged).
    VIGIL_RETURN_IF_ERROR(
        SealJournal(journal_path_, journal_id_, stats, false, journal_acked_bytes_));
    journal_path_.clear();
    journal_id_.clear();
    unsealed_bytes_ = 0;
  }
  return Status::Ok();
}

Status ArchiveWriter::WriteSealedFiles(std::string_view journal_id, const MemberMap& members,
                                       CommitStats* stats) {
  // Group commit: every file is written under a temporary name and closed, one syncfs makes them
  // all durable, then they are renamed and a second syncfs makes the names durable.
  struct File {
    std::string temp;
    std::string final_path;
  };
  std::vector<File> files;
  files.reserve(members.size());
  auto remove_temps = [&](size_t from) {
    for (size_t i = from; i < files.size(); ++i) (void)env_->RemoveFile(files[i].temp);
  };
  uint64_t bytes = 0;
  for (const auto& [dir, m] : members) {
    std::string full_dir = JoinPath(root_, dir);
    // Directories made once are not checked again: a stat per partition per seal adds up.
    if (known_dirs_.count(full_dir) == 0) {
      // Unsynced: the SyncAll below makes the directories durable with the files.
      Status s = env_->CreateDirsUnsynced(full_dir);
      if (!s.ok()) {
        remove_temps(0);
        return s;
      }
      known_dirs_.insert(full_dir);
    }
    std::string name = SealedFileName(journal_id, dir);
    File f{JoinPath(full_dir, std::string(kTempPrefix) + name), JoinPath(full_dir, name)};
    Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(f.temp);
    if (!file.ok()) {
      known_dirs_.erase(full_dir);  // removed behind our back? made again next time
      remove_temps(0);
      return file.status();
    }
    Status s = Status::Ok();
    uint64_t size = 0;
    for (std::string_view part : m.parts) {
      if (s.ok()) s = (*file)->Append(part);
      size += part.size();
    }
    Status closed = (*file)->Close();
    if (s.ok()) s = closed;
    if (!s.ok()) {
      (void)env_->RemoveFile(f.temp);
      remove_temps(0);
      return s;
    }
    files.push_back(std::move(f));
    bytes += size;
  }
  Status s = env_->SyncAll(root_);
  if (!s.ok()) {
    remove_temps(0);
    return s;
  }
  // A name may exist already, from a seal of the same journal that failed or crashed after its
  // renames: it holds a prefix of the same members, and the rename replaces it.
  for (size_t i = 0; i < files.size(); ++i) {
    s = env_->RenameFile(files[i].temp, files[i].final_path);
    if (!s.ok()) {
      remove_temps(i);
      return s;
    }
  }
  VIGIL_RETURN_IF_ERROR(env_->SyncAll(root_));
  stats->files += files.size();
  stats->compressed_bytes += bytes;
  return Status::Ok();
}

}  // namespace vigil::archive
