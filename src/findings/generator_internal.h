// Internals shared by the generator_*.cc files: the PRNG, the per-type profile, and the context
// one event is written from. Not part of the public API.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"
#include "findings/geo_table.h"

namespace vigil::findings::gen {

// splitmix64: seeds xoshiro and hashes ids into seeds.
constexpr uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
constexpr uint64_t Mix(uint64_t a, uint64_t b) { return Mix(a ^ Mix(b + 0x632be59bd9b4e019ULL)); }

// xoshiro256**: small, fast and identical everywhere, unlike <random> distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) s = seed = Mix(seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0. The multiply-shift bias is irrelevant at these sizes.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  int64_t Range(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[Below(items.size())];
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

enum class ActionKind : uint8_t {
  kNone,
  kPortProbe,
  kNetworkConnection,
  kAwsApiCall,
  kDnsRequest,
  kKubernetesApiCall,
  kRdsLoginAttempt,
};

enum class ResourceKind : uint8_t {
  kInstance,
  kAccessKey,
  kS3Bucket,
  kS3Object,
  kEksCluster,
  kEcsCluster,
  kContainer,
  kLambda,
  kRds,
  kRuntime,  // Instance, Container+EKS or ECSCluster, chosen per resource
  kAttackSequence,
};

enum class Detail : uint8_t { kNone, kRuntime, kMalwareScan, kAttackSequence };

struct ApiCall {
  std::string_view api;
  std::string_view service;  // "iam.amazonaws.com"
};

// Everything the writers need to know about one finding type, derived once from its name.
struct TypeProfile {
  std::string_view type;
  std::string_view purpose;
  std::string_view family;  // threat family name
  std::string_view rta;     // resource type affected
  ActionKind action = ActionKind::kNone;
  ResourceKind resource = ResourceKind::kInstance;
  Detail detail = Detail::kNone;
  bool outbound = false;      // connectionDirection OUTBOUND, resourceRole ACTOR
  bool may_reverse = false;   // brute force: sometimes the instance attacks (OUTBOUND, ACTOR)
  bool threat_intel = false;  // evidence.threatIntelligenceDetails
  bool custom_list = false;   // ".Custom": a customer threat list
  bool tor = false;           // remote party is a Tor exit
  bool cloud_remote = false;  // remote party inside a cloud (InsideAWS, Lambda...)
  bool scanner = false;       // remote parties are mass scanners
  double severity = 5;
  int weight = 10;
  std::string_view feature;  // featureName, empty for none
  int local_port = 0;        // 0: pick per event
  std::string_view protocol = "TCP";
  std::vector<ApiCall> apis;
};

std::vector<TypeProfile> BuildTypeProfiles();

struct Version {
  int64_t updated_at = 0;
  int64_t last_seen = 0;
  uint64_t action_seed = 0;
  uint32_t count = 1;
};

// One finding's identity; versions of it are written from this plus a Version.
struct FindingRecord {
  uint64_t id_seed = 0;
  uint64_t resource_seed = 0;  // shared by findings on the same resource
  int64_t created_at = 0;
  int64_t first_seen = 0;
  Version current;
  Version previous;
  uint32_t type = 0;
  uint16_t account = 0;
  uint8_t region = 0;
  bool sample = false;
  bool has_previous = false;
  bool reversed = false;  // an outbound brute force
  double severity = 5;
};

// A remote party: a row of the geo table and an address in its prefix.
struct Remote {
  const GeoNetwork* network = nullptr;
  uint32_t ip = 0;
};

// Draws remote parties: weighted rows, Tor rows, and a pool of "hot" attackers that recur.
class RemotePicker {
 public:
  explicit RemotePicker(uint64_t seed);
  Remote Pick(Rng& rng, const TypeProfile& profile) const;

 private:
  Remote FromRows(Rng& rng, const std::vector<uint32_t>& rows,
                  const std::vector<int64_t>& cumulative) const;
  std::span<const GeoNetwork> networks_;
  std::vector<uint32_t> all_rows_, tor_rows_, cloud_rows_, scanner_rows_;
  std::vector<int64_t> all_cum_, tor_cum_, cloud_cum_, scanner_cum_;
  std::vector<Remote> hot_;
};

// What the text writer needs from the blocks written before it.
struct Facts {
  std::string resource_label;  // "EC2 instance i-0abc..."
  std::string resource_id;
  std::string remote_ip;
  std::string domain;
  std::string api;
  std::string user;
  std::string threat;
  std::string user_agent;
  uint32_t local_ip = 0;  // the resource's private address
  int port = 0;
};

// The event being written. Owned by the generator and reused, so strings keep their capacity.
struct EventContext {
  const TypeProfile* profile = nullptr;
  const FindingRecord* record = nullptr;
  const Version* version = nullptr;
  const RemotePicker* remotes = nullptr;
  std::string_view account_id;
  std::string_view region;
  char id[33] = {};
  char detector_id[33] = {};
  bool sample = false;
  bool country_code = false;  // write country.countryCode (newer API output)
  bool outbound = false;
  ResourceKind resource = ResourceKind::kInstance;  // resolved (never kRuntime)
  int64_t window_start = 0;
  Facts facts;
  std::string scratch;  // for composed strings; never held across calls
  std::string scratch2;
  std::string info;  // additionalInfo under construction
};

// generator_util.cc
void AppendHex(std::string* out, uint64_t value, int digits);
void AppendIp(std::string* out, uint32_t ip);
void AppendUuid(std::string* out, Rng& rng);
// `n` characters of the upper-case base32 alphabet AWS uses in key and principal ids.
void AppendAwsId(std::string* out, Rng& rng, int n);
// Writes `key` with an ISO timestamp value.
void WriteTime(JsonWriter& w, std::string* scratch, std::string_view key, int64_t millis);
void WriteIpField(JsonWriter& w, std::string* scratch, std::string_view key, uint32_t ip);
void WriteRemoteIpDetails(JsonWriter& w, EventContext& ctx, const Remote& remote);
void WriteTags(JsonWriter& w, Rng& rng, std::span<const std::string_view> keys, int max_tags);

// generator_resources.cc
void WriteResource(JsonWriter& w, EventContext& ctx);
// generator_actions.cc
void WriteAction(JsonWriter& w, EventContext& ctx);
// generator_details.cc: runtimeDetails, ebsVolumeScanDetails, detection, additionalInfo.
void WriteRuntimeDetails(JsonWriter& w, EventContext& ctx);
void WriteMalwareScanDetails(JsonWriter& w, EventContext& ctx);
void WriteAttackSequence(JsonWriter& w, EventContext& ctx);
void WriteAdditionalInfo(JsonWriter& w, EventContext& ctx);
void WriteEvidence(JsonWriter& w, EventContext& ctx);
// generator_text.cc
void AppendTitle(std::string* out, const EventContext& ctx);
void AppendDescription(std::string* out, const EventContext& ctx);

}  // namespace vigil::findings::gen
