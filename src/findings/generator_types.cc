// Derives a TypeProfile from each active finding type name: which resource and action blocks it
// carries, its default severity, and how often it shows up in a real account.
#include <string_view>

#include "findings/finding_type.h"
#include "findings/generator_internal.h"

namespace vigil::findings::gen {

namespace {

bool Has(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// APIs seen in IAM and S3 findings, by what the principal was doing.
std::vector<ApiCall> ApisFor(const FindingType& t, std::string_view type) {
  if (Has(type, "ConsoleLogin")) return {{"ConsoleLogin", "signin.amazonaws.com"}};
  if (Has(type, "CloudTrailLoggingDisabled"))
    return {{"StopLogging", "cloudtrail.amazonaws.com"},
            {"DeleteTrail", "cloudtrail.amazonaws.com"}};
  if (Has(type, "PasswordPolicyChange"))
    return {{"UpdateAccountPasswordPolicy", "iam.amazonaws.com"},
            {"DeleteAccountPasswordPolicy", "iam.amazonaws.com"}};
  if (Has(type, "BedrockLoggingDisabled"))
    return {{"DeleteModelInvocationLoggingConfiguration", "bedrock.amazonaws.com"}};
  if (Has(type, "ServerAccessLoggingDisabled")) return {{"PutBucketLogging", "s3.amazonaws.com"}};
  if (Has(type, "BlockPublicAccessDisabled"))
    return {{"PutBucketPublicAccessBlock", "s3.amazonaws.com"},
            {"DeletePublicAccessBlock", "s3.amazonaws.com"}};
  if (Has(type, "AccessGranted"))
    return {{"PutBucketAcl", "s3.amazonaws.com"}, {"PutBucketPolicy", "s3.amazonaws.com"}};
  if (Has(type, "AnomalousBehavior.Delete"))
    return {{"DeleteObject", "s3.amazonaws.com"}, {"DeleteObjects", "s3.amazonaws.com"}};
  if (Has(type, "AnomalousBehavior.Write"))
    return {{"PutObject", "s3.amazonaws.com"}, {"CopyObject", "s3.amazonaws.com"}};
  if (Has(type, "AnomalousBehavior.Permission"))
    return {{"PutBucketAcl", "s3.amazonaws.com"}, {"PutObjectAcl", "s3.amazonaws.com"}};
  if (t.resource_type_affected == "S3") {
    if (t.threat_purpose == "Exfiltration" || t.threat_purpose == "UnauthorizedAccess")
      return {{"GetObject", "s3.amazonaws.com"}, {"ListObjects", "s3.amazonaws.com"}};
    if (t.threat_purpose == "Impact")
      return {{"PutObject", "s3.amazonaws.com"}, {"DeleteObject", "s3.amazonaws.com"}};
    return {{"ListObjects", "s3.amazonaws.com"},
            {"GetBucketAcl", "s3.amazonaws.com"},
            {"GetBucketPolicy", "s3.amazonaws.com"},
            {"ListObjectsV2", "s3.amazonaws.com"},
            {"GetBucketLocation", "s3.amazonaws.com"}};
  }
  std::string_view p = t.threat_purpose;
  if (p == "Persistence")
    return {{"CreateUser", "iam.amazonaws.com"},
            {"CreateAccessKey", "iam.amazonaws.com"},
            {"CreateLoginProfile", "iam.amazonaws.com"},
            {"ImportKeyPair", "ec2.amazonaws.com"}};
  if (p == "PrivilegeEscalation")
    return {{"AttachUserPolicy", "iam.amazonaws.com"},
            {"PutUserPolicy", "iam.amazonaws.com"},
            {"AttachRolePolicy", "iam.amazonaws.com"},
            {"AddUserToGroup", "iam.amazonaws.com"}};
  if (p == "Exfiltration")
    return {{"CreateSnapshot", "ec2.amazonaws.com"},
            {"ModifySnapshotAttribute", "ec2.amazonaws.com"},
            {"GetObject", "s3.amazonaws.com"}};
  if (p == "Impact")
    return {{"TerminateInstances", "ec2.amazonaws.com"},
            {"DeleteSecurityGroup", "ec2.amazonaws.com"},
            {"RunInstances", "ec2.amazonaws.com"},
            {"PutBucketVersioning", "s3.amazonaws.com"}};
  if (p == "CredentialAccess")
    return {{"GetSecretValue", "secretsmanager.amazonaws.com"},
            {"GetPasswordData", "ec2.amazonaws.com"},
            {"GetParameters", "ssm.amazonaws.com"}};
  if (p == "DefenseEvasion")
    return {{"DeleteFlowLogs", "ec2.amazonaws.com"},
            {"DeleteDetector", "guardduty.amazonaws.com"},
            {"UpdateTrail", "cloudtrail.amazonaws.com"}};
  if (p == "InitialAccess")
    return {{"GetSessionToken", "sts.amazonaws.com"},
            {"AssumeRole", "sts.amazonaws.com"},
            {"GetCallerIdentity", "sts.amazonaws.com"}};
  if (p == "Policy")
    return {{"ListBuckets", "s3.amazonaws.com"},
            {"DescribeRegions", "ec2.amazonaws.com"},
            {"GetAccountSummary", "iam.amazonaws.com"},
            {"ListUsers", "iam.amazonaws.com"}};
  // Recon, Discovery, PenTest, UnauthorizedAccess: enumeration.
  return {{"ListUsers", "iam.amazonaws.com"},
          {"GetAccountAuthorizationDetails", "iam.amazonaws.com"},
          {"ListRoles", "iam.amazonaws.com"},
          {"ListAccessKeys", "iam.amazonaws.com"},
          {"ListAttachedUserPolicies", "iam.amazonaws.com"},
          {"DescribeInstances", "ec2.amazonaws.com"},
          {"DescribeSecurityGroups", "ec2.amazonaws.com"},
          {"ListBuckets", "s3.amazonaws.com"},
          {"GetCallerIdentity", "sts.amazonaws.com"},
          {"DescribeTrails", "cloudtrail.amazonaws.com"}};
}

bool IsDnsFamily(const FindingType& t, std::string_view type) {
  return t.artifact == "DNS" || Has(type, "DomainRequest") || Has(type, "DNSDataExfiltration") ||
         Has(type, "MetadataDNSRebind");
}

double DefaultSeverity(const FindingType& t, std::string_view type) {
  if (t.threat_purpose == "AttackSequence") return 9.2;
  if (Has(type, "PortProbeEMR")) return 8;
  if (Has(type, "PortProbe") || Has(type, "RootCredentialUsage") ||
      Has(type, "PasswordPolicyChange") || Has(type, "LoggingDisabled") ||
      Has(type, "BlockPublicAccessDisabled") || Has(type, "PtraceAntiDebugging") ||
      Has(type, "BruteForce") || Has(type, "FailedLogin") || Has(type, "Portscan") ||
      Has(type, "AdminAccessToDefaultServiceAccount") || Has(type, "BedrockLoggingDisabled"))
    return 2;
  if (Has(type, "MaliciousFile") && !Has(type, "Runtime")) return 8;
  if (Has(type, "C&CActivity") || Has(type, "BitcoinTool") || Has(type, "DenialOfService") ||
      Has(type, "Spambot") || Has(type, "DGADomainRequest") || Has(type, "Phishing") ||
      Has(type, "DriveBySourceTraffic") || Has(type, "DNSDataExfiltration") ||
      Has(type, "MetadataDNSRebind") || Has(type, "TorRelay") || Has(type, "TorClient") ||
      Has(type, "OutsideAWS") || Has(type, "ReverseShell") || Has(type, "CryptoMiner") ||
      Has(type, "ContainerEscape") || Has(type, "CGroupsReleaseAgent") ||
      Has(type, "ProcessInjection") || Has(type, "FilelessExecution") ||
      Has(type, "MaliciousFileExecuted") || Has(type, "SuccessfulAnonymousAccess") ||
      Has(type, "AccessGranted") || Has(type, "SuccessfulBruteForce") ||
      Has(type, "ExposedDashboard") || Has(type, "KubeflowDashboardExposed") ||
      Has(type, "PrivilegedContainer") || Has(type, "PentooLinux") ||
      Has(type, "SuccessfulLogin") || Has(type, "BitcoinDomainRequest") ||
      Has(type, "MaliciousDomainRequest") || Has(type, "ContainerWithSensitiveMount"))
    return 8;
  return 5;
}

// Relative frequency among new findings, roughly as a busy organisation sees them.
int Weight(const FindingType& t, std::string_view type) {
  if (t.threat_purpose == "AttackSequence") return 1;
  if (type == "Recon:EC2/PortProbeUnprotectedPort") return 600;
  if (type == "UnauthorizedAccess:EC2/SSHBruteForce") return 400;
  if (type == "UnauthorizedAccess:EC2/RDPBruteForce") return 150;
  if (type == "Recon:EC2/PortProbeEMRUnprotectedPort") return 40;
  if (type == "UnauthorizedAccess:IAMUser/TorIPCaller" || type == "Recon:IAMUser/TorIPCaller")
    return 160;
  if (t.threat_purpose == "Recon" && t.resource_type_affected == "IAMUser") return 120;
  if (Has(type, "Kubernetes/SuccessfulAnonymousAccess")) return 70;
  if (type == "Policy:Kubernetes/AnonymousAccessGranted") return 40;
  if (type == "UnauthorizedAccess:EC2/TorClient" || type == "UnauthorizedAccess:EC2/TorRelay")
    return 50;
  if (type == "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom") return 60;
  if (type == "Behavior:EC2/NetworkPortUnusual" || type == "Recon:EC2/Portscan") return 60;
  if (type == "Policy:IAMUser/RootCredentialUsage") return 80;
  if (t.resource_type_affected == "EC2" && IsDnsFamily(t, type)) return 60;
  if (Has(type, "MaliciousIPCaller") || Has(type, "TorIPCaller")) return 25;
  if (Has(type, "IAMUser/AnomalousBehavior")) return 30;
  if (Has(type, "MaliciousFile") || Has(type, "SuspiciousFile")) return 2;
  if (t.resource_type_affected == "Runtime") return 6;
  return 12;
}

}  // namespace

std::vector<TypeProfile> BuildTypeProfiles() {
  std::vector<TypeProfile> profiles;
  for (std::string_view type : ActiveFindingTypes()) {
    std::optional<FindingType> parsed = ParseFindingType(type);
    if (!parsed) continue;
    const FindingType& t = *parsed;
    TypeProfile p;
    p.type = type;
    p.purpose = t.threat_purpose;
    p.family = t.threat_family_name;
    p.rta = t.resource_type_affected;
    p.severity = DefaultSeverity(t, type);
    p.weight = Weight(t, type);
    p.custom_list = t.detection_mechanism == "Custom";
    p.tor = Has(type, "Tor");
    p.scanner = Has(type, "PortProbe");
    p.threat_intel = Has(type, "MaliciousIPCaller") || Has(type, "C&CActivity") ||
                     Has(type, "BitcoinTool") || Has(type, "BlackholeTraffic") ||
                     Has(type, "DropPoint") || Has(type, "Phishing") ||
                     Has(type, "DriveBySourceTraffic") || Has(type, "DomainRequest.Reputation") ||
                     Has(type, "DomainRequest.Custom") || Has(type, "Spambot");
    p.cloud_remote = Has(type, "InsideAWS");
    const std::string_view rta = t.resource_type_affected;
    const bool malware =
        (Has(type, "MaliciousFile") && !Has(type, "Runtime/")) || Has(type, "SuspiciousFile");
    const bool dns = IsDnsFamily(t, type);

    if (t.threat_purpose == "AttackSequence") {
      p.resource = ResourceKind::kAttackSequence;
      p.detail = Detail::kAttackSequence;
      p.feature = "Correlation";
    } else if (malware) {
      p.detail = Detail::kMalwareScan;
      p.feature = "EbsVolumeScan";
      if (rta == "S3") {
        p.resource =
            t.threat_purpose == "Execution" ? ResourceKind::kS3Bucket : ResourceKind::kS3Object;
      } else if (rta == "ECS") {
        p.resource = ResourceKind::kEcsCluster;
      } else if (rta == "Container") {
        p.resource = ResourceKind::kContainer;
      } else if (rta == "Kubernetes") {
        p.resource = ResourceKind::kEksCluster;
      } else {
        p.resource = ResourceKind::kInstance;
      }
    } else if (rta == "Runtime") {
      p.resource = ResourceKind::kRuntime;
      p.detail = Detail::kRuntime;
      p.feature = "RuntimeMonitoring";
      if (dns) {
        p.action = ActionKind::kDnsRequest;
        p.outbound = true;
      } else if (Has(type, "C&CActivity") || Has(type, "BitcoinTool") ||
                 Has(type, "BlackholeTraffic") || Has(type, "DropPoint") || p.tor) {
        p.action = ActionKind::kNetworkConnection;
        p.outbound = !Has(type, "TorRelay");
      }
    } else if (rta == "Kubernetes") {
      p.resource = ResourceKind::kEksCluster;
      p.action = ActionKind::kKubernetesApiCall;
      p.feature = "KubernetesAuditLogs";
    } else if (rta == "RDS") {
      p.resource = ResourceKind::kRds;
      p.action = ActionKind::kRdsLoginAttempt;
      p.feature = "RdsLoginEvents";
    } else if (rta == "IAMUser" || rta == "S3") {
      p.resource = rta == "S3" ? ResourceKind::kS3Bucket : ResourceKind::kAccessKey;
      p.action = ActionKind::kAwsApiCall;
      p.feature = rta == "S3" && t.threat_purpose != "Policy" && t.threat_purpose != "Stealth"
                      ? "S3DataEvents"
                      : "CloudTrail";
      p.apis = ApisFor(t, type);
    } else if (rta == "Lambda") {
      p.resource = ResourceKind::kLambda;
      p.action = ActionKind::kNetworkConnection;
      p.outbound = !Has(type, "MaliciousIPCaller");
      p.feature = "LambdaNetworkLogs";
    } else {  // EC2
      p.resource = ResourceKind::kInstance;
      if (Has(type, "PortProbe")) {
        p.action = ActionKind::kPortProbe;
        p.feature = "FlowLogs";
      } else if (dns) {
        p.action = ActionKind::kDnsRequest;
        p.outbound = true;
        p.feature = "DnsLogs";
      } else {
        p.action = ActionKind::kNetworkConnection;
        p.feature = "FlowLogs";
        const bool inbound = Has(type, "BruteForce") || Has(type, "MaliciousIPCaller") ||
                             Has(type, "TorRelay") || Has(type, "TorIPCaller");
        p.outbound = !inbound;
        p.may_reverse = Has(type, "SSHBruteForce") || Has(type, "RDPBruteForce");
      }
    }
    if (Has(type, "SSHBruteForce")) p.local_port = 22;
    if (Has(type, "RDPBruteForce")) p.local_port = 3389;
    if (Has(type, "WinRMBruteForce")) p.local_port = 5985;
    if (Has(type, "Spambot")) p.local_port = 25;
    if (Has(type, "UnusualDoTActivity")) p.local_port = 853;
    if (Has(type, "UnusualDoHActivity")) p.local_port = 443;
    if (Has(type, "UnusualDNSResolver")) p.local_port = 53;
    if (Has(type, "DenialOfService.Udp") || Has(type, "DenialOfService.Dns") ||
        Has(type, "UnusualDNSResolver"))
      p.protocol = "UDP";
    profiles.push_back(std::move(p));
  }
  return profiles;
}

}  // namespace vigil::findings::gen
