// Crash tests of Index (after LevelDB's db/fault_injection_test.cc): a deterministic sequence of
// writes, deletes and flushes runs on a FaultInjectionEnv that fails every mutating call from
// the nth on, for every n a clean run reaches; then the machine "crashes" (unsynced bytes, files
// and renames are dropped) and the index is reopened on the real file system. Every write that
// was acknowledged must be there with its newest acknowledged version, the write in flight must
// be there completely or not at all, and reopening again must give the same state.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "env/fault_injection_env.h"
#include "storage/index.h"
#include "storage/index_test_util.h"
#include "testing/test_util.h"

namespace vigil::storage {
namespace {

using storage::testing::AddDoc;
using storage::testing::LiveSource;
using storage::testing::TestDoc;

// One operation of a write batch. For kDelete only doc.id counts; for kDeleteIfOlder, doc.id and
// `cutoff`.
struct Op {
  OpKind kind = OpKind::kUpsert;
  TestDoc doc;
  int64_t cutoff = 0;
};

// One step of a scenario.
struct Step {
  enum class Type { kWrite, kFlush, kDeleteOlderThan };
  Type type = Type::kWrite;
  std::vector<Op> ops;  // kWrite
  int64_t cutoff = 0;   // kDeleteOlderThan
};

// What the index should hold: id -> version of the live document (sources follow from it).
using Model = std::map<std::string, Version>;

void ApplyOp(const Op& op, Model* model) {
  auto it = model->find(op.doc.id);
  const bool exists = it != model->end();
  switch (op.kind) {
    case OpKind::kUpsert:
      if (!exists || op.doc.version > it->second) (*model)[op.doc.id] = op.doc.version;
      break;
    case OpKind::kIndex:
      (*model)[op.doc.id] = op.doc.version;
      break;
    case OpKind::kCreate:
      if (!exists) (*model)[op.doc.id] = op.doc.version;
      break;
    case OpKind::kDelete:
      if (exists) model->erase(it);
      break;
    case OpKind::kDeleteIfOlder:
      if (exists && it->second.primary < op.cutoff) model->erase(it);
      break;
  }
}

void ApplyStep(const Step& step, Model* model) {
  switch (step.type) {
    case Step::Type::kWrite:
      for (const Op& op : step.ops) ApplyOp(op, model);
      break;
    case Step::Type::kFlush:
      break;
    case Step::Type::kDeleteOlderThan:
      std::erase_if(*model, [&](const auto& kv) { return kv.second.primary < step.cutoff; });
      break;
  }
}

// splitmix64: the same numbers on every platform (std distributions are not).
uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string IdName(uint64_t i) { return "f-" + std::to_string(i); }

// The shape of a generated scenario.
struct ScenarioSpec {
  int steps = 20;
  uint64_t ids = 24;        // ids "f-0" ... "f-<ids - 1>"
  uint64_t max_ops = 8;     // operations per write batch: 1 to max_ops
  int flush_every = 7;      // every flush_every-th step is an explicit Flush()
  int delete_older_at = 9;  // the step that is a retention pass (DeleteOlderThan)
  uint64_t seed = 1;
};

// A deterministic scenario: write batches of upserts (mostly newer versions, some stale),
// Elasticsearch-style index and create operations, deletes and deletes of older versions; an
// explicit flush every few steps and one retention pass. Every document version is distinct (the
// secondary part is a serial number), so a source names the write that produced it.
std::vector<Step> MakeScenario(const ScenarioSpec& spec) {
  uint64_t rng = spec.seed;
  int64_t serial = 0;
  std::vector<Step> scenario;
  for (int i = 0; i < spec.steps; ++i) {
    const int64_t now = 1000 + 10 * int64_t{i};
    Step step;
    if (i == spec.delete_older_at) {
      step.type = Step::Type::kDeleteOlderThan;
      step.cutoff = now - 60;
    } else if (i % spec.flush_every == spec.flush_every - 1) {
      step.type = Step::Type::kFlush;
    } else {
      const uint64_t count = 1 + NextRandom(&rng) % spec.max_ops;
      for (uint64_t j = 0; j < count; ++j) {
        Op op;
        op.doc.id = IdName(NextRandom(&rng) % spec.ids);
        op.doc.type = "Type" + std::to_string(NextRandom(&rng) % 4);
        const uint64_t r = NextRandom(&rng) % 20;
        const int64_t jitter = static_cast<int64_t>(NextRandom(&rng) % 7);
        if (r < 10) {
          op.doc.version = {now + jitter, ++serial};
        } else if (r < 13) {
          op.doc.version = {now - 40 - jitter, ++serial};  // likely stale
        } else if (r < 15) {
          op.kind = OpKind::kIndex;
          op.doc.version = {now - 20 + jitter, ++serial};
        } else if (r < 18) {
          op.kind = OpKind::kCreate;
          op.doc.version = {now + 5 * jitter, ++serial};
        } else if (r < 19) {
          op.kind = OpKind::kDelete;
        } else {
          op.kind = OpKind::kDeleteIfOlder;
          op.cutoff = now - 30;
        }
        step.ops.push_back(std::move(op));
      }
    }
    scenario.push_back(std::move(step));
  }
  return scenario;
}

// The state of an index as id -> source of its live document.
using State = std::map<std::string, std::string>;

State Expected(const Model& model) {
  State state;
  for (const auto& [id, version] : model) state[id] = TestDoc{id, version}.Source();
  return state;
}

// What differs between two states, for failure messages.
std::string Diff(const State& actual, const State& expected) {
  std::string out;
  for (const auto& [id, source] : expected) {
    auto it = actual.find(id);
    if (it == actual.end()) {
      out += "  missing " + source + "\n";
    } else if (it->second != source) {
      out += "  " + id + ": have " + it->second + ", want " + source + "\n";
    }
  }
  for (const auto& [id, source] : actual) {
    if (expected.count(id) == 0) out += "  unexpected " + source + "\n";
  }
  return out;
}

// Sits under the FaultInjectionEnv and keeps the old contents of each file a rename replaced,
// until a sync of its directory makes the rename durable. FaultInjectionEnv::SimulateCrash undoes
// an unsynced rename by moving the new file back to its old name, which leaves nothing under the
// replaced name; after a real crash the old file is still there (rename(2) is atomic: either the
// old or the new file). RestoreReplaced() puts the old file back after SimulateCrash. Without it
// a crash between the rename of MANIFEST.tmp over MANIFEST and the directory sync leaves no
// MANIFEST at all, and recovery loses every flushed document.
class ReplacedFileKeeper final : public Env {
 public:
  explicit ReplacedFileKeeper(Env* base) : base_(base) {}

  // Call after FaultInjectionEnv::SimulateCrash.
  Status RestoreReplaced() {
    std::lock_guard lock(mu_);
    for (const auto& [path, contents] : replaced_) {
      Result<FileInfo> info = base_->Stat(path);
      if (!info.ok()) return info.status();
      if (info->exists) continue;
      Result<std::unique_ptr<WritableFile>> file = base_->NewWritableFile(path);
      if (!file.ok()) return file.status();
      VIGIL_RETURN_IF_ERROR((*file)->Append(contents));
      VIGIL_RETURN_IF_ERROR((*file)->Sync());
      VIGIL_RETURN_IF_ERROR((*file)->Close());
    }
    replaced_.clear();
    return Status::Ok();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    Result<std::string> old = base_->ReadFile(to, uint64_t{1} << 30);
    VIGIL_RETURN_IF_ERROR(base_->RenameFile(from, to));
    std::lock_guard lock(mu_);
    if (old.ok()) replaced_.try_emplace(to, std::move(*old));  // the oldest is the durable one
    return Status::Ok();
  }
  Status SyncDir(const std::string& path) override {
    VIGIL_RETURN_IF_ERROR(base_->SyncDir(path));
    std::lock_guard lock(mu_);
    std::erase_if(replaced_, [&](const auto& kv) { return DirName(kv.first) == path; });
    return Status::Ok();
  }
  Status SyncAll(const std::string& path) override {
    VIGIL_RETURN_IF_ERROR(base_->SyncAll(path));
    std::lock_guard lock(mu_);
    replaced_.clear();
    return Status::Ok();
  }

  Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) override {
    return base_->ReadFile(path, max_bytes);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return base_->NewWritableFile(path);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RemoveDir(const std::string& path) override { return base_->RemoveDir(path); }
  Status CreateDirs(const std::string& path) override { return base_->CreateDirs(path); }
  Status CreateDirsUnsynced(const std::string& path) override {
    return base_->CreateDirsUnsynced(path);
  }
  Result<FileInfo> Stat(const std::string& path) override { return base_->Stat(path); }
  Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir) override {
    return base_->ListFilesRecursive(dir);
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    return base_->MapFile(path);
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }

 private:
  Env* base_;
  std::mutex mu_;
  std::map<std::string, std::string> replaced_;  // path -> contents before an unsynced rename
};

// The environment of one run: faults injected over the real file system.
struct CrashEnv {
  explicit CrashEnv(Env* posix) : keeper(posix), fault(&keeper) {}
  ReplacedFileKeeper keeper;
  FaultInjectionEnv fault;
};

// How one run of a scenario ended.
struct RunResult {
  Model acked;           // the model of the acknowledged steps
  Model with_in_flight;  // the same plus the step that failed (if one did)
  int failed_step = -1;  // the first step that failed, or -1
  Status failure;
  // Mutating calls made since faults were armed, after each step from `fault_from` on (clean
  // runs only: a failed run stops early).
  std::vector<int64_t> calls_after_step;
  // Index statistics after each step (clean runs).
  std::vector<IndexStats> stats_after_step;
};

class IndexCrashTest : public ::testing::Test {
 protected:
  IndexCrashTest() : posix_(NewPosixEnv()) {}

  // Small thresholds: flushes, in-memory merges, tiered merges of files and log rotation all
  // happen several times in a scenario of a few dozen small batches. No background thread: the
  // work runs inside Write and Flush, so a failure point is the same call in every run.
  // In-memory bytes that flush: small enough that the random scenarios flush and merge often,
  // set larger by the scenarios that flush only where they say.
  static inline size_t flush_bytes = 1536;

  static IndexOptions Options(std::vector<std::string>* log) {
    IndexOptions options;
    options.background = false;
    options.flush_bytes = flush_bytes;
    options.max_memory_segments = 2;
    options.merge_factor = 3;
    options.wal_file_bytes = 1 << 10;
    options.flush_zstd_level = 1;
    options.log = [log](std::string_view line) { log->emplace_back(line); };
    return options;
  }

  static std::vector<std::string> AllIds(uint64_t ids) {
    std::vector<std::string> all;
    for (uint64_t i = 0; i < ids; ++i) all.push_back(IdName(i));
    return all;
  }

  // Runs `scenario` on a new index in `dir`: the steps before `fault_from` without faults, then
  // with FailAfter(fail_after), until the end or the first step that fails. Then the index is
  // destroyed (it holds files open and mapped; its destructor does not flush, like a process
  // that dies) and the crash is simulated.
  static RunResult Run(CrashEnv* crash_env, const std::string& dir,
                       const std::vector<Step>& scenario, size_t fault_from, int64_t fail_after) {
    FaultInjectionEnv* env = &crash_env->fault;
    RunResult result;
    std::vector<std::string> log;
    Result<std::unique_ptr<Index>> opened = Index::Open(env, dir, Options(&log));
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return result;
    std::unique_ptr<Index> index = std::move(*opened);
    for (size_t i = 0; i < scenario.size(); ++i) {
      if (i == fault_from) env->FailAfter(fail_after);
      const Step& step = scenario[i];
      Status s;
      switch (step.type) {
        case Step::Type::kWrite: {
          WriteBatch batch;
          for (const Op& op : step.ops) {
            if (op.kind == OpKind::kDelete) {
              batch.Delete(op.doc.id);
            } else if (op.kind == OpKind::kDeleteIfOlder) {
              batch.DeleteIfOlder(op.doc.id, op.cutoff);
            } else {
              AddDoc(&batch, op.doc, op.kind);
            }
          }
          s = index->Write(&batch, nullptr);
          break;
        }
        case Step::Type::kFlush:
          s = index->Flush();
          break;
        case Step::Type::kDeleteOlderThan:
          s = index->DeleteOlderThan(step.cutoff).status();
          break;
      }
      if (!s.ok()) {
        result.failed_step = static_cast<int>(i);
        result.failure = s;
        result.with_in_flight = result.acked;
        ApplyStep(step, &result.with_in_flight);
        break;
      }
      ApplyStep(step, &result.acked);
      if (i >= fault_from) {
        result.calls_after_step.push_back(env->mutating_calls());
        result.stats_after_step.push_back(index->stats());
      }
    }
    if (result.failed_step < 0) result.with_in_flight = result.acked;
    index.reset();
    Status crashed = env->SimulateCrash();
    if (crashed.ok()) crashed = crash_env->keeper.RestoreReplaced();
    EXPECT_TRUE(crashed.ok()) << crashed.ToString();
    return result;
  }

  // A clean run of `scenario`, mutating calls counted from step `fault_from`, crashed at its end.
  RunResult CleanRun(const std::vector<Step>& scenario, size_t fault_from) {
    vigil::testing::TempDir dir;
    CrashEnv env(posix_.get());
    RunResult run = Run(&env, dir.Join("idx"), scenario, fault_from, -1);
    EXPECT_EQ(run.failed_step, -1) << run.failure.ToString();
    return run;
  }

  // Opens the index in `dir` on the real file system and reads the state of `ids` into *state.
  // Returns null, failing the test, when it cannot be opened, when recovery reports damage or
  // when an id is live twice (LiveSource fails the test then, and *ok becomes false).
  std::unique_ptr<Index> Reopen(const std::string& dir, const std::vector<std::string>& ids,
                                State* state, std::vector<std::string>* log, bool* ok) {
    Result<std::unique_ptr<Index>> opened = Index::Open(posix_.get(), dir, Options(log));
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) {
      *ok = false;
      return nullptr;
    }
    std::unique_ptr<Index> index = std::move(*opened);
    for (const std::string& error : index->recovery().errors) {
      ADD_FAILURE() << "recovery reports damage: " << error;
      *ok = false;
    }
    std::shared_ptr<const Snapshot> snapshot = index->GetSnapshot();
    state->clear();
    std::vector<uint32_t> docs;
    for (const std::string& id : ids) {
      std::string source = LiveSource(*snapshot, id);
      if (!source.empty()) (*state)[id] = source;
      int copies = 0;
      for (const SegmentView& view : snapshot->segments) {
        if (!view.segment->FindId(id, &docs).ok()) *ok = false;
        for (uint32_t doc : docs) copies += view.IsLive(doc) ? 1 : 0;
      }
      if (copies > 1) *ok = false;
    }
    if (snapshot->live_docs() != state->size()) {
      ADD_FAILURE() << snapshot->live_docs() << " live documents, " << state->size()
                    << " of them with a scenario id";
      *ok = false;
    }
    return index;
  }

  // Reopens the crashed index in `dir` and checks it against the run's model: the acknowledged
  // steps all there, the step that failed all there or not at all. Then a second reopen, and a
  // reopen after a clean Close (which flushes what recovery replayed into memory), must give the
  // same state. Returns false when something failed.
  bool CheckRecovered(const std::string& dir, const RunResult& run,
                      const std::vector<std::string>& ids) {
    bool ok = true;
    std::vector<std::string> log;
    State recovered;
    std::unique_ptr<Index> index = Reopen(dir, ids, &recovered, &log, &ok);
    if (index == nullptr) return false;
    const State without = Expected(run.acked);
    const State with = Expected(run.with_in_flight);
    if (recovered != without && recovered != with) {
      ADD_FAILURE() << "step " << run.failed_step << " failed (" << run.failure.ToString()
                    << "); the recovered state is neither the acknowledged one:\n"
                    << Diff(recovered, without)
                    << "nor the acknowledged one plus the step that failed:\n"
                    << Diff(recovered, with) << "recovery log:\n  "
                    << ::testing::PrintToString(log);
      ok = false;
    }
    index.reset();

    State again;
    index = Reopen(dir, ids, &again, &log, &ok);
    if (index == nullptr) return false;
    if (again != recovered) {
      ADD_FAILURE() << "a second reopen differs from the first:\n" << Diff(again, recovered);
      ok = false;
    }
    Status closed = index->Close();
    if (!closed.ok()) {
      ADD_FAILURE() << "Close after recovery: " << closed.ToString();
      ok = false;
    }
    index.reset();

    State after_close;
    index = Reopen(dir, ids, &after_close, &log, &ok);
    if (index == nullptr) return false;
    if (after_close != recovered) {
      ADD_FAILURE() << "a reopen after Close differs:\n" << Diff(after_close, recovered);
      ok = false;
    }
    return ok;
  }

  // Crashes `scenario` at every failure point n in [first, last], counted from step
  // `fault_from`, and checks the recovered index each time. The failure points are independent
  // runs in their own directories; a few threads share them out in increasing order (the runs
  // wait on fsync far more than they compute). After a failure no thread takes a new point, so
  // every point below the smallest failing one has been checked and the report names it.
  void CrashAtEveryPoint(const std::vector<Step>& scenario, uint64_t ids, size_t fault_from,
                         int64_t first, int64_t last) {
    const std::vector<std::string> all_ids = AllIds(ids);
    std::atomic<int64_t> next{first};
    std::atomic<bool> failed{false};
    auto worker = [&] {
      while (!failed.load()) {
        const int64_t n = next.fetch_add(1);
        if (n > last) return;
        SCOPED_TRACE(::testing::Message()
                     << "failure point " << n << " (faults from step " << fault_from << ")");
        vigil::testing::TempDir dir;
        CrashEnv env(posix_.get());
        RunResult run = Run(&env, dir.Join("idx"), scenario, fault_from, n);
        if (!CheckRecovered(dir.Join("idx"), run, all_ids)) failed.store(true);
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker);
    for (std::thread& t : threads) t.join();
  }

  static constexpr int kThreads = 4;
  std::unique_ptr<Env> posix_;
};

// How many steps of a clean run merged files (the number of segment files went down).
int TieredMergeSteps(const RunResult& run) {
  int merges = 0;
  for (size_t i = 1; i < run.stats_after_step.size(); ++i) {
    merges += run.stats_after_step[i].file_segments < run.stats_after_step[i - 1].file_segments;
  }
  return merges;
}

// 22 steps over 24 ids: four flushes (two of them explicit), in-memory merges, a tiered merge of
// files while a write group is in memory, a retention pass that deletes about half of the
// documents (from files and from memory), seven log files (rotated at 1 KB); about 250 mutating
// calls.
constexpr ScenarioSpec kEveryPointSpec = {
    .steps = 22, .ids = 24, .max_ops = 8, .flush_every = 8, .delete_older_at = 13, .seed = 5};

TEST_F(IndexCrashTest, CrashAtEveryMutatingCallKeepsAcknowledgedWrites) {
  const std::vector<Step> scenario = MakeScenario(kEveryPointSpec);
  RunResult clean = CleanRun(scenario, 0);
  ASSERT_EQ(clean.failed_step, -1);
  // The scenario exercises what it is meant to.
  const IndexStats& end = clean.stats_after_step.back();
  EXPECT_GE(end.flushes, 4u);
  EXPECT_GE(end.merges, 4u);
  EXPECT_GE(TieredMergeSteps(clean), 1);
  Model before_retention;
  for (int i = 0; i < kEveryPointSpec.delete_older_at; ++i) {
    ApplyStep(scenario[i], &before_retention);
  }
  Model after_retention = before_retention;
  ApplyStep(scenario[kEveryPointSpec.delete_older_at], &after_retention);
  EXPECT_LT(after_retention.size(), before_retention.size())
      << "the retention pass deletes nothing";
  ASSERT_FALSE(HasFailure());

  CrashAtEveryPoint(scenario, kEveryPointSpec.ids, 0, 0, clean.calls_after_step.back());
}

// Bigger batches over more ids than above, so that segments and merges are larger; faults only
// inside the steps that do the most background work: the first Write whose work merged files (a
// flush and a tiered merge of files) and the explicit Flush() with the most
// mutating calls (a segment file, deletion files, a new log, the manifest, removal of obsolete
// files and logs). Every failure point inside the step and the first one past it, with all the
// steps before it acknowledged.
constexpr ScenarioSpec kBackgroundWorkSpec = {
    .steps = 20, .ids = 64, .max_ops = 24, .flush_every = 6, .delete_older_at = 9, .seed = 2};

TEST_F(IndexCrashTest, CrashInsideFlushOrTieredMergeKeepsAcknowledgedWrites) {
  const std::vector<Step> scenario = MakeScenario(kBackgroundWorkSpec);
  RunResult clean = CleanRun(scenario, 0);
  ASSERT_EQ(clean.failed_step, -1);
  int merge_step = -1;
  int flush_step = -1;
  int64_t flush_calls = 0;
  for (size_t i = 1; i < scenario.size(); ++i) {
    const IndexStats& before = clean.stats_after_step[i - 1];
    const IndexStats& after = clean.stats_after_step[i];
    const int64_t calls = clean.calls_after_step[i] - clean.calls_after_step[i - 1];
    if (merge_step < 0 && scenario[i].type == Step::Type::kWrite &&
        after.file_segments < before.file_segments) {
      merge_step = static_cast<int>(i);
    }
    if (scenario[i].type == Step::Type::kFlush && calls > flush_calls) {
      flush_step = static_cast<int>(i);
      flush_calls = calls;
    }
  }
  ASSERT_GE(merge_step, 0) << "no write merged files";
  ASSERT_GE(flush_step, 0);
  for (int step : {merge_step, flush_step}) {
    SCOPED_TRACE(::testing::Message() << "crash inside step " << step);
    RunResult from_step = CleanRun(scenario, static_cast<size_t>(step));
    ASSERT_FALSE(from_step.calls_after_step.empty());
    const int64_t step_calls = from_step.calls_after_step.front();
    ASSERT_GT(step_calls, 10) << "the step did no background work";
    CrashAtEveryPoint(scenario, kBackgroundWorkSpec.ids, static_cast<size_t>(step), 0, step_calls);
    if (HasFailure()) return;
  }
}

Step WriteStep(std::vector<Op> ops) {
  Step step;
  step.ops = std::move(ops);
  return step;
}

Step FlushStep() {
  Step step;
  step.type = Step::Type::kFlush;
  return step;
}

// A tiered merge that runs while a write group is still in memory. Its manifest records the
// deletions made by every operation so far, but the log replay start it records is the first
// operation of the oldest in-memory segment, so reopening replays operations that already
// removed documents against a state in which those documents are already gone. Replayed, they
// must decide as they did: here a create of an id that was present (no effect) and then an
// upsert that replaced the old version. Three files of tier 0 after the last write: "f-1" (1
// document), "f-2" (1), and "f-0, f-3, f-4" (3 documents, tier 1 until the upsert of f-0 deletes
// one).
TEST_F(IndexCrashTest, TieredMergeWithWritesInMemoryKeepsAcknowledgedOutcomes) {
  struct FlushOnlyWhenAsked {
    FlushOnlyWhenAsked() { flush_bytes = 1 << 20; }
    ~FlushOnlyWhenAsked() { flush_bytes = 1536; }
  } flush_only_when_asked;
  const std::string x = IdName(0);
  const std::vector<Step> scenario = {
      WriteStep({{OpKind::kUpsert, {IdName(1), {100, 1}}}}),
      FlushStep(),
      WriteStep({{OpKind::kUpsert, {IdName(2), {100, 2}}}}),
      FlushStep(),
      WriteStep({{OpKind::kUpsert, {x, {100, 3}}},
                 {OpKind::kUpsert, {IdName(3), {100, 4}}},
                 {OpKind::kUpsert, {IdName(4), {100, 5}}}}),
      FlushStep(),
      WriteStep({{OpKind::kUpsert, {IdName(5), {100, 6}}}}),  // stays in memory
      WriteStep({{OpKind::kCreate, {x, {900, 7}}}}),          // x exists: no effect
      WriteStep({{OpKind::kUpsert, {x, {200, 8}}}}),          // replaces x; merges 3 files
  };
  RunResult clean = CleanRun(scenario, 0);
  ASSERT_EQ(clean.failed_step, -1);
  const IndexStats& before = clean.stats_after_step[scenario.size() - 2];
  const IndexStats& after = clean.stats_after_step.back();
  ASSERT_EQ(before.file_segments, 3u);
  ASSERT_EQ(after.file_segments, 1u) << "the last write did not merge the three files";
  ASSERT_EQ(after.memory_segments, 2u);
  ASSERT_EQ(clean.acked.at(x), (Version{200, 8}));
  CrashAtEveryPoint(scenario, 6, 0, 0, clean.calls_after_step.back());
}

}  // namespace
}  // namespace vigil::storage
