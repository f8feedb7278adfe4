// service.action: one writer per actionType. Each version of a finding draws its action from its
// own seed, so an update names a newer occurrence (another remote IP, port or API).
#include <string_view>

#include "findings/generator_internal.h"

namespace vigil::findings::gen {

namespace {

std::string_view PortName(int port) {
  switch (port) {
    case 21:
      return "FTP";
    case 22:
      return "SSH";
    case 23:
      return "Telnet";
    case 25:
      return "SMTP";
    case 53:
      return "DNS";
    case 80:
      return "HTTP";
    case 110:
      return "POP3";
    case 123:
      return "NTP";
    case 143:
      return "IMAP";
    case 443:
      return "HTTPS";
    case 445:
      return "SMB";
    case 853:
      return "DNS over TLS";
    case 1433:
      return "MSSQL";
    case 3306:
      return "MYSQL";
    case 3389:
      return "RDP";
    case 5432:
      return "POSTGRESQL";
    case 5900:
      return "VNC";
    case 5985:
      return "WinRM";
    case 6379:
      return "REDIS";
    case 8080:
      return "HTTP";
    case 9200:
      return "Elasticsearch";
    case 27017:
      return "MongoDB";
    default:
      return "Unknown";
  }
}

constexpr int kProbedPorts[] = {22,   22,   22,   80,   443,   3389, 23, 445,  8080, 3306,  5432,
                                6379, 1433, 5900, 9200, 27017, 21,   25, 8443, 2375, 11211, 5060};
constexpr int kEmrPorts[] = {8088, 8890, 18080, 20888, 8443, 9443};

void WritePort(JsonWriter& w, std::string_view key, int port) {
  w.Key(key);
  w.BeginObject();
  w.Field("port", port);
  w.Field("portName", PortName(port));
  w.EndObject();
}

void WriteLocalIp(JsonWriter& w, EventContext& ctx) {
  w.Key("localIpDetails");
  w.BeginObject();
  WriteIpField(w, &ctx.scratch, "ipAddressV4", ctx.facts.local_ip);
  w.EndObject();
}

int ProbeCount(Rng& rng) {
  const uint64_t roll = rng.Below(100);
  if (roll < 35) return 1;
  if (roll < 70) return static_cast<int>(rng.Range(2, 3));
  return static_cast<int>(rng.Range(4, 8));
}

void WritePortProbe(JsonWriter& w, EventContext& ctx, Rng& rng) {
  const bool emr = ctx.profile->type.find("EMR") != std::string_view::npos;
  const int port = emr ? rng.Pick(kEmrPorts) : rng.Pick(kProbedPorts);
  ctx.facts.port = port;
  w.Field("actionType", "PORT_PROBE");
  w.Key("portProbeAction");
  w.BeginObject();
  w.Field("blocked", false);
  w.Key("portProbeDetails");
  w.BeginArray();
  const int n = ProbeCount(rng);
  for (int i = 0; i < n; ++i) {
    w.BeginObject();
    WritePort(w, "localPortDetails", i == 0 || rng.Chance(0.5) ? port : rng.Pick(kProbedPorts));
    WriteLocalIp(w, ctx);
    WriteRemoteIpDetails(w, ctx, ctx.remotes->Pick(rng, *ctx.profile));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

int RemoteServicePort(const TypeProfile& p, Rng& rng) {
  if (p.local_port != 0) return p.local_port;
  const std::string_view type = p.type;
  if (type.find("BitcoinTool") != std::string_view::npos)
    return rng.Pick({3333, 4444, 14444, 8333, 5555});
  if (type.find("Tor") != std::string_view::npos) return rng.Pick({9001, 443, 9030});
  if (type.find("DenialOfService") != std::string_view::npos ||
      type.find("Portscan") != std::string_view::npos ||
      type.find("PortSweep") != std::string_view::npos ||
      type.find("NetworkPortUnusual") != std::string_view::npos)
    return rng.Pick(kProbedPorts);
  if (!p.outbound) return rng.Pick(kProbedPorts);
  return rng.Pick({443, 80, 8080, 8443, 1337, 6667});
}

void WriteNetworkConnection(JsonWriter& w, EventContext& ctx, Rng& rng) {
  const int service_port = RemoteServicePort(*ctx.profile, rng);
  const int ephemeral = static_cast<int>(rng.Range(32768, 60999));
  const bool outbound = ctx.outbound;
  ctx.facts.port = service_port;
  w.Field("actionType", "NETWORK_CONNECTION");
  w.Key("networkConnectionAction");
  w.BeginObject();
  w.Field("connectionDirection", outbound ? "OUTBOUND" : "INBOUND");
  w.Field("blocked", false);
  WriteLocalIp(w, ctx);
  WritePort(w, "localPortDetails", outbound ? ephemeral : service_port);
  WritePort(w, "remotePortDetails", outbound ? service_port : ephemeral);
  std::string_view protocol = ctx.profile->protocol;
  if (ctx.profile->type.find("UnusualProtocol") != std::string_view::npos) {
    protocol = rng.Pick({"GRE", "ICMP", "SCTP"});
  }
  w.Field("protocol", protocol);
  WriteRemoteIpDetails(w, ctx, ctx.remotes->Pick(rng, *ctx.profile));
  w.EndObject();
}

constexpr std::string_view kUserAgents[] = {
    "aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0-1055-aws exe/x86_64.ubuntu.22 prompt/off",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.10.12",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.1",
    "console.amazonaws.com",
    "aws-sdk-java/1.12.661 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM",
    "Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0",
    "python-requests/2.31.0",
    "S3 Browser/11.5.7 https://s3browser.com",
    "aws-cli/1.18.69 Python/2.7.18 Linux/4.14.311 botocore/1.16.19"};

void WriteAwsApiCall(JsonWriter& w, EventContext& ctx, Rng& rng) {
  const TypeProfile& p = *ctx.profile;
  const ApiCall& call = p.apis.empty() ? ApiCall{"ListBuckets", "s3.amazonaws.com"}
                                       : p.apis[rng.Below(p.apis.size())];
  ctx.facts.api.assign(call.api);
  const bool ip_based = p.tor || p.threat_intel || p.custom_list || p.purpose == "PenTest" ||
                        p.type.find("Exfiltration") != std::string_view::npos;
  // Calls made by an AWS service on the principal's behalf (callerType "Domain") show up in the
  // behaviour-model findings; threat-list and Tor findings are about the caller's address.
  const bool domain = !ip_based && p.family == "AnomalousBehavior" && rng.Chance(0.3);
  w.Field("actionType", "AWS_API_CALL");
  w.Key("awsApiCallAction");
  w.BeginObject();
  w.Field("api", call.api);
  w.Field("serviceName", call.service);
  w.Field("callerType", domain ? "Domain" : "Remote IP");
  if (rng.Chance(0.18))
    w.Field("errorCode", rng.Pick({"AccessDenied", "UnauthorizedOperation", "NoSuchBucket"}));
  std::string_view agent = rng.Pick(kUserAgents);
  if (p.purpose == "PenTest") {
    if (p.family == "KaliLinux") {
      agent =
          "aws-cli/2.13.25 Python/3.11.5 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off";
    } else if (p.family == "ParrotLinux") {
      agent = "aws-cli/1.29.30 Python/3.11.2 Linux/6.5.0-13parrot1-amd64 botocore/1.31.30";
    } else {
      agent = "Boto3/1.28.57 Python/3.11.5 Linux/6.5.5-pentoo botocore/1.31.57";
    }
  }
  ctx.facts.user_agent.assign(agent);
  w.Field("userAgent", agent);
  if (domain) {
    w.Key("domainDetails");
    w.BeginObject();
    ctx.facts.domain.assign(rng.Pick({"cloudformation.amazonaws.com", "ec2.amazonaws.com",
                                      "lambda.amazonaws.com", "config.amazonaws.com"}));
    w.Field("domain", ctx.facts.domain);
    w.EndObject();
  } else {
    WriteRemoteIpDetails(w, ctx, ctx.remotes->Pick(rng, p));
  }
  w.Key("affectedResources");
  w.BeginObject();
  if (ctx.resource == ResourceKind::kS3Bucket) w.Field("AWS::S3::Bucket", ctx.facts.resource_id);
  w.EndObject();
  if (rng.Chance(0.08)) {
    w.Key("remoteAccountDetails");
    w.BeginObject();
    ctx.scratch.assign(std::to_string(rng.Range(100000000000LL, 999999999999LL)));
    w.Field("accountId", ctx.scratch);
    w.Field("affiliated", false);
    w.EndObject();
  }
  w.EndObject();
}

constexpr std::string_view kTlds[] = {".com", ".net",  ".ru",  ".xyz",
                                      ".top", ".info", ".biz", ".cn"};

// Fills ctx.facts.domain and returns the length of its registrable suffix ("evil.com").
void PickDomain(EventContext& ctx, Rng& rng) {
  std::string& d = ctx.facts.domain;
  d.clear();
  const std::string_view type = ctx.profile->type;
  if (type.find("DGA") != std::string_view::npos) {
    const int n = static_cast<int>(rng.Range(10, 18));
    for (int i = 0; i < n; ++i) d.push_back(static_cast<char>('a' + rng.Below(26)));
    d.append(rng.Pick(kTlds));
  } else if (type.find("DNSDataExfiltration") != std::string_view::npos) {
    AppendHex(&d, rng.Next(), 16);
    AppendHex(&d, rng.Next(), 16);
    d.append(".");
    AppendHex(&d, rng.Next(), 12);
    d.append(".t.exfil-cdn.net");
  } else if (type.find("Bitcoin") != std::string_view::npos) {
    d.assign(rng.Pick({"pool.supportxmr.com", "xmr-eu1.nanopool.org", "xmr.pool.minergate.com",
                       "stratum.antpool.com", "pool.hashvault.pro", "gulf.moneroocean.stream"}));
  } else if (type.find("Phishing") != std::string_view::npos) {
    d.assign(rng.Pick({"secure-login.paypal.com.account-verify.info", "office365-signin.top",
                       "appleid-support.verify-id.xyz"}));
  } else if (type.find("MetadataDNSRebind") != std::string_view::npos) {
    d.assign("a9fea9fe.");
    AppendHex(&d, rng.Next(), 8);
    d.append(".rbndr.us");
  } else if (type.find("C&C") != std::string_view::npos ||
             type.find("DropPoint") != std::string_view::npos) {
    d.assign(rng.Pick({"update.microsoft-cdn.top", "api.telemetry-sync.net", "cdn.jquery-static.ru",
                       "c2.lazarus-ops.xyz", "dl.winupdate-check.com", "ns1.kwork-proxy.info"}));
  } else if (type.find("UnusualDNSResolver") != std::string_view::npos ||
             type.find("UnusualDo") != std::string_view::npos) {
    d.assign(rng.Pick({"dns.google", "cloudflare-dns.com", "dns.quad9.net", "doh.opendns.com"}));
  } else {
    d.assign(rng.Pick({"free-downloads.click", "cdn-storage.top", "mega-files.xyz", "bit.do",
                       "pastebin.com", "transfer.sh", "ngrok-free.app", "duckdns.org"}));
    if (rng.Chance(0.5)) {
      std::string prefix;
      AppendHex(&prefix, rng.Next(), 6);
      d.insert(0, prefix + ".");
    }
  }
}

void WriteDnsRequest(JsonWriter& w, EventContext& ctx, Rng& rng) {
  PickDomain(ctx, rng);
  const std::string& d = ctx.facts.domain;
  // The registrable domain: the last two labels.
  size_t cut = d.rfind('.');
  if (cut != std::string::npos && cut > 0) cut = d.rfind('.', cut - 1);
  w.Field("actionType", "DNS_REQUEST");
  w.Key("dnsRequestAction");
  w.BeginObject();
  w.Field("domain", d);
  w.Field("protocol", "UDP");
  w.Field("blocked", rng.Chance(0.05));
  w.Field("domainWithSuffix",
          cut == std::string::npos ? std::string_view(d) : std::string_view(d).substr(cut + 1));
  w.EndObject();
}

void WriteKubernetesApiCall(JsonWriter& w, EventContext& ctx, Rng& rng) {
  const std::string_view type = ctx.profile->type;
  struct Call {
    std::string_view uri;
    std::string_view verb;
    int status;
  };
  static constexpr Call kReads[] = {
      {"/api/v1/namespaces/kube-system/secrets", "list", 200},
      {"/api/v1/pods", "list", 200},
      {"/api/v1/namespaces/default/configmaps", "get", 200},
      {"/apis/rbac.authorization.k8s.io/v1/clusterroles", "list", 200},
      {"/api/v1/nodes", "list", 200},
      {"/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "create", 201},
      {"/version", "get", 200}};
  static constexpr Call kWrites[] = {
      {"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "create", 201},
      {"/apis/apps/v1/namespaces/default/deployments", "create", 201},
      {"/api/v1/namespaces/kube-system/pods", "create", 201},
      {"/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", "create", 201},
      {"/api/v1/namespaces/default/pods/web-7d4b9c/exec", "create", 101},
      {"/apis/batch/v1/namespaces/default/cronjobs", "create", 201}};
  const bool writes = ctx.profile->purpose == "Persistence" || ctx.profile->purpose == "Impact" ||
                      ctx.profile->purpose == "PrivilegeEscalation" ||
                      ctx.profile->purpose == "Execution" || ctx.profile->purpose == "Policy";
  const Call& call = writes ? rng.Pick(kWrites) : rng.Pick(kReads);
  ctx.facts.api.assign(call.verb).append(" ").append(call.uri);
  const Remote remote = ctx.remotes->Pick(rng, *ctx.profile);
  w.Field("actionType", "KUBERNETES_API_CALL");
  w.Key("kubernetesApiCallAction");
  w.BeginObject();
  w.Field("requestUri", call.uri);
  w.Field("verb", call.verb);
  w.Key("sourceIPs");
  w.BeginArray();
  ctx.scratch.clear();
  AppendIp(&ctx.scratch, remote.ip);
  w.String(ctx.scratch);
  w.EndArray();
  ctx.facts.user_agent.assign(
      rng.Pick({"kubectl/v1.28.2 (linux/amd64) kubernetes/89a4ea3", "python-requests/2.31.0",
                "curl/8.4.0", "Go-http-client/1.1", "kube-hunter/0.6.8", "Mozilla/5.0 zgrab/0.x"}));
  w.Field("userAgent", ctx.facts.user_agent);
  WriteRemoteIpDetails(w, ctx, remote);
  w.Field("statusCode",
          type.find("Anonymous") != std::string_view::npos && rng.Chance(0.2) ? 403 : call.status);
  // "/api/v1/namespaces/<ns>/<resource>[/<name>[/<subresource>]]"
  std::string_view rest = call.uri;
  std::string_view ns = "";
  if (const size_t at = rest.find("/namespaces/"); at != std::string_view::npos) {
    rest = rest.substr(at + 12);
    ns = rest.substr(0, rest.find('/'));
    rest = rest.substr(std::min(rest.size(), ns.size() + 1));
  } else {
    rest = rest.substr(rest.rfind('/') + 1);
  }
  const size_t slash = rest.find('/');
  w.Field("namespace", ns);
  w.Field("resource", rest.substr(0, slash));
  std::string_view name = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  const size_t sub = name.find('/');
  w.Field("resourceName", name.substr(0, sub));
  w.Field("subresource", sub == std::string_view::npos ? "" : name.substr(sub + 1));
  w.Field("parameters", writes ? "{\"kind\":\"ClusterRoleBinding\",\"apiVersion\":"
                                 "\"rbac.authorization.k8s.io/v1\",\"roleRef\":{\"name\":"
                                 "\"cluster-admin\"}}"
                               : "");
  w.EndObject();
}

void WriteRdsLoginAttempt(JsonWriter& w, EventContext& ctx, Rng& rng) {
  const bool success = ctx.profile->type.find("Successful") != std::string_view::npos;
  w.Field("actionType", "RDS_LOGIN_ATTEMPT");
  w.Key("rdsLoginAttemptAction");
  w.BeginObject();
  WriteRemoteIpDetails(w, ctx, ctx.remotes->Pick(rng, *ctx.profile));
  w.Key("LoginAttributes");
  w.BeginArray();
  const int n = static_cast<int>(rng.Range(1, 3));
  for (int i = 0; i < n; ++i) {
    w.BeginObject();
    w.Field("user", i == 0 ? std::string_view(ctx.facts.user)
                           : rng.Pick({"admin", "root", "postgres", "sa", "test"}));
    w.Field("application", rng.Pick({"", "psql", "mysql", "Navicat", "sqlmap"}));
    w.Field("failedLoginAttempts",
            static_cast<int>(rng.Range(success ? 0 : 5, success ? 40 : 900)));
    w.Field("successfulLoginAttempts", success && i == 0 ? static_cast<int>(rng.Range(1, 3)) : 0);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

void WriteAction(JsonWriter& w, EventContext& ctx) {
  Rng rng(ctx.version->action_seed);
  const ActionKind kind = ctx.profile->action;
  if (kind == ActionKind::kNone) {
    // Runtime and malware findings: no action, or an empty one.
    if (ctx.profile->detail != Detail::kAttackSequence && rng.Chance(0.5)) {
      w.Key("action");
      w.BeginObject();
      w.EndObject();
    }
    return;
  }
  w.Key("action");
  w.BeginObject();
  switch (kind) {
    case ActionKind::kPortProbe:
      WritePortProbe(w, ctx, rng);
      break;
    case ActionKind::kNetworkConnection:
      WriteNetworkConnection(w, ctx, rng);
      break;
    case ActionKind::kAwsApiCall:
      WriteAwsApiCall(w, ctx, rng);
      break;
    case ActionKind::kDnsRequest:
      WriteDnsRequest(w, ctx, rng);
      break;
    case ActionKind::kKubernetesApiCall:
      WriteKubernetesApiCall(w, ctx, rng);
      break;
    case ActionKind::kRdsLoginAttempt:
      WriteRdsLoginAttempt(w, ctx, rng);
      break;
    case ActionKind::kNone:
      break;
  }
  w.EndObject();
}

}  // namespace vigil::findings::gen
