import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { ProblemCollector, ValidationError, VERSIONS } from "@qod/core";
import { Fn, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.clusterAutoscaler;

const IMAGE_PINS = VERSIONS.clusterAutoscalerImage as Record<string, { version: string } | undefined>;
const IMAGE_MINOR_RULE = `a minor with a Cluster Autoscaler image in VERSIONS.clusterAutoscalerImage (${Object.keys(VERSIONS.clusterAutoscalerImage).join(", ")})`;

/** The Cluster Autoscaler image for a Kubernetes minor (its minor must equal the cluster's). */
export function clusterAutoscalerImageTag(kubernetesVersion: string): string {
  const pin = IMAGE_PINS[kubernetesVersion];
  if (!pin) {
    throw new ValidationError("cluster-autoscaler", [{ field: "kubernetesVersion", given: kubernetesVersion, allowed: IMAGE_MINOR_RULE }]);
  }
  return pin.version;
}

/**
 * {@link clusterAutoscalerImageTag}, also for a minor Terraform decides (a module variable): then
 * Terraform looks the tag up in a local of the pins (the rule is deferred to the variable's
 * validation; `lookup` without a default fails the plan on a minor without a pin).
 */
export function clusterAutoscalerImageTagIn(scope: Construct, kubernetesVersion: string): string {
  if (!Token.isUnresolved(kubernetesVersion)) return clusterAutoscalerImageTag(kubernetesVersion);
  new ProblemCollector("cluster-autoscaler").add("kubernetesVersion", kubernetesVersion, IMAGE_MINOR_RULE);
  const tags = new TerraformLocal(
    scope,
    "ImageTags",
    Object.fromEntries(Object.entries(VERSIONS.clusterAutoscalerImage).map(([minor, pin]) => [minor, pin.version])),
  );
  return Token.asString(Fn.lookup(tags.expression, kubernetesVersion));
}

/** The ASG tags EKS managed node groups carry, which auto-discovery and the IAM conditions use. */
export function autoscalerTags(clusterName: string): { enabled: string; owned: string } {
  return { enabled: "k8s.io/cluster-autoscaler/enabled", owned: `k8s.io/cluster-autoscaler/${clusterName}` };
}

/**
 * Cluster Autoscaler: grows node groups when pods are pending and shrinks them when nodes sit
 * idle. Finds the node groups by the tags EKS puts on their Auto Scaling groups; its role may
 * change only groups carrying this cluster's tag. Balances similar groups across zones and
 * picks the expansion that wastes least.
 */
export class ClusterAutoscaler extends HelmAddOn {
  public readonly conflictsWith = SPEC.conflictsWith;

  constructor(props: HelmAddOnOptions = {}) {
    super(
      {
        name: SPEC.name,
        chart: "cluster-autoscaler",
        repository: "https://kubernetes.github.io/autoscaler",
        namespace: SPEC.namespace,
        ...props,
      },
      SPEC.serviceAccount,
    );
  }

  protected defaultValues(context: AddOnContext, scope: Construct): HelmValues {
    const tags = autoscalerTags(context.cluster.clusterName);
    return {
      cloudProvider: "aws",
      awsRegion: context.region,
      autoDiscovery: { clusterName: context.cluster.clusterName, tags: [tags.enabled, tags.owned] },
      image: { tag: clusterAutoscalerImageTagIn(scope, context.kubernetesVersion) },
      extraArgs: {
        "balance-similar-node-groups": true,
        expander: "least-waste",
        "skip-nodes-with-system-pods": false,
        "scale-down-unneeded-time": "10m",
      },
      replicaCount: context.production ? 2 : 1,
      podDisruptionBudget: { maxUnavailable: 1 },
      resources: { requests: { cpu: "50m", memory: "300Mi" }, limits: { memory: "600Mi" } },
    };
  }

  protected policyStatements(context: AddOnContext): DataAwsIamPolicyDocumentStatement[] {
    const tags = autoscalerTags(context.cluster.clusterName);
    return [
      {
        // The write half, conditioned on this cluster's tags as the EKS Best Practices Guide shows.
        sid: "ScaleOnlyThisClustersGroups",
        effect: "Allow",
        actions: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        resources: ["*"],
        condition: [
          { test: "StringEquals", variable: `aws:ResourceTag/${tags.owned}`, values: ["owned"] },
          { test: "StringEquals", variable: `aws:ResourceTag/${tags.enabled}`, values: ["true"] },
        ],
      },
      {
        // The read half of the upstream recommended policy (kubernetes/autoscaler cloudprovider/aws
        // README); Describe calls have no resource-level permissions.
        sid: "DescribeCapacity",
        effect: "Allow",
        actions: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ],
        resources: ["*"],
      },
      {
        sid: "DescribeThisClustersNodeGroups",
        effect: "Allow",
        actions: ["eks:DescribeNodegroup"],
        resources: [`arn:${context.partition}:eks:${context.region}:${context.accountId}:nodegroup/${context.cluster.clusterName}/*`],
      },
    ];
  }
}
