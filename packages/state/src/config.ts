import { BUCKET_NAME_RULE, isBucketName, ProblemCollector, StateBackendConfig } from "@qod/core";

/**
 * The state-bucket section of the bootstrap config and its rules, shared by the config
 * validation at the edge and the `StateBucket` construct.
 */

/** The account-wide Terraform state bucket and its access-log bucket. */
export interface StateBucketConfig {
  /** Globally unique bucket name; include the account id and region to keep it so. */
  readonly bucket: string;
  /** Alias of the state KMS key, `alias/<name>`. */
  readonly kmsAlias: string;
  /** Days an overwritten state version is kept before it expires (30 or more). */
  readonly noncurrentVersionRetentionDays: number;
  /**
   * Globally unique name of the bucket that receives the state bucket's S3 server access logs
   * (who read or wrote which state, from where). Must differ from `bucket`.
   */
  readonly accessLogBucket: string;
  /** Days an access log object is kept before it expires (90 or more). */
  readonly accessLogRetentionDays: number;
}

/** Least days an old state version is kept: old versions are the undo button. */
export const MIN_NONCURRENT_STATE_DAYS = 30;
/** Least days access logs are kept: they are the audit trail of the state. */
export const MIN_ACCESS_LOG_DAYS = 90;

/**
 * Validates a state-bucket section; field paths are `<field>.<name>` (or just `<name>` when
 * `field` is empty, as for construct props).
 */
export function checkStateBucketConfig(p: ProblemCollector, field: string, config: StateBucketConfig): void {
  const f = (name: string) => (field ? `${field}.${name}` : name);
  p.check(typeof config.bucket === "string" && isBucketName(config.bucket), f("bucket"), config.bucket, BUCKET_NAME_RULE);
  p.check(
    typeof config.accessLogBucket === "string" && isBucketName(config.accessLogBucket) && config.accessLogBucket !== config.bucket,
    f("accessLogBucket"),
    config.accessLogBucket,
    `${BUCKET_NAME_RULE}, different from ${f("bucket")}`,
  );
  p.check(
    typeof config.kmsAlias === "string" && /^alias\/[A-Za-z0-9/_-]+$/.test(config.kmsAlias) && !config.kmsAlias.startsWith("alias/aws/"),
    f("kmsAlias"),
    config.kmsAlias,
    "alias/<name>, not under alias/aws/",
  );
  p.check(
    Number.isInteger(config.noncurrentVersionRetentionDays) && config.noncurrentVersionRetentionDays >= MIN_NONCURRENT_STATE_DAYS,
    f("noncurrentVersionRetentionDays"),
    config.noncurrentVersionRetentionDays,
    `a whole number of days, at least ${MIN_NONCURRENT_STATE_DAYS} (old state versions are the undo button)`,
  );
  p.check(
    Number.isInteger(config.accessLogRetentionDays) && config.accessLogRetentionDays >= MIN_ACCESS_LOG_DAYS,
    f("accessLogRetentionDays"),
    config.accessLogRetentionDays,
    `a whole number of days, at least ${MIN_ACCESS_LOG_DAYS} (the access logs are the audit trail of the state)`,
  );
}

/** The backend settings environments use to reach a state bucket made from `config`. */
export function stateBackendOf(
  config: Pick<StateBucketConfig, "bucket" | "kmsAlias"> & { readonly region: string; readonly accountId: string },
): StateBackendConfig {
  return {
    bucket: config.bucket,
    region: config.region,
    kmsKeyArn: `arn:aws:kms:${config.region}:${config.accountId}:${config.kmsAlias}`,
  };
}
