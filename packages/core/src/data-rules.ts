import { ProblemCollector } from "./errors";
import { isWellFormedRegion } from "./regions";

/**
 * Rules for registries, databases and backups, shared by the config validation at the edge and
 * the `ecr`, `rds` and `backup` constructs.
 */

/** ECR repository names: lowercase path segments of letters/digits separated by . _ - . */
export const ECR_REPOSITORY_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** `db.<family>.<size>`: db.t4g.micro, db.m7g.large, db.r6i.2xlarge. */
export const DB_INSTANCE_CLASS_PATTERN = /^db\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.([0-9]*xlarge|large|medium|small|micro)$/;
/** The least automated-backup retention per kind of environment (days). */
export const MIN_DB_BACKUP_RETENTION = { development: 7, production: 30 } as const;
/** AWS Backup: a recovery point must stay in cold storage at least this long. */
export const MIN_COLD_STORAGE_DAYS = 90;
/** RDS: allocated storage bounds for gp3 PostgreSQL (GiB). */
export const DB_STORAGE_GIB = { min: 20, max: 65536 } as const;

export function checkRepositoryName(p: ProblemCollector, field: string, name: string): void {
  p.check(
    typeof name === "string" && name.length >= 2 && name.length <= 256 && ECR_REPOSITORY_PATTERN.test(name),
    field,
    name,
    "an ECR repository name: 2-256 lowercase letters and digits, separated by single . _ - or /",
  );
}

export function checkInstanceClass(p: ProblemCollector, field: string, instanceClass: string): void {
  p.check(
    typeof instanceClass === "string" && DB_INSTANCE_CLASS_PATTERN.test(instanceClass),
    field,
    instanceClass,
    "an RDS instance class written db.<family>.<size>, e.g. db.t4g.micro or db.m7g.large",
  );
}

export interface DatabaseSizing {
  /** `db.<family>.<size>`. */
  readonly instanceClass: string;
  /** Storage at creation, GiB (20 or more). */
  readonly allocatedStorageGiB: number;
  /** Ceiling for storage autoscaling, GiB (at least the allocated storage). */
  readonly maxAllocatedStorageGiB: number;
  /** Days of automated backups (point-in-time restore window); dev >= 7, prod >= 30, max 35. */
  readonly backupRetentionDays: number;
  /** A standby in a second zone. Required in production. */
  readonly multiAz: boolean;
  /** Required in production. */
  readonly deletionProtection: boolean;
  /** Never in production. */
  readonly skipFinalSnapshot: boolean;
}

export function checkDatabaseSizing(p: ProblemCollector, field: string, db: DatabaseSizing, production: boolean): void {
  checkInstanceClass(p, `${field}.instanceClass`, db.instanceClass);
  const whole = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);
  const storageOk = p.check(
    whole(db.allocatedStorageGiB) && db.allocatedStorageGiB >= DB_STORAGE_GIB.min && db.allocatedStorageGiB <= DB_STORAGE_GIB.max,
    `${field}.allocatedStorageGiB`,
    db.allocatedStorageGiB,
    `a whole number of GiB from ${DB_STORAGE_GIB.min} to ${DB_STORAGE_GIB.max}`,
  );
  if (!whole(db.maxAllocatedStorageGiB) || db.maxAllocatedStorageGiB > DB_STORAGE_GIB.max) {
    p.add(`${field}.maxAllocatedStorageGiB`, db.maxAllocatedStorageGiB, `a whole number of GiB up to ${DB_STORAGE_GIB.max}`);
  } else if (storageOk && db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
    p.add(
      `${field}.allocatedStorageGiB`,
      db.allocatedStorageGiB,
      `at most the autoscaling ceiling maxAllocatedStorageGiB (${db.maxAllocatedStorageGiB})`,
    );
  }
  const minimum = production ? MIN_DB_BACKUP_RETENTION.production : MIN_DB_BACKUP_RETENTION.development;
  p.check(
    whole(db.backupRetentionDays) && db.backupRetentionDays >= minimum && db.backupRetentionDays <= 35,
    `${field}.backupRetentionDays`,
    db.backupRetentionDays,
    `${minimum} to 35 days${production ? " in production" : ""}`,
  );
  if (production) {
    p.check(db.multiAz === true, `${field}.multiAz`, db.multiAz, "true in production (a standby in a second zone)");
    p.check(db.deletionProtection === true, `${field}.deletionProtection`, db.deletionProtection, "true in production");
    p.check(db.skipFinalSnapshot === false, `${field}.skipFinalSnapshot`, db.skipFinalSnapshot, "false in production: a final snapshot is always taken");
  }
}

export interface BackupRuleSizing {
  /** Rule name: letters, digits, dashes, underscores. */
  readonly name: string;
  /** AWS cron, e.g. `cron(0 3 * * ? *)` (UTC). */
  readonly schedule: string;
  /** Days a recovery point is kept. */
  readonly deleteAfterDays: number;
  /** Days before a recovery point moves to cold storage (where the resource supports it). */
  readonly coldStorageAfterDays?: number;
  /** Copy each recovery point to the DR vault. */
  readonly copyToDr?: boolean;
}

export function checkBackupRule(p: ProblemCollector, field: string, rule: BackupRuleSizing, hasDrRegion: boolean): void {
  p.check(/^[A-Za-z0-9_-]{1,50}$/.test(rule.name ?? ""), `${field}.name`, rule.name, "1-50 letters, digits, dashes or underscores");
  p.check(
    typeof rule.schedule === "string" && /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/.test(rule.schedule),
    `${field}.schedule`,
    rule.schedule,
    "an AWS cron expression with six fields, e.g. cron(0 3 * * ? *)",
  );
  p.check(
    Number.isInteger(rule.deleteAfterDays) && rule.deleteAfterDays >= 1,
    `${field}.deleteAfterDays`,
    rule.deleteAfterDays,
    "a whole number of days, at least 1",
  );
  if (rule.coldStorageAfterDays !== undefined) {
    const cold = rule.coldStorageAfterDays;
    if (!Number.isInteger(cold) || cold < 1) {
      p.add(`${field}.coldStorageAfterDays`, cold, "a whole number of days, at least 1");
    } else if (rule.deleteAfterDays - cold < MIN_COLD_STORAGE_DAYS) {
      p.add(
        `${field}.coldStorageAfterDays`,
        cold,
        `at least ${MIN_COLD_STORAGE_DAYS} days before deleteAfterDays (${rule.deleteAfterDays}): AWS Backup keeps cold recovery points ${MIN_COLD_STORAGE_DAYS} days minimum`,
      );
    }
  }
  if (rule.copyToDr) {
    p.check(hasDrRegion, `${field}.copyToDr`, rule.copyToDr, "a DR region (backup.drRegion) to copy to, or copyToDr: false");
  }
}

/** Checks the DR region: well formed and not the primary region. */
export function checkDrRegion(p: ProblemCollector, field: string, drRegion: string, primaryRegion: string): void {
  if (!isWellFormedRegion(drRegion)) {
    p.add(field, drRegion, "an AWS region name such as eu-central-1");
  } else {
    p.check(drRegion !== primaryRegion, field, drRegion, `a region other than the primary region (${primaryRegion})`);
  }
}
