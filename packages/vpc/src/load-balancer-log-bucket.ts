import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { hardenBucket, Naming, ProblemCollector } from "@qod/core";
import { Construct } from "constructs";

export interface LoadBalancerLogBucketProps {
  readonly naming: Naming;
  /** The account the load balancers run in (the only one whose logs are accepted). */
  readonly accountId: string;
  /** Days access logs are kept (1-3650). @default 365 */
  readonly retentionDays?: number;
  /** Empty the bucket on destroy (non-production only). @default false */
  readonly forceDestroy?: boolean;
}

/**
 * The bucket the environment's ALBs write access logs to: versioned, SSE-S3 (the only encryption
 * ALB log delivery supports), public access blocked, ACLs disabled, TLS-only, expired after the
 * retention, and writable only by Elastic Load Balancing's log delivery for this account's
 * objects (the regional ELB account for regions from before August 2022, and the log delivery
 * service principal for the rest).
 */
export class LoadBalancerLogBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly bucketName: string;

  constructor(scope: Construct, id: string, props: LoadBalancerLogBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 365;
    const p = new ProblemCollector(`LoadBalancerLogBucket ${this.node.path}`);
    p.check(Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 3650, "retentionDays", retentionDays, "whole days from 1 to 3650");
    p.throwIfAny();
    this.bucket = new S3Bucket(this, "Bucket", {
      bucket: `${props.naming.name("alb-logs")}-${props.accountId}`,
      forceDestroy: props.forceDestroy ?? false,
    });
    this.bucketName = this.bucket.bucket;
    const elb = new DataAwsElbServiceAccount(this, "ElbAccount", {});
    const objects = `${this.bucket.arn}/*/AWSLogs/${props.accountId}/*`;
    hardenBucket(this, "Logs", this.bucket, {
      encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      lifecycleRules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      extraStatements: [
        { sid: "ElbLogDeliveryLegacyRegions", effect: "Allow", principals: [{ type: "AWS", identifiers: [elb.arn] }], actions: ["s3:PutObject"], resources: [objects] },
        {
          sid: "ElbLogDelivery",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["logdelivery.elasticloadbalancing.amazonaws.com"] }],
          actions: ["s3:PutObject"],
          resources: [objects],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
      ],
    });
  }
}
