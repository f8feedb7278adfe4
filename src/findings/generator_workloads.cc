// Resource blocks for container, serverless and database workloads: EKS and Kubernetes, ECS,
// containers, Lambda, RDS, and the EBS volumes Malware Protection scanned.
#include <string_view>

#include "findings/generator_internal.h"

namespace vigil::findings::gen {

namespace {

constexpr std::string_view kClusterNames[] = {"prod-eks",    "platform",   "data-processing",
                                              "staging-eks", "ml-cluster", "web-cluster"};
constexpr std::string_view kImages[] = {"nginx:1.25.3",
                                        "redis:7.2",
                                        "python:3.12-slim",
                                        "node:20-alpine",
                                        "busybox:latest",
                                        "ubuntu:22.04",
                                        "alpine:3.19",
                                        "bitnami/kubectl:1.29",
                                        "grafana/grafana:10.2.3",
                                        "postgres:16",
                                        "ghcr.io/fluxcd/source-controller:v1.2.4",
                                        "xmrig/xmrig:latest"};
constexpr std::string_view kNamespaces[] = {"default",    "kube-system",   "prod",  "payments",
                                            "monitoring", "ingress-nginx", "batch", "dev"};
constexpr std::string_view kAppNames[] = {"checkout", "inventory", "frontend",  "orders",
                                          "auth",     "search",    "reporting", "notifications"};
constexpr std::string_view kTagKeys[] = {"Environment", "Team", "ManagedBy", "CostCenter"};

void WriteArn(JsonWriter& w, EventContext& ctx, std::string_view key, std::string_view service,
              std::string_view kind, std::string_view name) {
  ctx.scratch.assign("arn:aws:").append(service).append(":").append(ctx.region).append(":");
  ctx.scratch.append(ctx.account_id).append(":").append(kind).append(name);
  w.Field(key, ctx.scratch);
}

void WriteContainer(JsonWriter& w, EventContext& ctx, Rng& rng, std::string_view name,
                    bool privileged) {
  w.BeginObject();
  w.Field("containerRuntime", "containerd");
  ctx.scratch.clear();
  for (int i = 0; i < 4; ++i) AppendHex(&ctx.scratch, rng.Next(), 16);
  w.Field("id", ctx.scratch);
  w.Field("name", name);
  const std::string_view image = rng.Pick(kImages);
  ctx.scratch.assign(ctx.account_id)
      .append(".dkr.ecr.")
      .append(ctx.region)
      .append(".amazonaws.com/");
  const bool ecr = rng.Chance(0.4);
  w.Field("image", ecr ? std::string(ctx.scratch).append(image) : std::string(image));
  w.Field("imagePrefix", ecr ? std::string_view(ctx.scratch) : std::string_view(""));
  w.Key("volumeMounts");
  w.BeginArray();
  if (privileged || rng.Chance(0.3)) {
    w.BeginObject();
    w.Field("name", privileged ? "host-root" : "config");
    w.Field("mountPath", privileged ? "/host" : "/etc/config");
    w.EndObject();
  }
  w.EndArray();
  w.Key("securityContext");
  w.BeginObject();
  w.Field("privileged", privileged);
  w.Field("allowPrivilegeEscalation", privileged);
  w.EndObject();
  w.EndObject();
}

}  // namespace

void WriteEksClusterDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 4));
  const std::string_view name = rng.Pick(kClusterNames);
  if (ctx.facts.resource_label.empty()) {
    ctx.facts.resource_label.assign("EKS cluster ").append(name);
    ctx.facts.resource_id.assign(name);
  }
  w.Key("eksClusterDetails");
  w.BeginObject();
  w.Field("name", name);
  WriteArn(w, ctx, "arn", "eks", "cluster/", name);
  ctx.scratch.assign("vpc-");
  AppendHex(&ctx.scratch, Mix(ctx.record->account, ctx.record->region), 17);
  w.Field("vpcId", ctx.scratch);
  w.Field("status", "ACTIVE");
  w.Field("createdAt",
          static_cast<double>(ctx.window_start - rng.Range(86400, 900LL * 86400) * 1000) / 1000.0);
  w.Key("tags");
  WriteTags(w, rng, kTagKeys, 3);
  w.EndObject();
}

void WriteKubernetesDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->id_seed, 5));
  const std::string_view type = ctx.profile->type;
  const bool anonymous = type.find("Anonymous") != std::string_view::npos;
  const bool workload = ctx.profile->rta == "Runtime" ||
                        ctx.profile->detail == Detail::kMalwareScan ||
                        type.find("Workload") != std::string_view::npos ||
                        type.find("Container") != std::string_view::npos ||
                        type.find("Exec") != std::string_view::npos;
  w.Key("kubernetesDetails");
  w.BeginObject();
  w.Key("kubernetesUserDetails");
  w.BeginObject();
  if (anonymous) {
    w.Field("username", "system:anonymous");
    w.Field("uid", "");
    w.Key("groups");
    w.BeginArray();
    w.String("system:unauthenticated");
    w.EndArray();
  } else {
    ctx.scratch.assign(rng.Pick({"arn:aws:sts::", "kubernetes-admin@", "system:serviceaccount:"}));
    if (ctx.scratch.back() == ':' && ctx.scratch[0] == 'a') {
      ctx.scratch.append(ctx.account_id).append(":assumed-role/EKSAdmin/session-");
      AppendHex(&ctx.scratch, rng.Next(), 8);
    } else if (ctx.scratch.back() == '@') {
      ctx.scratch.append("prod-eks");
    } else {
      ctx.scratch.append(rng.Pick(kNamespaces)).append(":default");
    }
    w.Field("username", ctx.scratch);
    ctx.facts.user = ctx.scratch;
    ctx.scratch.clear();
    AppendUuid(&ctx.scratch, rng);
    w.Field("uid", ctx.scratch);
    w.Key("groups");
    w.BeginArray();
    w.String("system:authenticated");
    w.String(rng.Chance(0.5) ? "system:masters" : "system:serviceaccounts");
    w.EndArray();
  }
  w.EndObject();
  w.Key("kubernetesWorkloadDetails");
  if (!workload) {
    w.Null();
    w.EndObject();
    return;
  }
  Rng res(Mix(ctx.record->resource_seed, 6));
  const std::string_view app = res.Pick(kAppNames);
  const bool privileged = type.find("Privileged") != std::string_view::npos ||
                          type.find("SensitiveMount") != std::string_view::npos;
  w.BeginObject();
  ctx.scratch2.assign(app).append("-");
  AppendHex(&ctx.scratch2, res.Next(), 10);
  w.Field("name", ctx.scratch2);
  w.Field("type", res.Pick({"pods", "deployments", "daemonsets", "jobs"}));
  ctx.scratch.clear();
  AppendUuid(&ctx.scratch, res);
  w.Field("uid", ctx.scratch);
  w.Field("namespace", type.find("KubeSystem") != std::string_view::npos
                           ? std::string_view("kube-system")
                           : res.Pick(kNamespaces));
  w.Field("hostNetwork", privileged);
  w.Key("containers");
  w.BeginArray();
  WriteContainer(w, ctx, res, app, privileged);
  w.EndArray();
  w.Key("volumes");
  w.BeginArray();
  if (privileged) {
    w.BeginObject();
    w.Field("name", "host-root");
    w.Key("hostPath");
    w.BeginObject();
    w.Field("path", "/");
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

void WriteContainerDetails(JsonWriter& w, EventContext& ctx, std::string_view key) {
  Rng rng(Mix(ctx.record->resource_seed, 7));
  const std::string_view app = rng.Pick(kAppNames);
  ctx.facts.resource_label.assign("container ").append(app);
  ctx.facts.resource_id.assign(app);
  w.Key(key);
  WriteContainer(w, ctx, rng, app, ctx.profile->type.find("Escape") != std::string_view::npos);
}

void WriteEcsClusterDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 8));
  const std::string_view name = rng.Pick({"prod-ecs", "batch-cluster", "web-fargate", "jobs"});
  const std::string_view app = rng.Pick(kAppNames);
  if (ctx.facts.resource_label.empty()) {
    ctx.facts.resource_label.assign("ECS cluster ").append(name);
    ctx.facts.resource_id.assign(name);
  }
  w.Key("ecsClusterDetails");
  w.BeginObject();
  w.Field("name", name);
  WriteArn(w, ctx, "arn", "ecs", "cluster/", name);
  w.Field("status", "ACTIVE");
  w.Field("activeServicesCount", static_cast<int>(rng.Range(1, 30)));
  w.Field("registeredContainerInstancesCount", static_cast<int>(rng.Range(0, 20)));
  w.Field("runningTasksCount", static_cast<int>(rng.Range(1, 120)));
  w.Key("tags");
  WriteTags(w, rng, kTagKeys, 3);
  w.Key("taskDetails");
  w.BeginObject();
  ctx.scratch2.assign(name).append("/");
  AppendHex(&ctx.scratch2, rng.Next(), 16);
  AppendHex(&ctx.scratch2, rng.Next(), 16);
  WriteArn(w, ctx, "arn", "ecs", "task/", ctx.scratch2);
  const int version = static_cast<int>(rng.Range(1, 40));
  ctx.scratch2.assign(app).append(":").append(std::to_string(version));
  WriteArn(w, ctx, "definitionArn", "ecs", "task-definition/", ctx.scratch2);
  w.Field("version", std::to_string(version));
  const int64_t started = ctx.record->created_at - rng.Range(60, 20LL * 86400) * 1000;
  WriteTime(w, &ctx.scratch, "taskCreatedAt", started - 20000);
  WriteTime(w, &ctx.scratch, "startedAt", started);
  ctx.scratch2.assign("ecs-svc/");
  AppendHex(&ctx.scratch2, rng.Next(), 16);
  w.Field("startedBy", ctx.scratch2);
  w.Key("containers");
  w.BeginArray();
  WriteContainer(w, ctx, rng, app, false);
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

void WriteLambdaDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 9));
  const std::string_view name =
      rng.Pick({"image-resizer", "order-webhook", "nightly-export", "auth-authorizer",
                "log-shipper", "s3-event-processor", "slack-notifier"});
  ctx.facts.resource_label.assign("Lambda function ").append(name);
  ctx.facts.resource_id.assign(name);
  ctx.facts.local_ip = (10u << 24) | static_cast<uint32_t>(rng.Range(256, (1 << 24) - 2));
  w.Key("lambdaDetails");
  w.BeginObject();
  w.Field("functionName", name);
  WriteArn(w, ctx, "functionArn", "lambda", "function:", name);
  w.Field("description",
          rng.Pick({"Processes uploaded objects", "Webhook handler", "Scheduled export job", ""}));
  WriteTime(w, &ctx.scratch, "lastModifiedAt", ctx.window_start - rng.Range(1, 200) * 86400000);
  ctx.scratch.clear();
  AppendUuid(&ctx.scratch, rng);
  w.Field("revisionId", ctx.scratch);
  w.Field("functionVersion", "$LATEST");
  ctx.scratch.assign("arn:aws:iam::").append(ctx.account_id).append(":role/service-role/");
  ctx.scratch.append(name).append("-role-");
  AppendHex(&ctx.scratch, rng.Next(), 8);
  w.Field("role", ctx.scratch);
  w.Key("vpcConfig");
  w.BeginObject();
  w.Key("subnetIds");
  w.BeginArray();
  for (int i = 0; i < 2; ++i) {
    ctx.scratch.assign("subnet-");
    AppendHex(&ctx.scratch, rng.Next(), 17);
    w.String(ctx.scratch);
  }
  w.EndArray();
  ctx.scratch.assign("vpc-");
  AppendHex(&ctx.scratch, Mix(ctx.record->account, ctx.record->region), 17);
  w.Field("vpcId", ctx.scratch);
  w.Key("securityGroups");
  w.BeginArray();
  w.BeginObject();
  w.Field("groupName", "lambda-egress");
  ctx.scratch.assign("sg-");
  AppendHex(&ctx.scratch, rng.Next(), 17);
  w.Field("groupId", ctx.scratch);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.Key("tags");
  WriteTags(w, rng, kTagKeys, 4);
  w.EndObject();
}

void WriteRdsDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 10));
  const bool postgres = rng.Chance(0.5);
  const std::string_view cluster = rng.Pick({"orders-db", "users-aurora", "analytics", "billing"});
  ctx.scratch2.assign(cluster).append("-instance-").append(std::to_string(rng.Range(1, 3)));
  ctx.facts.resource_label.assign("RDS DB instance ").append(ctx.scratch2);
  ctx.facts.resource_id = ctx.scratch2;
  w.Key("rdsDbInstanceDetails");
  w.BeginObject();
  w.Field("dbInstanceIdentifier", ctx.scratch2);
  w.Field("engine", postgres ? "aurora-postgresql" : "aurora-mysql");
  w.Field("engineVersion", postgres
                               ? rng.Pick({"15.4", "14.9", "16.1"})
                               : rng.Pick({"8.0.mysql_aurora.3.05.2", "5.7.mysql_aurora.2.11.4"}));
  w.Field("dbClusterIdentifier", cluster);
  WriteArn(w, ctx, "dbInstanceArn", "rds", "db:", ctx.scratch2);
  w.Key("tags");
  WriteTags(w, rng, kTagKeys, 3);
  w.EndObject();
  Rng user_rng(Mix(ctx.record->id_seed, 10));
  ctx.facts.user.assign(user_rng.Pick({"admin", "postgres", "root", "app_user", "readonly", "sa"}));
  w.Key("rdsDbUserDetails");
  w.BeginObject();
  w.Field("user", ctx.facts.user);
  w.Field("application", user_rng.Pick({"psql", "mysql", "DBeaver 23.3.0", "", "python-psycopg2"}));
  w.Field("database", user_rng.Pick({"postgres", "orders", "users", "mysql"}));
  w.Field("ssl", user_rng.Pick({"TLSv1.3", "TLSv1.2", "NONE"}));
  w.Field("authMethod", user_rng.Pick({"PASSWORD", "IAM"}));
  w.EndObject();
}

void WriteEbsVolumeDetails(JsonWriter& w, EventContext& ctx) {
  Rng rng(Mix(ctx.record->resource_seed, 11));
  w.Key("ebsVolumeDetails");
  w.BeginObject();
  w.Key("scannedVolumeDetails");
  w.BeginArray();
  w.BeginObject();
  ctx.scratch2.assign("vol-");
  AppendHex(&ctx.scratch2, rng.Next(), 17);
  WriteArn(w, ctx, "volumeArn", "ec2", "volume/", ctx.scratch2);
  w.Field("volumeType", rng.Pick({"gp3", "gp2", "io2"}));
  w.Field("deviceName", "/dev/xvda");
  w.Field("volumeSizeInGB", static_cast<int>(rng.Pick({8, 20, 50, 100, 200})));
  w.Field("encryptionType", rng.Chance(0.6) ? "CMK" : "UNENCRYPTED");
  ctx.scratch2.assign("snap-");
  AppendHex(&ctx.scratch2, rng.Next(), 17);
  WriteArn(w, ctx, "snapshotArn", "ec2", "snapshot/", ctx.scratch2);
  w.Key("kmsKeyArn");
  w.Null();
  w.EndObject();
  w.EndArray();
  w.Key("skippedVolumeDetails");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
}

}  // namespace vigil::findings::gen
