// A table of real networks that show up as remote parties in GuardDuty findings: hosting
// providers, clouds, scanners, Tor exit hosters and consumer ISPs, each with the ASN and names
// MaxMind reports, a city with its coordinates, and a prefix the network announces there.
//
// The generator draws remote IPs from it. `weight` skews the draw the way real attack traffic is
// skewed (China, the US, Russia, the Netherlands and Germany dominate; a long tail follows).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace vigil::findings {

enum class NetworkKind : uint8_t {
  kIsp,      // consumer and business access networks (botnets, compromised hosts)
  kHosting,  // VPS and dedicated hosting, research scanners
  kCloud,    // the large public clouds
  kTor,      // networks hosting Tor exit relays
};

struct GeoNetwork {
  std::string_view country_name;  // as GuardDuty writes it; CountryCodeForName() maps it back
  std::string_view country_code;  // ISO 3166-1 alpha-2
  std::string_view city;
  double lat;
  double lon;
  std::string_view asn;  // GuardDuty writes the ASN as a string
  std::string_view asn_org;
  std::string_view isp;
  std::string_view org;
  std::string_view prefix;  // "a.b.c.d/len", announced by `asn`
  int weight;               // relative frequency as an attack source
  NetworkKind kind;
};

// All rows, in a fixed order (the generator's output depends on it).
std::span<const GeoNetwork> GeoNetworks();

// Parses a row's prefix into a network address (host order) and a length; false if malformed.
bool ParsePrefix(std::string_view prefix, uint32_t* network, int* length);

}  // namespace vigil::findings
