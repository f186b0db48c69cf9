import { ProblemCollector } from "@qod/core";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { checkStateBucketConfig, stateBackendOf, StateBucket, StateBucketProps } from "../src";
import { onlyResource, policyOf, resources, TfJson } from "../../../test/helpers";

const props: StateBucketProps = {
  project: "qod",
  accountId: "111122223333",
  bucket: "qod-tfstate-111122223333-eu-west-1",
  kmsAlias: "alias/qod-tfstate",
  noncurrentVersionRetentionDays: 90,
  accessLogBucket: "qod-tfstate-logs-111122223333-eu-west-1",
  accessLogRetentionDays: 365,
};

function synth(overrides: Partial<StateBucketProps> = {}, id = "State"): TfJson {
  return JSON.parse(Testing.synthScope((scope) => new StateBucket(scope, id, { ...props, ...overrides })));
}

describe("StateBucket with the required props", () => {
  const json = synth();

  it("creates the state bucket and its access-log bucket, both protected from destroy", () => {
    const buckets = resources(json, "aws_s3_bucket");
    expect(buckets.map((b) => b.bucket).sort()).toEqual([props.accessLogBucket, props.bucket].sort());
    for (const bucket of buckets) expect(bucket).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  it("encrypts state with its own rotating key under the alias, trusted by the account only", () => {
    const key = onlyResource(json, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(policyOf(json, key.policy).Statement.map((s: any) => s.Principal.AWS)).toEqual([
      expect.stringMatching(/:iam::111122223333:root$/),
    ]);
    expect(onlyResource(json, "aws_kms_alias").name).toBe("alias/qod-tfstate");
  });

  it("hardens both buckets alike: versioning, encryption, public access block, TLS-only policy, events", () => {
    for (const type of [
      "aws_s3_bucket_versioning",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_ownership_controls",
      "aws_s3_bucket_lifecycle_configuration",
      "aws_s3_bucket_policy",
      "aws_s3_bucket_notification",
    ]) {
      expect(resources(json, type), type).toHaveLength(2);
    }
  });

  it("turns on the state bucket's access logging only after the log bucket's policy admits S3 log delivery", () => {
    const policies = Object.entries(json.resource!.aws_s3_bucket_policy);
    const logBucketPolicy = policies.find(([, p]) => p.bucket.includes("aws_s3_bucket.State_AccessLogBucket_"));
    expect(logBucketPolicy).toBeDefined();
    expect(onlyResource(json, "aws_s3_bucket_logging").depends_on).toContain(`aws_s3_bucket_policy.${logBucketPolicy![0]}`);
  });

  it("keeps the addresses the bootstrap stack has always used when its id is Default", () => {
    const addresses = Object.keys(synth({}, "Default").resource!.aws_s3_bucket).sort();
    expect(addresses).toEqual(["AccessLogBucket", "StateBucket"]);
  });
});

describe("StateBucket validation", () => {
  it.each<[string, Partial<StateBucketProps>, RegExp]>([
    ["the bucket name has capitals", { bucket: "Qod-State" }, /bucket: got "Qod-State"; allowed: an S3 bucket name/],
    ["the log bucket is the state bucket", { accessLogBucket: props.bucket }, /accessLogBucket: got .*; allowed: .*different from bucket/],
    ["the key alias is AWS-managed", { kmsAlias: "alias/aws/s3" }, /kmsAlias: got "alias\/aws\/s3"; allowed: alias\/<name>, not under alias\/aws\//],
    ["old state versions are kept 7 days", { noncurrentVersionRetentionDays: 7 }, /noncurrentVersionRetentionDays: got 7; allowed: a whole number of days, at least 30/],
    ["access logs are kept 30 days", { accessLogRetentionDays: 30 }, /accessLogRetentionDays: got 30; allowed: a whole number of days, at least 90/],
  ])("fails when %s", (_, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });

  it("reports config fields under the section's path", () => {
    const p = new ProblemCollector("bootstrap config");
    checkStateBucketConfig(p, "bootstrap", { ...props, bucket: "x" });
    expect(p.problems.map((problem) => problem.field)).toEqual(["bootstrap.bucket"]);
  });
});

describe("stateBackendOf", () => {
  it("points environments at the bucket and its key alias in the bucket's account and region", () => {
    expect(stateBackendOf({ ...props, region: "eu-west-1" })).toEqual({
      bucket: props.bucket,
      region: "eu-west-1",
      kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/qod-tfstate",
    });
  });
});
