// Small helpers shared by the generator: hex and address formatting, remote party selection and
// the remoteIpDetails block.
#include <algorithm>
#include <cassert>
#include <charconv>

#include "base/time.h"
#include "findings/generator_internal.h"

namespace vigil::findings::gen {

void AppendHex(std::string* out, uint64_t value, int digits) {
  // Past 16 digits the leading ones are zeros (instance ids: "i-0" + 16 more).
  static constexpr char kHex[] = "0123456789abcdef";
  size_t start = out->size();
  out->resize(start + static_cast<size_t>(digits));
  for (int i = digits - 1; i >= 0; --i) {
    (*out)[start + static_cast<size_t>(i)] = kHex[value & 0xf];
    value >>= 4;
  }
}

void AppendIp(std::string* out, uint32_t ip) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    char octet[4];
    char* end = std::to_chars(octet, octet + sizeof(octet), (ip >> shift) & 0xff).ptr;
    out->append(octet, static_cast<size_t>(end - octet));
    if (shift != 0) out->push_back('.');
  }
}

void AppendUuid(std::string* out, Rng& rng) {
  const uint64_t hi = (rng.Next() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t lo = (rng.Next() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  AppendHex(out, hi >> 32, 8);
  out->push_back('-');
  AppendHex(out, (hi >> 16) & 0xffff, 4);
  out->push_back('-');
  AppendHex(out, hi & 0xffff, 4);
  out->push_back('-');
  AppendHex(out, lo >> 48, 4);
  out->push_back('-');
  AppendHex(out, lo & 0xffffffffffffULL, 12);
}

void AppendAwsId(std::string* out, Rng& rng, int n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (int i = 0; i < n; ++i) out->push_back(kAlphabet[rng.Below(32)]);
}

void WriteTime(JsonWriter& w, std::string* scratch, std::string_view key, int64_t millis) {
  scratch->clear();
  AppendTimestamp(scratch, millis);
  w.Field(key, *scratch);
}

void WriteIpField(JsonWriter& w, std::string* scratch, std::string_view key, uint32_t ip) {
  scratch->clear();
  AppendIp(scratch, ip);
  w.Field(key, *scratch);
}

void WriteTags(JsonWriter& w, Rng& rng, std::span<const std::string_view> keys, int max_tags) {
  static constexpr std::string_view kValues[] = {
      "production", "staging",  "platform",         "payments",  "data-eng",    "web",
      "batch",      "team-sre", "cost-center-4410", "terraform", "ml-training", "backend"};
  const int n = static_cast<int>(rng.Range(std::min(2, max_tags), max_tags));
  w.BeginArray();
  for (int i = 0; i < n && i < static_cast<int>(keys.size()); ++i) {
    w.BeginObject();
    w.Field("key", keys[i]);
    w.Field("value", rng.Pick(kValues));
    w.EndObject();
  }
  w.EndArray();
}

namespace {

void BuildCumulative(std::span<const GeoNetwork> networks, std::vector<uint32_t>& rows,
                     std::vector<int64_t>& cumulative) {
  int64_t total = 0;
  for (uint32_t row : rows) {
    total += networks[row].weight;
    cumulative.push_back(total);
  }
}

Remote InPrefix(const GeoNetwork& network, Rng& rng) {
  uint32_t base = 0;
  int length = 16;
  const bool ok = ParsePrefix(network.prefix, &base, &length);
  assert(ok);
  (void)ok;
  const uint32_t size = 1u << (32 - length);
  uint32_t ip = base;
  for (;;) {
    ip = base + static_cast<uint32_t>(rng.Below(size));
    const uint32_t last = ip & 0xff;
    if (last != 0 && last != 255) break;
  }
  return Remote{&network, ip};
}

}  // namespace

RemotePicker::RemotePicker(uint64_t seed) : networks_(GeoNetworks()) {
  for (uint32_t i = 0; i < networks_.size(); ++i) {
    all_rows_.push_back(i);
    if (networks_[i].kind == NetworkKind::kTor) tor_rows_.push_back(i);
    if (networks_[i].kind == NetworkKind::kCloud) cloud_rows_.push_back(i);
    if (networks_[i].kind != NetworkKind::kCloud) scanner_rows_.push_back(i);
  }
  BuildCumulative(networks_, all_rows_, all_cum_);
  BuildCumulative(networks_, tor_rows_, tor_cum_);
  BuildCumulative(networks_, cloud_rows_, cloud_cum_);
  BuildCumulative(networks_, scanner_rows_, scanner_cum_);
  // A few dozen addresses that hit many accounts, as botnet nodes and scanners do.
  Rng rng(Mix(seed, 0x407));
  for (int i = 0; i < 48; ++i) hot_.push_back(FromRows(rng, all_rows_, all_cum_));
}

Remote RemotePicker::FromRows(Rng& rng, const std::vector<uint32_t>& rows,
                              const std::vector<int64_t>& cumulative) const {
  const int64_t target = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(cumulative.back())));
  size_t lo = 0, hi = cumulative.size() - 1;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (cumulative[mid] > target) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return InPrefix(networks_[rows[lo]], rng);
}

Remote RemotePicker::Pick(Rng& rng, const TypeProfile& profile) const {
  if (profile.tor) return FromRows(rng, tor_rows_, tor_cum_);
  if (profile.cloud_remote) return FromRows(rng, cloud_rows_, cloud_cum_);
  if (rng.Chance(0.15)) return hot_[rng.Below(hot_.size())];
  if (profile.scanner) return FromRows(rng, scanner_rows_, scanner_cum_);
  return FromRows(rng, all_rows_, all_cum_);
}

void WriteRemoteIpDetails(JsonWriter& w, EventContext& ctx, const Remote& remote) {
  std::string& ip = ctx.scratch2;
  ip.clear();
  AppendIp(&ip, remote.ip);
  if (ctx.facts.remote_ip.empty()) ctx.facts.remote_ip = ip;
  const GeoNetwork& n = *remote.network;
  w.Key("remoteIpDetails");
  w.BeginObject();
  w.Field("ipAddressV4", ip);
  w.Key("organization");
  w.BeginObject();
  if (ctx.sample) {
    w.Field("asn", "0");
    w.Field("asnOrg", "GeneratedFindingASNOrg");
    w.Field("isp", "GeneratedFindingISP");
    w.Field("org", "GeneratedFindingORG");
  } else {
    w.Field("asn", n.asn);
    w.Field("asnOrg", n.asn_org);
    w.Field("isp", n.isp);
    w.Field("org", n.org);
  }
  w.EndObject();
  w.Key("country");
  w.BeginObject();
  if (ctx.sample) {
    w.Field("countryName", "GeneratedFindingCountryName");
  } else {
    if (ctx.country_code) w.Field("countryCode", n.country_code);
    w.Field("countryName", n.country_name);
  }
  w.EndObject();
  w.Key("city");
  w.BeginObject();
  w.Field("cityName", ctx.sample ? std::string_view("GeneratedFindingCityName") : n.city);
  w.EndObject();
  w.Key("geoLocation");
  w.BeginObject();
  w.Field("lat", ctx.sample ? 0.0 : n.lat);
  w.Field("lon", ctx.sample ? 0.0 : n.lon);
  w.EndObject();
  w.EndObject();
}

}  // namespace vigil::findings::gen
