import { checkDrRegion, checkEmailList, checkSectionObject, isUnresolved, MIN_RECOVERY_DAYS, ProblemCollector, SectionContext } from "@qod/core";

/**
 * The backup section of an environment's config and its rules. The same rule functions check
 * the config at the edge (`checkBackupConfig`) and the `BackupPlan` construct's props, so both
 * reject the same input with the same words.
 */

/** AWS Backup: a recovery point must stay in cold storage at least this long. */
export const MIN_COLD_STORAGE_DAYS = 90;
/** AWS Backup: the least grace period before a vault lock turns into compliance mode. */
export const MIN_LOCK_GRACE_DAYS = 3;

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

/** A whole number of days at least 1, and known now (a token is left to Terraform: the check fails and is deferred). */
const knownDays = (days: number): boolean => !isUnresolved(days) && Number.isInteger(days) && days >= 1;

export function checkBackupRule(p: ProblemCollector, field: string, rule: BackupRuleSizing, hasDrRegion: boolean): void {
  p.check(/^[A-Za-z0-9_-]{1,50}$/.test(rule.name ?? ""), `${field}.name`, rule.name, "1-50 letters, digits, dashes or underscores");
  p.check(
    typeof rule.schedule === "string" && /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/.test(rule.schedule),
    `${field}.schedule`,
    rule.schedule,
    "an AWS cron expression with six fields, e.g. cron(0 3 * * ? *)",
  );
  p.check(knownDays(rule.deleteAfterDays), `${field}.deleteAfterDays`, rule.deleteAfterDays, "a whole number of days, at least 1");
  if (rule.coldStorageAfterDays !== undefined) {
    const cold = rule.coldStorageAfterDays;
    const coldRule = `at least ${MIN_COLD_STORAGE_DAYS} days before deleteAfterDays: AWS Backup keeps cold recovery points ${MIN_COLD_STORAGE_DAYS} days minimum`;
    if (isUnresolved(cold)) {
      // A value Terraform decides: both rules are deferred.
      p.add(`${field}.coldStorageAfterDays`, cold, `a whole number of days, at least 1 and ${coldRule}`);
    } else if (!knownDays(cold)) {
      p.add(`${field}.coldStorageAfterDays`, cold, "a whole number of days, at least 1");
    } else if (isUnresolved(rule.deleteAfterDays)) {
      p.add(`${field}.coldStorageAfterDays`, rule.deleteAfterDays, coldRule); // deferred: deleteAfterDays is Terraform's
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

export interface VaultLockOptions {
  readonly minRetentionDays: number;
  readonly maxRetentionDays: number;
  /** Compliance mode after this many days (irreversible); omitted: governance mode. */
  readonly changeableForDays?: number;
}

/** Checks a vault lock against the rules it locks: no rule may keep points shorter than the minimum. */
export function checkVaultLock(
  p: ProblemCollector,
  field: string,
  lock: VaultLockOptions,
  rules: readonly BackupRuleSizing[],
): void {
  const days = rules.map((r) => r.deleteAfterDays);
  const token = [lock.minRetentionDays, lock.maxRetentionDays, ...days].find(isUnresolved);
  if (token !== undefined) {
    // Retentions Terraform decides (a module's variables): both comparisons are Terraform's (given a token).
    const given = (own: number) => (isUnresolved(own) ? own : token);
    p.add(`${field}.minRetentionDays`, given(lock.minRetentionDays), "1 to the shortest rule retention; a longer minimum makes those backups fail");
    p.add(`${field}.maxRetentionDays`, given(lock.maxRetentionDays), "at least the longest rule retention and at least minRetentionDays");
  } else {
    const retentions = days.filter(Number.isFinite);
    const shortest = Math.min(...retentions);
    const longest = Math.max(0, ...retentions);
    p.check(
      Number.isInteger(lock.minRetentionDays) && lock.minRetentionDays >= 1 && lock.minRetentionDays <= shortest,
      `${field}.minRetentionDays`,
      lock.minRetentionDays,
      `1 to the shortest rule retention (${shortest} days); a longer minimum makes those backups fail`,
    );
    p.check(
      Number.isInteger(lock.maxRetentionDays) && lock.maxRetentionDays >= longest && lock.maxRetentionDays >= lock.minRetentionDays,
      `${field}.maxRetentionDays`,
      lock.maxRetentionDays,
      `at least the longest rule retention (${longest} days)`,
    );
  }
  if (lock.changeableForDays !== undefined) {
    p.check(
      !isUnresolved(lock.changeableForDays) && Number.isInteger(lock.changeableForDays) && lock.changeableForDays >= MIN_LOCK_GRACE_DAYS,
      `${field}.changeableForDays`,
      lock.changeableForDays,
      `at least ${MIN_LOCK_GRACE_DAYS} days (AWS minimum grace period before compliance mode)`,
    );
  }
}

/**
 * Where a vault lock belongs: required in production (recovery points cannot be deleted early),
 * refused elsewhere, where one `terraform destroy` must take the whole environment down and a
 * locked vault keeps its recovery points (in compliance mode, for good).
 */
export function checkVaultLockPlacement(p: ProblemCollector, field: string, lock: VaultLockOptions | undefined, production: boolean): void {
  if (production && lock === undefined) p.add(field, lock, "a vault lock in production, so recovery points cannot be deleted early");
  if (!production && lock !== undefined) {
    p.add(field, lock, "no vault lock outside production: a non-production environment comes down with one terraform destroy, and a locked vault keeps its recovery points");
  }
}

/**
 * Checks the addresses told about failed jobs: each an email address, listed once (each is one
 * subscription, keyed by the address), and at least one in production, where someone must hear
 * of a failed backup, copy or restore.
 */
export function checkNotificationEmails(p: ProblemCollector, field: string, emails: readonly string[], production = false): void {
  checkEmailList(p, field, emails, production ? "someone must hear of a failed backup, copy or restore job" : undefined);
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
   * without it, governance mode. Required in production, refused elsewhere (a non-production
   * environment comes down with one `terraform destroy`).
   */
  readonly vaultLock?: VaultLockOptions;
  /** Exercise restores of the database on a schedule (AWS Backup restore testing). */
  readonly restoreTesting: boolean;
  /** Email addresses told about failed backup, copy and restore jobs; at least one in production. */
  readonly notificationEmails: readonly string[];
}

/** Validates the backup section of an environment (`field` is e.g. `dev.backup`). */
export function checkBackupConfig(
  p: ProblemCollector,
  field: string,
  backup: BackupConfig | undefined,
  context: SectionContext,
): void {
  const production = context.production;
  const f = (name: string) => `${field}.${name}`;
  const b = backup;
  if (!checkSectionObject(p, field, b, "{ rules, restoreTesting, notificationEmails, drRegion?, vaultLock? }")) return;
  if (b.drRegion !== undefined) checkDrRegion(p, f("drRegion"), b.drRegion, context.region as string);
  else if (production) p.add(f("drRegion"), b.drRegion, "a second region in production, for cross-region copies");
  const rules = Array.isArray(b.rules) ? b.rules : [];
  if (rules.length === 0) p.add(f("rules"), b.rules, "at least one rule");
  rules.forEach((rule, i) => checkBackupRule(p, f(`rules[${i}]`), rule, b.drRegion !== undefined));
  const minimum = production ? MIN_RECOVERY_DAYS.production : MIN_RECOVERY_DAYS.development;
  const longest = Math.max(0, ...rules.map((r) => r.deleteAfterDays).filter(Number.isFinite));
  if (rules.length > 0 && longest < minimum) {
    p.add(f("rules"), rules.map((r) => r.deleteAfterDays), `at least one rule keeping recovery points ${minimum} days or more`);
  }
  if (production && !rules.some((r) => r.copyToDr)) {
    p.add(f("rules"), rules.map((r) => r.name), "at least one rule with copyToDr: true in production");
  }
  checkVaultLockPlacement(p, f("vaultLock"), b.vaultLock, production);
  if (b.vaultLock !== undefined) checkVaultLock(p, f("vaultLock"), b.vaultLock, rules);
  if (production) p.check(b.restoreTesting === true, f("restoreTesting"), b.restoreTesting, "true in production");
  checkNotificationEmails(p, f("notificationEmails"), b.notificationEmails, production);
}
