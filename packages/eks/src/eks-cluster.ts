import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Ec2Tag } from "@cdktf/provider-aws/lib/ec2-tag";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster as TfEksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksFargateProfile } from "@cdktf/provider-aws/lib/eks-fargate-profile";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import {
  accountAdministersKey,
  checkLogRetention,
  EncryptedLogGroup,
  fromAccount,
  iamPolicyDocument,
  movedFrom,
  Naming,
  ProblemCollector,
  serviceTrustPolicy,
  VERSIONS,
} from "@qod/core";
import { dependable, Fn, Op, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import {
  ADDON_SERVICE_ACCOUNTS,
  arnName,
  checkAdminPrincipals,
  checkClusterName,
  checkEndpointCidrs,
  checkFargateNamespaces,
  checkGroupName,
  checkKarpenterDiscovery,
  checkKubernetesVersion,
  checkPrivateEndpointAccess,
  checkViewerPrincipals,
  constructKey,
  EksAddonName,
  eksAddonPins,
  isListToken,
  KARPENTER_DISCOVERY_TAG,
  PrivateEndpointAccess,
  usableKubernetesVersions,
} from "./config";
import { ManagedNodeGroup, NodeGroupOptions } from "./node-group";
import { createServiceAccountRole, ServiceAccountPermissions, ServiceAccountRole, STS_AUDIENCE } from "./service-account-role";

/** Control-plane log types; all of them are enabled. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/**
 * The AWS managed policies of the node role, and all it has. `AmazonEC2ContainerRegistryPullOnly`
 * (token, manifests and layers; no listing or describing) on every registry: the kubelet pulls
 * the EKS add-ons' images from AWS-owned registries as well as ours, so a per-repository grant
 * could not replace it, and next to it one would be moot. The CNI's permissions go to its own role.
 */
export const NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"] as const;

/** The EKS access policy that grants cluster-admin. */
export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";
/** The EKS access policy that grants read-only access to every resource, Secrets included. */
export const CLUSTER_VIEW_POLICY = "AmazonEKSAdminViewPolicy";

export interface EksClusterProps {
  readonly naming: Naming;
  /**
   * Cluster name: 1-30 letters, digits, `-` and `_`, starting with a letter or digit (EKS allows
   * 100 characters; 30 keeps the add-ons' IRSA role names within IAM's 64, see `CLUSTER_NAME_RULE`).
   * @default naming.name("eks")
   */
  readonly clusterName?: string;
  /**
   * EKS Kubernetes minor; one of `SUPPORTED_EKS_VERSIONS`.
   * @default VERSIONS.eks.kubernetes.version
   */
  readonly kubernetesVersion?: string;
  /** Private subnets for the control-plane network interfaces and the node groups (one per zone). */
  readonly subnetIds: readonly string[];
  /**
   * CIDRs that may reach the public API endpoint; empty keeps the endpoint private only.
   * @default []
   */
  readonly endpointPublicAccessCidrs?: readonly string[];
  /**
   * The admin network (VPN clients, bastion, CI runners) that may reach the private endpoint on
   * 443: an ingress rule on the cluster security group per CIDR and per security group. Required in
   * production when `endpointPublicAccessCidrs` is empty.
   * @default - only the cluster's own members reach the private endpoint
   */
  readonly privateEndpointAccess?: PrivateEndpointAccess;
  /** IAM role/user ARNs that get cluster-admin through access entries. */
  readonly adminPrincipalArns: readonly string[];
  /**
   * IAM role/user ARNs that get read-only access ({@link CLUSTER_VIEW_POLICY}, cluster scope, Secrets
   * included: planning a Helm release reads its release Secret), keyed by name like the admins;
   * none may be an admin too. The principals must exist when the entries are created.
   * @default []
   */
  readonly viewerPrincipalArns?: readonly string[];
  /**
   * Retention of the control-plane log group.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Production guardrails: deletion protection, no API endpoint open to 0.0.0.0/0, node groups of
   * at least 3 nodes over at least 3 zones.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Tags for what the provider's default tags do not reach: what node groups launch (instances,
   * volumes, network interfaces) and the cluster security group EKS creates.
   * @default {}
   */
  readonly tags?: Record<string, string>;
  /**
   * Tags the cluster security group `karpenter.sh/discovery = <cluster name>` for Karpenter's
   * EC2NodeClass selectors.
   * @default false
   */
  readonly karpenterDiscovery?: boolean;
}

export interface FargateProfileOptions {
  /** Namespaces whose pods run on Fargate. */
  readonly namespaces: readonly string[];
}

function validate(path: string, props: EksClusterProps): void {
  const p = new ProblemCollector(`EksCluster props at ${path}`);
  const production = props.production ?? false;
  checkClusterName(p, "clusterName", props.clusterName ?? props.naming.name("eks"));
  checkKubernetesVersion(p, "kubernetesVersion", props.kubernetesVersion ?? VERSIONS.eks.kubernetes.version);
  checkEndpointCidrs(p, "endpointPublicAccessCidrs", props.endpointPublicAccessCidrs ?? [], production);
  checkPrivateEndpointAccess(p, "privateEndpointAccess", props.privateEndpointAccess, {
    production,
    publicAccessCidrs: props.endpointPublicAccessCidrs ?? [],
  });
  checkAdminPrincipals(p, "adminPrincipalArns", props.adminPrincipalArns);
  checkViewerPrincipals(p, "viewerPrincipalArns", props.viewerPrincipalArns ?? [], props.adminPrincipalArns);
  p.check(!isListToken(props.subnetIds) && props.subnetIds.length >= 2, "subnetIds", props.subnetIds, "subnets in at least 2 zones (EKS requires two)");
  if (props.logRetentionDays !== undefined) checkLogRetention(p, "logRetentionDays", props.logRetentionDays);
  if (props.karpenterDiscovery !== undefined) checkKarpenterDiscovery(p, "karpenterDiscovery", props.karpenterDiscovery);
  const tagKeys = new Map<string, string>();
  for (const key of Object.keys(props.tags ?? {})) {
    const first = tagKeys.get(constructKey(key));
    if (first === undefined) tagKeys.set(constructKey(key), key);
    else p.add(`tags.${key}`, key, `a tag key that differs from "${first}" in more than punctuation (the cluster security group's tags are keyed by it)`);
  }
  p.throwIfAny();
}

/**
 * An EKS cluster: API-only authentication with access entries (the creator gets no implicit
 * admin), a private endpoint (public only for allow-listed CIDRs), secrets envelope-encrypted with
 * a rotating KMS key, all five control-plane log types in a pre-created encrypted log group, an
 * IAM OIDC provider for IRSA, and the managed add-ons vpc-cni (network policies on, own role),
 * kube-proxy, coredns and aws-ebs-csi-driver (own role).
 *
 * Add capacity with {@link addNodeGroup} and {@link addFargateProfile}; give a pod AWS access
 * with {@link serviceAccountRole}.
 */
export class EksCluster extends Construct {
  public readonly cluster: TfEksCluster;
  public readonly clusterName: string;
  public readonly clusterArn: string;
  public readonly clusterEndpoint: string;
  public readonly clusterCertificateAuthorityData: string;
  public readonly clusterSecurityGroupId: string;
  public readonly oidcIssuerUrl: string;
  public readonly oidcProviderArn: string;
  public readonly nodeRole: IamRole;
  public readonly nodeRoleArn: string;
  public readonly secretsKey: KmsKey;
  public readonly logGroup: EncryptedLogGroup;
  public readonly addons: Readonly<Record<string, EksAddon>>;
  public readonly nodeGroups: ManagedNodeGroup[] = [];

  private readonly props: EksClusterProps;
  /** The cluster's Kubernetes minor, a literal. */
  private readonly kubernetesVersion: string;
  private readonly partition: string;
  /** Add-ons that need running nodes; each node group is added to their dependencies. */
  private readonly addonsAfterNodes: EksAddon[];
  /** Add-ons nodes need before they can join (the CNI). */
  private readonly addonsBeforeNodes: EksAddon[];
  /** The node role's policy attachments: nodes cannot join before they exist. */
  private readonly nodeRoleGrants: IamRolePolicyAttachment[];
  private fargateRole?: IamRole;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    validate(this.node.path, props);
    this.props = props;
    const { naming } = props;
    const clusterName = props.clusterName ?? naming.name("eks");
    const production = props.production ?? false;
    this.partition = new DataAwsPartition(this, "Partition").partition;
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");
    const managedPolicy = (name: string) => `arn:${this.partition}:iam::aws:policy/${name}`;

    // Control-plane logs: created first, so a re-created cluster finds it instead of failing.
    this.logGroup = new EncryptedLogGroup(this, "ControlPlaneLogs", {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retentionDays: props.logRetentionDays ?? 90,
      purpose: `the control-plane logs of ${clusterName}`,
      keyAlias: `alias/${clusterName}-logs`,
    });

    // Secrets envelope encryption.
    this.secretsKey = new KmsKey(this, "SecretsKey", {
      description: `Envelope-encrypts the Kubernetes secrets of ${clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: iamPolicyDocument(this, "SecretsKeyPolicy", {
        Version: "2012-10-17",
        Statement: [accountAdministersKey(this.partition, caller.accountId)],
      }).json,
    });
    new KmsAlias(this, "SecretsKeyAlias", { name: `alias/${clusterName}-secrets`, targetKeyId: this.secretsKey.keyId });

    const clusterRole = new IamRole(this, "ClusterRole", {
      name: `${clusterName}-cluster`,
      description: `EKS control plane of ${clusterName}`,
      assumeRolePolicy: serviceTrustPolicy(this, "ClusterRoleTrust", "eks.amazonaws.com", fromAccount(caller.accountId), ["sts:AssumeRole", "sts:TagSession"]).json,
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "ClusterRolePolicy", {
      role: clusterRole.name,
      policyArn: managedPolicy("AmazonEKSClusterPolicy"),
    });
    const clusterKmsPolicy = new IamRolePolicy(this, "ClusterRoleSecretsKey", {
      role: clusterRole.id,
      name: "use-secrets-key",
      policy: iamPolicyDocument(this, "ClusterRoleSecretsKeyDocument", {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
            Resource: this.secretsKey.arn,
          },
        ],
      }).json,
    });

    const publicCidrs = [...(props.endpointPublicAccessCidrs ?? [])];
    // CIDRs only Terraform knows (a generated module's variable): it decides whether the endpoint is public.
    const publicAccess = isListToken(publicCidrs) ? Op.gte(Fn.lengthOf(publicCidrs), 1) : publicCidrs.length > 0;
    const kubernetesVersion = props.kubernetesVersion ?? VERSIONS.eks.kubernetes.version;
    this.kubernetesVersion = kubernetesVersion;
    this.cluster = new TfEksCluster(this, "Resource", {
      name: clusterName,
      version: kubernetesVersion,
      roleArn: clusterRole.arn,
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      bootstrapSelfManagedAddons: false,
      vpcConfig: {
        subnetIds: [...props.subnetIds],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccess,
        publicAccessCidrs: isListToken(publicCidrs)
          ? (Fn.conditional(publicAccess, publicCidrs, Token.nullValue()) as string[])
          : publicCidrs.length > 0
            ? publicCidrs
            : undefined,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.secretsKey.arn } },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
      upgradePolicy: { supportType: "STANDARD" },
      deletionProtection: production,
      dependsOn: [this.logGroup.logGroup, clusterPolicy, clusterKmsPolicy],
    });
    this.clusterName = this.cluster.name;
    this.clusterArn = this.cluster.arn;
    this.clusterEndpoint = this.cluster.endpoint;
    this.clusterCertificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcIssuerUrl = this.cluster.identity.get(0).oidc.get(0).issuer;

    // The cluster security group is EKS's, so the provider's default tags do not reach it: tag it
    // key by key (as terraform-aws-modules/eks does), keyed by the tag key.
    const securityGroupTags: Record<string, string> = {
      ...(props.tags ?? {}),
      ...(props.karpenterDiscovery ? { [KARPENTER_DISCOVERY_TAG]: clusterName } : {}),
    };
    for (const [key, value] of Object.entries(securityGroupTags)) {
      if (key === "Name") continue; // EKS names the group
      new Ec2Tag(this, `ClusterSecurityGroupTag-${constructKey(key)}`, { resourceId: this.clusterSecurityGroupId, key, value });
    }

    // The admin network may reach the private endpoint; each rule keyed by its CIDR or group.
    const admins = props.privateEndpointAccess ?? {};
    const apiIngress = (key: string, source: { cidrIpv4?: string; referencedSecurityGroupId?: string }, from: string, forEach?: TerraformIterator) =>
      new VpcSecurityGroupIngressRule(this, `PrivateEndpointAccess-${constructKey(key)}`, {
        securityGroupId: this.clusterSecurityGroupId,
        description: `Kubernetes API (private endpoint) from the admin network: ${from}`,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        ...source,
        ...(forEach ? { forEach } : {}),
      });
    // A list only Terraform knows (a generated module's variable): one rule per entry through for_each, keyed by it.
    const eachOf = (list: readonly string[]) => {
      const each = TerraformIterator.fromList([...list]);
      return { each, value: Token.asString(each.value) };
    };
    if (isListToken(admins.cidrs)) {
      const { each, value } = eachOf(admins.cidrs ?? []);
      apiIngress("cidrs", { cidrIpv4: value }, value, each);
    } else for (const cidr of admins.cidrs ?? []) apiIngress(cidr, { cidrIpv4: cidr }, cidr);
    if (isListToken(admins.securityGroupIds)) {
      const { each, value } = eachOf(admins.securityGroupIds ?? []);
      apiIngress("security-groups", { referencedSecurityGroupId: value }, value, each);
    } else for (const group of admins.securityGroupIds ?? []) apiIngress(group, { referencedSecurityGroupId: group }, group);

    const oidc = new IamOpenidConnectProvider(this, "OidcProvider", {
      url: this.oidcIssuerUrl,
      clientIdList: [STS_AUDIENCE],
    });
    this.oidcProviderArn = oidc.arn;

    // Access: cluster-admin for the configured principals only.
    // Keyed by the principal's name (validated unique), so reordering the list keeps every address.
    const adminAccess = (key: string, principalArn: string, forEach?: TerraformIterator) => {
      const entry = new EksAccessEntry(this, `AdminAccess-${key}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: "STANDARD",
        ...(forEach ? { forEach } : {}),
      });
      const association = new EksAccessPolicyAssociation(this, `AdminAccess-${key}-Policy`, {
        clusterName: this.cluster.name,
        principalArn,
        policyArn: `arn:${this.partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`,
        accessScope: { type: "cluster" },
        dependsOn: [entry],
        ...(forEach ? { forEach } : {}),
      });
      return { entry, association };
    };
    if (isListToken(props.adminPrincipalArns)) {
      // A list only Terraform knows (a generated module's variable): for_each, keyed by the ARN.
      const { each, value } = eachOf(props.adminPrincipalArns);
      adminAccess("principals", value, each);
    } else {
      props.adminPrincipalArns.forEach((principalArn, i) => {
        const { entry, association } = adminAccess(constructKey(arnName(principalArn)), principalArn);
        // The index-keyed addresses of earlier versions.
        movedFrom(entry, `AdminAccess${i}`);
        movedFrom(association, `AdminAccess${i}Policy`);
      });
    }

    // Read-only access (a CI plan role, auditors): the view policy, keyed by name like the admins.
    const viewerAccess = (key: string, principalArn: string, forEach?: TerraformIterator) => {
      const entry = new EksAccessEntry(this, `ViewerAccess-${key}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: "STANDARD",
        ...(forEach ? { forEach } : {}),
      });
      new EksAccessPolicyAssociation(this, `ViewerAccess-${key}-Policy`, {
        clusterName: this.cluster.name,
        principalArn,
        policyArn: `arn:${this.partition}:eks::aws:cluster-access-policy/${CLUSTER_VIEW_POLICY}`,
        accessScope: { type: "cluster" },
        dependsOn: [entry],
        ...(forEach ? { forEach } : {}),
      });
    };
    const viewers = props.viewerPrincipalArns ?? [];
    if (isListToken(viewers)) {
      const { each, value } = eachOf(viewers);
      viewerAccess("viewers", value, each);
    } else for (const principalArn of viewers) viewerAccess(constructKey(arnName(principalArn)), principalArn);

    // Nodes: the worker, ECR pull-only and SSM policies only (NODE_ROLE_POLICIES).
    this.nodeRole = new IamRole(this, "NodeRole", {
      name: `${clusterName}-node`,
      description: `Nodes of ${clusterName}`,
      assumeRolePolicy: serviceTrustPolicy(this, "NodeRoleTrust", "ec2.amazonaws.com").json,
    });
    this.nodeRoleArn = this.nodeRole.arn;
    const nodePolicies = NODE_ROLE_POLICIES.map(
      (name) => new IamRolePolicyAttachment(this, `NodeRole${name}`, { role: this.nodeRole.name, policyArn: managedPolicy(name) }),
    );

    // Managed add-ons, the builds pinned in core for the cluster's Kubernetes minor. A minor only
    // Terraform knows (a generated module's variable) looks the build up in a map of the usable minors.
    const addonVersion = (name: EksAddonName): string => {
      if (!Token.isUnresolved(kubernetesVersion)) return eksAddonPins(kubernetesVersion)[name].version;
      const byMinor = Object.fromEntries(usableKubernetesVersions().map((minor) => [minor, eksAddonPins(minor)[name].version]));
      return Token.asString(Fn.lookup(byMinor, kubernetesVersion));
    };
    const { "vpc-cni": cni, "aws-ebs-csi-driver": ebs } = ADDON_SERVICE_ACCOUNTS;
    const cniRole = this.serviceAccountRole(cni.namespace, cni.serviceAccount, {
      managedPolicyArns: [managedPolicy("AmazonEKS_CNI_Policy")],
    });
    const ebsRole = this.serviceAccountRole(ebs.namespace, ebs.serviceAccount, {
      managedPolicyArns: [managedPolicy("service-role/AmazonEBSCSIDriverPolicy")],
    });
    const addon = (name: EksAddonName, extra: { serviceAccountRoleArn?: string; configurationValues?: string } = {}) =>
      new EksAddon(this, `Addon-${name}`, {
        clusterName: this.cluster.name,
        addonName: name,
        addonVersion: addonVersion(name),
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        ...extra,
      });
    const vpcCni = addon("vpc-cni", {
      serviceAccountRoleArn: cniRole.roleArn,
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
    });
    // The CNI's pods run as aws-node with its IRSA role: create the add-on once that role's grants exist.
    vpcCni.dependsOn = cniRole.grants.map(dependable);
    const kubeProxy = addon("kube-proxy");
    const coredns = addon("coredns");
    const ebsCsi = addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.roleArn });
    this.addonsBeforeNodes = [vpcCni];
    this.nodeRoleGrants = nodePolicies;
    this.addonsAfterNodes = [kubeProxy, coredns, ebsCsi];
    this.addons = { "vpc-cni": vpcCni, "kube-proxy": kubeProxy, coredns, "aws-ebs-csi-driver": ebsCsi };
  }

  /**
   * A role that only `namespace/serviceAccount` can assume (IRSA; trust pins subject and audience).
   * Use it for every add-on and workload that calls AWS instead of writing trust policies by hand.
   */
  serviceAccountRole(namespace: string, serviceAccount: string, permissions: ServiceAccountPermissions): ServiceAccountRole {
    const identity = {
      clusterName: this.props.clusterName ?? this.props.naming.name("eks"),
      oidcProviderArn: this.oidcProviderArn,
      oidcIssuerUrl: this.oidcIssuerUrl,
    };
    return createServiceAccountRole(this, `Irsa-${namespace}-${serviceAccount}`, identity, namespace, serviceAccount, permissions);
  }

  /**
   * Adds a managed node group over the cluster's subnets, on the cluster's Kubernetes version (a
   * reference, so a control-plane upgrade rolls the group after it); add-ons that need nodes wait for it.
   */
  addNodeGroup(id: string, options: NodeGroupOptions): ManagedNodeGroup {
    const group = new ManagedNodeGroup(this, `NodeGroup-${id}`, {
      ...options,
      clusterName: this.cluster.name,
      version: this.cluster.version,
      kubernetesVersion: this.kubernetesVersion,
      groupName: id,
      nodeRoleArn: this.nodeRole.arn,
      subnetIds: this.props.subnetIds,
      production: this.props.production ?? false,
      tags: this.props.tags ?? {},
    });
    group.nodeGroup.dependsOn = [...this.addonsBeforeNodes, ...this.nodeRoleGrants].map(dependable);
    for (const later of this.addonsAfterNodes) {
      later.dependsOn = [...(later.dependsOn ?? []), dependable(group.nodeGroup)];
    }
    this.nodeGroups.push(group);
    return group;
  }

  /** Runs the pods of `namespaces` on Fargate (private subnets), with its own pod execution role. */
  addFargateProfile(id: string, options: FargateProfileOptions): EksFargateProfile {
    const p = new ProblemCollector(`addFargateProfile(${JSON.stringify(id)}) on ${this.node.path}`);
    checkGroupName(p, "id", id);
    checkFargateNamespaces(p, "namespaces", options.namespaces);
    p.throwIfAny();
    const clusterName = this.props.clusterName ?? this.props.naming.name("eks");
    if (!this.fargateRole) {
      const caller = new DataAwsCallerIdentity(this, "FargateCallerIdentity");
      this.fargateRole = new IamRole(this, "FargatePodExecutionRole", {
        name: `${clusterName}-fargate`,
        description: `Fargate pod execution role of ${clusterName}`,
        assumeRolePolicy: serviceTrustPolicy(this, "FargatePodExecutionRoleTrust", "eks-fargate-pods.amazonaws.com", {
          ArnLike: { "aws:SourceArn": `arn:${this.partition}:eks:*:${caller.accountId}:fargateprofile/${clusterName}/*` },
        }).json,
      });
      new IamRolePolicyAttachment(this, "FargatePodExecutionPolicy", {
        role: this.fargateRole.name,
        policyArn: `arn:${this.partition}:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy`,
      });
    }
    return new EksFargateProfile(this, `Fargate-${id}`, {
      clusterName: this.cluster.name,
      fargateProfileName: id,
      podExecutionRoleArn: this.fargateRole.arn,
      subnetIds: [...this.props.subnetIds],
      selector: options.namespaces.map((namespace) => ({ namespace })),
    });
  }
}
