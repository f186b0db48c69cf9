import type { DeliveryConfig } from "@qod/delivery";
import type { EnvironmentConfig } from "../shared/environment-config";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDir, onlyResource, policyOf, resources, TfJson } from "../../test/helpers";
import { platform } from "../platform";
import { PlatformDefinition } from "../shared/platform";
import { formatSynthSummary, synthPlatform } from "../shared/synth";
import { ENVIRONMENT_STACK_KINDS, environmentWhere, expectedStackNames, stackName, synthesizedPlatform } from "./synthesized";

function withoutCdktfOutdir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CDKTF_OUTDIR: _ignored, ...rest } = env;
  return rest;
}

const REPO = resolve(__dirname, "../..");
const synthesized = synthesizedPlatform();
const stack = (name: string): TfJson => synthesized.stack(name);

describe("the platform synth", () => {
  it("writes bootstrap, ci and every environment's infra, platform and apps stacks", () => {
    expect(readdirSync(join(synthesized.outdir, "stacks")).sort()).toEqual(expectedStackNames());
  });

  it("reports every stack it wrote in apply order, with its resources and data sources counted", () => {
    const target = synthesized.outdir;
    const result = { stacks: synthesized.summary };
    expect(result.stacks.map((s) => s.name)).toEqual([
      "bootstrap",
      ...(platform.delivery ? ["ci"] : []),
      ...platform.environments.flatMap((e) => ENVIRONMENT_STACK_KINDS.map((kind) => stackName(e, kind))),
    ]);
    for (const summary of result.stacks) {
      const json = stack(summary.name);
      const count = (blocks?: Record<string, Record<string, unknown>>) => Object.values(blocks ?? {}).flatMap((b) => Object.keys(b)).length;
      expect([summary.resources, summary.dataSources, summary.file], summary.name).toEqual([count(json.resource), count(json.data), join(target, "stacks", summary.name, "cdk.tf.json")]);
    }
    const printed = formatSynthSummary(result.stacks, target, 2.345, join(target, ".."));
    expect(printed.split("\n")[0]).toBe(`Synthesized ${result.stacks.length} stacks into cdktf.out/ in 2.3 s:`);
    for (const summary of result.stacks) {
      expect(printed).toMatch(new RegExp(`^  ${summary.name} +${summary.resources} resources? +${summary.dataSources} data sources? +cdktf\\.out/stacks/${summary.name}/cdk\\.tf\\.json$`, "m"));
    }
  });

  it.each(expectedStackNames())("matches the reviewed snapshot of %s", (name) => {
    expect(stack(name)).toMatchSnapshot();
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
    const policy = policyOf(json(), onlyResource(json(), "aws_kms_key").policy);
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

describe("bad input: rejected with the field named, nothing written", () => {
  // The rules are the same for every environment of a kind: one of each kind stands for all.
  const dev = environmentWhere(false);
  const prod = environmentWhere(true);
  const broken = (env: EnvironmentConfig, patch: Partial<EnvironmentConfig>): PlatformDefinition => ({
    ...platform,
    environments: platform.environments.map((c) => (c === env ? { ...c, ...patch } : c)),
  });
  const capitalized = dev.name[0].toUpperCase() + dev.name.slice(1);
  const delivery = platform.delivery!;
  const withDelivery = (patch: Partial<DeliveryConfig>): PlatformDefinition => ({ ...platform, delivery: { ...delivery, ...patch } });
  const withoutEntry = (name: string) => Object.fromEntries(Object.entries(delivery.environments).filter(([key]) => key !== name));

  it("reports the delivery section's problems together with the bootstrap's and the environments'", () => {
    const definition = { ...broken(dev, { vpcCidr: "11.0.0.0/16" }), bootstrap: { ...platform.bootstrap, bucket: "Not A Bucket" }, delivery: { ...delivery, repository: "*" } };
    const result = synthPlatform(definition, join(freshDir(), "cdktf.out"));
    expect(result.ok).toBe(false);
    for (const field of ["bootstrap.bucket", `${dev.name}.vpcCidr`, "delivery.repository"]) expect(result.message).toContain(`${field}: got `);
  });

  it.each<[string, PlatformDefinition, string]>([
    ["a VPC CIDR outside the private ranges", broken(dev, { vpcCidr: "11.0.0.0/16" }), `${dev.name}.vpcCidr`],
    ["a VPC CIDR wider than /16", broken(dev, { vpcCidr: "10.0.0.0/14" }), `${dev.name}.vpcCidr`],
    ["a VPC CIDR narrower than /20", broken(dev, { vpcCidr: "10.0.0.0/24" }), `${dev.name}.vpcCidr`],
    ["fewer than 2 zones", broken(dev, { availabilityZones: ["eu-west-1a"] }), `${dev.name}.availabilityZones`],
    ["more zones than the region has", broken(dev, { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"] }), `${dev.name}.availabilityZones`],
    ["a duplicate zone", broken(dev, { availabilityZones: ["eu-west-1a", "eu-west-1a"] }), `${dev.name}.availabilityZones[1]`],
    ["a production environment with 2 zones", broken(prod, { availabilityZones: ["eu-west-1a", "eu-west-1b"] }), `${prod.name}.availabilityZones`],
    ["a production environment with a single NAT gateway", broken(prod, { natGateways: "single" }), `${prod.name}.natGateways`],
    ["an environment name with capitals", broken(dev, { name: capitalized }), `${capitalized}.name`],
    ["a malformed region", broken(dev, { region: "eu_west_1" }), `${dev.name}.region`],
    ["a missing owner tag", broken(dev, { tags: { "cost-center": "x" } as never }), `${dev.name}.tags.owner`],
    ["a node group with min above max", broken(dev, { cluster: { ...dev.cluster, nodeGroups: { general: { instanceTypes: ["t3.medium"], minSize: 5, desiredSize: 5, maxSize: 4 } } } }), `${dev.name}.cluster.nodeGroups.general.minSize`],
    ["a malformed instance type", broken(dev, { cluster: { ...dev.cluster, nodeGroups: { general: { instanceTypes: ["t3-medium"], minSize: 1, desiredSize: 1, maxSize: 2 } } } }), `${dev.name}.cluster.nodeGroups.general.instanceTypes[0]`],
    ["an unsupported Kubernetes version", broken(dev, { cluster: { ...dev.cluster, kubernetesVersion: "1.29" } }), `${dev.name}.cluster.kubernetesVersion`],
    ["a production API endpoint open to the world", broken(prod, { cluster: { ...prod.cluster, endpointPublicAccessCidrs: ["0.0.0.0/0"] } }), `${prod.name}.cluster.endpointPublicAccessCidrs[0]`],
    ["a production node group of 2 nodes", broken(prod, { cluster: { ...prod.cluster, nodeGroups: { general: { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 10 } } } }), `${prod.name}.cluster.nodeGroups.general.minSize`],
    ["an admin principal that is not an ARN", broken(dev, { cluster: { ...dev.cluster, adminPrincipalArns: ["admin"] } }), `${dev.name}.cluster.adminPrincipalArns[0]`],
    ["backup retention below the environment minimum", broken(prod, { database: { ...prod.database, backupRetentionDays: 14 } }), `${prod.name}.database.backupRetentionDays`],
    ["AWS Backup rules all shorter than the minimum", broken(dev, { backup: { ...dev.backup, rules: [{ name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 3 }] } }), `${dev.name}.backup.rules`],
    ["a DR region equal to the primary region", broken(prod, { backup: { ...prod.backup, drRegion: "eu-west-1" } }), `${prod.name}.backup.drRegion`],
    ["an RDS instance class without db.", broken(dev, { database: { ...dev.database, instanceClass: "t4g.micro" } }), `${dev.name}.database.instanceClass`],
    ["storage below 20 GiB", broken(dev, { database: { ...dev.database, allocatedStorageGiB: 10 } }), `${dev.name}.database.allocatedStorageGiB`],
    ["storage above the autoscaling ceiling", broken(dev, { database: { ...dev.database, allocatedStorageGiB: 80, maxAllocatedStorageGiB: 50 } }), `${dev.name}.database.allocatedStorageGiB`],
    ["an ECR repository name ECR rejects", broken(dev, { registry: { ...dev.registry, repositories: ["Qod_API"] } }), `${dev.name}.registry.repositories[0]`],
    ["a production database without deletion protection", broken(prod, { database: { ...prod.database, deletionProtection: false } }), `${prod.name}.database.deletionProtection`],
    ["a production database skipping the final snapshot", broken(prod, { database: { ...prod.database, skipFinalSnapshot: true } }), `${prod.name}.database.skipFinalSnapshot`],
    ["cold storage under 90 days before deletion", broken(prod, { backup: { ...prod.backup, rules: [{ name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 120, coldStorageAfterDays: 60, copyToDr: true }] } }), `${prod.name}.backup.rules[0].coldStorageAfterDays`],
    ["a bad bootstrap bucket", { ...platform, bootstrap: { ...platform.bootstrap, bucket: "Not A Bucket" } }, "bootstrap.bucket"],
    ["an access log bucket equal to the state bucket", { ...platform, bootstrap: { ...platform.bootstrap, accessLogBucket: platform.bootstrap.bucket } }, "bootstrap.accessLogBucket"],
    ["access logs kept under 90 days", { ...platform, bootstrap: { ...platform.bootstrap, accessLogRetentionDays: 30 } }, "bootstrap.accessLogRetentionDays"],
    ["a delivery repository that is not owner/name", withDelivery({ repository: "qod-platform" }), "delivery.repository"],
    ["a delivery repository with a wildcard", withDelivery({ repository: "example-org/*" }), "delivery.repository"],
    ["a branch pattern with wildcards for an apply role", withDelivery({ environments: { ...delivery.environments, [dev.name]: { apply: { branch: "release/*" } } } }), `delivery.environments.${dev.name}.apply.branch`],
    ["an environment without an apply role", withDelivery({ environments: withoutEntry(prod.name) }), `delivery.environments.${prod.name}`],
    ["a production environment applied from a branch", withDelivery({ environments: { ...delivery.environments, [prod.name]: { ...delivery.environments[prod.name], apply: { branch: "main" } } } }), `delivery.environments.${prod.name}.apply.branch`],
    ["an environment in another account than the delivery roles", broken(prod, { accountId: "222222222222" }), `${prod.name}.accountId`],
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
    const result = synthPlatform(broken(environmentWhere(true), { natGateways: "single" }), target);
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
        `const broken = platform.environments.map((e) => (e.production ? { ...e, natGateways: "single" as const } : { ...e, vpcCidr: "8.8.8.0/24" }));`,
        `runSynthCli({ ...platform, environments: broken });`,
      ].join("\n"),
    );
    const target = join(dir, "cdktf.out");
    const run = spawnSync(process.execPath, [join(REPO, "node_modules/tsx/dist/cli.mjs"), entry], {
      cwd: REPO,
      env: { ...withoutCdktfOutdir(process.env), SYNTH_OUTDIR: target },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    for (const env of platform.environments) {
      expect(run.stderr).toContain(env.production ? `${env.name}.natGateways: got "single"` : `${env.name}.vpcCidr: got "8.8.8.0/24"`);
    }
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(target)).toBe(false);
  });
});
