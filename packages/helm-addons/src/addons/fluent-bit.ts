import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { checkLogRetention, EncryptedLogGroup, ProblemCollector } from "@qod/core";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.fluentBit;

export interface FluentBitProps extends HelmAddOnOptions {
  /** Days container logs are kept (a CloudWatch Logs retention value; 365+ in production). */
  readonly logRetentionDays: number;
  /** Production rules: at least a year of logs. @default false */
  readonly production?: boolean;
}

/** The log group of a cluster's container logs. */
export const containerLogGroupName = (clusterName: string) => `/aws/eks/${clusterName}/containers`;

/**
 * Container logs to CloudWatch Logs: Fluent Bit (AWS for Fluent Bit) as a DaemonSet tails every
 * container's log and ships it to one log group per cluster, which this add-on creates first
 * with retention and its own KMS key. Its role may write to that log group only; the chart does
 * not create groups.
 */
export class FluentBit extends HelmAddOn {
  private readonly logRetentionDays: number;
  /** One log group per installation (an add-on object may be installed in several stacks). */
  private readonly logGroups = new WeakMap<Construct, EncryptedLogGroup>();

  constructor(props: FluentBitProps) {
    const p = new ProblemCollector("add-on fluent-bit");
    checkLogRetention(p, "logRetentionDays", props.logRetentionDays, props.production ?? false);
    p.throwIfAny();
    const { logRetentionDays: _r, production: _p, ...options } = props;
    super(
      {
        name: SPEC.name,
        chart: "aws-for-fluent-bit",
        repository: "https://aws.github.io/eks-charts",
        namespace: SPEC.namespace,
        ...options,
      },
      SPEC.serviceAccount,
    );
    this.logRetentionDays = props.logRetentionDays;
  }

  private logGroupOf(context: AddOnContext, scope: Construct): EncryptedLogGroup {
    let logGroup = this.logGroups.get(scope);
    if (!logGroup) {
      logGroup = new EncryptedLogGroup(scope, "Logs", {
        logGroupName: containerLogGroupName(context.cluster.clusterName),
        retentionDays: this.logRetentionDays,
        purpose: `the container logs of ${context.cluster.clusterName}`,
        keyAlias: `alias/${context.cluster.clusterName}-containers-logs`,
      });
      this.logGroups.set(scope, logGroup);
    }
    return logGroup;
  }

  protected prerequisites(context: AddOnContext, scope: Construct): ITerraformDependable[] {
    return [this.logGroupOf(context, scope).logGroup];
  }

  protected defaultValues(context: AddOnContext, scope: Construct): HelmValues {
    return {
      cloudWatchLogs: {
        enabled: true,
        region: context.region,
        logGroupName: this.logGroupOf(context, scope).logGroupName,
        logStreamPrefix: "fluent-bit-",
        autoCreateGroup: false,
      },
      cloudWatch: { enabled: false },
      firehose: { enabled: false },
      kinesis: { enabled: false },
      elasticsearch: { enabled: false },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "250Mi" } },
    };
  }

  protected policyStatements(context: AddOnContext, scope: Construct): DataAwsIamPolicyDocumentStatement[] {
    const arn = this.logGroupOf(context, scope).logGroupArn;
    return [
      {
        sid: "WriteTheContainerLogGroup",
        effect: "Allow",
        // What the cloudwatch_logs output calls once the group exists (no CreateLogGroup,
        // no PutRetentionPolicy: this add-on owns both).
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [arn, `${arn}:log-stream:*`],
      },
    ];
  }
}
