import { ProblemCollector, ValidationError } from "./errors";
import { isNetworkAligned, isPrivateRange, parseCidr, PRIVATE_RANGES } from "./cidr";
import { isWellFormedRegion, REGION_ZONES, zonesOf } from "./regions";
import {
  checkAdminPrincipals,
  checkEndpointCidrs,
  checkGroupName,
  checkKubernetesName,
  checkKubernetesVersion,
  checkNodeGroupSizing,
  NodeGroupSizing,
} from "./cluster-rules";
import {
  BackupRuleSizing,
  checkBackupRule,
  checkDatabaseSizing,
  checkDrRegion,
  checkRepositoryName,
  DatabaseSizing,
  MIN_DB_BACKUP_RETENTION,
} from "./data-rules";

/** How NAT gateways are laid out. */
export type NatGatewayMode =
  /** One NAT gateway in the first AZ; every private subnet routes through it (cheap, not AZ-fault-tolerant). */
  | "single"
  /** One NAT gateway per AZ; each private subnet routes through its own AZ's gateway. */
  | "per-az";

/** Where Terraform state lives: the bucket made by `apps/bootstrap`. */
export interface StateBackendConfig {
  /** S3 bucket name (3–63 chars, lowercase, digits, dots, dashes). */
  readonly bucket: string;
  /** Region of the bucket. */
  readonly region: string;
  /** ARN of the KMS key (or its alias) that encrypts state objects. */
  readonly kmsKeyArn: string;
}

/** Tags every resource carries. `owner` is required; more keys may be added. */
export interface EnvironmentTags {
  readonly owner: string;
  readonly [key: string]: string;
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
}

/** Container registries of an environment. */
export interface RegistryConfig {
  /** One repository per service, e.g. `qod-api`, `ui` (created as `<project>-<env>/<name>`). */
  readonly repositories: readonly string[];
  /** Days an untagged image is kept (1-90). */
  readonly untaggedImageExpiryDays: number;
  /** Release images (`v*` tags) kept per repository (1-1000). */
  readonly keepReleaseImages: number;
  /** Replicate every repository to `backup.drRegion`. */
  readonly replicateToDr: boolean;
}

/** The PostgreSQL database of an environment. */
export interface DatabaseConfig extends DatabaseSizing {
  /** Performance Insights retention: 7 (free) or a multiple of 31 up to 731. */
  readonly performanceInsightsRetentionDays: number;
  /**
   * Build the database from this RDS snapshot (name or ARN) instead of empty: the disaster
   * recovery path (docs/disaster-recovery.md).
   * @default - an empty database
   */
  readonly restoreFromSnapshot?: string;
}

/** AWS Backup of an environment. */
export interface BackupConfig {
  /**
   * Region of the disaster-recovery vault that rules with `copyToDr` copy to. Required in
   * production; must differ from `region`.
   * @default - no DR copies
   */
  readonly drRegion?: string;
  /** Backup rules; at least one keeps recovery points for the environment minimum (dev 7, prod 30 days). */
  readonly rules: readonly BackupRuleSizing[];
  /**
   * Vault lock: recovery points cannot be deleted before `minRetentionDays`. With
   * `changeableForDays` the lock becomes compliance mode (irreversible) after that many days;
   * without it, governance mode. Required in production.
   */
  readonly vaultLock?: {
    readonly minRetentionDays: number;
    readonly maxRetentionDays: number;
    readonly changeableForDays?: number;
  };
  /** Exercise restores of the database on a schedule (AWS Backup restore testing). */
  readonly restoreTesting: boolean;
  /** Email addresses told about failed backup, copy and restore jobs. */
  readonly notificationEmails: readonly string[];
}

/**
 * One environment (dev, prod, …). Written as a literal in `apps/<env>/config.ts` and validated
 * once by {@link validateEnvironmentConfig} before any construct exists.
 */
export interface EnvironmentConfig {
  /** Short project name, first part of every resource name. Lowercase letters, digits, dashes; 2–12 chars. */
  readonly project: string;
  /** Environment name, second part of every resource name. Lowercase letters, digits, dashes; 2–12 chars. */
  readonly name: string;
  /**
   * Production rules apply: at least 3 AZs, a NAT gateway per AZ, a year of logs, and (in
   * later packages) deletion protection, Multi-AZ, longer retention.
   */
  readonly production: boolean;
  /** The AWS account (12 digits) the environment is deployed to; the provider refuses any other. */
  readonly accountId: string;
  /** AWS region, e.g. `eu-west-1`. Must be one listed in `REGION_ZONES`. */
  readonly region: string;
  /** Availability Zones by full name (`eu-west-1a`); 2 or more, distinct, all in `region`. */
  readonly availabilityZones: readonly string[];
  /** VPC CIDR: an RFC 1918 range, prefix /16 to /20, network-aligned. */
  readonly vpcCidr: string;
  /** NAT gateway layout. Production requires `per-az`. */
  readonly natGateways: NatGatewayMode;
  /** DNS domain the public endpoints live under (`www.<domain>`, `api.<domain>`). */
  readonly domain: string;
  /** Retention of VPC flow logs, in days (a CloudWatch Logs retention value). */
  readonly flowLogRetentionDays: number;
  /** Tags for every resource; `project`, `environment` and `managed-by` are added. */
  readonly tags: EnvironmentTags;
  /** Remote state location. */
  readonly state: StateBackendConfig;
  /** The EKS cluster. */
  readonly cluster: ClusterConfig;
  /** ECR repositories. */
  readonly registry: RegistryConfig;
  /** RDS PostgreSQL. */
  readonly database: DatabaseConfig;
  /** AWS Backup plan and disaster-recovery copies. */
  readonly backup: BackupConfig;
}

/** Tag keys every taggable AWS resource must carry. */
export const REQUIRED_TAG_KEYS = ["project", "environment", "owner", "managed-by"] as const;

/** Retention values CloudWatch Logs accepts (`PutRetentionPolicy`). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
];

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,10}[a-z0-9]$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const DOMAIN_PATTERN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const BUCKET_PATTERN = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)$/;
const RESERVED_TAGS = ["project", "environment", "managed-by"];
const MIN_PRODUCTION_AZS = 3;
/** Logs (flow, control plane, database) are kept a year in production: audits reach back that far. */
export const MIN_PRODUCTION_LOG_DAYS = 365;
const MIN_AZS = 2;

/** Lowercase letters, digits and dashes, starting with a letter, 2–12 characters. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/**
 * Checks one environment config and returns every problem found (empty when valid).
 * Field paths are prefixed with `prefix` (e.g. `dev`).
 */
export function findConfigProblems(config: EnvironmentConfig, prefix = config?.name ?? "config") {
  const p = new ProblemCollector(`environment config`);
  const f = (field: string) => `${prefix}.${field}`;
  const c = (config ?? {}) as Partial<EnvironmentConfig>;
  const nameRule = "lowercase letters, digits and dashes, starting with a letter, 2-12 characters";

  p.check(typeof c.project === "string" && isValidName(c.project), f("project"), c.project, nameRule);
  p.check(typeof c.name === "string" && isValidName(c.name), f("name"), c.name, nameRule);
  p.check(typeof c.production === "boolean", f("production"), c.production, "true or false");
  p.check(
    typeof c.accountId === "string" && ACCOUNT_PATTERN.test(c.accountId),
    f("accountId"),
    c.accountId,
    "a 12-digit AWS account id as a string",
  );

  // Region and zones.
  const regionOk =
    p.check(
      typeof c.region === "string" && isWellFormedRegion(c.region),
      f("region"),
      c.region,
      "an AWS region name such as eu-west-1",
    ) &&
    p.check(
      REGION_ZONES[c.region as string] !== undefined,
      f("region"),
      c.region,
      `one of the regions in REGION_ZONES (${Object.keys(REGION_ZONES).join(", ")}); add yours there with its zones`,
    );
  const azs = c.availabilityZones;
  if (!Array.isArray(azs)) {
    p.add(f("availabilityZones"), azs, `a list of at least ${MIN_AZS} zone names`);
  } else {
    const regionZones = regionOk ? zonesOf(c.region as string)! : undefined;
    const minimum = c.production === true ? MIN_PRODUCTION_AZS : MIN_AZS;
    p.check(
      azs.length >= minimum,
      f("availabilityZones"),
      azs,
      c.production === true
        ? `at least ${MIN_PRODUCTION_AZS} zones in production (so a zone outage leaves a quorum)`
        : `at least ${MIN_AZS} zones (EKS and RDS subnet groups need two)`,
    );
    if (regionZones) {
      p.check(
        azs.length <= regionZones.length,
        f("availabilityZones"),
        azs,
        `at most ${regionZones.length} zones: ${c.region} has ${regionZones.join(", ")}`,
      );
    }
    azs.forEach((zone, i) => {
      if (azs.indexOf(zone) !== i) {
        p.add(f(`availabilityZones[${i}]`), zone, "each zone once (this one is a duplicate)");
      } else if (regionZones && !regionZones.includes(zone)) {
        p.add(f(`availabilityZones[${i}]`), zone, `a zone of ${c.region}: ${regionZones.join(", ")}`);
      }
    });
  }

  // Network.
  const cidr = typeof c.vpcCidr === "string" ? parseCidr(c.vpcCidr) : undefined;
  if (!cidr) {
    p.add(f("vpcCidr"), c.vpcCidr, "an IPv4 CIDR such as 10.20.0.0/16");
  } else {
    p.check(
      isPrivateRange(cidr),
      f("vpcCidr"),
      c.vpcCidr,
      `a private range inside ${PRIVATE_RANGES.join(", ")}`,
    );
    p.check(
      cidr.prefix >= 16 && cidr.prefix <= 20,
      f("vpcCidr"),
      c.vpcCidr,
      "a prefix from /16 to /20 (AWS allows /16 at most; smaller than /20 leaves too few pod IPs)",
    );
    p.check(
      isNetworkAligned(cidr),
      f("vpcCidr"),
      c.vpcCidr,
      "a network address with no host bits set (e.g. 10.20.0.0/16, not 10.20.1.0/16)",
    );
  }
  p.check(
    c.natGateways === "single" || c.natGateways === "per-az",
    f("natGateways"),
    c.natGateways,
    '"single" or "per-az"',
  );
  if (c.production === true && c.natGateways === "single") {
    p.add(f("natGateways"), c.natGateways, '"per-az" in production (a single NAT gateway is a zonal single point of failure)');
  }
  p.check(
    typeof c.domain === "string" && DOMAIN_PATTERN.test(c.domain),
    f("domain"),
    c.domain,
    "a lowercase DNS name such as example.com",
  );
  p.check(
    typeof c.flowLogRetentionDays === "number" && LOG_RETENTION_DAYS.includes(c.flowLogRetentionDays),
    f("flowLogRetentionDays"),
    c.flowLogRetentionDays,
    `one of ${LOG_RETENTION_DAYS.join(", ")}`,
  );
  if (c.production === true && typeof c.flowLogRetentionDays === "number" && c.flowLogRetentionDays < MIN_PRODUCTION_LOG_DAYS) {
    p.add(f("flowLogRetentionDays"), c.flowLogRetentionDays, `at least ${MIN_PRODUCTION_LOG_DAYS} days in production`);
  }

  // Tags.
  const tags = c.tags;
  if (tags === null || typeof tags !== "object") {
    p.add(f("tags"), tags, "an object with at least an owner tag, e.g. { owner: \"platform-team\" }");
  } else {
    p.check(
      typeof tags.owner === "string" && tags.owner.trim().length > 0,
      f("tags.owner"),
      tags.owner,
      "a non-empty owner (team or contact); required tags are project, environment, owner, managed-by",
    );
    for (const [key, value] of Object.entries(tags)) {
      if (RESERVED_TAGS.includes(key)) {
        p.add(f(`tags.${key}`), value, `no value: "${key}" is set from the config itself`);
      } else if (key.length > 128 || key.toLowerCase().startsWith("aws:") || !/^[\p{L}\p{N}\s_.:/=+\-@]+$/u.test(key)) {
        p.add(f(`tags["${key}"]`), key, "a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with aws:");
      } else if (typeof value !== "string" || value.length > 256 || !/^[\p{L}\p{N}\s_.:/=+\-@]*$/u.test(value)) {
        p.add(f(`tags.${key}`), value, "a string of at most 256 letters, digits, spaces or _.:/=+-@");
      }
    }
  }

  // State backend.
  const s = c.state;
  if (s === null || typeof s !== "object") {
    p.add(f("state"), s, "{ bucket, region, kmsKeyArn } of the bootstrap state bucket");
  } else {
    p.check(
      typeof s.bucket === "string" && BUCKET_PATTERN.test(s.bucket),
      f("state.bucket"),
      s.bucket,
      "an S3 bucket name: 3-63 lowercase letters, digits, dots or dashes",
    );
    p.check(
      typeof s.region === "string" && isWellFormedRegion(s.region),
      f("state.region"),
      s.region,
      "an AWS region name such as eu-west-1",
    );
    p.check(
      typeof s.kmsKeyArn === "string" && KMS_ARN_PATTERN.test(s.kmsKeyArn),
      f("state.kmsKeyArn"),
      s.kmsKeyArn,
      "a KMS key or alias ARN, e.g. arn:aws:kms:eu-west-1:111122223333:alias/qod-tfstate",
    );
  }
  findClusterProblems(p, f("cluster"), c.cluster, c.production === true);
  findDataProblems(p, prefix, c);
  return p.problems;
}

function findDataProblems(p: ProblemCollector, prefix: string, c: Partial<EnvironmentConfig>): void {
  const production = c.production === true;
  const f = (field: string) => `${prefix}.${field}`;
  const b = c.backup;
  if (b === null || typeof b !== "object") {
    p.add(f("backup"), b, "{ rules, restoreTesting, notificationEmails, drRegion?, vaultLock? }");
  } else {
    if (b.drRegion !== undefined) checkDrRegion(p, f("backup.drRegion"), b.drRegion, c.region as string);
    else if (production) p.add(f("backup.drRegion"), b.drRegion, "a second region in production, for cross-region copies");
    const rules = Array.isArray(b.rules) ? b.rules : [];
    if (rules.length === 0) p.add(f("backup.rules"), b.rules, "at least one backup rule");
    rules.forEach((rule, i) => checkBackupRule(p, f(`backup.rules[${i}]`), rule, b.drRegion !== undefined));
    const minimum = production ? MIN_DB_BACKUP_RETENTION.production : MIN_DB_BACKUP_RETENTION.development;
    const longest = Math.max(0, ...rules.map((r) => r.deleteAfterDays).filter(Number.isFinite));
    if (rules.length > 0 && longest < minimum) {
      p.add(f("backup.rules"), rules.map((r) => r.deleteAfterDays), `at least one rule keeping recovery points ${minimum} days or more`);
    }
    if (production && !rules.some((r) => r.copyToDr)) {
      p.add(f("backup.rules"), rules.map((r) => r.name), "at least one rule with copyToDr: true in production");
    }
    const lock = b.vaultLock;
    if (lock === undefined) {
      if (production) p.add(f("backup.vaultLock"), lock, "a vault lock in production, so recovery points cannot be deleted early");
    } else {
      const shortest = Math.min(...rules.map((r) => r.deleteAfterDays).filter(Number.isFinite));
      p.check(
        Number.isInteger(lock.minRetentionDays) && lock.minRetentionDays >= 1 && lock.minRetentionDays <= shortest,
        f("backup.vaultLock.minRetentionDays"),
        lock.minRetentionDays,
        `1 to the shortest rule retention (${shortest} days); a longer minimum makes those backups fail`,
      );
      p.check(
        Number.isInteger(lock.maxRetentionDays) && lock.maxRetentionDays >= longest && lock.maxRetentionDays >= lock.minRetentionDays,
        f("backup.vaultLock.maxRetentionDays"),
        lock.maxRetentionDays,
        `at least the longest rule retention (${longest} days)`,
      );
      if (lock.changeableForDays !== undefined) {
        p.check(
          Number.isInteger(lock.changeableForDays) && lock.changeableForDays >= 3,
          f("backup.vaultLock.changeableForDays"),
          lock.changeableForDays,
          "at least 3 days (AWS minimum grace period before compliance mode)",
        );
      }
    }
    if (production) p.check(b.restoreTesting === true, f("backup.restoreTesting"), b.restoreTesting, "true in production");
    (Array.isArray(b.notificationEmails) ? b.notificationEmails : []).forEach((email, i) =>
      p.check(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(email), f(`backup.notificationEmails[${i}]`), email, "an email address"),
    );
  }

  const r = c.registry;
  if (r === null || typeof r !== "object") {
    p.add(f("registry"), r, "{ repositories, untaggedImageExpiryDays, keepReleaseImages, replicateToDr }");
  } else {
    if (!Array.isArray(r.repositories) || r.repositories.length === 0) {
      p.add(f("registry.repositories"), r.repositories, "at least one repository name");
    } else {
      r.repositories.forEach((name, i) => {
        checkRepositoryName(p, f(`registry.repositories[${i}]`), name);
        if (r.repositories.indexOf(name) !== i) p.add(f(`registry.repositories[${i}]`), name, "each repository once");
      });
    }
    p.check(
      Number.isInteger(r.untaggedImageExpiryDays) && r.untaggedImageExpiryDays >= 1 && r.untaggedImageExpiryDays <= 90,
      f("registry.untaggedImageExpiryDays"),
      r.untaggedImageExpiryDays,
      "1 to 90 days",
    );
    p.check(
      Number.isInteger(r.keepReleaseImages) && r.keepReleaseImages >= 1 && r.keepReleaseImages <= 1000,
      f("registry.keepReleaseImages"),
      r.keepReleaseImages,
      "1 to 1000 images",
    );
    if (r.replicateToDr === true && !(b && typeof b === "object" && b.drRegion)) {
      p.add(f("registry.replicateToDr"), r.replicateToDr, "a DR region (backup.drRegion) to replicate to, or false");
    }
  }

  const d = c.database;
  if (d === null || typeof d !== "object") {
    p.add(f("database"), d, "{ instanceClass, allocatedStorageGiB, maxAllocatedStorageGiB, backupRetentionDays, multiAz, deletionProtection, skipFinalSnapshot, performanceInsightsRetentionDays }");
  } else {
    checkDatabaseSizing(p, f("database"), d, production);
    const pi = d.performanceInsightsRetentionDays;
    p.check(
      Number.isInteger(pi) && (pi === 7 || (pi % 31 === 0 && pi >= 31 && pi <= 713) || pi === 731),
      f("database.performanceInsightsRetentionDays"),
      pi,
      "7, a multiple of 31 up to 713, or 731",
    );
  }
}

function findClusterProblems(p: ProblemCollector, field: string, cluster: ClusterConfig | undefined, production: boolean): void {
  if (cluster === null || typeof cluster !== "object") {
    p.add(field, cluster, "{ kubernetesVersion, endpointPublicAccessCidrs, adminPrincipalArns, logRetentionDays, nodeGroups }");
    return;
  }
  checkKubernetesVersion(p, `${field}.kubernetesVersion`, cluster.kubernetesVersion);
  checkEndpointCidrs(p, `${field}.endpointPublicAccessCidrs`, cluster.endpointPublicAccessCidrs, production);
  checkAdminPrincipals(p, `${field}.adminPrincipalArns`, cluster.adminPrincipalArns);
  p.check(
    LOG_RETENTION_DAYS.includes(cluster.logRetentionDays),
    `${field}.logRetentionDays`,
    cluster.logRetentionDays,
    `one of ${LOG_RETENTION_DAYS.join(", ")}`,
  );
  if (production && typeof cluster.logRetentionDays === "number" && cluster.logRetentionDays < MIN_PRODUCTION_LOG_DAYS) {
    p.add(`${field}.logRetentionDays`, cluster.logRetentionDays, `at least ${MIN_PRODUCTION_LOG_DAYS} days in production`);
  }
  const groups = cluster.nodeGroups;
  if (groups === null || typeof groups !== "object" || Object.keys(groups).length === 0) {
    p.add(`${field}.nodeGroups`, groups, "at least one node group, e.g. { system: { instanceTypes: [\"t3.medium\"], minSize: 1, desiredSize: 2, maxSize: 4 } }");
  } else {
    for (const [name, group] of Object.entries(groups)) {
      checkGroupName(p, `${field}.nodeGroups`, name);
      checkNodeGroupSizing(p, `${field}.nodeGroups.${name}`, group, production);
    }
  }
  (cluster.fargateNamespaces ?? []).forEach((ns, i) => checkKubernetesName(p, `${field}.fargateNamespaces[${i}]`, ns));
}

/**
 * Validates every environment at once and throws one {@link ValidationError} listing every
 * problem across all of them. Also rejects two environments with the same name.
 */
export function validateEnvironmentConfigs(configs: readonly EnvironmentConfig[]): void {
  const all = new ProblemCollector("environment config");
  configs.forEach((config, i) => {
    all.merge(findConfigProblems(config, config?.name ?? `environments[${i}]`));
  });
  const names = configs.map((c) => c?.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) all.add(`environments[${i}].name`, name, "a name no other environment uses");
  });
  all.throwIfAny();
}

/** Validates one environment; throws a {@link ValidationError} naming every problem. */
export function validateEnvironmentConfig(config: EnvironmentConfig): void {
  validateEnvironmentConfigs([config]);
}

export { ValidationError };
