import { ProblemCollector } from "./errors";
import { isWellFormedRegion, REGION_ZONES } from "./regions";

/**
 * What every package shares about an environment: who it is (project, name, account, region,
 * domain), whether production rules apply, its tags and where its state lives. The sections a
 * package needs on top of this (network, cluster, …) are declared and validated by
 * that package; `apps/shared` puts them together into the environment config.
 */

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

/** An existing public Route 53 hosted zone. */
export interface HostedZoneConfig {
  /** The zone's id, e.g. `Z0123456789ABCDEFGHIJ` (Route 53 console or `aws route53 list-hosted-zones`). */
  readonly id: string;
  /** The zone's DNS name, e.g. `example.com`; the environment's `domain` must be it or under it. */
  readonly name: string;
}

/** The part of an environment's config every stack and package reads. */
export interface EnvironmentBase {
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
  /** DNS domain the public endpoints live under (`www.<domain>`, `api.<domain>`). */
  readonly domain: string;
  /**
   * The public hosted zone `domain` lives in: the infra stack validates a certificate for
   * `domain` and `*.<domain>` there, and ExternalDNS writes records there (and nowhere else).
   * @default - no public DNS: no certificate, and ExternalDNS cannot be installed
   */
  readonly hostedZone?: HostedZoneConfig;
  /** Tags for every resource; `project`, `environment` and `managed-by` are added. */
  readonly tags: EnvironmentTags;
  /** Remote state location. */
  readonly state: StateBackendConfig;
}

/**
 * What a package's section validator (`check<Section>Config(p, field, section, context)`) knows of
 * the environment besides its own section. Values come from the config as given (they may
 * themselves be invalid: the base validator reports that).
 */
export interface SectionContext {
  /** Production rules apply. */
  readonly production: boolean;
  /** The environment's primary region. */
  readonly region?: string;
}

/**
 * Records a problem unless `section` is an object (a section left out or mistyped), naming the
 * fields it should have. Returns whether it is, so its fields can be checked next.
 */
export function checkSectionObject<T extends object>(
  p: ProblemCollector,
  field: string,
  section: T | null | undefined,
  shape: string,
): section is T {
  return p.check(section !== null && typeof section === "object", field, section, shape);
}

/** Tag keys every taggable AWS resource must carry. */
export const REQUIRED_TAG_KEYS = ["project", "environment", "owner", "managed-by"] as const;

/** Retention values CloudWatch Logs accepts (`PutRetentionPolicy`). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
];

/** Logs are kept a year in production: audits reach back that far. */
export const MIN_PRODUCTION_LOG_DAYS = 365;

/**
 * The least number of days recovery data of an environment is kept (point-in-time restore
 * windows, recovery points), per kind of environment.
 */
export const MIN_RECOVERY_DAYS = { development: 7, production: 30 } as const;

/** {@link NAME_RULE} as a pattern (module validations reuse its source). */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,10}[a-z0-9]$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const DOMAIN_PATTERN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** S3 bucket names: 3-63 lowercase letters, digits, dots, dashes; no `xn--`, no `..`, not an IP. */
const BUCKET_PATTERN = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)$/;
/** Route 53 hosted zone ids: `Z` and up to 31 uppercase letters or digits. */
export const HOSTED_ZONE_ID_PATTERN = /^Z[A-Z0-9]{1,31}$/;
const RESERVED_TAGS = ["project", "environment", "managed-by"];

/** The rule of project and environment names, as error messages state it. */
export const NAME_RULE = "lowercase letters, digits and dashes, starting with a letter, 2-12 characters";
/** The rule of S3 bucket names, as error messages state it. */
export const BUCKET_NAME_RULE = "an S3 bucket name: 3-63 lowercase letters, digits, dots or dashes";

/** Lowercase letters, digits and dashes, starting with a letter, 2–12 characters. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** A valid S3 bucket name. */
export function isBucketName(name: string): boolean {
  return BUCKET_PATTERN.test(name);
}

/** Checks a project or environment name. */
export function checkName(p: ProblemCollector, field: string, name: unknown): boolean {
  return p.check(typeof name === "string" && isValidName(name), field, name, NAME_RULE);
}

/** Checks an AWS account id: 12 digits, as a string (a number loses leading zeros). */
export function checkAccountId(p: ProblemCollector, field: string, accountId: unknown): boolean {
  return p.check(
    typeof accountId === "string" && ACCOUNT_PATTERN.test(accountId),
    field,
    accountId,
    "a 12-digit AWS account id as a string",
  );
}

/** Checks that `region` is a well-formed region name. */
export function checkRegionName(p: ProblemCollector, field: string, region: unknown): boolean {
  return p.check(
    typeof region === "string" && isWellFormedRegion(region),
    field,
    region,
    "an AWS region name such as eu-west-1",
  );
}

/** Checks a Route 53 hosted zone id. */
export function checkHostedZoneId(p: ProblemCollector, field: string, id: unknown): boolean {
  return p.check(
    typeof id === "string" && HOSTED_ZONE_ID_PATTERN.test(id),
    field,
    id,
    "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (Z and uppercase letters or digits, no /hostedzone/ prefix)",
  );
}

/** Whether `domain` is `zone` or a name under it. */
export function isInZone(domain: string, zone: string): boolean {
  return domain === zone || domain.endsWith(`.${zone}`);
}

/**
 * Checks a log retention: a value CloudWatch Logs accepts and, in production, at least
 * {@link MIN_PRODUCTION_LOG_DAYS}.
 */
export function checkLogRetention(p: ProblemCollector, field: string, days: unknown, production = false): void {
  p.check(
    typeof days === "number" && LOG_RETENTION_DAYS.includes(days),
    field,
    days,
    `one of ${LOG_RETENTION_DAYS.join(", ")}`,
  );
  if (production && typeof days === "number" && days < MIN_PRODUCTION_LOG_DAYS) {
    p.add(field, days, `at least ${MIN_PRODUCTION_LOG_DAYS} days in production`);
  }
}

/**
 * Checks the shared part of one environment's config ({@link EnvironmentBase}); field paths are
 * `<prefix>.<field>`.
 */
export function checkEnvironmentBase(p: ProblemCollector, prefix: string, config: Partial<EnvironmentBase> | undefined): void {
  const f = (field: string) => `${prefix}.${field}`;
  const c = (config ?? {}) as Partial<EnvironmentBase>;

  checkName(p, f("project"), c.project);
  checkName(p, f("name"), c.name);
  p.check(typeof c.production === "boolean", f("production"), c.production, "true or false");
  checkAccountId(p, f("accountId"), c.accountId);
  if (checkRegionName(p, f("region"), c.region)) {
    p.check(
      REGION_ZONES[c.region as string] !== undefined,
      f("region"),
      c.region,
      `one of the regions in REGION_ZONES (${Object.keys(REGION_ZONES).join(", ")}); add yours there with its zones`,
    );
  }
  p.check(
    typeof c.domain === "string" && DOMAIN_PATTERN.test(c.domain),
    f("domain"),
    c.domain,
    "a lowercase DNS name such as example.com",
  );
  if (c.hostedZone !== undefined) checkHostedZone(p, f("hostedZone"), c.hostedZone, f("domain"), c.domain);
  checkEnvironmentTags(p, f("tags"), c.tags);
  checkStateBackend(p, f("state"), c.state);
}

function checkHostedZone(p: ProblemCollector, field: string, zone: HostedZoneConfig, domainField: string, domain: unknown): void {
  if (!checkSectionObject(p, field, zone, "{ id, name } of an existing public Route 53 hosted zone")) return;
  checkHostedZoneId(p, `${field}.id`, zone.id);
  if (p.check(typeof zone.name === "string" && DOMAIN_PATTERN.test(zone.name), `${field}.name`, zone.name, "the zone's lowercase DNS name, e.g. example.com (no trailing dot)")) {
    if (typeof domain === "string" && DOMAIN_PATTERN.test(domain)) {
      p.check(isInZone(domain, zone.name), domainField, domain, `${zone.name} or a name under it (the hosted zone ${zone.id} can only hold records there)`);
    }
  }
}

function checkEnvironmentTags(p: ProblemCollector, field: string, tags: EnvironmentTags | undefined): void {
  if (!checkSectionObject(p, field, tags, "an object with at least an owner tag, e.g. { owner: \"platform-team\" }")) return;
  p.check(
    typeof tags.owner === "string" && tags.owner.trim().length > 0,
    `${field}.owner`,
    tags.owner,
    "a non-empty owner (team or contact); required tags are project, environment, owner, managed-by",
  );
  for (const [key, value] of Object.entries(tags)) {
    if (RESERVED_TAGS.includes(key)) {
      p.add(`${field}.${key}`, value, `no value: "${key}" is set from the config itself`);
    } else if (key.length > 128 || key.toLowerCase().startsWith("aws:") || !/^[\p{L}\p{N}\s_.:/=+\-@]+$/u.test(key)) {
      p.add(`${field}["${key}"]`, key, "a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with aws:");
    } else if (typeof value !== "string" || value.length > 256 || !/^[\p{L}\p{N}\s_.:/=+\-@]*$/u.test(value)) {
      p.add(`${field}.${key}`, value, "a string of at most 256 letters, digits, spaces or _.:/=+-@");
    }
  }
}

function checkStateBackend(p: ProblemCollector, field: string, s: StateBackendConfig | undefined): void {
  if (!checkSectionObject(p, field, s, "{ bucket, region, kmsKeyArn } of the bootstrap state bucket")) return;
  p.check(typeof s.bucket === "string" && isBucketName(s.bucket), `${field}.bucket`, s.bucket, BUCKET_NAME_RULE);
  checkRegionName(p, `${field}.region`, s.region);
  p.check(
    typeof s.kmsKeyArn === "string" && KMS_ARN_PATTERN.test(s.kmsKeyArn),
    `${field}.kmsKeyArn`,
    s.kmsKeyArn,
    "a KMS key or alias ARN, e.g. arn:aws:kms:eu-west-1:111122223333:alias/qod-tfstate",
  );
}
