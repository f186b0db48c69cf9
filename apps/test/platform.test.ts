import type { EnvironmentConfig } from "../shared/environment-config";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDir, onlyResource, resources, TfJson } from "../../test/helpers";
import { platform } from "../platform";
import { PlatformDefinition } from "../shared/platform";
import { InfraStack } from "../shared/infra-stack";
import { synthPlatform } from "../shared/synth";
import { expectedStackNames, synthesizedPlatform } from "./synthesized";

function withoutCdktfOutdir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CDKTF_OUTDIR: _ignored, ...rest } = env;
  return rest;
}

const REPO = resolve(__dirname, "../..");
let outdir: string;
const stack = (name: string): TfJson =>
  JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));

beforeAll(() => {
  outdir = synthesizedPlatform().outdir;
});

describe("the platform synth", () => {
  it("writes bootstrap and every environment's infra, platform and apps stacks", () => {
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(expectedStackNames());
  });

  it.each(expectedStackNames())("matches the reviewed snapshot of %s", (name) => {
    expect(stack(name)).toMatchSnapshot();
  });
});

describe("prod-infra", () => {
  it("spreads 3 public, 3 private and 3 database subnets over 3 zones with a NAT gateway each", () => {
    const json = stack("prod-infra");
    const subnets = resources(json, "aws_subnet");
    for (const tier of ["public", "private", "database"]) {
      const zones = subnets.filter((s) => s.tags.tier === tier).map((s) => s.availability_zone);
      expect(zones).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    }
    expect(resources(json, "aws_nat_gateway")).toHaveLength(3);
  });
});

describe("dev-infra", () => {
  it("uses 2 zones and one NAT gateway", () => {
    const json = stack("dev-infra");
    expect(new Set(resources(json, "aws_subnet").map((s) => s.availability_zone))).toEqual(
      new Set(["eu-west-1a", "eu-west-1b"]),
    );
    expect(resources(json, "aws_nat_gateway")).toHaveLength(1);
  });
});

describe.each(["dev", "prod"])("%s-infra basics", (env) => {
  const config = platform.environments.find((e) => e.name === env)!;
  it("has flow logs, a locked-down default security group and the encrypted, locked S3 backend", () => {
    const json = stack(`${env}-infra`);
    expect(onlyResource(json, "aws_flow_log").traffic_type).toBe("ALL");
    expect(onlyResource(json, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
    expect(json.terraform!.backend.s3).toMatchObject({
      key: `${env}/${env}-infra.tfstate`,
      encrypt: true,
      use_lockfile: true,
      kms_key_id: expect.stringMatching(/^arn:aws:kms:/),
    });
  });

  it("exposes the network and cluster outputs the later stacks read", () => {
    expect(Object.keys(stack(`${env}-infra`).output!).sort()).toEqual([
      "availability_zones",
      "backup_notifications_topic_arn",
      "backup_selection_tag_value",
      "backup_vault_name",
      "certificate_arn",
      "cluster_certificate_authority_data",
      "cluster_endpoint",
      "cluster_name",
      "cluster_oidc_issuer_url",
      "cluster_oidc_provider_arn",
      "cluster_security_group_id",
      "database_endpoint",
      "database_name",
      "database_port",
      "database_secret_arn",
      "database_secret_kms_key_arn",
      "database_security_group_id",
      "database_subnet_ids",
      "database_username",
      "node_role_arn",
      "private_subnet_ids",
      "public_subnet_ids",
      "repository_urls",
      "vpc_cidr",
      "vpc_id",
      // Only where the ALB writes access logs (production's default).
      ...(InfraStack.hasLoadBalancerLogs(config) ? ["alb_access_logs_bucket"] : []),
    ].sort());
  });

  it("describes every output", () => {
    for (const [name, output] of Object.entries(stack(`${env}-infra`).output!)) {
      expect(output.description, name).toMatch(/^[A-Z].{8,}/);
    }
  });

  it("runs the cluster and its nodes in the private subnets of the environment's network", () => {
    const json = stack(`${env}-infra`);
    const privateSubnets = Object.entries(json.resource!.aws_subnet)
      .filter(([, s]) => s.tags.tier === "private")
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    expect(onlyResource(json, "aws_eks_cluster").vpc_config.subnet_ids).toEqual(privateSubnets);
    expect(onlyResource(json, "aws_eks_node_group").subnet_ids).toEqual(privateSubnets);
    expect(onlyResource(json, "aws_eks_cluster").name).toBe(`qod-${env}-eks`);
  });

  it("keeps the Terraform addresses of the cluster and its node group stable", () => {
    // Renaming a construct id changes these and makes Terraform replace the cluster.
    const json = stack(`${env}-infra`);
    expect(Object.keys(json.resource!.aws_eks_cluster)).toEqual(["Cluster_EB0386A7"]);
    expect(Object.keys(json.resource!.aws_eks_node_group)).toEqual(["Cluster_NodeGroup-general_C1BA34B1"]);
    expect(Object.keys(json.resource!.aws_vpc)).toEqual(["Network_1C6012B5"]);
  });

  it("keeps the Terraform addresses of the database, the vault and the repositories stable", () => {
    // Each of these holds data: a changed address destroys it (or orphans it) on the next apply.
    const json = stack(`${env}-infra`);
    expect(Object.keys(json.resource!.aws_db_instance)).toEqual(["Database_B269D8BB"]);
    expect(Object.keys(json.resource!.aws_backup_vault)).toContain("Backup_Vault_D1FD0DC4");
    const repositories = Object.keys(json.resource!.aws_ecr_repository);
    expect(repositories).toEqual(expect.arrayContaining(["Registry_qod-api_A10C23D9", "Registry_ui_D96FA7A3"]));
    expect(repositories.map((id) => id.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(config.registry.repositories.map((r) => `Registry_${r}`).sort());
  });

  it("lets the database admit only the cluster security group, from the database subnets", () => {
    const json = stack(`${env}-infra`);
    const rule = onlyResource(json, "aws_vpc_security_group_ingress_rule");
    expect(rule.referenced_security_group_id).toMatch(/aws_eks_cluster\.Cluster_EB0386A7\.vpc_config\[0\]\.cluster_security_group_id|aws_eks_cluster\.Cluster_EB0386A7\.vpc_config\.cluster_security_group_id/);
    const databaseSubnets = Object.entries(json.resource!.aws_subnet)
      .filter(([, s]) => s.tags.tier === "database")
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    expect(onlyResource(json, "aws_db_subnet_group").subnet_ids).toEqual(databaseSubnets);
    expect(onlyResource(json, "aws_db_instance").tags.backup).toBe(onlyResource(json, "aws_backup_selection").selection_tag[0].value);
  });

  it("lets the nodes pull from every repository", () => {
    const json = stack(`${env}-infra`);
    const pulls = resources(json, "aws_iam_role_policy").filter((p) => p.name?.startsWith("pull-"));
    expect(pulls.map((p) => p.name).sort()).toEqual(config.registry.repositories.map((r) => `pull-${r}`).sort());
    for (const pull of pulls) expect(pull.role).toMatch(/aws_iam_role\.Cluster_NodeRole/);
  });
});

describe("per-environment data settings", () => {
  it("dev: single-AZ database, 7 days of backups, daily AWS Backup kept briefly, no DR", () => {
    const json = stack("dev-infra");
    expect(onlyResource(json, "aws_db_instance")).toMatchObject({ multi_az: false, deletion_protection: false, backup_retention_period: 7, skip_final_snapshot: false });
    expect(onlyResource(json, "aws_backup_plan").rule.map((r: any) => [r.rule_name, r.lifecycle.delete_after])).toEqual([["daily", 7]]);
    expect(json.provider!.aws).toHaveLength(1);
    expect(resources(json, "aws_backup_vault_lock_configuration")).toEqual([]);
    expect(resources(json, "aws_ecr_replication_configuration")).toEqual([]);
    for (const repo of resources(json, "aws_ecr_repository")) expect(repo.force_delete).toBe(true);
  });

  it("prod: Multi-AZ, deletion protection, 30 days, daily/weekly/monthly with DR copies, lock, restore tests", () => {
    const json = stack("prod-infra");
    expect(onlyResource(json, "aws_db_instance")).toMatchObject({ multi_az: true, deletion_protection: true, backup_retention_period: 30, skip_final_snapshot: false });
    const rules = onlyResource(json, "aws_backup_plan").rule;
    expect(rules.map((r: any) => [r.rule_name, r.lifecycle.delete_after, r.lifecycle.cold_storage_after])).toEqual([
      ["daily", 35, undefined],
      ["weekly", 90, undefined],
      ["monthly", 365, 90],
    ]);
    for (const rule of rules) expect(rule.copy_action[0].destination_vault_arn).toMatch(/Backup_DrVault/);
    expect(json.provider!.aws.find((p: any) => p.alias === "dr")).toMatchObject({ region: "eu-central-1", allowed_account_ids: ["111111111111"] });
    expect(resources(json, "aws_backup_vault_lock_configuration")).toHaveLength(2);
    expect(onlyResource(json, "aws_backup_restore_testing_selection").protected_resource_type).toBe("RDS");
    expect(onlyResource(json, "aws_ecr_replication_configuration").replication_configuration.rule[0].destination[0].region).toBe("eu-central-1");
    for (const repo of resources(json, "aws_ecr_repository")) expect(repo.force_delete).toBe(false);
  });
});

describe("per-environment cluster settings", () => {
  it("dev: public endpoint for the allow-list only, t3.medium 1/2/4, no deletion protection", () => {
    const json = stack("dev-infra");
    const cluster = onlyResource(json, "aws_eks_cluster");
    expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] });
    expect(cluster.deletion_protection).toBe(false);
    expect(onlyResource(json, "aws_eks_node_group")).toMatchObject({
      instance_types: ["t3.medium"],
      scaling_config: { min_size: 1, desired_size: 2, max_size: 4 },
    });
  });

  it("prod: private endpoint only, deletion protection, at least 3 nodes over 3 zones, up to 10", () => {
    const json = stack("prod-infra");
    const cluster = onlyResource(json, "aws_eks_cluster");
    expect(cluster.vpc_config.endpoint_public_access).toBe(false);
    expect(cluster.deletion_protection).toBe(true);
    const group = onlyResource(json, "aws_eks_node_group");
    expect(group.scaling_config.min_size).toBeGreaterThanOrEqual(3);
    expect(group.scaling_config.max_size).toBe(10);
    expect(group.subnet_ids).toHaveLength(3);
  });
});

describe("bootstrap (the state bucket)", () => {
  const json = () => stack("bootstrap");
  /** The one resource of `type` attached to the bucket `bucketId` (by its `bucket` reference). */
  const ofBucket = (type: string, bucketId: string): any => {
    const found = resources(json(), type).filter((r) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`);
    if (found.length !== 1) throw new Error(`expected exactly one ${type} on ${bucketId}, found ${found.length}`);
    return found[0];
  };
  const policyDocument = (bucketId: string): any => json().data!.aws_iam_policy_document[`${bucketId}PolicyDocument`];

  it("keeps its own state locally", () => {
    expect(json().terraform!.backend).toEqual({ local: { path: "bootstrap.tfstate" } });
  });

  it("keeps the Terraform addresses of the state bucket, its key and their settings", () => {
    const r = json().resource!;
    expect(Object.keys(r.aws_s3_bucket).sort()).toEqual(["AccessLogBucket", "StateBucket"]);
    expect(Object.keys(r.aws_kms_key)).toEqual(["StateKey"]);
    expect(Object.keys(r.aws_kms_alias)).toEqual(["StateKeyAlias"]);
    for (const [type, id] of [
      ["aws_s3_bucket_versioning", "StateBucketVersioning"],
      ["aws_s3_bucket_server_side_encryption_configuration", "StateBucketEncryption"],
      ["aws_s3_bucket_public_access_block", "StateBucketPublicAccessBlock"],
      ["aws_s3_bucket_ownership_controls", "StateBucketOwnership"],
      ["aws_s3_bucket_lifecycle_configuration", "StateBucketLifecycle"],
      ["aws_s3_bucket_policy", "StateBucketPolicy"],
    ]) {
      expect(r[type]?.[id]?.bucket, `${type}.${id}`).toBe("${aws_s3_bucket.StateBucket.id}");
    }
  });

  it("versions the bucket and encrypts it with a rotating customer-managed key", () => {
    expect(ofBucket("aws_s3_bucket_versioning", "StateBucket").versioning_configuration.status).toBe("Enabled");
    const sse = ofBucket("aws_s3_bucket_server_side_encryption_configuration", "StateBucket").rule[0];
    expect(sse.apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.StateKey\.arn\}$/),
    });
    expect(onlyResource(json(), "aws_kms_key").enable_key_rotation).toBe(true);
  });

  it("gives the state key an explicit policy that trusts only the account", () => {
    const policy = JSON.parse(onlyResource(json(), "aws_kms_key").policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\..+\.partition\}:iam::111111111111:root$/) },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
  });

  it.each(["StateBucket", "AccessLogBucket"])("blocks every kind of public access and disables ACLs on %s", (bucketId) => {
    expect(ofBucket("aws_s3_bucket_public_access_block", bucketId)).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(ofBucket("aws_s3_bucket_ownership_controls", bucketId).rule.object_ownership).toBe("BucketOwnerEnforced");
  });

  it.each(["StateBucket", "AccessLogBucket"])("denies any request to %s not made over TLS 1.2+", (bucketId) => {
    const statements = policyDocument(bucketId).statement;
    expect(statements.find((s: any) => s.sid === "DenyInsecureTransport")).toMatchObject({
      effect: "Deny",
      actions: ["s3:*"],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    expect(statements.find((s: any) => s.sid === "DenyOutdatedTls")).toMatchObject({
      effect: "Deny",
      condition: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }],
    });
    expect(ofBucket("aws_s3_bucket_policy", bucketId).policy).toBe(`\${data.aws_iam_policy_document.${bucketId}PolicyDocument.json}`);
  });

  it("expires noncurrent versions, aborts stale multipart uploads and cannot be destroyed", () => {
    const rules = ofBucket("aws_s3_bucket_lifecycle_configuration", "StateBucket").rule;
    expect(rules.map((r: any) => r.id)).toEqual(["expire-noncurrent-state-versions", "abort-incomplete-multipart-uploads"]);
    expect(rules[0].noncurrent_version_expiration[0].noncurrent_days).toBe(90);
    expect(rules[1].abort_incomplete_multipart_upload[0].days_after_initiation).toBe(7);
    expect(json().resource!.aws_s3_bucket.StateBucket.lifecycle.prevent_destroy).toBe(true);
    expect(onlyResource(json(), "aws_kms_key").lifecycle.prevent_destroy).toBe(true);
  });

  it("logs every request to the state bucket into the access log bucket", () => {
    expect(ofBucket("aws_s3_bucket_logging", "StateBucket")).toMatchObject({
      target_bucket: "${aws_s3_bucket.AccessLogBucket.id}",
      target_prefix: "state-bucket/",
    });
    expect(json().resource!.aws_s3_bucket.AccessLogBucket).toMatchObject({
      bucket: "qod-tfstate-logs-111111111111-eu-west-1",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("lets only S3 log delivery for the state bucket write logs, under its prefix", () => {
    const allow = policyDocument("AccessLogBucket").statement.filter((s: any) => s.effect !== "Deny");
    expect(allow).toEqual([
      {
        sid: "AllowStateBucketAccessLogDelivery",
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
        actions: ["s3:PutObject"],
        resources: ["${aws_s3_bucket.AccessLogBucket.arn}/state-bucket/*"],
        condition: [
          { test: "ArnLike", variable: "aws:SourceArn", values: ["${aws_s3_bucket.StateBucket.arn}"] },
          { test: "StringEquals", variable: "aws:SourceAccount", values: ["111111111111"] },
        ],
      },
    ]);
  });

  it("keeps access logs for the configured days, versioned, SSE-S3 (what log delivery supports)", () => {
    const rules = ofBucket("aws_s3_bucket_lifecycle_configuration", "AccessLogBucket").rule;
    expect(rules[0]).toMatchObject({ id: "expire-access-logs", expiration: [{ days: 365 }] });
    expect(ofBucket("aws_s3_bucket_versioning", "AccessLogBucket").versioning_configuration.status).toBe("Enabled");
    expect(
      ofBucket("aws_s3_bucket_server_side_encryption_configuration", "AccessLogBucket").rule[0]
        .apply_server_side_encryption_by_default,
    ).toEqual({ sse_algorithm: "AES256" });
  });

  it.each(["StateBucket", "AccessLogBucket"])("sends %s object events to EventBridge", (bucketId) => {
    expect(ofBucket("aws_s3_bucket_notification", bucketId).eventbridge).toBe(true);
  });
});

describe("invariants over every synthesized stack", () => {
  const allStacks = () => ["bootstrap", "dev-infra", "prod-infra"].map((name) => ({ name, json: stack(name) }));

  it("tags every taggable resource with project, environment, owner and managed-by", () => {
    for (const { name, json } of allStacks()) {
      const defaults = json.provider!.aws[0].default_tags[0].tags;
      for (const key of ["project", "environment", "owner", "managed-by"]) {
        expect(defaults[key], `${name} default tag ${key}`).toEqual(expect.any(String));
      }
      for (const [type, byName] of Object.entries(json.resource!)) {
        for (const [id, res] of Object.entries(byName)) {
          if (res.tags) {
            for (const key of ["project", "environment", "owner", "managed-by"]) {
              expect({ ...defaults, ...res.tags }[key], `${name} ${type}.${id} tag ${key}`).toBeTruthy();
            }
          }
        }
      }
    }
  });

  it("encrypts every log group with a KMS key", () => {
    const groups = allStacks().flatMap(({ json }) => resources(json, "aws_cloudwatch_log_group"));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.kms_key_id).toMatch(/aws_kms_key/);
  });

  it("encrypts every S3 bucket with a KMS key (log delivery targets: SSE-S3) and blocks its public access", () => {
    for (const { name, json } of allStacks()) {
      const buckets = Object.keys(json.resource!.aws_s3_bucket ?? {});
      const sse = resources(json, "aws_s3_bucket_server_side_encryption_configuration");
      const pab = resources(json, "aws_s3_bucket_public_access_block");
      // S3 server access logs and ALB access logs can only be delivered to a bucket with SSE-S3.
      const logTargets = [
        ...resources(json, "aws_s3_bucket_logging").map((l) => l.target_bucket),
        ...(json.output?.alb_access_logs_bucket ? [String(json.output.alb_access_logs_bucket.value).replace(/\.bucket\}$/, ".id}")] : []),
      ];
      for (const bucket of buckets) {
        const ref = `aws_s3_bucket.${bucket}.`;
        const expected = logTargets.includes(`\${${ref}id}`) ? "AES256" : "aws:kms";
        expect(sse.some((s) => s.bucket.includes(ref) && s.rule[0].apply_server_side_encryption_by_default.sse_algorithm === expected), `${name} ${bucket} ${expected}`).toBe(true);
        expect(pab.some((p) => p.bucket.includes(ref)), `${name} ${bucket} public access block`).toBe(true);
      }
    }
  });

  it("never contains a password or secret value", () => {
    for (const { name } of allStacks()) {
      const text = readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
      const json = JSON.parse(text);
      for (const db of resources(json, "aws_db_instance")) {
        expect(db.manage_master_user_password, name).toBe(true);
        for (const key of ["password", "password_wo", "master_password"]) expect(db[key], `${name} ${key}`).toBeUndefined();
      }
      expect(resources(json, "aws_secretsmanager_secret_version"), name).toEqual([]);
      // No key anywhere names a password except the switch that hands the password to RDS.
      const passwordKeys = [...text.matchAll(/"([a-z_]*password[a-z_]*)":/g)].map((m) => m[1]);
      expect(new Set(passwordKeys), name).toEqual(new Set(passwordKeys.length ? ["manage_master_user_password"] : []));
    }
  });

  it("keeps every database private, encrypted and deletable only with a final snapshot", () => {
    for (const { json } of allStacks()) {
      for (const db of resources(json, "aws_db_instance")) {
        expect(db).toMatchObject({ publicly_accessible: false, storage_encrypted: true, skip_final_snapshot: false });
      }
    }
  });

  it("rotates every KMS key", () => {
    for (const { json } of allStacks()) {
      for (const key of resources(json, "aws_kms_key")) expect(key.enable_key_rotation).toBe(true);
    }
  });
});

describe("bad input: rejected with the field named, nothing written", () => {
  const broken = (env: "dev" | "prod", patch: Partial<EnvironmentConfig>): PlatformDefinition => ({
    ...platform,
    environments: platform.environments.map((c) => (c.name === env ? { ...c, ...patch } : c)),
  });

  it.each<[string, PlatformDefinition, string]>([
    ["a VPC CIDR outside the private ranges", broken("dev", { vpcCidr: "11.0.0.0/16" }), "dev.vpcCidr"],
    ["a VPC CIDR wider than /16", broken("dev", { vpcCidr: "10.0.0.0/14" }), "dev.vpcCidr"],
    ["a VPC CIDR narrower than /20", broken("dev", { vpcCidr: "10.0.0.0/24" }), "dev.vpcCidr"],
    ["fewer than 2 zones", broken("dev", { availabilityZones: ["eu-west-1a"] }), "dev.availabilityZones"],
    ["more zones than the region has", broken("dev", { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"] }), "dev.availabilityZones"],
    ["a duplicate zone", broken("dev", { availabilityZones: ["eu-west-1a", "eu-west-1a"] }), "dev.availabilityZones[1]"],
    ["prod with 2 zones", broken("prod", { availabilityZones: ["eu-west-1a", "eu-west-1b"] }), "prod.availabilityZones"],
    ["prod with a single NAT gateway", broken("prod", { natGateways: "single" }), "prod.natGateways"],
    ["an environment name with capitals", broken("dev", { name: "Dev" }), "Dev.name"],
    ["a malformed region", broken("dev", { region: "eu_west_1" }), "dev.region"],
    ["a missing owner tag", broken("dev", { tags: { "cost-center": "x" } as never }), "dev.tags.owner"],
    ["a node group with min above max", broken("dev", { cluster: { ...platform.environments[0].cluster, nodeGroups: { general: { instanceTypes: ["t3.medium"], minSize: 5, desiredSize: 5, maxSize: 4 } } } }), "dev.cluster.nodeGroups.general.minSize"],
    ["a malformed instance type", broken("dev", { cluster: { ...platform.environments[0].cluster, nodeGroups: { general: { instanceTypes: ["t3-medium"], minSize: 1, desiredSize: 1, maxSize: 2 } } } }), "dev.cluster.nodeGroups.general.instanceTypes[0]"],
    ["an unsupported Kubernetes version", broken("dev", { cluster: { ...platform.environments[0].cluster, kubernetesVersion: "1.29" } }), "dev.cluster.kubernetesVersion"],
    ["prod's API endpoint open to the world", broken("prod", { cluster: { ...platform.environments[1].cluster, endpointPublicAccessCidrs: ["0.0.0.0/0"] } }), "prod.cluster.endpointPublicAccessCidrs[0]"],
    ["a prod node group of 2 nodes", broken("prod", { cluster: { ...platform.environments[1].cluster, nodeGroups: { general: { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 10 } } } }), "prod.cluster.nodeGroups.general.minSize"],
    ["an admin principal that is not an ARN", broken("dev", { cluster: { ...platform.environments[0].cluster, adminPrincipalArns: ["admin"] } }), "dev.cluster.adminPrincipalArns[0]"],
    ["backup retention below the environment minimum", broken("prod", { database: { ...platform.environments[1].database, backupRetentionDays: 14 } }), "prod.database.backupRetentionDays"],
    ["AWS Backup rules all shorter than the minimum", broken("dev", { backup: { ...platform.environments[0].backup, rules: [{ name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 3 }] } }), "dev.backup.rules"],
    ["a DR region equal to the primary region", broken("prod", { backup: { ...platform.environments[1].backup, drRegion: "eu-west-1" } }), "prod.backup.drRegion"],
    ["an RDS instance class without db.", broken("dev", { database: { ...platform.environments[0].database, instanceClass: "t4g.micro" } }), "dev.database.instanceClass"],
    ["storage below 20 GiB", broken("dev", { database: { ...platform.environments[0].database, allocatedStorageGiB: 10 } }), "dev.database.allocatedStorageGiB"],
    ["storage above the autoscaling ceiling", broken("dev", { database: { ...platform.environments[0].database, allocatedStorageGiB: 80, maxAllocatedStorageGiB: 50 } }), "dev.database.allocatedStorageGiB"],
    ["an ECR repository name ECR rejects", broken("dev", { registry: { ...platform.environments[0].registry, repositories: ["Qod_API"] } }), "dev.registry.repositories[0]"],
    ["prod without deletion protection", broken("prod", { database: { ...platform.environments[1].database, deletionProtection: false } }), "prod.database.deletionProtection"],
    ["prod skipping the final snapshot", broken("prod", { database: { ...platform.environments[1].database, skipFinalSnapshot: true } }), "prod.database.skipFinalSnapshot"],
    ["cold storage under 90 days before deletion", broken("prod", { backup: { ...platform.environments[1].backup, rules: [{ name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 120, coldStorageAfterDays: 60, copyToDr: true }] } }), "prod.backup.rules[0].coldStorageAfterDays"],
    ["a bad bootstrap bucket", { ...platform, bootstrap: { ...platform.bootstrap, bucket: "Not A Bucket" } }, "bootstrap.bucket"],
    ["an access log bucket equal to the state bucket", { ...platform, bootstrap: { ...platform.bootstrap, accessLogBucket: platform.bootstrap.bucket } }, "bootstrap.accessLogBucket"],
    ["access logs kept under 90 days", { ...platform, bootstrap: { ...platform.bootstrap, accessLogRetentionDays: 30 } }, "bootstrap.accessLogRetentionDays"],
  ])("fails on %s", (_, definition, field) => {
    const target = join(freshDir(), "cdktf.out");
    const result = synthPlatform(definition, target);
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`${field}: got `);
    expect(result.message).toMatch(/Nothing was written\.$/);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(join(target, ".."))).toEqual([]);
  });

  it("leaves a previous cdktf.out exactly as it was", () => {
    const target = join(freshDir(), "cdktf.out");
    mkdirSync(target);
    writeFileSync(join(target, "marker"), "previous synth");
    const result = synthPlatform(broken("prod", { natGateways: "single" }), target);
    expect(result.ok).toBe(false);
    expect(readdirSync(target)).toEqual(["marker"]);
    expect(readFileSync(join(target, "marker"), "utf8")).toBe("previous synth");
  });

  it("exits 1 from the command line with every problem on stderr", () => {
    const dir = freshDir();
    const entry = join(dir, "bad-main.ts");
    writeFileSync(
      entry,
      [
        `import { platform } from ${JSON.stringify(join(REPO, "apps/platform"))};`,
        `import { runSynthCli } from ${JSON.stringify(join(REPO, "apps/shared/synth"))};`,
        `const [dev, prod] = platform.environments;`,
        `runSynthCli({ ...platform, environments: [{ ...dev, vpcCidr: "8.8.8.0/24" }, { ...prod, natGateways: "single" }] });`,
      ].join("\n"),
    );
    const target = join(dir, "cdktf.out");
    const run = spawnSync(process.execPath, [join(REPO, "node_modules/tsx/dist/cli.mjs"), entry], {
      cwd: REPO,
      env: { ...withoutCdktfOutdir(process.env), SYNTH_OUTDIR: target },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('dev.vpcCidr: got "8.8.8.0/24"');
    expect(run.stderr).toContain('prod.natGateways: got "single"');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(target)).toBe(false);
  });
});
