import { ModuleDefinition, ModuleValidation, Naming, sharedValidations, VERSIONS } from "@qod/core";
import {
  ARM_FAMILY_PATTERN,
  CLUSTER_NAME_PATTERN,
  CLUSTER_NAME_RULE,
  INSTANCE_TYPE_PATTERN,
  MIN_PRODUCTION_NODES,
  SECURITY_GROUP_ID_PATTERN,
  usableKubernetesVersions,
} from "./config";
import { EksCluster } from "./eks-cluster";

/** The inputs of the `eks` module, by variable name. */
export interface EksModuleInputs {
  readonly project: string;
  readonly environment: string;
  readonly owner: string;
  readonly cluster_name: string;
  readonly kubernetes_version: string;
  readonly subnet_ids: string[];
  readonly endpoint_public_access_cidrs: string[];
  readonly private_endpoint_access_cidrs: string[];
  readonly private_endpoint_access_security_group_ids: string[];
  readonly admin_principal_arns: string[];
  readonly log_retention_days: number;
  readonly node_instance_types: string[];
  readonly node_min_size: number;
  readonly node_desired_size: number;
  readonly node_max_size: number;
  readonly node_disk_size_gib: number;
  readonly node_capacity_type: string;
  readonly node_max_unavailable_percentage: number;
}

/** The module's one managed node group: its name keys the group's resources. */
export const EKS_MODULE_NODE_GROUP = "system";

/** A pattern as an HCL regex: Terraform's strings take no backslash escapes here, so `\.` becomes `[.]`. */
function hclPattern(pattern: RegExp): string {
  const source = pattern.source.replace(/\\\./g, "[.]");
  if (source.includes("\\")) throw new Error(`eks module: ${pattern.source} has an escape HCL validations cannot carry`);
  return source;
}

/** `condition` over every element `x` of the list variable `variable`. */
const everyOf = (variable: string, condition: string) => `alltrue([for x in var.${variable} : ${condition}])`;

/** An IPv4 CIDR with no host bits set (what `parseCidr` + `isNetworkAligned` accept). */
const IPV4_NETWORK = `can(cidrhost(x, 0)) && length(split(".", split("/", x)[0])) == 4 && try(cidrhost(x, 0) == split("/", x)[0], false)`;
/** Not `/0`. */
const NOT_WORLD = `try(tonumber(split("/", x)[1]) != 0, true)`;

/** The list validations of a CIDR list variable: IPv4 networks, never /0. */
function cidrListValidations(variable: string, field: string, what: string): ModuleValidation[] {
  return [
    {
      condition: everyOf(variable, IPV4_NETWORK),
      errorMessage: `${variable} must hold IPv4 CIDRs with no host bits set, e.g. ${what}.`,
      enforces: [`${field}[0]`, field],
      rejects: [["10.200.0.1/22"], ["not-a-cidr"], ["fd00::/8"]],
    },
    {
      condition: everyOf(variable, NOT_WORLD),
      errorMessage: `${variable} must not hold 0.0.0.0/0: the module is production, where the API is never open to every address.`,
      enforces: [`${field}[0]`, field],
      rejects: [["0.0.0.0/0"]],
    },
  ];
}

/** A whole-number condition on `var.<variable>`. */
const whole = (variable: string) => `var.${variable} == floor(var.${variable})`;

const USABLE_VERSIONS = usableKubernetesVersions();
const ADMIN_ARN = "arn:aws:iam::111122223333:role/platform-admin";

/**
 * The `EksCluster` construct as a Terraform module: a production EKS cluster with one managed
 * node group, `system`.
 */
export const eksModule: ModuleDefinition<EksModuleInputs> = {
  name: "eks",
  source: "packages/eks/src/module.ts",
  description:
    "A production EKS cluster, from the `EksCluster` construct of `@qod/eks`: API-only authentication with access entries (cluster-admin for the given principals only, none for the creator), a private API endpoint (public only for allow-listed CIDRs, never 0.0.0.0/0), an admin network admitted to the private endpoint on 443, secrets envelope-encrypted with a rotating KMS key, all five control-plane log types in a KMS-encrypted log group, deletion protection, an IAM OIDC provider for IRSA, the managed add-ons vpc-cni (network policies on, own IRSA role), kube-proxy, coredns and aws-ebs-csi-driver (own IRSA role) at the builds pinned for the Kubernetes minor, and one managed node group `system` on Amazon Linux 2023 (IMDSv2 only, encrypted gp3 root volume, rolling updates, Cluster Autoscaler tags) across the given private subnets.",
  variables: {
    project: {
      type: "string",
      description: "Project name: the `project` tag of what the node group launches and of the cluster security group.",
      example: "qod",
      validations: [sharedValidations.name("project", ["naming.project"])],
    },
    environment: {
      type: "string",
      description: "Environment name: the `environment` tag of what the node group launches and of the cluster security group.",
      example: "prod",
      validations: [sharedValidations.name("environment", ["naming.environment"])],
    },
    owner: {
      type: "string",
      description:
        "Team that owns the cluster: the `owner` tag of what the node group launches and of the cluster security group (the provider's default tags reach neither).",
      example: "platform-team",
    },
    cluster_name: {
      type: "string",
      description: `Name of the EKS cluster (also names its roles, keys and log group): ${CLUSTER_NAME_RULE}. Give the vpc module the same name.`,
      example: "qod-prod-eks",
      validations: [
        {
          condition: `can(regex("${hclPattern(CLUSTER_NAME_PATTERN)}", var.cluster_name))`,
          errorMessage: `cluster_name must be ${CLUSTER_NAME_RULE}.`,
          enforces: ["clusterName", "logGroupName"],
          rejects: ["", "-qod", "qod eks", "qod.eks", "q".repeat(31)],
        },
      ],
    },
    kubernetes_version: {
      type: "string",
      description: `EKS Kubernetes minor: one of ${USABLE_VERSIONS.join(", ")} (the supported minors with a pinned build of every add-on).`,
      default: VERSIONS.eks.kubernetes.version,
      validations: [
        {
          condition: `contains([${USABLE_VERSIONS.map((v) => JSON.stringify(v)).join(", ")}], var.kubernetes_version)`,
          errorMessage: `kubernetes_version must be one of the supported EKS versions: ${USABLE_VERSIONS.join(", ")}.`,
          enforces: ["kubernetesVersion"],
          rejects: ["1.20", "1.35.0", "latest"],
        },
      ],
    },
    subnet_ids: {
      type: "list(string)",
      description: `Private subnets of the control plane's network interfaces and the node group, one per zone, in at least ${MIN_PRODUCTION_NODES} zones (the vpc module's private_subnet_ids).`,
      example: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"],
      validations: [
        {
          condition: `length(var.subnet_ids) >= ${MIN_PRODUCTION_NODES}`,
          errorMessage: `subnet_ids must name subnets in at least ${MIN_PRODUCTION_NODES} zones: the node group spans 3 zones in production (EKS itself requires 2).`,
          enforces: ["subnetIds"],
          rejects: [[], ["subnet-0a1b2c3d4e5f60001"], ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]],
        },
      ],
    },
    endpoint_public_access_cidrs: {
      type: "list(string)",
      description: "CIDRs that may reach the public API endpoint; empty (the default) keeps the endpoint private only. Never 0.0.0.0/0.",
      default: [],
      validations: cidrListValidations("endpoint_public_access_cidrs", "endpointPublicAccessCidrs", "203.0.113.0/24"),
    },
    private_endpoint_access_cidrs: {
      type: "list(string)",
      description:
        "CIDRs of the admin network (VPN clients, a bastion or CI runner subnet) admitted to the private API endpoint on 443, each once, never /0. With no public CIDRs and no admin security group, at least one: otherwise nothing outside the cluster reaches the API. Known at plan time (one rule per CIDR through for_each).",
      example: ["10.200.0.0/22"],
      validations: [
        ...cidrListValidations("private_endpoint_access_cidrs", "privateEndpointAccess.cidrs", "10.200.0.0/22"),
        {
          condition: "length(distinct(var.private_endpoint_access_cidrs)) == length(var.private_endpoint_access_cidrs)",
          errorMessage: "private_endpoint_access_cidrs must name each CIDR once.",
          enforces: ["privateEndpointAccess.cidrs[1]", "privateEndpointAccess.cidrs"],
          rejects: [["10.200.0.0/22", "10.200.0.0/22"]],
        },
        {
          condition:
            "length(var.endpoint_public_access_cidrs) + length(var.private_endpoint_access_cidrs) + length(var.private_endpoint_access_security_group_ids) > 0",
          errorMessage:
            "private_endpoint_access_cidrs must name the admin network (VPN, bastion, CI runners) when endpoint_public_access_cidrs and private_endpoint_access_security_group_ids are empty: otherwise only the cluster's own members reach the API.",
          enforces: ["privateEndpointAccess"],
          rejects: [[]],
        },
      ],
    },
    private_endpoint_access_security_group_ids: {
      type: "list(string)",
      description: "Security groups (sg-…) of bastions or CI runners admitted to the private API endpoint on 443, each once. Known at plan time (one rule per group through for_each): pass existing groups, not ones created in the same apply.",
      default: [],
      validations: [
        {
          condition: everyOf("private_endpoint_access_security_group_ids", `can(regex("${hclPattern(SECURITY_GROUP_ID_PATTERN)}", x))`),
          errorMessage: "private_endpoint_access_security_group_ids must hold security group ids: sg- and 8 or 17 hex digits, e.g. sg-0123456789abcdef0.",
          enforces: ["privateEndpointAccess.securityGroupIds[0]", "privateEndpointAccess.securityGroupIds"],
          rejects: [["sg-123"], ["default"], ["sg-0123456789ABCDEF0"]],
        },
        {
          condition:
            "length(distinct(var.private_endpoint_access_security_group_ids)) == length(var.private_endpoint_access_security_group_ids)",
          errorMessage: "private_endpoint_access_security_group_ids must name each security group once.",
          enforces: ["privateEndpointAccess.securityGroupIds[1]", "privateEndpointAccess.securityGroupIds"],
          rejects: [["sg-0123456789abcdef0", "sg-0123456789abcdef0"]],
        },
      ],
    },
    admin_principal_arns: {
      type: "list(string)",
      description:
        "IAM role or user ARNs given cluster-admin through access entries (the cluster creator gets none): at least one, each with a name (the part after the last /) no other has. Known at plan time (one access entry per ARN through for_each).",
      example: [ADMIN_ARN],
      validations: [
        {
          condition: "length(var.admin_principal_arns) > 0",
          errorMessage: "admin_principal_arns must name at least one IAM role ARN: the cluster creator gets no implicit admin.",
          enforces: ["adminPrincipalArns"],
          rejects: [[]],
        },
        {
          condition: everyOf("admin_principal_arns", `can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9_+=,.@/-]{1,512}$", x))`),
          errorMessage: "admin_principal_arns must hold IAM role or user ARNs, e.g. arn:aws:iam::111122223333:role/platform-admin.",
          enforces: ["adminPrincipalArns[0]", "adminPrincipalArns"],
          rejects: [["platform-admin"], ["arn:aws:iam::1111:role/platform-admin"], ["arn:aws:iam::111122223333:group/admins"]],
        },
        {
          condition:
            'length(distinct([for x in var.admin_principal_arns : reverse(split("/", x))[0]])) == length(var.admin_principal_arns)',
          errorMessage: "admin_principal_arns must hold principals whose names (the part after the last /) differ: access entries are keyed by the name.",
          enforces: ["adminPrincipalArns[1]", "adminPrincipalArns"],
          rejects: [[ADMIN_ARN, "arn:aws:iam::111122223333:role/teams/platform-admin"]],
        },
      ],
    },
    log_retention_days: {
      type: "number",
      description: "Days the control-plane log group keeps its events: a CloudWatch Logs retention value (365 in production).",
      default: 365,
      validations: [sharedValidations.logRetention("log_retention_days", ["logRetentionDays", "retentionDays"])],
    },
    node_instance_types: {
      type: "list(string)",
      description:
        "Instance types of the node group, all of one CPU architecture (x86_64, or arm64 Graviton such as m7g.large: the AMI follows the first); the first is preferred.",
      default: ["m6i.large"],
      validations: [
        {
          condition: "length(var.node_instance_types) > 0",
          errorMessage: "node_instance_types must name at least one instance type such as m6i.large.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.instanceTypes`],
          rejects: [[]],
        },
        {
          condition: everyOf("node_instance_types", `can(regex("${hclPattern(INSTANCE_TYPE_PATTERN)}", x))`),
          errorMessage: "node_instance_types must hold EC2 instance types written <family>.<size>, e.g. t3.medium or m6i.large.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.instanceTypes[0]`, `${EKS_MODULE_NODE_GROUP}.instanceTypes`],
          rejects: [["t3.mediun"], ["m6i"], ["M6I.LARGE"]],
        },
        {
          condition: `length(distinct([for x in var.node_instance_types : can(regex("${hclPattern(ARM_FAMILY_PATTERN)}", x))])) <= 1`,
          errorMessage: "node_instance_types must be of one CPU architecture (x86_64 or arm64 Graviton), not both.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.instanceTypes`],
          rejects: [["m6i.large", "m7g.large"]],
        },
      ],
    },
    node_min_size: {
      type: "number",
      description: `Fewest nodes of the node group: a whole number, at least ${MIN_PRODUCTION_NODES} (production: one per zone) and at most node_max_size.`,
      default: MIN_PRODUCTION_NODES,
      validations: [
        {
          condition: `${whole("node_min_size")} && var.node_min_size >= ${MIN_PRODUCTION_NODES}`,
          errorMessage: `node_min_size must be a whole number, at least ${MIN_PRODUCTION_NODES} in production, so the group always spans 3 zones.`,
          enforces: [`${EKS_MODULE_NODE_GROUP}.minSize`],
          rejects: [0, 2, 3.5],
        },
        {
          condition: "var.node_min_size <= var.node_max_size",
          errorMessage: "node_min_size must be at most node_max_size.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.minSize`],
          rejects: [11],
        },
      ],
    },
    node_desired_size: {
      type: "number",
      description:
        "Nodes of the node group at creation: a whole number from node_min_size to node_max_size (the Cluster Autoscaler owns the number afterwards; changes are ignored).",
      default: MIN_PRODUCTION_NODES,
      validations: [
        {
          condition: `${whole("node_desired_size")} && var.node_desired_size >= var.node_min_size && var.node_desired_size <= var.node_max_size`,
          errorMessage: "node_desired_size must be a whole number between node_min_size and node_max_size.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.desiredSize`],
          rejects: [2, 11, 3.5],
        },
      ],
    },
    node_max_size: {
      type: "number",
      description: "Most nodes of the node group (the Cluster Autoscaler's ceiling): a whole number, at least 1 and at least node_min_size.",
      default: 10,
      validations: [
        {
          condition: `${whole("node_max_size")} && var.node_max_size >= 1`,
          errorMessage: "node_max_size must be a whole number >= 1.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.maxSize`],
          rejects: [0, 4.5],
        },
      ],
    },
    node_disk_size_gib: {
      type: "number",
      description: "Root volume of each node in GiB (gp3, encrypted): a whole number from 20 to 16384.",
      default: 50,
      validations: [
        {
          condition: `${whole("node_disk_size_gib")} && var.node_disk_size_gib >= 20 && var.node_disk_size_gib <= 16384`,
          errorMessage: "node_disk_size_gib must be a whole number of GiB from 20 to 16384.",
          enforces: [`${EKS_MODULE_NODE_GROUP}.diskSizeGiB`],
          rejects: [19, 16385, 50.5],
        },
      ],
    },
    node_capacity_type: {
      type: "string",
      description: 'Capacity type of the node group: "ON_DEMAND" or "SPOT".',
      default: "ON_DEMAND",
      validations: [
        {
          condition: 'contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)',
          errorMessage: 'node_capacity_type must be "ON_DEMAND" or "SPOT".',
          enforces: [`${EKS_MODULE_NODE_GROUP}.capacityType`],
          rejects: ["on_demand", "SPOTTY"],
        },
      ],
    },
    node_max_unavailable_percentage: {
      type: "number",
      description: "Share of the node group's nodes replaced at once during a rolling update: a whole percentage from 1 to 100.",
      default: 33,
      validations: [
        {
          condition: `${whole("node_max_unavailable_percentage")} && var.node_max_unavailable_percentage >= 1 && var.node_max_unavailable_percentage <= 100`,
          errorMessage: "node_max_unavailable_percentage must be a whole percentage from 1 to 100.",
          enforces: ["maxUnavailablePercentage"],
          rejects: [0, 101, 33.5],
        },
      ],
    },
  },
  build: (scope, inputs) => {
    const cluster = new EksCluster(scope, "Cluster", {
      naming: new Naming(inputs.project, inputs.environment),
      clusterName: inputs.cluster_name,
      kubernetesVersion: inputs.kubernetes_version,
      subnetIds: inputs.subnet_ids,
      endpointPublicAccessCidrs: inputs.endpoint_public_access_cidrs,
      privateEndpointAccess: { cidrs: inputs.private_endpoint_access_cidrs, securityGroupIds: inputs.private_endpoint_access_security_group_ids },
      adminPrincipalArns: inputs.admin_principal_arns,
      logRetentionDays: inputs.log_retention_days,
      production: true,
      tags: { project: inputs.project, environment: inputs.environment, owner: inputs.owner, "managed-by": "terraform" },
      karpenterDiscovery: false,
    });
    const group = cluster.addNodeGroup(EKS_MODULE_NODE_GROUP, {
      instanceTypes: inputs.node_instance_types,
      minSize: inputs.node_min_size,
      desiredSize: inputs.node_desired_size,
      maxSize: inputs.node_max_size,
      diskSizeGiB: inputs.node_disk_size_gib,
      capacityType: inputs.node_capacity_type as "ON_DEMAND" | "SPOT",
      maxUnavailablePercentage: inputs.node_max_unavailable_percentage,
    });
    return {
      cluster_name: { value: cluster.clusterName, description: "Name of the EKS cluster" },
      cluster_arn: { value: cluster.clusterArn, description: "ARN of the EKS cluster" },
      cluster_version: { value: cluster.cluster.version, description: "Kubernetes minor the control plane runs" },
      cluster_endpoint: { value: cluster.clusterEndpoint, description: "Endpoint of the Kubernetes API" },
      cluster_certificate_authority_data: { value: cluster.clusterCertificateAuthorityData, description: "Base64 CA bundle of the Kubernetes API" },
      cluster_oidc_issuer_url: { value: cluster.oidcIssuerUrl, description: "OIDC issuer of the cluster (IRSA)" },
      cluster_oidc_provider_arn: { value: cluster.oidcProviderArn, description: "IAM OIDC provider of the cluster (IRSA trust policies)" },
      cluster_security_group_id: {
        value: cluster.clusterSecurityGroupId,
        description: "Security group EKS attaches to the control plane and the nodes (allow it into databases; add API ingress rules to it)",
      },
      node_role_arn: { value: cluster.nodeRoleArn, description: "IAM role of the managed nodes" },
      node_role_name: { value: cluster.nodeRole.name, description: "Name of the IAM role of the managed nodes (attach further policies to it)" },
      node_group_name: { value: group.nodeGroup.nodeGroupName, description: `Name EKS gave the managed node group (prefix ${EKS_MODULE_NODE_GROUP}-)` },
      secrets_kms_key_arn: { value: cluster.secretsKey.arn, description: "KMS key that envelope-encrypts the cluster's Kubernetes secrets" },
      control_plane_log_group_name: { value: cluster.logGroup.logGroup.name, description: "CloudWatch log group of the control-plane logs" },
    };
  },
  typescriptOnly: {},
  fixed: [
    {
      setting: "production",
      value: "true",
      why: `deletion protection on, the public endpoint never open to 0.0.0.0/0, the node group at least ${MIN_PRODUCTION_NODES} nodes over at least 3 zones, and an admin network or public CIDRs required so someone reaches the API`,
    },
    {
      setting: "nodeGroups",
      value: `one managed node group, \`${EKS_MODULE_NODE_GROUP}\` (labels node-group=${EKS_MODULE_NODE_GROUP})`,
      why: "a group's name keys its launch template and node group, so the set of groups decides which resources exist; add more groups with the TypeScript construct",
    },
    {
      setting: "endpointPrivateAccess",
      value: "true",
      why: "the private endpoint is always on (the construct has no switch); nodes and the admin network reach the API through it, the public endpoint only opens for endpoint_public_access_cidrs",
    },
    {
      setting: "releaseVersion",
      value: "unset",
      why: "nodes run the latest AL2023 AMI of the cluster's minor when the group is created or upgraded; the construct's check of a pinned release against the minor is TypeScript-only",
    },
    {
      setting: "tags",
      value: "project, environment, owner and managed-by = terraform",
      why: "the tags of the cluster security group are one aws_ec2_tag each, keyed by the tag key, so the keys decide which resources exist (the values are the variables)",
    },
    {
      setting: "fargateNamespaces",
      value: "none",
      why: "a Fargate profile and its pod execution role are resources of their own",
    },
    {
      setting: "karpenterDiscovery",
      value: "false",
      why: "the karpenter.sh/discovery tag is an aws_ec2_tag of its own, and the vpc module does not tag its subnets for Karpenter either",
    },
  ],
  providers: ["aws"],
};
