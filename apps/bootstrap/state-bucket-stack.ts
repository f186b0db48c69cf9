import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  checkAccountId,
  checkName,
  checkRegionName,
  EnvironmentTags,
  MANAGED_BY,
  Problem,
  ProblemCollector,
  RequiredTagsAspect,
  VERSIONS,
} from "@qod/core";
import { checkStateBucketConfig, StateBucket, StateBucketConfig } from "@qod/state";
import { Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";

export { stateBackendOf, STATE_ACCESS_LOG_PREFIX } from "@qod/state";

/** The account-wide bootstrap: where the state bucket lives, and the bucket itself. */
export interface BootstrapConfig extends StateBucketConfig {
  /** Project name (same as the environments'). */
  readonly project: string;
  /** Account that holds the state bucket. */
  readonly accountId: string;
  readonly region: string;
  readonly tags: EnvironmentTags;
}

/** Finds every problem in a bootstrap config (empty when valid). */
export function findBootstrapProblems(config: BootstrapConfig): readonly Problem[] {
  const p = new ProblemCollector("bootstrap config");
  checkName(p, "bootstrap.project", config.project);
  checkAccountId(p, "bootstrap.accountId", config.accountId);
  checkRegionName(p, "bootstrap.region", config.region);
  checkStateBucketConfig(p, "bootstrap", config);
  p.check(
    typeof config.tags?.owner === "string" && config.tags.owner.length > 0,
    "bootstrap.tags.owner",
    config.tags?.owner,
    "a non-empty owner",
  );
  return p.problems;
}

/**
 * `bootstrap`: the Terraform state bucket ({@link StateBucket}) in local state (it cannot hold
 * its own), with the provider pinned to the account, the required tags and the Terraform version
 * floor. Created once per account with `cdktf deploy bootstrap`.
 */
export class StateBucketStack extends TerraformStack {
  public readonly stateBucket: StateBucket;
  /** The state bucket (as `stateBucket.bucket`). */
  public readonly bucket: S3Bucket;
  /** The state KMS key (as `stateBucket.key`). */
  public readonly key: KmsKey;
  /** The access-log bucket (as `stateBucket.accessLogBucket`). */
  public readonly accessLogBucket: S3Bucket;

  constructor(scope: Construct, id: string, config: BootstrapConfig) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: [config.accountId],
      defaultTags: [
        {
          tags: { project: config.project, environment: "shared", "managed-by": MANAGED_BY, ...config.tags },
        },
      ],
    });
    new LocalBackend(this, { path: "bootstrap.tfstate" });
    this.addOverride("terraform.required_version", VERSIONS.terraform.version);
    Aspects.of(this).add(new RequiredTagsAspect());

    // "Default" is the id cdktf leaves out of logical ids: the bucket's Terraform addresses stay
    // `aws_s3_bucket.StateBucket` etc., as they were before the construct existed, so a deployed
    // bootstrap state needs no move.
    this.stateBucket = new StateBucket(this, "Default", {
      project: config.project,
      accountId: config.accountId,
      bucket: config.bucket,
      kmsAlias: config.kmsAlias,
      noncurrentVersionRetentionDays: config.noncurrentVersionRetentionDays,
      accessLogBucket: config.accessLogBucket,
      accessLogRetentionDays: config.accessLogRetentionDays,
    });
    ({ bucket: this.bucket, key: this.key, accessLogBucket: this.accessLogBucket } = this.stateBucket);

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn });
    new TerraformOutput(this, "state_access_log_bucket", { value: this.accessLogBucket.bucket });
  }
}
