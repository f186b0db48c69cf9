import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import {
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketServerSideEncryptionConfigurationRuleA,
} from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import {
  EnvironmentTags,
  isValidName,
  isWellFormedRegion,
  MANAGED_BY,
  ProblemCollector,
  RequiredTagsAspect,
  StateBackendConfig,
  VERSIONS,
} from "@qod/core";
import { Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";

export interface BootstrapConfig {
  /** Project name (same as the environments'). */
  readonly project: string;
  /** Account that holds the state bucket. */
  readonly accountId: string;
  readonly region: string;
  /** Globally unique bucket name; include the account id and region to keep it so. */
  readonly bucket: string;
  /** Alias of the state KMS key, `alias/<name>`. */
  readonly kmsAlias: string;
  /** Days an overwritten state version is kept before it expires. */
  readonly noncurrentVersionRetentionDays: number;
  /**
   * Globally unique name of the bucket that receives the state bucket's S3 server access logs
   * (who read or wrote which state, from where). Must differ from `bucket`.
   */
  readonly accessLogBucket: string;
  /** Days an access log object is kept before it expires. */
  readonly accessLogRetentionDays: number;
  readonly tags: EnvironmentTags;
}

const BUCKET_NAME_RULE = "an S3 bucket name: 3-63 lowercase letters, digits, dots or dashes";

function isBucketName(name: string): boolean {
  return /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name);
}

/** Finds every problem in a bootstrap config (empty when valid). */
export function findBootstrapProblems(config: BootstrapConfig) {
  const p = new ProblemCollector("bootstrap config");
  p.check(isValidName(config.project), "bootstrap.project", config.project, "lowercase letters, digits, dashes; 2-12 chars");
  p.check(/^\d{12}$/.test(config.accountId), "bootstrap.accountId", config.accountId, "a 12-digit AWS account id");
  p.check(isWellFormedRegion(config.region), "bootstrap.region", config.region, "an AWS region name such as eu-west-1");
  p.check(isBucketName(config.bucket), "bootstrap.bucket", config.bucket, BUCKET_NAME_RULE);
  p.check(
    isBucketName(config.accessLogBucket) && config.accessLogBucket !== config.bucket,
    "bootstrap.accessLogBucket",
    config.accessLogBucket,
    `${BUCKET_NAME_RULE}, different from bootstrap.bucket`,
  );
  p.check(/^alias\/[A-Za-z0-9/_-]+$/.test(config.kmsAlias) && !config.kmsAlias.startsWith("alias/aws/"), "bootstrap.kmsAlias", config.kmsAlias, "alias/<name>, not under alias/aws/");
  p.check(
    Number.isInteger(config.noncurrentVersionRetentionDays) && config.noncurrentVersionRetentionDays >= 30,
    "bootstrap.noncurrentVersionRetentionDays",
    config.noncurrentVersionRetentionDays,
    "a whole number of days, at least 30 (old state versions are the undo button)",
  );
  p.check(
    Number.isInteger(config.accessLogRetentionDays) && config.accessLogRetentionDays >= 90,
    "bootstrap.accessLogRetentionDays",
    config.accessLogRetentionDays,
    "a whole number of days, at least 90 (the access logs are the audit trail of the state)",
  );
  p.check(
    typeof config.tags?.owner === "string" && config.tags.owner.length > 0,
    "bootstrap.tags.owner",
    config.tags?.owner,
    "a non-empty owner",
  );
  return p.problems;
}

/** The backend settings environments use to reach the bucket this stack creates. */
export function stateBackendOf(config: BootstrapConfig): StateBackendConfig {
  return {
    bucket: config.bucket,
    region: config.region,
    kmsKeyArn: `arn:aws:kms:${config.region}:${config.accountId}:${config.kmsAlias}`,
  };
}

/** Object key prefix of the state bucket's server access logs in the log bucket. */
export const STATE_ACCESS_LOG_PREFIX = "state-bucket/";

interface HardenedBucketProps {
  readonly encryption: S3BucketServerSideEncryptionConfigurationRuleA;
  readonly lifecycleRules: S3BucketLifecycleConfigurationRule[];
  /** Allow statements added to the TLS-only bucket policy. */
  readonly extraStatements?: DataAwsIamPolicyDocumentStatement[];
}

/**
 * What every bucket of this stack gets, with ids `<bucketId><Part>`: versioning, default
 * encryption, all public access blocked, ACLs disabled, a lifecycle, a policy that denies
 * plain HTTP and TLS older than 1.2, and object events sent to EventBridge (so an alarm on a
 * deleted state object or log needs no change here).
 */
function hardenBucket(scope: Construct, bucketId: string, bucket: S3Bucket, props: HardenedBucketProps): void {
  new S3BucketVersioningA(scope, `${bucketId}Versioning`, {
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  });
  new S3BucketServerSideEncryptionConfigurationA(scope, `${bucketId}Encryption`, {
    bucket: bucket.id,
    rule: [props.encryption],
  });
  new S3BucketPublicAccessBlock(scope, `${bucketId}PublicAccessBlock`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, `${bucketId}Ownership`, {
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  new S3BucketLifecycleConfiguration(scope, `${bucketId}Lifecycle`, { bucket: bucket.id, rule: props.lifecycleRules });
  const denyEveryone = (sid: string, test: string, variable: string, value: string): DataAwsIamPolicyDocumentStatement => ({
    sid,
    effect: "Deny",
    principals: [{ type: "*", identifiers: ["*"] }],
    actions: ["s3:*"],
    resources: [bucket.arn, `${bucket.arn}/*`],
    condition: [{ test, variable, values: [value] }],
  });
  const policy = new DataAwsIamPolicyDocument(scope, `${bucketId}PolicyDocument`, {
    statement: [
      denyEveryone("DenyInsecureTransport", "Bool", "aws:SecureTransport", "false"),
      denyEveryone("DenyOutdatedTls", "NumericLessThan", "s3:TlsVersion", "1.2"),
      ...(props.extraStatements ?? []),
    ],
  });
  new S3BucketPolicy(scope, `${bucketId}Policy`, { bucket: bucket.id, policy: policy.json });
  new S3BucketNotification(scope, `${bucketId}Events`, { bucket: bucket.id, eventbridge: true });
}

const ABORT_INCOMPLETE_UPLOADS: S3BucketLifecycleConfigurationRule = {
  id: "abort-incomplete-multipart-uploads",
  status: "Enabled",
  filter: [{ prefix: "" }],
  abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
};

/**
 * The Terraform state bucket, kept in local state (it cannot hold its own): versioned, SSE-KMS
 * with a rotating customer-managed key under an explicit key policy, public access blocked,
 * ACLs disabled, TLS-only, old versions expired, server access logs to a hardened log bucket,
 * object events to EventBridge, and protected from `terraform destroy`.
 */
export class StateBucketStack extends TerraformStack {
  public readonly bucket: S3Bucket;
  public readonly key: KmsKey;
  /** Receives the state bucket's server access logs under {@link STATE_ACCESS_LOG_PREFIX}. */
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
    const partition = new DataAwsPartition(this, "Partition");

    this.key = new KmsKey(this, "StateKey", {
      description: `Encrypts the Terraform state of ${config.project}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // The default key policy, written out: the account administers and uses the key through
      // IAM policies; nothing outside the account is trusted.
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition.partition}:iam::${config.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      }),
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "StateKeyAlias", { name: config.kmsAlias, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, "StateBucket", {
      bucket: config.bucket,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    hardenBucket(this, "StateBucket", this.bucket, {
      encryption: {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
        bucketKeyEnabled: true,
      },
      lifecycleRules: [
        {
          id: "expire-noncurrent-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [
            { noncurrentDays: config.noncurrentVersionRetentionDays, newerNoncurrentVersions: 10 },
          ],
        },
        ABORT_INCOMPLETE_UPLOADS,
      ],
    });

    // Server access logs of the state bucket. S3 delivers them only to a bucket with SSE-S3
    // default encryption (SSE-KMS is not supported for log delivery), so this bucket uses AES256.
    this.accessLogBucket = new S3Bucket(this, "AccessLogBucket", {
      bucket: config.accessLogBucket,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    hardenBucket(this, "AccessLogBucket", this.accessLogBucket, {
      encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      lifecycleRules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: config.accessLogRetentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
        },
        ABORT_INCOMPLETE_UPLOADS,
      ],
      extraStatements: [
        {
          sid: "AllowStateBucketAccessLogDelivery",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
          actions: ["s3:PutObject"],
          resources: [`${this.accessLogBucket.arn}/${STATE_ACCESS_LOG_PREFIX}*`],
          condition: [
            { test: "ArnLike", variable: "aws:SourceArn", values: [this.bucket.arn] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [config.accountId] },
          ],
        },
      ],
    });
    new S3BucketLoggingA(this, "StateBucketLogging", {
      bucket: this.bucket.id,
      targetBucket: this.accessLogBucket.id,
      targetPrefix: STATE_ACCESS_LOG_PREFIX,
    });

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn });
    new TerraformOutput(this, "state_access_log_bucket", { value: this.accessLogBucket.bucket });
  }
}
