import {
  checkKubernetesName,
  checkLogRetention,
  checkSectionObject,
  isNetworkAligned,
  isUnresolved,
  MAX_ROLE_NAME_LENGTH,
  parseCidr,
  PinnedVersion,
  ProblemCollector,
  SectionContext,
  SUPPORTED_EKS_VERSIONS,
  VERSIONS,
} from "@qod/core";
import { Token } from "cdktf";

/**
 * The cluster section of an environment's config and its rules. The same rule functions check
 * the config at the edge (`checkClusterConfig`) and the `eks` constructs' props, so both reject
 * the same input with the same words.
 */

/**
 * Whether `list` is a list only Terraform knows (a generated module's `list(string)` variable):
 * its length and elements are not known here, so rules on them are deferred to Terraform.
 */
export function isListToken(list: unknown): boolean {
  return Array.isArray(list) && Token.isUnresolved(list);
}

/** `family.size`: t3.medium, m6i.large, m7g.2xlarge, c6in.metal, u-6tb1.metal-24xl. */
export const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.([0-9]*xlarge|large|medium|small|micro|nano|metal(-[0-9]+xl)?)$/;
/** The sizes EC2 instance types come in (`<n>xlarge` for any n, `metal` and `metal-<n>xl`). */
const INSTANCE_SIZES = "nano, micro, small, medium, large, xlarge, <n>xlarge (2xlarge, 4xlarge, …), metal, metal-<n>xl";

/**
 * What to say about an instance type the pattern refuses: a well-formed `family.size` with a
 * size EC2 does not have (`t3.mediun`) is told the sizes, anything else the form.
 */
export function instanceTypeAllowed(type: unknown): string {
  const match = typeof type === "string" ? /^([a-z][a-z0-9-]*[0-9][a-z0-9-]*)\.([a-z0-9-]+)$/.exec(type) : null;
  if (match) return `a size EC2 has after "${match[1]}.": ${INSTANCE_SIZES} ("${match[2]}" is none of them)`;
  return "an EC2 instance type written <family>.<size>, e.g. t3.medium or m6i.large";
}

/** Graviton families: a `g` right after the generation digit (t4g, m7g, c7gn, r8gd). */
export const ARM_FAMILY_PATTERN = /^[a-z]+[0-9]+g[a-z]*\./;
/** IAM role or user ARN (paths allowed). */
export const IAM_PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
/** Cluster-level names used by `addNodeGroup`/`addFargateProfile` ids. */
const GROUP_NAME_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
/** Smallest production node group: one node per zone in three zones. */
export const MIN_PRODUCTION_NODES = 3;

export type CpuArchitecture = "x86_64" | "arm64";

/** The CPU architecture an instance type runs, from its family name. */
export function architectureOf(instanceType: string): CpuArchitecture {
  return ARM_FAMILY_PATTERN.test(instanceType) ? "arm64" : "x86_64";
}

/** Sizes and machines of one managed node group. */
export interface NodeGroupSizing {
  /** Instance types, all of one CPU architecture; the first is preferred. */
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  /** Nodes at creation; the Cluster Autoscaler owns the number afterwards. */
  readonly desiredSize: number;
  readonly maxSize: number;
  /** Root volume size in GiB (gp3, encrypted). @default 50 */
  readonly diskSizeGiB?: number;
  /** @default "ON_DEMAND" */
  readonly capacityType?: "ON_DEMAND" | "SPOT";
  /**
   * The AL2023 EKS AMI release the nodes run (`<kubernetes version>-<build date>`, e.g.
   * `1.35.0-20251120`), of the cluster's Kubernetes minor. Set it to hold nodes on a known AMI or to
   * roll them to a newer one; changing it rolls the group like a version upgrade.
   * @default - the latest AMI release for the group's Kubernetes version when the group is created or upgraded
   */
  readonly releaseVersion?: string;
}

/** An AL2023 EKS AMI release version: `<major>.<minor>.<patch>-<YYYYMMDD>`. */
export const RELEASE_VERSION_PATTERN = /^(\d+)\.(\d+)\.\d+-\d{8}$/;

/**
 * Checks a node group's AMI release version: the AL2023 EKS AMI form, and of the cluster's
 * Kubernetes minor (a node group cannot run another minor's AMI than its `version`).
 */
export function checkReleaseVersion(p: ProblemCollector, field: string, releaseVersion: unknown, kubernetesVersion: string): void {
  const match = typeof releaseVersion === "string" ? RELEASE_VERSION_PATTERN.exec(releaseVersion) : null;
  if (!match) {
    p.add(field, releaseVersion, `an AL2023 EKS AMI release version <kubernetes version>-<YYYYMMDD>, e.g. ${kubernetesVersion}.0-20251120`);
    return;
  }
  const minor = `${match[1]}.${match[2]}`;
  p.check(
    minor === kubernetesVersion,
    field,
    releaseVersion,
    `a release of the cluster's kubernetesVersion ${kubernetesVersion} (${JSON.stringify(releaseVersion)} is for ${minor}), e.g. ${kubernetesVersion}.0-20251120`,
  );
}

/** Checks a node group's sizing; `production` requires at least 3 nodes so it spans 3 zones. */
export function checkNodeGroupSizing(
  p: ProblemCollector,
  field: string,
  group: NodeGroupSizing,
  production: boolean,
): void {
  const types = group.instanceTypes;
  if (isListToken(types)) {
    p.add(`${field}.instanceTypes`, types, "at least one EC2 instance type written <family>.<size>, all of one CPU architecture");
  } else if (!Array.isArray(types) || types.length === 0) {
    p.add(`${field}.instanceTypes`, types, "at least one instance type such as t3.medium");
  } else {
    types.forEach((type, i) =>
      p.check(
        typeof type === "string" && INSTANCE_TYPE_PATTERN.test(type),
        `${field}.instanceTypes[${i}]`,
        type,
        instanceTypeAllowed(type),
      ),
    );
    const archs = new Set(types.filter((t) => INSTANCE_TYPE_PATTERN.test(t)).map(architectureOf));
    p.check(archs.size <= 1, `${field}.instanceTypes`, types, "instance types of one CPU architecture (x86_64 or arm64 Graviton), not both");
  }
  const whole = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 0;
  p.check(whole(group.minSize), `${field}.minSize`, group.minSize, "a whole number >= 0");
  p.check(whole(group.maxSize) && group.maxSize >= 1, `${field}.maxSize`, group.maxSize, "a whole number >= 1");
  p.check(whole(group.desiredSize), `${field}.desiredSize`, group.desiredSize, "a whole number >= 0");
  if (whole(group.minSize) && whole(group.maxSize) && group.minSize > group.maxSize) {
    p.add(`${field}.minSize`, group.minSize, `at most maxSize (${group.maxSize})`);
  }
  if (whole(group.minSize) && whole(group.maxSize) && whole(group.desiredSize) && group.minSize <= group.maxSize) {
    p.check(
      group.desiredSize >= group.minSize && group.desiredSize <= group.maxSize,
      `${field}.desiredSize`,
      group.desiredSize,
      `between minSize (${group.minSize}) and maxSize (${group.maxSize})`,
    );
  }
  // A size only Terraform knows (a generated module's variable): the relations are its to check.
  if ([group.minSize, group.maxSize, group.desiredSize].some((n) => isUnresolved(n))) {
    const sizes = { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize };
    p.add(`${field}.minSize`, sizes, `at most maxSize${production ? `, and at least ${MIN_PRODUCTION_NODES} in production` : ""}`);
    p.add(`${field}.desiredSize`, sizes, "between minSize and maxSize");
  }
  if (production && whole(group.minSize)) {
    p.check(
      group.minSize >= MIN_PRODUCTION_NODES,
      `${field}.minSize`,
      group.minSize,
      `at least ${MIN_PRODUCTION_NODES} in production, so the group always spans 3 zones`,
    );
  }
  if (group.diskSizeGiB !== undefined) {
    p.check(
      Number.isInteger(group.diskSizeGiB) && group.diskSizeGiB >= 20 && group.diskSizeGiB <= 16384,
      `${field}.diskSizeGiB`,
      group.diskSizeGiB,
      "a whole number of GiB from 20 to 16384",
    );
  }
  if (group.capacityType !== undefined) {
    p.check(
      group.capacityType === "ON_DEMAND" || group.capacityType === "SPOT",
      `${field}.capacityType`,
      group.capacityType,
      '"ON_DEMAND" or "SPOT"',
    );
  }
}


/** The add-ons' service accounts that get an IRSA role named `<cluster>-<namespace>-<serviceAccount>`. */
export const ADDON_SERVICE_ACCOUNTS = {
  "vpc-cni": { namespace: "kube-system", serviceAccount: "aws-node" },
  "aws-ebs-csi-driver": { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa" },
} as const;

/**
 * The longest cluster name: EKS allows 100 characters, but the add-ons' IRSA role names
 * (`<cluster>-kube-system-ebs-csi-controller-sa`) must fit IAM's 64.
 */
export const MAX_CLUSTER_NAME_LENGTH =
  MAX_ROLE_NAME_LENGTH - Math.max(...Object.values(ADDON_SERVICE_ACCOUNTS).map((a) => `-${a.namespace}-${a.serviceAccount}`.length));

/** EKS cluster names: letters, digits, `-` and `_`, starting with a letter or digit; at most {@link MAX_CLUSTER_NAME_LENGTH}. */
export const CLUSTER_NAME_PATTERN = new RegExp(`^[0-9A-Za-z][0-9A-Za-z_-]{0,${MAX_CLUSTER_NAME_LENGTH - 1}}$`);

/** What {@link checkClusterName} allows. */
export const CLUSTER_NAME_RULE = `1-${MAX_CLUSTER_NAME_LENGTH} letters, digits, - and _, starting with a letter or digit (EKS allows 100 characters; ${MAX_CLUSTER_NAME_LENGTH} keeps the add-ons' IRSA role names <cluster>-kube-system-ebs-csi-controller-sa within IAM's ${MAX_ROLE_NAME_LENGTH})`;

/** Checks a cluster name ({@link CLUSTER_NAME_RULE}). */
export function checkClusterName(p: ProblemCollector, field: string, name: unknown): void {
  p.check(typeof name === "string" && CLUSTER_NAME_PATTERN.test(name), field, name, CLUSTER_NAME_RULE);
}

/** Checks a node group or Fargate profile name. */
export function checkGroupName(p: ProblemCollector, field: string, name: string): void {
  p.check(GROUP_NAME_PATTERN.test(name), field, name, "lowercase letters, digits and dashes, starting with a letter, 1-20 characters");
}

/** The EKS managed add-ons every cluster installs, each pinned per Kubernetes minor in `VERSIONS.eksAddons`. */
export const EKS_ADDONS = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"] as const;
export type EksAddonName = (typeof EKS_ADDONS)[number];

/** Add-on pins by Kubernetes minor (the shape of `VERSIONS.eksAddons`). */
export type EksAddonPins = Readonly<Record<string, Readonly<Partial<Record<EksAddonName, PinnedVersion>>>>>;

const hasOwn = (table: object, key: unknown): boolean => typeof key === "string" && Object.prototype.hasOwnProperty.call(table, key);

/** The Kubernetes minors a cluster can run: in `SUPPORTED_EKS_VERSIONS`, with a pin for every add-on in `pins`. */
export function usableKubernetesVersions(pins: EksAddonPins = VERSIONS.eksAddons): string[] {
  const pinned = (minor: string) => hasOwn(pins, minor) && EKS_ADDONS.every((addon) => pins[minor][addon] !== undefined);
  return Object.keys(SUPPORTED_EKS_VERSIONS).filter(pinned);
}

/**
 * Checks the Kubernetes version: a minor of `SUPPORTED_EKS_VERSIONS` that has a pin for every
 * add-on in `pins` (a minor without them is not supported: `CreateAddon` would fail on it).
 */
export function checkKubernetesVersion(p: ProblemCollector, field: string, version: string, pins: EksAddonPins = VERSIONS.eksAddons): void {
  const usable = usableKubernetesVersions(pins);
  if (!hasOwn(SUPPORTED_EKS_VERSIONS, version)) {
    p.add(field, version, `one of the supported EKS versions: ${usable.join(", ")}`);
  } else if (!usable.includes(version)) {
    const missing = EKS_ADDONS.filter((addon) => !hasOwn(pins, version) || pins[version][addon] === undefined);
    p.add(
      field,
      version,
      `a minor with a pinned build of every EKS add-on in VERSIONS.eksAddons (${version} has none for ${missing.join(", ")}); pinned: ${usable.join(", ")}`,
    );
  }
}

/** The add-on builds of a Kubernetes minor; throws naming the minors that have pins when it has none. */
export function eksAddonPins(kubernetesVersion: string, pins: EksAddonPins = VERSIONS.eksAddons): Readonly<Record<EksAddonName, PinnedVersion>> {
  const p = new ProblemCollector("EKS add-on versions");
  checkKubernetesVersion(p, "kubernetesVersion", kubernetesVersion, pins);
  p.throwIfAny();
  return pins[kubernetesVersion] as Readonly<Record<EksAddonName, PinnedVersion>>;
}

/** Checks the CIDRs allowed to reach the public API endpoint; production never allows the world. */
export function checkEndpointCidrs(p: ProblemCollector, field: string, cidrs: readonly string[], production: boolean): void {
  if (isListToken(cidrs)) {
    p.add(field, cidrs, `IPv4 CIDRs with no host bits set${production ? ", never 0.0.0.0/0 in production" : ""}`);
    return;
  }
  if (!Array.isArray(cidrs)) {
    p.add(field, cidrs, "a list of CIDRs (empty: private endpoint only)");
    return;
  }
  cidrs.forEach((cidr, i) => {
    const parsed = typeof cidr === "string" ? parseCidr(cidr) : undefined;
    if (!parsed || !isNetworkAligned(parsed)) {
      p.add(`${field}[${i}]`, cidr, "an IPv4 CIDR with no host bits set, e.g. 203.0.113.0/24");
    } else if (production && parsed.prefix === 0) {
      p.add(`${field}[${i}]`, cidr, "a specific range in production: the API endpoint is never open to 0.0.0.0/0 there");
    }
  });
}

/** The name at the end of an ARN (`…:role/teams/ops-admin` → `ops-admin`). */
export function arnName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * A name as a construct-id key: characters other than letters, digits, `_` and `-` become `-`.
 * List-derived constructs are keyed by it, never by their position, so reordering a list keeps
 * every Terraform address.
 */
export function constructKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** A security group id: `sg-` and 8 or 17 hex digits. */
export const SECURITY_GROUP_ID_PATTERN = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The admin network that may reach the private API endpoint on 443: VPN clients, a bastion, CI
 * runners. Each entry becomes an ingress rule on the cluster security group.
 */
export interface PrivateEndpointAccess {
  /**
   * CIDRs of the admin network (a VPN's client range, a bastion or runner subnet), never `/0`.
   * @default []
   */
  readonly cidrs?: readonly string[];
  /**
   * Security groups (`sg-…`) of bastions or runners in the VPC or a peered one.
   * @default []
   */
  readonly securityGroupIds?: readonly string[];
}

/**
 * Checks the admin network of the private endpoint: well-formed CIDRs, never `/0`; `sg-` ids;
 * each entry once. In production with no public endpoint it must name someone, or nothing
 * outside the cluster's own members can reach the API.
 */
export function checkPrivateEndpointAccess(
  p: ProblemCollector,
  field: string,
  access: PrivateEndpointAccess | undefined,
  options: { readonly production: boolean; readonly publicAccessCidrs: readonly string[] },
): void {
  if (access !== undefined && (access === null || typeof access !== "object" || Array.isArray(access))) {
    p.add(field, access, "{ cidrs?: string[], securityGroupIds?: string[] }");
    return;
  }
  const cidrs = access?.cidrs ?? [];
  const groups = access?.securityGroupIds ?? [];
  if (isListToken(cidrs)) p.add(`${field}.cidrs`, cidrs, "IPv4 CIDRs with no host bits set, never /0, each once");
  else if (!Array.isArray(cidrs)) p.add(`${field}.cidrs`, cidrs, 'a list of IPv4 CIDRs, e.g. ["10.200.0.0/22"]');
  else {
    cidrs.forEach((cidr, i) => {
      const parsed = typeof cidr === "string" ? parseCidr(cidr) : undefined;
      if (!parsed || !isNetworkAligned(parsed)) p.add(`${field}.cidrs[${i}]`, cidr, "an IPv4 CIDR with no host bits set, e.g. 10.200.0.0/22");
      else if (parsed.prefix === 0) p.add(`${field}.cidrs[${i}]`, cidr, "the admin network's own range: the private endpoint is never open to /0");
      else if (cidrs.indexOf(cidr) !== i) p.add(`${field}.cidrs[${i}]`, cidr, "each CIDR once (this one is a duplicate)");
    });
  }
  if (isListToken(groups)) p.add(`${field}.securityGroupIds`, groups, "security group ids (sg- and 8 or 17 hex digits), each once");
  else if (!Array.isArray(groups)) p.add(`${field}.securityGroupIds`, groups, 'a list of security group ids, e.g. ["sg-0123456789abcdef0"]');
  else {
    groups.forEach((id, i) => {
      if (typeof id !== "string" || !SECURITY_GROUP_ID_PATTERN.test(id)) {
        p.add(`${field}.securityGroupIds[${i}]`, id, "a security group id, sg- and 8 or 17 hex digits, e.g. sg-0123456789abcdef0");
      } else if (groups.indexOf(id) !== i) p.add(`${field}.securityGroupIds[${i}]`, id, "each security group once (this one is a duplicate)");
    });
  }
  const lists = [cidrs, groups, options.publicAccessCidrs];
  const unknown = lists.find(isListToken);
  const known = lists.filter((l) => !isListToken(l));
  const named = known.some((l) => Array.isArray(l) && l.length > 0);
  const wellFormed = known.every((l) => Array.isArray(l));
  const reachable = "at least one CIDR or security group of the admin network (VPN, bastion, CI runners) in production when endpointPublicAccessCidrs is empty: otherwise only the cluster's own members reach the API";
  if (options.production && unknown !== undefined && !named) {
    p.add(field, unknown, reachable); // Terraform knows whether the lists are empty
  } else if (options.production && wellFormed && !named) {
    p.add(field, access, reachable);
  }
}

/**
 * Checks viewer principals (read-only access entries): IAM role or user ARNs, each with a name no
 * other viewer has, none an admin too (a principal has one access entry per cluster).
 */
export function checkViewerPrincipals(p: ProblemCollector, field: string, arns: readonly string[], admins: readonly string[]): void {
  if (isListToken(arns)) return; // a Terraform list: keyed by the ARN through for_each
  if (!Array.isArray(arns)) {
    p.add(field, arns, "a list of IAM role or user ARNs (may be empty)");
    return;
  }
  const adminNames = new Set(isListToken(admins) || !Array.isArray(admins) ? [] : admins.filter((a) => typeof a === "string").map((a) => constructKey(arnName(a))));
  const seen = new Map<string, number>();
  arns.forEach((arn, i) => {
    if (typeof arn !== "string" || !IAM_PRINCIPAL_ARN_PATTERN.test(arn)) {
      p.add(`${field}[${i}]`, arn, "an IAM role or user ARN, e.g. arn:aws:iam::111122223333:role/qod-dev-github-plan");
      return;
    }
    const key = constructKey(arnName(arn));
    if (adminNames.has(key)) {
      p.add(`${field}[${i}]`, arn, `a principal that is not also an admin (adminPrincipalArns has ${arnName(arn)}): a principal has one access entry per cluster`);
      return;
    }
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else p.add(`${field}[${i}]`, arn, `a principal whose name (${arnName(arn)}) no other viewer has (${field}[${first}]); access entries are keyed by the name`);
  });
}

/**
 * Checks admin principals: IAM role or user ARNs, each with a name no other has (access entries
 * are keyed by it).
 */
export function checkAdminPrincipals(p: ProblemCollector, field: string, arns: readonly string[]): void {
  if (isListToken(arns)) {
    p.add(field, arns, "at least one IAM role or user ARN, each once");
    return;
  }
  if (!Array.isArray(arns) || arns.length === 0) {
    p.add(field, arns, "at least one IAM role ARN (the cluster creator gets no implicit admin)");
    return;
  }
  const seen = new Map<string, number>();
  arns.forEach((arn, i) => {
    if (typeof arn !== "string" || !IAM_PRINCIPAL_ARN_PATTERN.test(arn)) {
      p.add(`${field}[${i}]`, arn, "an IAM role or user ARN, e.g. arn:aws:iam::111122223333:role/platform-admin");
      return;
    }
    const key = constructKey(arnName(arn));
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else {
      p.add(
        `${field}[${i}]`,
        arn,
        `a principal whose name (${arnName(arn)}) no other admin has (${field}[${first}]); access entries are keyed by the name`,
      );
    }
  });
}

/** The tag Karpenter's EC2NodeClass selectors look for on subnets and security groups. */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/** Checks the Karpenter discovery switch: a boolean. */
export function checkKarpenterDiscovery(p: ProblemCollector, field: string, value: unknown): void {
  p.check(typeof value === "boolean", field, value, "true or false");
}

/** Most namespaces one Fargate profile selects (an EKS limit). */
export const MAX_FARGATE_NAMESPACES = 5;

/** Checks the namespaces of a Fargate profile: 1 to 5 Kubernetes names. */
export function checkFargateNamespaces(p: ProblemCollector, field: string, namespaces: readonly string[]): void {
  if (!Array.isArray(namespaces) || namespaces.length < 1 || namespaces.length > MAX_FARGATE_NAMESPACES) {
    p.add(field, namespaces, `1 to ${MAX_FARGATE_NAMESPACES} namespaces`);
    return;
  }
  namespaces.forEach((ns, i) => checkKubernetesName(p, `${field}[${i}]`, ns));
}

/** The EKS cluster of an environment. */
export interface ClusterConfig {
  /** EKS Kubernetes minor; one of `SUPPORTED_EKS_VERSIONS`. Default: `VERSIONS.eks.kubernetes.version`. */
  readonly kubernetesVersion: string;
  /**
   * CIDRs allowed to reach the public API endpoint. Empty: the endpoint is private only
   * (reach it from inside the VPC, a VPN or SSM). Never `0.0.0.0/0` in production.
   */
  readonly endpointPublicAccessCidrs: readonly string[];
  /**
   * The admin network (VPN, bastion, CI runners) that may reach the private endpoint on 443.
   * Required in production when `endpointPublicAccessCidrs` is empty.
   * @default - only the cluster's own members reach the private endpoint
   */
  readonly privateEndpointAccess?: PrivateEndpointAccess;
  /** IAM role/user ARNs given cluster-admin through access entries. At least one. */
  readonly adminPrincipalArns: readonly string[];
  /** Retention of the control-plane log group, in days (a CloudWatch Logs value). */
  readonly logRetentionDays: number;
  /** Managed node groups by name (lowercase, 1-20 chars). At least one. */
  readonly nodeGroups: Readonly<Record<string, NodeGroupSizing>>;
  /**
   * Namespaces whose pods run on Fargate instead of nodes.
   * @default - no Fargate profile
   */
  readonly fargateNamespaces?: readonly string[];
  /**
   * Tags the cluster security group and the private subnets `karpenter.sh/discovery = <cluster
   * name>`, which Karpenter's EC2NodeClass selectors look for, so Karpenter can be installed later.
   * @default false
   */
  readonly karpenterDiscovery?: boolean;
}

/** Validates the cluster section of an environment (`field` is e.g. `dev.cluster`). */
export function checkClusterConfig(
  p: ProblemCollector,
  field: string,
  cluster: ClusterConfig | undefined,
  context: SectionContext,
): void {
  if (!checkSectionObject(p, field, cluster, "{ kubernetesVersion, endpointPublicAccessCidrs, adminPrincipalArns, logRetentionDays, nodeGroups }")) return;
  const production = context.production;
  checkKubernetesVersion(p, `${field}.kubernetesVersion`, cluster.kubernetesVersion);
  checkEndpointCidrs(p, `${field}.endpointPublicAccessCidrs`, cluster.endpointPublicAccessCidrs, production);
  checkPrivateEndpointAccess(p, `${field}.privateEndpointAccess`, cluster.privateEndpointAccess, {
    production,
    publicAccessCidrs: cluster.endpointPublicAccessCidrs,
  });
  checkAdminPrincipals(p, `${field}.adminPrincipalArns`, cluster.adminPrincipalArns);
  checkLogRetention(p, `${field}.logRetentionDays`, cluster.logRetentionDays, production);
  const groups = cluster.nodeGroups;
  if (groups === null || typeof groups !== "object" || Object.keys(groups).length === 0) {
    p.add(`${field}.nodeGroups`, groups, "at least one node group, e.g. { system: { instanceTypes: [\"t3.medium\"], minSize: 1, desiredSize: 2, maxSize: 4 } }");
  } else {
    for (const [name, group] of Object.entries(groups)) {
      checkGroupName(p, `${field}.nodeGroups`, name);
      checkNodeGroupSizing(p, `${field}.nodeGroups.${name}`, group, production);
      if (group !== null && typeof group === "object" && group.releaseVersion !== undefined) {
        checkReleaseVersion(p, `${field}.nodeGroups.${name}.releaseVersion`, group.releaseVersion, cluster.kubernetesVersion);
      }
    }
  }
  if (cluster.karpenterDiscovery !== undefined) checkKarpenterDiscovery(p, `${field}.karpenterDiscovery`, cluster.karpenterDiscovery);
  if (cluster.fargateNamespaces !== undefined && cluster.fargateNamespaces.length > 0) {
    checkFargateNamespaces(p, `${field}.fargateNamespaces`, cluster.fargateNamespaces);
  }
}
