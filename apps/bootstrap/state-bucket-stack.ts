import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
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
  readonly tags: EnvironmentTags;
}

/** Finds every problem in a bootstrap config (empty when valid). */
export function findBootstrapProblems(config: BootstrapConfig) {
  const p = new ProblemCollector("bootstrap config");
  p.check(isValidName(config.project), "bootstrap.project", config.project, "lowercase letters, digits, dashes; 2-12 chars");
  p.check(/^\d{12}$/.test(config.accountId), "bootstrap.accountId", config.accountId, "a 12-digit AWS account id");
  p.check(isWellFormedRegion(config.region), "bootstrap.region", config.region, "an AWS region name such as eu-west-1");
  p.check(
    /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(config.bucket),
    "bootstrap.bucket",
    config.bucket,
    "an S3 bucket name: 3-63 lowercase letters, digits, dots or dashes",
  );
  p.check(/^alias\/[A-Za-z0-9/_-]+$/.test(config.kmsAlias) && !config.kmsAlias.startsWith("alias/aws/"), "bootstrap.kmsAlias", config.kmsAlias, "alias/<name>, not under alias/aws/");
  p.check(
    Number.isInteger(config.noncurrentVersionRetentionDays) && config.noncurrentVersionRetentionDays >= 30,
    "bootstrap.noncurrentVersionRetentionDays",
    config.noncurrentVersionRetentionDays,
    "a whole number of days, at least 30 (old state versions are the undo button)",
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

/**
 * The Terraform state bucket, kept in local state (it cannot hold its own): versioned, SSE-KMS
 * with a rotating customer-managed key, public access blocked, ACLs disabled, TLS-only, old
 * versions expired, and protected from `terraform destroy`.
 */
export class StateBucketStack extends TerraformStack {
  public readonly bucket: S3Bucket;
  public readonly key: KmsKey;

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

    this.key = new KmsKey(this, "StateKey", {
      description: `Encrypts the Terraform state of ${config.project}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "StateKeyAlias", { name: config.kmsAlias, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, "StateBucket", {
      bucket: config.bucket,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    new S3BucketVersioningA(this, "StateBucketVersioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "StateBucketEncryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketPublicAccessBlock(this, "StateBucketPublicAccessBlock", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "StateBucketOwnership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketLifecycleConfiguration(this, "StateBucketLifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-noncurrent-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [
            { noncurrentDays: config.noncurrentVersionRetentionDays, newerNoncurrentVersions: 10 },
          ],
        },
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, "StateBucketPolicyDocument", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        {
          sid: "DenyOutdatedTls",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          condition: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }],
        },
      ],
    });
    new S3BucketPolicy(this, "StateBucketPolicy", { bucket: this.bucket.id, policy: tlsOnly.json });

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn });
  }
}
