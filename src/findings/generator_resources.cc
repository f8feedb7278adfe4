// The `resource` block: one writer per resourceType. Identity fields (ids, names, addresses) come
// from the record's resource seed, so every finding on the same resource names it the same way.
#include <string_view>

#include "findings/generator_internal.h"

namespace vigil::findings::gen {

namespace {

constexpr std::string_view kInstanceTypes[] = {
    "t3.micro",  "t3.medium", "t3.large", "m5.large",   "m5.xlarge",   "m6i.large", "c5.xlarge",
    "c6g.large", "r5.large",  "t2.micro", "m5.2xlarge", "g4dn.xlarge", "t3a.small", "m7g.medium"};
constexpr std::string_view kImageDescriptions[] = {
    "Amazon Linux 2023 AMI 2023.4.20240513.0 x86_64 HVM kernel-6.1",
    "Amazon Linux 2 Kernel 5.10 AMI 2.0.20240412.0 x86_64 HVM gp2",
    "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-03-01",
    "Canonical, Ubuntu, 20.04 LTS, amd64 focal image build on 2023-10-25",
    "Debian 12 (20240507-1740)",
    "Amazon EKS Kubernetes Worker AMI with AmazonLinux2 image, (k8s: 1.28.8, containerd: 1.7.*)",
    "Red Hat Enterprise Linux 9 (HVM), SSD Volume Type",
    "Bitnami WordPress 6.4.3-0 on Debian 11"};
constexpr std::string_view kWindowsImages[] = {
    "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon",
    "Microsoft Windows Server 2019 with Desktop Experience Locale English AMI provided by Amazon"};
constexpr std::string_view kEnvs[] = {"prod", "staging", "dev", "qa", "sandbox"};
constexpr std::string_view kInstanceTagKeys[] = {
    "Name",       "Environment", "Owner", "Team", "CostCenter", "aws:autoscaling:groupName",
    "Application"};
constexpr std::string_view kGroupNames[] = {"default",         "web-sg",       "ssh-from-anywhere",
                                            "launch-wizard-1", "app-internal", "alb-ingress",
                                            "eks-cluster-sg",  "rdp-admin"};
constexpr std::string_view kUserNames[] = {
    "alice.martin", "bob.nguyen",   "ci-deploy",          "terraform",    "svc-backup",
    "jenkins",      "dev-readonly", "priya.shah",         "marco.rossi",  "data-pipeline",
    "admin",        "s3-sync",      "legacy-integration", "kevin.obrien", "monitoring"};
constexpr std::string_view kRoleNames[] = {"OrganizationAccountAccessRole",
                                           "EKSNodeInstanceRole",
                                           "AWSReservedSSO_AdministratorAccess_8f3c1b2a",
                                           "github-actions-deploy",
                                           "ec2-app-role",
                                           "lambda-exec-role",
                                           "DataScienceRole"};
constexpr std::string_view kBucketWords[] = {
    "logs",    "backups", "assets",     "data-lake",   "exports",         "artifacts",
    "uploads", "reports", "cdn-origin", "ml-datasets", "terraform-state", "invoices"};
constexpr std::string_view kCompanies[] = {"acme",   "globex",   "initech", "umbrella",
                                           "hooli",  "vandelay", "wayne",   "stark",
                                           "tyrell", "cyberdyne"};

void WriteSecurityGroups(JsonWriter& w, EventContext& ctx, Rng& rng, int max) {
  w.Key("securityGroups");
  w.BeginArray();
  const int n = static_cast<int>(rng.Range(1, max));
  for (int i = 0; i < n; ++i) {
    w.BeginObject();
    w.Field("groupName", rng.Pick(kGroupNames));
    ctx.scratch.assign("sg-");
    AppendHex(&ctx.scratch, rng.Next(), 17);
    w.Field("groupId", ctx.scratch);
    w.EndObject();
  }
  w.EndArray();
}

void WriteIdField(JsonWriter& w, EventContext& ctx, std::string_view key, std::string_view prefix,
                  uint64_t value) {
  ctx.scratch.assign(prefix);
  AppendHex(&ctx.scratch, value, 17);
  w.Field(key, ctx.scratch);
}

void AppendPrivateDns(std::string* out, std::string_view region, uint32_t ip) {
  out->append("ip-");
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->append(std::to_string((ip >> shift) & 0xff));
    if (shift) out->push_back('-');
  }
  if (region == "us-east-1") {
    out->append(".ec2.internal");
  } else {
    out->push_back('.');
    out->append(region);
    out->append(".compute.internal");
  }
}

uint32_t PrivateIp(Rng& rng) {
  if (rng.Chance(0.6))
    return (172u << 24) | (31u << 16) | static_cast<uint32_t>(rng.Range(256, 65278));
  return (10u << 24) | static_cast<uint32_t>(rng.Range(1 << 8, (1 << 24) - 2));
}

void WriteInstanceDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 1));
  const bool windows = ctx.profile->local_port == 3389 || rng.Chance(0.08);
  const uint64_t instance = rng.Next();
  ctx.facts.local_ip = PrivateIp(rng);
  const uint32_t public_ip =
      (static_cast<uint32_t>(rng.Pick({3u, 18u, 34u, 35u, 44u, 52u, 54u})) << 24) |
      static_cast<uint32_t>(rng.Range(1 << 8, (1 << 24) - 2));
  w.Key("instanceDetails");
  w.BeginObject();
  if (ctx.sample) {
    w.Field("instanceId", "i-99999999");
  } else {
    WriteIdField(w, ctx, "instanceId", "i-", instance);
  }
  ctx.facts.resource_id.assign("i-");
  AppendHex(&ctx.facts.resource_id, instance, 17);
  if (ctx.sample) ctx.facts.resource_id.assign("i-99999999");
  if (ctx.facts.resource_label.empty()) {
    ctx.facts.resource_label.assign("EC2 instance ");
    ctx.facts.resource_label.append(ctx.facts.resource_id);
  }
  w.Field("instanceType", rng.Pick(kInstanceTypes));
  WriteTime(w, &ctx.scratch, "launchTime",
            ctx.window_start - rng.Range(3600, 400LL * 86400) * 1000);
  w.Key("platform");
  if (windows) {
    w.String("windows");
  } else {
    w.Null();
  }
  w.Key("productCodes");
  w.BeginArray();
  w.EndArray();
  w.Key("iamInstanceProfile");
  w.BeginObject();
  ctx.scratch.assign("arn:aws:iam::");
  ctx.scratch.append(ctx.account_id);
  ctx.scratch.append(":instance-profile/");
  ctx.scratch.append(rng.Pick(kRoleNames));
  w.Field("arn", ctx.scratch);
  ctx.scratch.assign("AIPA");
  AppendAwsId(&ctx.scratch, rng, 17);
  w.Field("id", ctx.scratch);
  w.EndObject();
  w.Key("networkInterfaces");
  w.BeginArray();
  w.BeginObject();
  w.Key("ipv6Addresses");
  w.BeginArray();
  w.EndArray();
  WriteIdField(w, ctx, "networkInterfaceId", "eni-", rng.Next());
  ctx.scratch2.clear();
  AppendPrivateDns(&ctx.scratch2, ctx.region, ctx.facts.local_ip);
  w.Field("privateDnsName", ctx.scratch2);
  WriteIpField(w, &ctx.scratch, "privateIpAddress", ctx.facts.local_ip);
  w.Key("privateIpAddresses");
  w.BeginArray();
  w.BeginObject();
  w.Field("privateDnsName", ctx.scratch2);
  WriteIpField(w, &ctx.scratch, "privateIpAddress", ctx.facts.local_ip);
  w.EndObject();
  w.EndArray();
  WriteIdField(w, ctx, "subnetId", "subnet-", rng.Next());
  WriteIdField(w, ctx, "vpcId", "vpc-", Mix(ctx.record->account, ctx.record->region));
  WriteSecurityGroups(w, ctx, rng, 3);
  ctx.scratch.assign("ec2-");
  for (int shift = 24; shift >= 0; shift -= 8) {
    ctx.scratch.append(std::to_string((public_ip >> shift) & 0xff));
    if (shift) ctx.scratch.push_back('-');
  }
  if (ctx.region == "us-east-1") {
    ctx.scratch.append(".compute-1.amazonaws.com");
  } else {
    ctx.scratch.push_back('.');
    ctx.scratch.append(ctx.region);
    ctx.scratch.append(".compute.amazonaws.com");
  }
  w.Field("publicDnsName", ctx.scratch);
  WriteIpField(w, &ctx.scratch, "publicIp", public_ip);
  w.EndObject();
  w.EndArray();
  w.Key("tags");
  if (ctx.sample) {
    w.BeginArray();
    for (int i = 1; i <= 3; ++i) {
      w.BeginObject();
      ctx.scratch.assign("GeneratedFindingInstanceTag").append(std::to_string(i));
      w.Field("key", ctx.scratch);
      ctx.scratch.assign("GeneratedFindingInstanceTagValue").append(std::to_string(i));
      w.Field("value", ctx.scratch);
      w.EndObject();
    }
    w.EndArray();
  } else {
    WriteTags(w, rng, kInstanceTagKeys, 5);
  }
  w.Field("instanceState", "running");
  ctx.scratch.assign(ctx.region);
  ctx.scratch.push_back(static_cast<char>('a' + rng.Below(3)));
  w.Field("availabilityZone",
          ctx.sample ? std::string_view("GeneratedFindingInstanceAvailabilityZone") : ctx.scratch);
  WriteIdField(w, ctx, "imageId", "ami-", rng.Next());
  w.Field("imageDescription", windows ? rng.Pick(kWindowsImages) : rng.Pick(kImageDescriptions));
  w.EndObject();
}

void WriteAccessKeyDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 2));
  const std::string_view type = ctx.profile->type;
  std::string_view user_type = "IAMUser";
  const uint64_t roll = rng.Below(100);
  if (type.find("Root") != std::string_view::npos) {
    user_type = "Root";
  } else if (type.find("InstanceCredentialExfiltration") != std::string_view::npos || roll < 25) {
    user_type = "AssumedRole";
  } else if (roll < 30) {
    user_type = "Role";
  }
  w.Key("accessKeyDetails");
  w.BeginObject();
  ctx.scratch.assign(user_type == "IAMUser" || user_type == "Root" ? "AKIA" : "ASIA");
  AppendAwsId(&ctx.scratch, rng, 16);
  w.Field("accessKeyId", ctx.scratch);
  std::string& user = ctx.facts.user;
  if (user_type == "Root") {
    user.assign("Root");
  } else if (user_type == "IAMUser") {
    user.assign(rng.Pick(kUserNames));
  } else {
    user.assign(rng.Pick(kRoleNames));
  }
  ctx.scratch.assign(user_type == "IAMUser" ? "AIDA" : "AROA");
  AppendAwsId(&ctx.scratch, rng, 17);
  if (user_type == "Root") ctx.scratch.assign(ctx.account_id);
  if (user_type == "AssumedRole") {
    ctx.scratch.push_back(':');
    if (type.find("InstanceCredentialExfiltration") != std::string_view::npos) {
      ctx.scratch.append("i-");
      AppendHex(&ctx.scratch, rng.Next(), 17);
    } else {
      ctx.scratch.append(rng.Pick(kUserNames));
    }
  }
  w.Field("principalId", ctx.scratch);
  w.Field("userName", user);
  w.Field("userType", user_type);
  w.EndObject();
  if (ctx.facts.resource_label.empty()) {
    ctx.facts.resource_label.assign("principal ");
    ctx.facts.resource_label.append(user);
    ctx.facts.resource_id = user;
  }
}

void AppendBucketName(std::string* out, Rng& rng, std::string_view account) {
  out->append(rng.Pick(kCompanies));
  out->push_back('-');
  out->append(rng.Pick(kEnvs));
  out->push_back('-');
  out->append(rng.Pick(kBucketWords));
  if (rng.Chance(0.4)) {
    out->push_back('-');
    out->append(account);
  }
}

void WriteBlockPublicAccess(JsonWriter& w, bool on) {
  w.Key("blockPublicAccess");
  w.BeginObject();
  w.Field("ignorePublicAcls", on);
  w.Field("restrictPublicBuckets", on);
  w.Field("blockPublicAcls", on);
  w.Field("blockPublicPolicy", on);
  w.EndObject();
}

void WriteS3BucketDetails(JsonWriter& w, EventContext& ctx, bool with_object) {
  Rng rng(Mix(ctx.record->resource_seed, 3));
  ctx.facts.resource_id.clear();
  AppendBucketName(&ctx.facts.resource_id, rng, ctx.account_id);
  ctx.facts.resource_label.assign("S3 bucket ");
  ctx.facts.resource_label.append(ctx.facts.resource_id);
  const bool is_public = ctx.profile->type.find("AccessGranted") != std::string_view::npos;
  const bool block_off =
      ctx.profile->type.find("BlockPublicAccessDisabled") != std::string_view::npos;
  w.Key("s3BucketDetails");
  w.BeginArray();
  w.BeginObject();
  ctx.scratch.assign("arn:aws:s3:::");
  ctx.scratch.append(ctx.facts.resource_id);
  w.Field("arn", ctx.scratch);
  w.Field("name", ctx.facts.resource_id);
  w.Field("type", "Destination");
  // Epoch seconds as a float, as GuardDuty writes this field.
  const int64_t created_seconds = ctx.window_start / 1000 - rng.Range(86400, 2000LL * 86400);
  w.Field("createdAt", static_cast<double>(created_seconds));
  w.Key("owner");
  w.BeginObject();
  ctx.scratch.clear();
  for (int i = 0; i < 4; ++i) AppendHex(&ctx.scratch, rng.Next(), 16);
  w.Field("id", ctx.scratch);
  w.EndObject();
  w.Key("tags");
  static constexpr std::string_view kBucketTagKeys[] = {"Environment", "DataClassification",
                                                        "Owner"};
  WriteTags(w, rng, kBucketTagKeys, 3);
  w.Key("defaultServerSideEncryption");
  w.BeginObject();
  if (rng.Chance(0.5)) {
    w.Field("encryptionType", "aws:kms");
    ctx.scratch.assign("arn:aws:kms:");
    ctx.scratch.append(ctx.region).append(":").append(ctx.account_id).append(":key/");
    AppendUuid(&ctx.scratch, rng);
    w.Field("kmsMasterKeyArn", ctx.scratch);
  } else {
    w.Field("encryptionType", "AES256");
    w.Key("kmsMasterKeyArn");
    w.Null();
  }
  w.EndObject();
  w.Key("publicAccess");
  w.BeginObject();
  w.Key("permissionConfiguration");
  w.BeginObject();
  w.Key("bucketLevelPermissions");
  w.BeginObject();
  w.Key("accessControlList");
  w.BeginObject();
  w.Field("allowsPublicReadAccess", is_public);
  w.Field("allowsPublicWriteAccess", false);
  w.EndObject();
  w.Key("bucketPolicy");
  w.BeginObject();
  w.Field("allowsPublicReadAccess", is_public);
  w.Field("allowsPublicWriteAccess", false);
  w.EndObject();
  WriteBlockPublicAccess(w, !is_public && !block_off);
  w.EndObject();
  w.Key("accountLevelPermissions");
  w.BeginObject();
  WriteBlockPublicAccess(w, !block_off && rng.Chance(0.5));
  w.EndObject();
  w.EndObject();
  w.Field("effectivePermission", is_public ? "PUBLIC" : "NOT_PUBLIC");
  w.EndObject();
  if (with_object) {
    Rng object_rng(Mix(ctx.record->id_seed, 3));
    w.Key("s3ObjectDetails");
    w.BeginArray();
    w.BeginObject();
    ctx.scratch2.assign("uploads/");
    AppendHex(&ctx.scratch2, object_rng.Next(), 8);
    ctx.scratch2.append(object_rng.Pick(
        {"/invoice.pdf.exe", "/setup.msi", "/report.docm", "/archive.zip", "/payload.elf"}));
    ctx.scratch.assign("arn:aws:s3:::")
        .append(ctx.facts.resource_id)
        .append("/")
        .append(ctx.scratch2);
    w.Field("objectArn", ctx.scratch);
    w.Field("key", ctx.scratch2);
    ctx.scratch.clear();
    AppendHex(&ctx.scratch, object_rng.Next(), 16);
    AppendHex(&ctx.scratch, object_rng.Next(), 16);
    w.Field("eTag", ctx.scratch);
    ctx.scratch.clear();
    for (int i = 0; i < 4; ++i) AppendHex(&ctx.scratch, object_rng.Next(), 16);
    w.Field("hash", ctx.scratch);
    ctx.scratch.clear();
    AppendAwsId(&ctx.scratch, object_rng, 32);
    w.Field("versionId", ctx.scratch);
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  w.EndArray();
}

}  // namespace

// EKS cluster and Kubernetes blocks live in generator_workloads.cc.
void WriteEksClusterDetails(JsonWriter& w, EventContext& ctx);
void WriteKubernetesDetails(JsonWriter& w, EventContext& ctx);
void WriteEcsClusterDetails(JsonWriter& w, EventContext& ctx);
void WriteContainerDetails(JsonWriter& w, EventContext& ctx, std::string_view key);
void WriteLambdaDetails(JsonWriter& w, EventContext& ctx);
void WriteRdsDetails(JsonWriter& w, EventContext& ctx);
void WriteEbsVolumeDetails(JsonWriter& w, EventContext& ctx);

void WriteResource(JsonWriter& w, EventContext& ctx) {
  ctx.facts.resource_label.clear();
  w.Key("resource");
  w.BeginObject();
  const bool malware = ctx.profile->detail == Detail::kMalwareScan;
  switch (ctx.resource) {
    case ResourceKind::kInstance:
      w.Field("resourceType", "Instance");
      WriteInstanceDetails(w, ctx);
      if (malware) WriteEbsVolumeDetails(w, ctx);
      break;
    case ResourceKind::kAccessKey:
      w.Field("resourceType", "AccessKey");
      WriteAccessKeyDetails(w, ctx);
      break;
    case ResourceKind::kS3Bucket:
    case ResourceKind::kS3Object:
      w.Field("resourceType", ctx.resource == ResourceKind::kS3Object ? "S3Object" : "S3Bucket");
      WriteS3BucketDetails(w, ctx, ctx.resource == ResourceKind::kS3Object);
      if (!malware) WriteAccessKeyDetails(w, ctx);
      break;
    case ResourceKind::kEksCluster:
      w.Field("resourceType", "EKSCluster");
      WriteEksClusterDetails(w, ctx);
      WriteKubernetesDetails(w, ctx);
      break;
    case ResourceKind::kEcsCluster:
      w.Field("resourceType", "ECSCluster");
      WriteEcsClusterDetails(w, ctx);
      if (malware) WriteEbsVolumeDetails(w, ctx);
      break;
    case ResourceKind::kContainer:
      w.Field("resourceType", "Container");
      if (malware) {
        WriteContainerDetails(w, ctx, "containerDetails");
        WriteInstanceDetails(w, ctx);
        WriteEbsVolumeDetails(w, ctx);
      } else {
        // A runtime finding in a pod: the container, its node and its cluster.
        WriteEksClusterDetails(w, ctx);
        WriteKubernetesDetails(w, ctx);
        WriteInstanceDetails(w, ctx);
        WriteContainerDetails(w, ctx, "containerDetails");
      }
      break;
    case ResourceKind::kLambda:
      w.Field("resourceType", "Lambda");
      WriteLambdaDetails(w, ctx);
      break;
    case ResourceKind::kRds:
      w.Field("resourceType", "RDSDBInstance");
      WriteRdsDetails(w, ctx);
      break;
    case ResourceKind::kAttackSequence:
    case ResourceKind::kRuntime:
      w.Field("resourceType", "AttackSequence");
      break;
  }
  w.EndObject();
}

}  // namespace vigil::findings::gen
