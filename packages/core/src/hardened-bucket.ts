import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import {
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketServerSideEncryptionConfigurationRuleA,
} from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";

/** How {@link hardenBucket} encrypts and expires a bucket, and whom its policy lets in. */
export interface HardenedBucketProps {
  readonly encryption: S3BucketServerSideEncryptionConfigurationRuleA;
  readonly lifecycleRules: S3BucketLifecycleConfigurationRule[];
  /** Allow statements added to the TLS-only bucket policy. */
  readonly extraStatements?: DataAwsIamPolicyDocumentStatement[];
}

/** What {@link hardenBucket} made, for callers that must order something after it. */
export interface HardenedBucket {
  readonly versioning: S3BucketVersioningA;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownership: S3BucketOwnershipControls;
  readonly lifecycle: S3BucketLifecycleConfiguration;
  /** The bucket policy: a delivery service (S3 server access logs, …) may write only once it exists. */
  readonly policy: S3BucketPolicy;
}

/**
 * What every bucket of this stack gets, with ids `<bucketId><Part>`: versioning, default
 * encryption, all public access blocked, ACLs disabled, a lifecycle, a policy that denies
 * plain HTTP and TLS older than 1.2, and object events sent to EventBridge (so an alarm on a
 * deleted object needs no change here). The policy waits for the public access block (S3 refuses
 * the two at once with OperationAborted) and the lifecycle for versioning (its rules expire
 * noncurrent versions), as terraform-aws-modules/s3-bucket orders them.
 */
export function hardenBucket(scope: Construct, bucketId: string, bucket: S3Bucket, props: HardenedBucketProps): HardenedBucket {
  const versioning = new S3BucketVersioningA(scope, `${bucketId}Versioning`, {
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  });
  const encryption = new S3BucketServerSideEncryptionConfigurationA(scope, `${bucketId}Encryption`, {
    bucket: bucket.id,
    rule: [props.encryption],
  });
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, `${bucketId}PublicAccessBlock`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const ownership = new S3BucketOwnershipControls(scope, `${bucketId}Ownership`, {
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  const lifecycle = new S3BucketLifecycleConfiguration(scope, `${bucketId}Lifecycle`, {
    bucket: bucket.id,
    rule: props.lifecycleRules,
    dependsOn: [versioning],
  });
  const denyEveryone = (sid: string, test: string, variable: string, value: string): DataAwsIamPolicyDocumentStatement => ({
    sid,
    effect: "Deny",
    principals: [{ type: "*", identifiers: ["*"] }],
    actions: ["s3:*"],
    resources: [bucket.arn, `${bucket.arn}/*`],
    condition: [{ test, variable, values: [value] }],
  });
  const document = new DataAwsIamPolicyDocument(scope, `${bucketId}PolicyDocument`, {
    statement: [
      denyEveryone("DenyInsecureTransport", "Bool", "aws:SecureTransport", "false"),
      denyEveryone("DenyOutdatedTls", "NumericLessThan", "s3:TlsVersion", "1.2"),
      ...(props.extraStatements ?? []),
    ],
  });
  const policy = new S3BucketPolicy(scope, `${bucketId}Policy`, { bucket: bucket.id, policy: document.json, dependsOn: [publicAccessBlock] });
  new S3BucketNotification(scope, `${bucketId}Events`, { bucket: bucket.id, eventbridge: true });
  return { versioning, encryption, publicAccessBlock, ownership, lifecycle, policy };
}
