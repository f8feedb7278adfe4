#include "findings/derived_fields.h"

#include <array>
#include <iterator>
#include <string>

#include "base/time.h"
#include "findings/country_codes.h"
#include "findings/finding_type.h"

namespace vigil::findings {

namespace dom = simdjson::dom;

namespace {

enum class Direction { kInbound, kOutbound, kUnknown };

std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kInbound:
      return "inbound";
    case Direction::kOutbound:
      return "outbound";
    case Direction::kUnknown:
      break;
  }
  return "unknown";
}

using ElementResult = simdjson::simdjson_result<dom::element>;

// The string at e[key], or empty when e is an error, not an object, or has no such string.
std::string_view StringAt(ElementResult e, std::string_view key) {
  std::string_view s;
  if (e[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

std::string_view StringAt(dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

// The direction of the action: where the remote party stands relative to the resource.
Direction ActionDirection(std::string_view action_type, dom::element action) {
  if (action_type == "NETWORK_CONNECTION") {
    std::string_view d = StringAt(action["networkConnectionAction"], "connectionDirection");
    if (d == "INBOUND") return Direction::kInbound;
    if (d == "OUTBOUND") return Direction::kOutbound;
    return Direction::kUnknown;
  }
  if (action_type == "PORT_PROBE" || action_type == "AWS_API_CALL" ||
      action_type == "KUBERNETES_API_CALL" || action_type == "RDS_LOGIN_ATTEMPT") {
    return Direction::kInbound;
  }
  if (action_type == "DNS_REQUEST") return Direction::kOutbound;
  return Direction::kUnknown;
}

enum class Leaf { kIp, kCountryName, kCountryCode, kCity, kLocation, kAsn, kAsnOrg, kOrg, kIsp };
constexpr std::string_view kLeafNames[] = {"ip",  "countryName", "countryCode", "city", "location",
                                           "asn", "asnOrg",      "org",         "isp"};
enum class Group { kRemote, kAttacker, kDestination };
constexpr std::string_view kGroupNames[] = {"remote", "attacker", "destination"};
constexpr size_t kLeaves = std::size(kLeafNames);

// "derived.<group>.<leaf>" for every group and leaf, with their hashes: these fields are added
// for every remote party of every finding.
class RemoteFieldNames {
 public:
  RemoteFieldNames() {
    for (size_t g = 0; g < std::size(kGroupNames); ++g) {
      for (size_t l = 0; l < kLeaves; ++l) {
        std::string& name = names_[g * kLeaves + l];
        name = "derived.";
        name.append(kGroupNames[g]).append(".").append(kLeafNames[l]);
        hashes_[g * kLeaves + l] = Document::HashName(name);
      }
    }
  }
  std::string_view name(Group g, Leaf l) const { return names_[Index(g, l)]; }
  uint64_t hash(Group g, Leaf l) const { return hashes_[Index(g, l)]; }

 private:
  static size_t Index(Group g, Leaf l) {
    return static_cast<size_t>(g) * kLeaves + static_cast<size_t>(l);
  }
  std::array<std::string, std::size(kGroupNames) * kLeaves> names_;
  std::array<uint64_t, std::size(kGroupNames) * kLeaves> hashes_;
};

const RemoteFieldNames& Names() {
  static const RemoteFieldNames kNames;  // immutable, built on first use
  return kNames;
}

// The derived.remote.* fields (and their attacker/destination copies) of one party.
class RemoteFields {
 public:
  // `role` is kAttacker, kDestination, or kRemote (remote only).
  RemoteFields(Document* doc, Group role) : doc_(doc), role_(role), names_(Names()) {}

  void Add(dom::element details) {
    std::string_view ip = StringAt(details, "ipAddressV4");
    if (ip.empty()) ip = StringAt(details, "ipAddressV6");
    if (!ip.empty()) Put(Leaf::kIp, Value::String(ip));

    ElementResult country = details["country"];
    std::string_view name = StringAt(country, "countryName");
    std::string_view code = StringAt(country, "countryCode");
    if (code.empty() && !name.empty()) code = CountryCodeForName(name);
    if (name.empty() && !code.empty()) name = CountryNameForCode(code);
    if (!name.empty()) Put(Leaf::kCountryName, Value::String(name));
    if (!code.empty()) Put(Leaf::kCountryCode, Value::String(code));

    std::string_view city = StringAt(details["city"], "cityName");
    if (!city.empty()) Put(Leaf::kCity, Value::String(city));

    dom::element geo;
    double lat, lon;
    if (details["geoLocation"].get(geo) == simdjson::SUCCESS &&
        geo["lat"].get(lat) == simdjson::SUCCESS && geo["lon"].get(lon) == simdjson::SUCCESS &&
        lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
      Put(Leaf::kLocation, Value::GeoPoint(lat, lon));
    }

    dom::element org;
    if (details["organization"].get(org) == simdjson::SUCCESS) {
      dom::element asn;
      if (org["asn"].get(asn) == simdjson::SUCCESS) {
        std::string_view s;
        int64_t n;
        if (asn.get(s) == simdjson::SUCCESS && !s.empty()) {
          Put(Leaf::kAsn, Value::String(s));
        } else if (asn.get(n) == simdjson::SUCCESS) {
          // Older events carry the ASN as a number; the field is a keyword everywhere.
          Put(Leaf::kAsn, Value::String(doc_->Intern(std::to_string(n))));
        }
      }
      for (Leaf leaf : {Leaf::kAsnOrg, Leaf::kOrg, Leaf::kIsp}) {
        std::string_view v = StringAt(org, kLeafNames[static_cast<size_t>(leaf)]);
        if (!v.empty()) Put(leaf, Value::String(v));
      }
    }
  }

 private:
  void Put(Leaf leaf, const Value& v) {
    Emit(Group::kRemote, leaf, v);
    if (role_ != Group::kRemote) Emit(role_, leaf, v);
  }
  void Emit(Group group, Leaf leaf, const Value& v) {
    doc_->Add(names_.name(group, leaf), names_.hash(group, leaf), FieldOrigin::kDerived, v);
  }

  Document* doc_;
  Group role_;
  const RemoteFieldNames& names_;
};

// Calls fn(remoteIpDetails) for every remote party under service.action: each `*Action` object's
// remoteIpDetails, and those of the elements of arrays inside it (portProbeDetails[i]).
template <typename Fn>
void ForEachRemoteParty(dom::element action, Fn fn) {
  dom::object action_object;
  if (action.get(action_object) != simdjson::SUCCESS) return;
  for (dom::key_value_pair kv : action_object) {
    dom::object detail;
    if (kv.value.get(detail) != simdjson::SUCCESS) continue;
    dom::element remote;
    if (detail["remoteIpDetails"].get(remote) == simdjson::SUCCESS && remote.is_object())
      fn(remote);
    for (dom::key_value_pair inner : detail) {
      dom::array items;
      if (inner.value.get(items) != simdjson::SUCCESS) continue;
      for (dom::element item : items) {
        if (item["remoteIpDetails"].get(remote) == simdjson::SUCCESS && remote.is_object()) {
          fn(remote);
        }
      }
    }
  }
}

void AddString(Document* doc, std::string_view name, std::string_view value) {
  if (!value.empty()) doc->Add(name, FieldOrigin::kDerived, Value::String(value));
}

}  // namespace

std::string_view SeverityLabel(double severity) {
  if (severity < 4.0) return "Low";
  if (severity < 7.0) return "Medium";
  if (severity < 9.0) return "High";
  return "Critical";
}

void AddDerivedFields(dom::object finding, const FindingMeta& meta, std::string_view ingested_at,
                      Document* doc) {
  AddString(doc, "derived.severityLabel", SeverityLabel(meta.severity));

  if (std::optional<FindingType> t = ParseFindingType(meta.type)) {
    AddString(doc, "derived.threatPurpose", t->threat_purpose);
    AddString(doc, "derived.resourceTypeAffected", t->resource_type_affected);
    AddString(doc, "derived.threatFamilyName", t->threat_family_name);
    AddString(doc, "derived.detectionMechanism", t->detection_mechanism);
    AddString(doc, "derived.artifact", t->artifact);
  }

  ElementResult service = finding["service"];
  dom::element action;
  bool has_action = service["action"].get(action) == simdjson::SUCCESS && action.is_object();
  std::string_view action_type = has_action ? StringAt(action, "actionType") : std::string_view();
  AddString(doc, "derived.actionType", action_type);

  Direction direction = has_action ? ActionDirection(action_type, action) : Direction::kUnknown;
  AddString(doc, "derived.direction", DirectionName(direction));
  doc->Add("derived.sample", FieldOrigin::kDerived, Value::Bool(meta.sample));

  if (has_action) {
    // With the direction unknown, the resource's role decides: a TARGET was acted upon by the
    // remote party, an ACTOR did the acting.
    std::string_view role = StringAt(service, "resourceRole");
    bool attacker =
        direction == Direction::kInbound || (direction == Direction::kUnknown && role == "TARGET");
    bool destination =
        direction == Direction::kOutbound || (direction == Direction::kUnknown && role == "ACTOR");
    RemoteFields remote(doc, attacker      ? Group::kAttacker
                             : destination ? Group::kDestination
                                           : Group::kRemote);
    ForEachRemoteParty(action, [&](dom::element details) { remote.Add(details); });
  }

  AddString(doc, "derived.ingestedAt", ingested_at);
}

}  // namespace vigil::findings
