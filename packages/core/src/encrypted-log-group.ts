import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { checkLogRetention } from "./environment";
import { ProblemCollector } from "./errors";
import { iamPolicyDocument, IamStatement } from "./iam";

/**
 * The key-policy statement that keeps a KMS key manageable: the account (through IAM policies)
 * administers it. Without it a key can become unmanageable.
 */
export function accountAdministersKey(partition: string, accountId: string): IamStatement {
  return {
    Sid: "AccountAdministers",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
    Action: "kms:*",
    Resource: "*",
  };
}

export interface EncryptedLogGroupProps {
  /** Log group name, e.g. `/aws/eks/qod-dev-eks/cluster`. */
  readonly logGroupName: string;
  /** Retention in days; one of `LOG_RETENTION_DAYS`. */
  readonly retentionDays: number;
  /** What the logs are, for the key's description. */
  readonly purpose: string;
  /** Alias for the key, `alias/<name>`. */
  readonly keyAlias: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A CloudWatch log group encrypted with its own customer-managed KMS key (rotation on). The key
 * policy lets the account administer the key and lets CloudWatch Logs use it for this one log
 * group only (encryption-context condition).
 */
export class EncryptedLogGroup extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly key: KmsKey;
  public readonly logGroupArn: string;
  public readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const p = new ProblemCollector(`EncryptedLogGroup props at ${this.node.path}`);
    checkLogRetention(p, "retentionDays", props.retentionDays);
    p.check(/^[\w\-/.#]{1,512}$/.test(props.logGroupName), "logGroupName", props.logGroupName, "1-512 of a-z A-Z 0-9 _ - / . #");
    p.throwIfAny();

    const region = new DataAwsRegion(this, "Region");
    const partition = new DataAwsPartition(this, "Partition");
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");
    const logGroupArn = `arn:${partition.partition}:logs:${region.region}:${caller.accountId}:log-group:${props.logGroupName}`;

    this.key = new KmsKey(this, "Key", {
      description: `Encrypts ${props.purpose}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: iamPolicyDocument(this, "KeyPolicy", {
        Version: "2012-10-17",
        Statement: [
          accountAdministersKey(partition.partition, caller.accountId),
          {
            Sid: "CloudWatchLogsUsesKeyForThisGroup",
            Effect: "Allow",
            Principal: { Service: `logs.${region.region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } },
          },
        ],
      }).json,
      tags: props.tags,
    });
    new KmsAlias(this, "KeyAlias", { name: props.keyAlias, targetKeyId: this.key.keyId });
    this.logGroup = new CloudwatchLogGroup(this, "Resource", {
      name: props.logGroupName,
      retentionInDays: props.retentionDays,
      kmsKeyId: this.key.arn,
      tags: props.tags,
    });
    this.logGroupArn = this.logGroup.arn;
    this.logGroupName = props.logGroupName;
  }
}
