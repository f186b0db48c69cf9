import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { hardenBucket, iamPolicyDocument, ProblemCollector } from "@qod/core";
import { Construct } from "constructs";
import { checkStateBucketConfig, StateBucketConfig } from "./config";

export interface StateBucketProps extends StateBucketConfig {
  /** Project whose state the bucket holds (in the key's description). */
  readonly project: string;
  /** The account that holds the bucket: the only one the key policy and log delivery trust. */
  readonly accountId: string;
}

/** Object key prefix of the state bucket's server access logs in the log bucket. */
export const STATE_ACCESS_LOG_PREFIX = "state-bucket/";

const ABORT_INCOMPLETE_UPLOADS: S3BucketLifecycleConfigurationRule = {
  id: "abort-incomplete-multipart-uploads",
  status: "Enabled",
  filter: [{ prefix: "" }],
  abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
};

/**
 * The Terraform state bucket: versioned, SSE-KMS with a rotating customer-managed key under an
 * explicit key policy, public access blocked, ACLs disabled, TLS-only, old versions expired,
 * server access logs to a hardened log bucket, object events to EventBridge, and protected from
 * `terraform destroy` (the bucket, its key and the log bucket have `prevent_destroy`).
 *
 * It cannot keep its own state: put it in a stack with a local backend (`apps/bootstrap`).
 */
export class StateBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly key: KmsKey;
  /** Receives the state bucket's server access logs under {@link STATE_ACCESS_LOG_PREFIX}. */
  public readonly accessLogBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const p = new ProblemCollector(`StateBucket props at ${this.node.path}`);
    checkStateBucketConfig(p, "", props);
    p.throwIfAny();

    const partition = new DataAwsPartition(this, "Partition");

    this.key = new KmsKey(this, "StateKey", {
      description: `Encrypts the Terraform state of ${props.project}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // The default key policy, written out: the account administers and uses the key through
      // IAM policies; nothing outside the account is trusted.
      policy: iamPolicyDocument(this, "StateKeyPolicy", {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition.partition}:iam::${props.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      }).json,
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "StateKeyAlias", { name: props.kmsAlias, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, "StateBucket", {
      bucket: props.bucket,
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
            { noncurrentDays: props.noncurrentVersionRetentionDays, newerNoncurrentVersions: 10 },
          ],
        },
        ABORT_INCOMPLETE_UPLOADS,
      ],
    });

    // Server access logs of the state bucket. S3 delivers them only to a bucket with SSE-S3
    // default encryption (SSE-KMS is not supported for log delivery), so this bucket uses AES256.
    this.accessLogBucket = new S3Bucket(this, "AccessLogBucket", {
      bucket: props.accessLogBucket,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    const logBucket = hardenBucket(this, "AccessLogBucket", this.accessLogBucket, {
      encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      lifecycleRules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.accessLogRetentionDays }],
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
            { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
          ],
        },
      ],
    });
    // Nothing in the logging configuration refers to the log bucket's policy: without the explicit
    // order, the first apply may turn logging on before the bucket admits S3's log delivery.
    new S3BucketLoggingA(this, "StateBucketLogging", {
      bucket: this.bucket.id,
      targetBucket: this.accessLogBucket.id,
      targetPrefix: STATE_ACCESS_LOG_PREFIX,
      dependsOn: [logBucket.policy, logBucket.ownership],
    });
  }
}
