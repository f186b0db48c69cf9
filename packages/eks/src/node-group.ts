import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { ProblemCollector } from "@qod/core";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import {
  ARM_FAMILY_PATTERN,
  architectureOf,
  checkGroupName,
  checkNodeGroupSizing,
  checkReleaseVersion,
  isListToken,
  NodeGroupSizing,
} from "./config";

export interface NodeGroupOptions extends NodeGroupSizing {
  /**
   * Share of nodes replaced at once during a rolling update (1-100).
   * @default 33
   */
  readonly maxUnavailablePercentage?: number;
  /**
   * Kubernetes labels on every node.
   * @default { "node-group": <id> }
   */
  readonly labels?: Record<string, string>;
}

export interface ManagedNodeGroupProps extends NodeGroupOptions {
  readonly clusterName: string;
  /**
   * The group's Kubernetes version: a reference to the cluster's `version`, so an upgrade of the
   * control plane rolls the group after it (honouring `maxUnavailablePercentage`).
   */
  readonly version: string;
  /** The cluster's Kubernetes minor as a literal (`1.35`), which `releaseVersion` must match. */
  readonly kubernetesVersion: string;
  /** Name of the group within the cluster. */
  readonly groupName: string;
  readonly nodeRoleArn: string;
  /** Private subnets, one per zone the group spans. */
  readonly subnetIds: readonly string[];
  /** Production: at least 3 nodes over at least 3 subnets. */
  readonly production: boolean;
  /** Tags for the instances, volumes and network interfaces the group launches. */
  readonly tags: Record<string, string>;
}

/** EKS AMI type for an architecture (Amazon Linux 2023). */
export function amiTypeFor(instanceTypes: readonly string[]): string {
  if (isListToken(instanceTypes)) {
    // Types only Terraform knows (a generated module's variable): the same test of the first type, in Terraform.
    const pattern = ARM_FAMILY_PATTERN.source.replace(/\\\./g, "[.]");
    const arm = Fn.can(Fn.regex(pattern, Token.asString(Fn.element(instanceTypes, 0))));
    return Token.asString(Fn.conditional(arm, "AL2023_ARM_64_STANDARD", "AL2023_x86_64_STANDARD"));
  }
  return architectureOf(instanceTypes[0]) === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/**
 * A managed node group on Amazon Linux 2023 in private subnets, with a launch template that
 * requires IMDSv2 (hop limit 1, so pods cannot borrow the node's role), encrypts a gp3 root volume
 * and tags what it launches; rolling updates; no SSH. `desired_size` is ignored after creation
 * because the Cluster Autoscaler owns it; the auto-discovery tags are set.
 */
export class ManagedNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: ManagedNodeGroupProps) {
    super(scope, id);
    const p = new ProblemCollector(`node group at ${this.node.path}`);
    checkGroupName(p, "groupName", props.groupName);
    checkNodeGroupSizing(p, props.groupName, props, props.production);
    if (props.releaseVersion !== undefined) {
      checkReleaseVersion(p, `${props.groupName}.releaseVersion`, props.releaseVersion, props.kubernetesVersion);
    }
    if (props.production) {
      p.check(
        !isListToken(props.subnetIds) && props.subnetIds.length >= 3,
        "subnetIds",
        props.subnetIds,
        "subnets in at least 3 zones in production, so the group spans 3 zones",
      );
    }
    const maxUnavailable = props.maxUnavailablePercentage ?? 33;
    p.check(
      Number.isInteger(maxUnavailable) && maxUnavailable >= 1 && maxUnavailable <= 100,
      "maxUnavailablePercentage",
      maxUnavailable,
      "a whole percentage from 1 to 100",
    );
    p.throwIfAny();

    const name = `${props.clusterName}-${props.groupName}`;
    const launchedTags = { ...props.tags, Name: name };
    this.launchTemplate = new LaunchTemplate(this, "LaunchTemplate", {
      namePrefix: `${name}-`,
      description: `Nodes of ${name}`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: props.diskSizeGiB ?? 50,
            volumeType: "gp3",
            iops: 3000,
            throughput: 125,
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
        resourceType,
        tags: launchedTags,
      })),
      tags: { Name: name },
      lifecycle: { createBeforeDestroy: true },
    });

    this.nodeGroup = new EksNodeGroup(this, "Resource", {
      clusterName: props.clusterName,
      nodeGroupNamePrefix: `${props.groupName}-`,
      nodeRoleArn: props.nodeRoleArn,
      version: props.version,
      releaseVersion: props.releaseVersion,
      subnetIds: [...props.subnetIds],
      amiType: amiTypeFor(props.instanceTypes),
      capacityType: props.capacityType ?? "ON_DEMAND",
      instanceTypes: [...props.instanceTypes],
      scalingConfig: { minSize: props.minSize, desiredSize: props.desiredSize, maxSize: props.maxSize },
      updateConfig: { maxUnavailablePercentage: maxUnavailable },
      launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.toString() },
      nodeRepairConfig: { enabled: true },
      labels: props.labels ?? { "node-group": props.groupName },
      tags: {
        Name: name,
        "k8s.io/cluster-autoscaler/enabled": "true",
        [`k8s.io/cluster-autoscaler/${props.clusterName}`]: "owned",
      },
      lifecycle: { createBeforeDestroy: true, ignoreChanges: ["scaling_config[0].desired_size"] },
    });
  }
}
