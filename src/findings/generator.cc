#include "findings/generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/json_writer.h"
#include "base/time.h"
#include "findings/generator_internal.h"

namespace vigil::findings {

using gen::ActionKind;
using gen::Detail;
using gen::FindingRecord;
using gen::Mix;
using gen::ResourceKind;
using gen::Rng;
using gen::TypeProfile;
using gen::Version;

namespace {

struct Region {
  std::string_view name;
  int weight;
};

// Where GuardDuty detectors run, weighted the way workloads are spread across regions.
constexpr Region kRegions[] = {{"us-east-1", 400},     {"us-west-2", 140},   {"eu-west-1", 100},
                               {"us-east-2", 80},      {"eu-central-1", 60}, {"ap-southeast-1", 40},
                               {"ap-northeast-1", 40}, {"eu-west-2", 30},    {"ap-south-1", 30},
                               {"ap-southeast-2", 30}, {"ca-central-1", 20}, {"sa-east-1", 20},
                               {"us-west-1", 20},      {"eu-north-1", 10},   {"ap-northeast-2", 10},
                               {"eu-west-3", 10},      {"me-central-1", 5},  {"af-south-1", 3}};

constexpr int64_t kDayMillis = 86400000;
constexpr size_t kMaxRecords = 1 << 16;  // findings that can still be updated
constexpr size_t kRecentLines = 32;      // lines a duplicate can repeat
// Every kCoverageStride-th new finding takes the next type in a shuffled cycle over all types,
// so even the rarest type shows up once in every few thousand findings.
constexpr uint64_t kCoverageStride = 10;

// Re-emissions, as fractions of all events.
constexpr double kDuplicateRate = 0.01;
constexpr double kOutOfOrderRate = 0.01;
constexpr double kUpdateRate = 0.28;

size_t PickCumulative(Rng& rng, const std::vector<int64_t>& cumulative) {
  const int64_t target = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(cumulative.back())));
  return static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), target) -
                             cumulative.begin());
}

// Band limits per default severity: Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9-10.
double VarySeverity(Rng& rng, const TypeProfile& p, bool reversed) {
  double base = reversed ? 8 : p.severity;
  if (p.detail == Detail::kAttackSequence ||
      (base >= 8 && p.detail != Detail::kNone && rng.Chance(0.12))) {
    return static_cast<double>(rng.Range(90, 100)) / 10.0;
  }
  if (rng.Chance(0.6)) return base;
  const double lo = base < 4 ? 1.0 : base < 7 ? 4.0 : 7.0;
  const double hi = base < 4 ? 3.9 : base < 7 ? 6.9 : 8.9;
  const double v = base + static_cast<double>(rng.Range(-9, 9)) / 10.0;
  return std::round(std::clamp(v, lo, hi) * 10) / 10;
}

}  // namespace

class GeneratorState {
 public:
  explicit GeneratorState(const GeneratorOptions& options);
  bool Next(std::string* out);

 private:
  void NewFinding(int64_t now, std::string* out);
  bool UpdateFinding(int64_t now, std::string* out);
  bool DeliverLate(std::string* out);
  void Write(const FindingRecord& record, const Version& version, std::string* out);
  void WriteService(JsonWriter& w);

  GeneratorOptions options_;
  Rng rng_;
  std::vector<TypeProfile> profiles_;
  std::vector<int64_t> type_cumulative_;
  std::vector<uint32_t> coverage_order_;
  uint64_t new_findings_ = 0;
  std::vector<std::string> accounts_;
  std::vector<int64_t> account_cumulative_;
  std::string admin_account_;
  std::vector<int64_t> region_cumulative_;
  gen::RemotePicker remotes_;
  std::vector<FindingRecord> records_;
  size_t next_slot_ = 0;  // once records_ is full, the slot the next new finding replaces
  std::array<std::string, kRecentLines> recent_;
  uint64_t recent_count_ = 0;
  uint64_t produced_ = 0;
  int64_t window_start_;
  int64_t window_;
  gen::EventContext ctx_;
};

GeneratorState::GeneratorState(const GeneratorOptions& options)
    : options_(options),
      rng_(Mix(options.seed, 0x6d61696e)),
      profiles_(gen::BuildTypeProfiles()),
      remotes_(options.seed),
      window_start_(options.end_millis - std::max(1, options.days) * kDayMillis),
      window_(std::max(1, options.days) * kDayMillis) {
  int64_t total = 0;
  for (uint32_t i = 0; i < profiles_.size(); ++i) {
    total += profiles_[i].weight;
    type_cumulative_.push_back(total);
    coverage_order_.push_back(i);
  }
  for (size_t i = coverage_order_.size(); i > 1; --i) {
    std::swap(coverage_order_[i - 1], coverage_order_[rng_.Below(i)]);
  }
  std::unordered_set<int64_t> taken;
  const int n_accounts = std::clamp(options.accounts, 1, 10000);  // record.account is 16 bits
  while (static_cast<int>(taken.size()) < n_accounts + 1) {
    const int64_t id = rng_.Range(100000000000LL, 999999999999LL);
    if (!taken.insert(id).second) continue;
    if (admin_account_.empty()) {
      admin_account_ = std::to_string(id);
    } else {
      accounts_.push_back(std::to_string(id));
    }
  }
  total = 0;
  for (int i = 0; i < n_accounts; ++i) {
    total += 1000 / (i + 1) + 20;  // a few accounts hold most workloads
    account_cumulative_.push_back(total);
  }
  total = 0;
  for (const Region& region : kRegions) {
    total += region.weight;
    region_cumulative_.push_back(total);
  }
  records_.reserve(std::min<uint64_t>(options.count, kMaxRecords));
}

bool GeneratorState::Next(std::string* out) {
  if (produced_ >= options_.count) return false;
  const uint64_t i = produced_++;
  // Events advance through the window in order, as a live stream does.
  const double slot = static_cast<double>(window_) / static_cast<double>(options_.count);
  int64_t now = window_start_ + static_cast<int64_t>(slot * (static_cast<double>(i) + rng_.Unit()));
  now = std::clamp(now, window_start_, options_.end_millis);
  const double roll = rng_.Unit();
  const size_t start = out->size();
  bool done = false;
  if (roll < kDuplicateRate && recent_count_ > 0) {
    out->append(recent_[rng_.Below(std::min<uint64_t>(recent_count_, kRecentLines))]);
    return true;  // an exact duplicate is not itself kept for duplication
  } else if (roll < kDuplicateRate + kOutOfOrderRate) {
    done = DeliverLate(out);
  } else if (roll < kDuplicateRate + kOutOfOrderRate + kUpdateRate) {
    done = UpdateFinding(now, out);
  }
  if (!done) NewFinding(now, out);
  recent_[recent_count_++ % kRecentLines].assign(*out, start, out->size() - start);
  return true;
}

void GeneratorState::NewFinding(int64_t now, std::string* out) {
  FindingRecord r;
  const uint64_t n = new_findings_++;
  r.type = n % kCoverageStride == kCoverageStride - 1
               ? coverage_order_[(n / kCoverageStride) % coverage_order_.size()]
               : static_cast<uint32_t>(PickCumulative(rng_, type_cumulative_));
  const TypeProfile& p = profiles_[r.type];
  r.account = static_cast<uint16_t>(PickCumulative(rng_, account_cumulative_));
  r.region = static_cast<uint8_t>(PickCumulative(rng_, region_cumulative_));
  r.id_seed = rng_.Next();
  // Findings share resources: each account and region has a small fleet of each kind.
  static constexpr int kFleet[] = {60, 25, 30, 30, 4, 4, 20, 15, 6, 40, 1};
  const int kind = static_cast<int>(p.resource);
  r.resource_seed = Mix(Mix(options_.seed, r.account * 64 + r.region),
                        static_cast<uint64_t>(kind) * 1000 + rng_.Below(kFleet[kind]));
  r.sample = rng_.Chance(0.01);
  r.reversed = p.may_reverse && rng_.Chance(0.15);
  r.severity = VarySeverity(rng_, p, r.reversed);
  r.created_at = now;
  const int64_t seen = (now - rng_.Range(0, 300) * 1000) / 1000 * 1000;
  r.first_seen = seen;
  r.current.updated_at = now;
  r.current.last_seen = seen;
  r.current.count = static_cast<uint32_t>(
      p.action == ActionKind::kPortProbe || p.family.find("BruteForce") != std::string_view::npos
          ? rng_.Range(1, 40)
          : 1);
  r.current.action_seed = rng_.Next();
  if (records_.size() < kMaxRecords) {
    records_.push_back(r);
  } else {
    records_[next_slot_] = r;
    next_slot_ = (next_slot_ + 1) % kMaxRecords;
  }
  Write(r, r.current, out);
}

bool GeneratorState::UpdateFinding(int64_t now, std::string* out) {
  if (records_.empty()) return false;
  // Half the updates hit recently created findings (ongoing attacks), half any live finding.
  const size_t recent = std::min<size_t>(records_.size(), 200);
  size_t index =
      rng_.Chance(0.5) ? rng_.Below(records_.size()) : records_.size() - 1 - rng_.Below(recent);
  if (records_.size() == kMaxRecords && index >= records_.size() - recent) {
    index = (next_slot_ + kMaxRecords - 1 - (records_.size() - 1 - index)) % kMaxRecords;
  }
  FindingRecord& r = records_[index];
  const int64_t updated =
      std::max(now, r.current.updated_at + rng_.Range(60, int64_t{6} * 3600) * 1000);
  if (updated > options_.end_millis) return false;
  Version v;
  v.updated_at = updated;
  v.last_seen = std::max(r.current.last_seen, (updated - rng_.Range(0, 900) * 1000) / 1000 * 1000);
  v.count = r.current.count + static_cast<uint32_t>(rng_.Range(1, 25));
  v.action_seed = rng_.Next();
  r.previous = r.current;
  r.current = v;
  r.has_previous = true;
  Write(r, r.current, out);
  return true;
}

bool GeneratorState::DeliverLate(std::string* out) {
  if (records_.empty()) return false;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const size_t recent = std::min<size_t>(records_.size(), 400);
    const FindingRecord& r = records_[records_.size() - 1 - rng_.Below(recent)];
    if (!r.has_previous || r.current.count - r.previous.count < 2) continue;
    // A version between the last two, delivered late: older than what was already sent.
    Version v;
    v.count = r.previous.count +
              static_cast<uint32_t>(rng_.Range(1, r.current.count - r.previous.count - 1));
    v.updated_at = r.previous.updated_at + (r.current.updated_at - r.previous.updated_at) / 2;
    v.last_seen = std::clamp(v.updated_at / 1000 * 1000, r.previous.last_seen, r.current.last_seen);
    v.action_seed = Mix(r.current.action_seed, 0x01d);
    Write(r, v, out);
    return true;
  }
  return false;
}

void GeneratorState::Write(const FindingRecord& record, const Version& version, std::string* out) {
  const TypeProfile& p = profiles_[record.type];
  gen::EventContext& ctx = ctx_;
  ctx.profile = &p;
  ctx.record = &record;
  ctx.version = &version;
  ctx.remotes = &remotes_;
  ctx.account_id = accounts_[record.account];
  ctx.region = kRegions[record.region].name;
  ctx.sample = record.sample;
  ctx.country_code = Mix(version.action_seed, 30) % 10 < 3;
  ctx.outbound = p.outbound || record.reversed;
  ctx.window_start = window_start_;
  ctx.resource = p.resource;
  if (p.resource == ResourceKind::kRuntime) {
    const uint64_t pick = record.resource_seed % 100;
    ctx.resource = pick < 50   ? ResourceKind::kInstance
                   : pick < 85 ? ResourceKind::kContainer
                               : ResourceKind::kEcsCluster;
  }
  gen::Facts& f = ctx.facts;
  f.resource_label.clear();
  f.resource_id.clear();
  f.remote_ip.clear();
  f.domain.clear();
  f.api.clear();
  f.user.clear();
  f.threat.clear();
  f.user_agent.clear();
  f.local_ip = 0;
  f.port = 0;
  std::string id;
  id.reserve(32);
  gen::AppendHex(&id, Mix(record.id_seed, 1), 16);
  gen::AppendHex(&id, Mix(record.id_seed, 2), 16);
  std::copy(id.begin(), id.end(), ctx.id);
  std::string detector;
  detector.reserve(32);
  gen::AppendHex(&detector, Mix(Mix(options_.seed, record.account), record.region + 1), 16);
  gen::AppendHex(&detector, Mix(Mix(options_.seed, record.account), record.region + 101), 16);
  std::copy(detector.begin(), detector.end(), ctx.detector_id);

  JsonWriter w(out);
  if (options_.envelope) {
    w.BeginObject();
    w.Field("version", "0");
    ctx.scratch.clear();
    gen::AppendUuid(&ctx.scratch, rng_);
    w.Field("id", ctx.scratch);
    w.Field("detail-type", "GuardDuty Finding");
    w.Field("source", "aws.guardduty");
    w.Field("account", rng_.Chance(0.85) ? std::string_view(admin_account_) : ctx.account_id);
    ctx.scratch.clear();
    AppendTimestamp(&ctx.scratch, version.updated_at);
    ctx.scratch.erase(ctx.scratch.size() - 5, 4);  // drop ".mmm": EventBridge time has seconds
    w.Field("time", ctx.scratch);
    w.Field("region", ctx.region);
    w.Key("resources");
    w.BeginArray();
    w.EndArray();
    w.Key("detail");
  }
  w.BeginObject();
  w.Field("schemaVersion", "2.0");
  w.Field("accountId", ctx.account_id);
  w.Field("region", ctx.region);
  w.Field("partition", "aws");
  w.Field("id", id);
  ctx.scratch.assign("arn:aws:guardduty:").append(ctx.region).append(":").append(ctx.account_id);
  ctx.scratch.append(":detector/").append(detector).append("/finding/").append(id);
  w.Field("arn", ctx.scratch);
  w.Field("type", p.type);
  gen::WriteResource(w, ctx);
  WriteService(w);
  w.Field("severity", record.severity);
  gen::WriteTime(w, &ctx.scratch, "createdAt", record.created_at);
  gen::WriteTime(w, &ctx.scratch, "updatedAt", version.updated_at);
  ctx.scratch.clear();
  gen::AppendTitle(&ctx.scratch, ctx);
  w.Field("title", ctx.scratch);
  ctx.scratch.clear();
  gen::AppendDescription(&ctx.scratch, ctx);
  w.Field("description", ctx.scratch);
  w.EndObject();
  if (options_.envelope) w.EndObject();
}

void GeneratorState::WriteService(JsonWriter& w) {
  gen::EventContext& ctx = ctx_;
  const TypeProfile& p = *ctx.profile;
  w.Key("service");
  w.BeginObject();
  w.Field("serviceName", "guardduty");
  w.Field("detectorId", std::string_view(ctx.detector_id, 32));
  // Older finding generations carry no featureName for the foundational data sources.
  const bool foundational = p.feature == "FlowLogs" || p.feature == "DnsLogs" ||
                            p.feature == "CloudTrail" || p.feature == "S3DataEvents";
  if (!p.feature.empty() && (!foundational || Mix(ctx.record->id_seed, 31) % 10 < 6)) {
    w.Field("featureName", p.feature);
  }
  gen::WriteAction(w, ctx);
  switch (p.detail) {
    case Detail::kRuntime:
      gen::WriteRuntimeDetails(w, ctx);
      break;
    case Detail::kMalwareScan:
      gen::WriteMalwareScanDetails(w, ctx);
      break;
    case Detail::kAttackSequence:
      gen::WriteAttackSequence(w, ctx);
      break;
    case Detail::kNone:
      break;
  }
  w.Field("resourceRole", ctx.outbound ? "ACTOR" : "TARGET");
  gen::WriteEvidence(w, ctx);
  gen::WriteAdditionalInfo(w, ctx);
  gen::WriteTime(w, &ctx.scratch, "eventFirstSeen", ctx.record->first_seen);
  gen::WriteTime(w, &ctx.scratch, "eventLastSeen", ctx.version->last_seen);
  w.Field("archived", false);
  w.Field("count", static_cast<int64_t>(ctx.version->count));
  w.EndObject();
}

FindingGenerator::FindingGenerator(const GeneratorOptions& options)
    : state_(std::make_unique<GeneratorState>(options)) {}

FindingGenerator::~FindingGenerator() = default;

bool FindingGenerator::Next(std::string* out) { return state_->Next(out); }

}  // namespace vigil::findings
