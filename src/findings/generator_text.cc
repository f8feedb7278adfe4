// Titles and descriptions, modelled on the sentences GuardDuty writes for each finding family.
// Placeholders: {r} the resource ("EC2 instance i-0abc..."), {ip} the remote IP, {d} the domain,
// {dip} the domain or else the IP, {api} the API, {u} the user, {p} the port, {t} the threat name.
#include <string_view>

#include "findings/generator_internal.h"

namespace vigil::findings::gen {

namespace {

struct Text {
  std::string_view match;  // substring of the type; the first match wins
  std::string_view title;
  std::string_view description;
};

constexpr Text kTexts[] = {
    {"PortProbeEMR", "Unprotected EMR-related port on {r} is being probed.",
     "An EMR-related sensitive port {p} on {r} is not blocked by a security group and is being "
     "probed by a known malicious host {ip}."},
    {"PortProbe", "Unprotected port on {r} is being probed.",
     "{r} has an unprotected port {p} which is being probed by a known malicious host {ip}."},
    {"SSHBruteForce", "{ip} is performing SSH brute force attacks against {r}.",
     "{ip} is performing SSH brute force attacks against {r}. Brute force attacks are used to "
     "gain unauthorized access to your instance by guessing the SSH password."},
    {"RDPBruteForce", "{ip} is performing RDP brute force attacks against {r}.",
     "{ip} is performing RDP brute force attacks against {r}. Brute force attacks are used to "
     "gain unauthorized access to your instance by guessing the RDP password."},
    {"WinRMBruteForce", "{ip} is performing WinRM brute force attacks against {r}.",
     "{ip} is performing WinRM brute force attacks against {r}, attempting to guess the "
     "credentials of a Windows account."},
    {"Portscan", "{r} is performing outbound port scans against remote host {ip}.",
     "{r} is performing outbound port scans against remote host {ip}. This may indicate that "
     "the instance is compromised."},
    {"PortSweep", "{r} is performing a port sweep on remote hosts such as {ip}.",
     "{r} is probing port {p} on a large number of IP addresses, including {ip}."},
    {"DenialOfService",
     "{r} is behaving in a manner that may indicate it is being used to perform a "
     "Denial of Service (DoS) attack.",
     "{r} is sending a large volume of traffic to remote host {ip} on port {p}. This may "
     "indicate that the instance is compromised and used in a DoS attack."},
    {"Spambot", "{r} is behaving in a manner indicating it is being used to send spam.",
     "{r} is communicating with remote host {ip} on port 25. This may indicate that it is "
     "compromised and being used to send spam."},
    {"TorIPCaller", "API {api} was invoked from a Tor exit node IP address {ip}.",
     "API {api} was invoked by {u} from the Tor exit node IP address {ip}. This can indicate "
     "unauthorized access to your AWS resources with the intent of hiding the caller's identity."},
    {"TorRelay", "{r} is communicating with Tor network as a relay.",
     "{r} is communicating with {ip}, a Tor node, in a manner that suggests it is acting as a "
     "Tor relay."},
    {"TorClient", "{r} is communicating with a Tor entry node.",
     "{r} is making connections to the Tor Entry node {ip}. This may indicate unauthorized "
     "access to your AWS resources with the intent of hiding the true identity of the attacker."},
    {"MaliciousIPCaller", "Activity from a known malicious IP address {ip} against {r}.",
     "{ip}, an IP address on a threat list ({t}), made calls or connections involving {r}."},
    {"C&CActivity",
     "{r} is querying a domain name associated with a known command and control "
     "server.",
     "{r} is communicating with {dip}, which is associated with a known command and control "
     "server ({t})."},
    {"BitcoinTool", "{r} is communicating with a Bitcoin mining pool.",
     "{r} is communicating with {dip}, an address associated with cryptocurrency-related "
     "activity."},
    {"DGADomainRequest", "{r} is querying algorithmically generated domains.",
     "{r} is querying {d}, a domain that appears to be algorithmically generated. Such domains "
     "are commonly used by malware to reach command and control servers."},
    {"DNSDataExfiltration", "Data exfiltration through DNS queries from {r}.",
     "{r} is making DNS queries such as {d} that may be used to exfiltrate data over DNS."},
    {"DomainRequest", "{r} is querying a suspicious domain name.",
     "{r} is querying {d}, a domain with a poor reputation or on a threat list."},
    {"DriveBySourceTraffic", "{r} is querying a domain name associated with drive-by downloads.",
     "{r} is querying {d}, a domain known to host drive-by download attacks."},
    {"MetadataDNSRebind",
     "{r} is performing DNS lookups that resolve to the instance metadata service.",
     "{r} queried {d}, which resolves to the EC2 metadata IP address 169.254.169.254. This can "
     "be used to exfiltrate instance credentials."},
    {"BlackholeTraffic", "{r} is attempting to communicate with a black hole IP address.",
     "{r} is attempting to communicate with {dip}, a black hole (sink hole) address."},
    {"DropPoint", "{r} is communicating with a drop point for stolen data.",
     "{r} is communicating with {dip}, known to hold credentials and data stolen by malware."},
    {"NetworkPortUnusual",
     "Unusual outbound communication seen from {r} to remote host {ip} on "
     "unusual server port {p}.",
     "{r} is communicating with remote host {ip} on port {p}, which it has not used before."},
    {"TrafficVolumeUnusual", "Unusual amount of network traffic sent from {r} to {ip}.",
     "{r} is sending an unusually large amount of traffic to remote host {ip}."},
    {"Unusual", "{r} is using an unusual DNS resolution path.",
     "{r} is communicating with {d} on port {p}, bypassing the VPC resolver."},
    {"InstanceCredentialExfiltration", "Credentials for {r} used from a remote account or address.",
     "Credentials created exclusively for an EC2 instance through an instance launch role are "
     "being used from {ip} to call {api}."},
    {"ConsoleLoginSuccess", "Unusual console login was seen for {u}.",
     "Console login for {u} from {ip} is unusual for this principal."},
    {"RootCredentialUsage", "API {api} was invoked using root credentials.",
     "API {api} was invoked using root credentials from IP address {ip}."},
    {"CloudTrailLoggingDisabled", "AWS CloudTrail trail was disabled by {u}.",
     "{u} called {api} to disable a CloudTrail trail. This can be used to hide activity."},
    {"PasswordPolicyChange", "Account password policy was weakened by {u}.",
     "{u} called {api} and weakened the account password policy."},
    {"PenTest", "API {api} was invoked from a penetration testing distribution.",
     "API {api} was invoked by {u} from a machine running a penetration testing Linux "
     "distribution at {ip}."},
    {"AnomalousBehavior", "Anomalous API {api} was invoked by {u}.",
     "APIs commonly used in {purpose} tactics were invoked by {u} from {ip}. The API {api} was "
     "not seen before for this principal."},
    {"MaliciousFile", "Malware {t} detected on {r}.",
     "GuardDuty Malware Protection scanned {r} and detected {t}."},
    {"SuspiciousFile", "Suspicious file {t} detected on {r}.",
     "GuardDuty Malware Protection scanned {r} and detected a suspicious file ({t})."},
    {"Kubernetes/SuccessfulAnonymousAccess", "Unauthenticated user called {api} on {r}.",
     "An unauthenticated user from {ip} successfully called {api} on {r}."},
    {"Kubernetes", "Suspicious Kubernetes API call {api} on {r}.",
     "{u} called {api} on {r} from {ip}, which is associated with this finding's threat."},
    {"RDS", "Suspicious login to {r}.",
     "A login attempt as {u} to {r} was made from {ip}, an unusual or malicious address."},
    {"Runtime", "A suspicious process was observed in {r}.",
     "Runtime Monitoring observed behaviour matching {type} in {r}."},
    {"AttackSequence", "Potential attack sequence involving {r} was detected.",
     "A sequence of signals from {u} at {ip} indicates a multi-stage attack on {r}."},
    {"Policy:S3", "Public access settings of {r} were changed by {u}.",
     "{u} called {api} on {r}, which may expose it to the internet."},
    {"S3", "Suspicious S3 API {api} on {r}.", "{u} called {api} on {r} from {ip}."},
    {"", "{type} detected on {r}.", "GuardDuty detected {type} activity involving {r}."},
};

const Text& TextFor(std::string_view type) {
  for (const Text& text : kTexts) {
    if (type.find(text.match) != std::string_view::npos) return text;
  }
  return kTexts[std::size(kTexts) - 1];
}

void Expand(std::string* out, std::string_view pattern, const EventContext& ctx) {
  const Facts& f = ctx.facts;
  size_t i = 0;
  while (i < pattern.size()) {
    const size_t open = pattern.find('{', i);
    if (open == std::string_view::npos) {
      out->append(pattern.substr(i));
      return;
    }
    out->append(pattern.substr(i, open - i));
    const size_t close = pattern.find('}', open);
    const std::string_view name = pattern.substr(open + 1, close - open - 1);
    if (name == "r") {
      out->append(f.resource_label.empty() ? std::string_view("the resource")
                                           : std::string_view(f.resource_label));
    } else if (name == "ip") {
      out->append(f.remote_ip.empty() ? std::string_view("a remote host")
                                      : std::string_view(f.remote_ip));
    } else if (name == "d") {
      // Used as "{dip}": only one of the two is set for a given action.
      out->append(f.domain);
    } else if (name == "api") {
      out->append(f.api.empty() ? std::string_view("an API") : std::string_view(f.api));
    } else if (name == "u") {
      out->append(f.user.empty() ? std::string_view("a principal") : std::string_view(f.user));
    } else if (name == "p") {
      out->append(std::to_string(f.port));
    } else if (name == "t") {
      out->append(f.threat.empty() ? std::string_view("a known threat")
                                   : std::string_view(f.threat));
    } else if (name == "type") {
      out->append(ctx.profile->type);
    } else if (name == "purpose") {
      out->append(ctx.profile->purpose);
    }
    i = close + 1;
  }
}

}  // namespace

void AppendTitle(std::string* out, const EventContext& ctx) {
  Expand(out, TextFor(ctx.profile->type).title, ctx);
}

void AppendDescription(std::string* out, const EventContext& ctx) {
  Expand(out, TextFor(ctx.profile->type).description, ctx);
}

}  // namespace vigil::findings::gen
