import { checkSectionObject, isUnresolved, MIN_RECOVERY_DAYS, ProblemCollector, SectionContext } from "@qod/core";

/**
 * The database section of an environment's config and its rules. The same rule functions check
 * the config at the edge (`checkDatabaseConfig`) and the `PostgresDatabase` construct's props,
 * so both reject the same input with the same words.
 */

/** `db.<family>.<size>`: db.t4g.micro, db.m7g.large, db.r6i.2xlarge. */
export const DB_INSTANCE_CLASS_PATTERN = /^db\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.([0-9]*xlarge|large|medium|small|micro)$/;
/** RDS: allocated storage bounds for gp3 PostgreSQL (GiB). */
export const DB_STORAGE_GIB = { min: 20, max: 65536 } as const;

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
  /** Required in production; refused elsewhere (a non-production environment comes down with one `terraform destroy`). */
  readonly deletionProtection: boolean;
  /** Never in production. */
  readonly skipFinalSnapshot: boolean;
}

export function checkDatabaseSizing(p: ProblemCollector, field: string, db: DatabaseSizing, production: boolean): void {
  checkInstanceClass(p, `${field}.instanceClass`, db.instanceClass);
  // A token (a Terraform variable) is a number only Terraform knows: not whole here, so its rules are deferred.
  const whole = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && !isUnresolved(n);
  const storageOk = p.check(
    whole(db.allocatedStorageGiB) && db.allocatedStorageGiB >= DB_STORAGE_GIB.min && db.allocatedStorageGiB <= DB_STORAGE_GIB.max,
    `${field}.allocatedStorageGiB`,
    db.allocatedStorageGiB,
    `a whole number of GiB from ${DB_STORAGE_GIB.min} to ${DB_STORAGE_GIB.max}`,
  );
  const ceilingOk = p.check(
    whole(db.maxAllocatedStorageGiB) && db.maxAllocatedStorageGiB <= DB_STORAGE_GIB.max,
    `${field}.maxAllocatedStorageGiB`,
    db.maxAllocatedStorageGiB,
    `a whole number of GiB up to ${DB_STORAGE_GIB.max}`,
  );
  if (storageOk && ceilingOk && db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
    p.add(
      `${field}.allocatedStorageGiB`,
      db.allocatedStorageGiB,
      `at most the autoscaling ceiling maxAllocatedStorageGiB (${db.maxAllocatedStorageGiB})`,
    );
  } else if (isUnresolved([db.allocatedStorageGiB, db.maxAllocatedStorageGiB])) {
    // Either side only Terraform knows: the comparison is deferred with it.
    p.add(`${field}.allocatedStorageGiB`, [db.allocatedStorageGiB, db.maxAllocatedStorageGiB], "at most the autoscaling ceiling maxAllocatedStorageGiB");
  }
  const minimum = production ? MIN_RECOVERY_DAYS.production : MIN_RECOVERY_DAYS.development;
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
  } else {
    p.check(
      db.deletionProtection === false,
      `${field}.deletionProtection`,
      db.deletionProtection,
      "false outside production: a non-production environment comes down with one terraform destroy",
    );
  }
}

/**
 * The oldest PostgreSQL major this project accepts: the oldest in RDS standard support when the
 * pinned major was chosen (RDS for PostgreSQL 13 left standard support in February 2026).
 */
export const MIN_POSTGRES_MAJOR = 14;
/** A PostgreSQL major from {@link MIN_POSTGRES_MAJOR} up, written as its number only. */
export const POSTGRES_MAJOR_PATTERN = /^(1[4-9]|[2-9][0-9])$/;
export const POSTGRES_MAJOR_RULE = `a PostgreSQL major version from ${MIN_POSTGRES_MAJOR} up, the number only (e.g. "18"): minor versions come with automatic minor upgrades`;

/** Checks an engine version: a supported PostgreSQL major, without a minor. */
export function checkEngineVersion(p: ProblemCollector, field: string, version: string): void {
  p.check(typeof version === "string" && POSTGRES_MAJOR_PATTERN.test(version), field, version, POSTGRES_MAJOR_RULE);
}

/** The days of a maintenance window, in the order its minutes of the week count them. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;

/**
 * Whether a daily backup window (`hh:mm-hh:mm`) and a weekly maintenance window
 * (`ddd:hh:mm-ddd:hh:mm`), both well-formed and in UTC, share a minute: RDS refuses that. Either
 * may run past midnight (the maintenance window past Sunday); windows that only touch do not overlap.
 */
export function windowsOverlap(backupWindow: string, maintenanceWindow: string): boolean {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const weekly = (dddhhmm: string) => WEEKDAYS.indexOf(dddhhmm.slice(0, 3) as (typeof WEEKDAYS)[number]) * DAY_MINUTES + minutes(dddhhmm.slice(4));
  const [backupFrom, backupTo] = backupWindow.split("-");
  const [maintenanceFrom, maintenanceTo] = maintenanceWindow.split("-");
  const backupStart = minutes(backupFrom);
  const backupLength = (minutes(backupTo) - backupStart + DAY_MINUTES) % DAY_MINUTES;
  const maintenanceStart = weekly(maintenanceFrom);
  const maintenanceEnd = maintenanceStart + ((weekly(maintenanceTo) - maintenanceStart + WEEK_MINUTES) % WEEK_MINUTES);
  // Every day's backup from the Sunday before the week to the second week's end, where a maintenance window past Sunday ends.
  for (let day = -1; day < 14; day++) {
    const start = day * DAY_MINUTES + backupStart;
    if (start < maintenanceEnd && maintenanceStart < start + backupLength) return true;
  }
  return false;
}

/** Checks a Performance Insights retention: 7 (free), a multiple of 31 up to 713, or 731. */
export function checkPerformanceInsightsRetention(p: ProblemCollector, field: string, days: number): void {
  p.check(
    Number.isInteger(days) && (days === 7 || (days % 31 === 0 && days >= 31 && days <= 713) || days === 731),
    field,
    days,
    "7, a multiple of 31 up to 713, or 731",
  );
}

/** RDS's rule for a DB snapshot identifier (what a final snapshot is named). */
export const RDS_SNAPSHOT_IDENTIFIER_PATTERN = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$/;
export const RDS_SNAPSHOT_IDENTIFIER_RULE = "1-255 letters, digits or hyphens, starting with a letter, without two hyphens in a row or a trailing hyphen";

/** Checks the snapshot a database is restored from: an RDS snapshot name or ARN. */
export function checkSnapshotIdentifier(p: ProblemCollector, field: string, snapshot: string): void {
  p.check(
    typeof snapshot === "string" &&
      /^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):)?[A-Za-z][A-Za-z0-9:-]{0,254}$/.test(snapshot),
    field,
    snapshot,
    "an RDS snapshot name or ARN (arn:aws:rds:<region>:<account>:snapshot:<name>)",
  );
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

/** Validates the database section of an environment (`field` is e.g. `dev.database`). */
export function checkDatabaseConfig(
  p: ProblemCollector,
  field: string,
  database: DatabaseConfig | undefined,
  context: SectionContext,
): void {
  if (!checkSectionObject(p, field, database, "{ instanceClass, allocatedStorageGiB, maxAllocatedStorageGiB, backupRetentionDays, multiAz, deletionProtection, skipFinalSnapshot, performanceInsightsRetentionDays }")) return;
  checkDatabaseSizing(p, field, database, context.production);
  checkPerformanceInsightsRetention(p, `${field}.performanceInsightsRetentionDays`, database.performanceInsightsRetentionDays);
  if (database.restoreFromSnapshot !== undefined) {
    checkSnapshotIdentifier(p, `${field}.restoreFromSnapshot`, database.restoreFromSnapshot);
  }
}
