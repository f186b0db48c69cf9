import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ModuleDefinition, ModuleVariableSpec, Naming, sharedValidations } from "@qod/core";
import { BACKUP_TAG_KEY, BackupPlan } from "./backup-plan";
import { MIN_COLD_STORAGE_DAYS, MIN_LOCK_GRACE_DAYS } from "./config";

/** The inputs of the `backup` module, by variable name. */
export interface BackupModuleInputs {
  readonly project: string;
  readonly environment: string;
  readonly daily_schedule: string;
  readonly daily_delete_after_days: number;
  readonly weekly_schedule: string;
  readonly weekly_delete_after_days: number;
  readonly monthly_schedule: string;
  readonly monthly_delete_after_days: number;
  readonly monthly_cold_storage_after_days: number;
  readonly vault_lock_min_retention_days: number;
  readonly vault_lock_max_retention_days: number;
  readonly vault_lock_changeable_for_days: number;
  readonly notification_emails: readonly string[];
}

/**
 * The rules the module's plan has (production's, `apps/prod/config.ts`), in order: each name keys
 * a rule block and tags its recovery points; its schedule and retention are variables
 * `<name>_schedule` and `<name>_delete_after_days`.
 */
export const BACKUP_MODULE_RULES = [
  { name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 35, when: "every day at 03:00 UTC" },
  { name: "weekly", schedule: "cron(0 4 ? * SUN *)", deleteAfterDays: 90, when: "every Sunday at 04:00 UTC" },
  { name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 365, when: "on the first of the month at 05:00 UTC" },
] as const;
/** The rule with cold storage (its `monthly_cold_storage_after_days`). */
const COLD_RULE = 2;

const retentions = BACKUP_MODULE_RULES.map((r) => `var.${r.name}_delete_after_days`).join(", ");
const whole = (variable: string) => `floor(var.${variable}) == var.${variable}`;

/** `<rule>_schedule`: when rule `i` backs up. */
function scheduleVariable(i: number): ModuleVariableSpec {
  const rule = BACKUP_MODULE_RULES[i];
  const name = `${rule.name}_schedule`;
  return {
    type: "string",
    description: `When the ${rule.name} rule backs up: an AWS cron expression with six fields, in UTC (default ${rule.when}).`,
    default: rule.schedule,
    validations: [
      {
        // The construct's /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/ without backslashes.
        condition: `can(regex("^cron[(][^[:space:]]+ [^[:space:]]+ [^[:space:]]+ [^[:space:]]+ [^[:space:]]+ [^[:space:]]+[)]$", var.${name}))`,
        errorMessage: `${name} must be an AWS cron expression with six fields, e.g. cron(0 3 * * ? *).`,
        enforces: [`rules[${i}].schedule`],
        rejects: ["0 3 * * ? *", "cron(0 3 * * ?)", "rate(1 day)"],
      },
    ],
  };
}

/** `<rule>_delete_after_days`: how long rule `i` keeps a recovery point. */
function retentionVariable(i: number): ModuleVariableSpec {
  const rule = BACKUP_MODULE_RULES[i];
  const name = `${rule.name}_delete_after_days`;
  return {
    type: "number",
    description: `Days a recovery point of the ${rule.name} rule is kept, in the vault and in the DR vault: a whole number, at least 1, within the vault lock's retention range.`,
    default: rule.deleteAfterDays,
    validations: [
      {
        condition: `${whole(name)} && var.${name} >= 1`,
        errorMessage: `${name} must be a whole number of days, at least 1.`,
        enforces: [`rules[${i}].deleteAfterDays`],
        rejects: [0, 1.5],
      },
    ],
  };
}

/**
 * The `BackupPlan` construct as a Terraform module: AWS Backup with production's rules, copies
 * to a vault in the DR region (the `aws.dr` provider), locked vaults, failure notifications and
 * weekly restore tests.
 */
export const backupModule: ModuleDefinition<BackupModuleInputs> = {
  name: "backup",
  source: "packages/backup/src/module.ts",
  description: `AWS Backup for every resource tagged \`${BACKUP_TAG_KEY} = <project>-<environment>-backup\`, from the \`BackupPlan\` construct of \`@qod/backup\`: a vault with its own rotating KMS key and one in the region of the \`aws.dr\` provider, both locked (compliance mode after a grace period) and kept by terraform destroy; a plan with a daily, a weekly and a monthly rule (the monthly one moves recovery points to cold storage), each copying to the DR vault; a tag-based selection; a service role with only the AWS Backup managed policies; an encrypted SNS topic with email subscriptions told of failed backup, copy and restore jobs; and a weekly restore test of the newest RDS snapshot.`,
  variables: {
    project: {
      type: "string",
      description: "Project name, the first part of every name (`<project>-<environment>-backup`, the selection tag's value).",
      example: "qod",
      validations: [sharedValidations.name("project", ["naming.project"])],
    },
    environment: {
      type: "string",
      description: "Environment name, the second part of every name.",
      example: "prod",
      validations: [sharedValidations.name("environment", ["naming.environment"])],
    },
    daily_schedule: scheduleVariable(0),
    daily_delete_after_days: retentionVariable(0),
    weekly_schedule: scheduleVariable(1),
    weekly_delete_after_days: retentionVariable(1),
    monthly_schedule: scheduleVariable(2),
    monthly_delete_after_days: retentionVariable(2),
    monthly_cold_storage_after_days: {
      type: "number",
      description: `Days before a monthly recovery point moves to cold storage (where the resource supports it): a whole number, at least 1, and at least ${MIN_COLD_STORAGE_DAYS} days before monthly_delete_after_days.`,
      default: 90,
      validations: [
        {
          condition: `${whole("monthly_cold_storage_after_days")} && var.monthly_cold_storage_after_days >= 1`,
          errorMessage: "monthly_cold_storage_after_days must be a whole number of days, at least 1.",
          enforces: [`rules[${COLD_RULE}].coldStorageAfterDays`],
          rejects: [0, 2.5],
        },
        {
          condition: `var.monthly_delete_after_days - var.monthly_cold_storage_after_days >= ${MIN_COLD_STORAGE_DAYS}`,
          errorMessage: `monthly_cold_storage_after_days must be at least ${MIN_COLD_STORAGE_DAYS} days before monthly_delete_after_days: AWS Backup keeps cold recovery points ${MIN_COLD_STORAGE_DAYS} days minimum.`,
          enforces: [`rules[${COLD_RULE}].coldStorageAfterDays`],
          rejects: [300, 365],
        },
      ],
    },
    vault_lock_min_retention_days: {
      type: "number",
      description: "Vault lock: days before which no recovery point can be deleted: a whole number from 1 to the shortest rule retention.",
      default: 35,
      validations: [
        {
          condition: `${whole("vault_lock_min_retention_days")} && var.vault_lock_min_retention_days >= 1 && var.vault_lock_min_retention_days <= min(${retentions})`,
          errorMessage:
            "vault_lock_min_retention_days must be a whole number of days from 1 to the shortest rule retention (daily_, weekly_ and monthly_delete_after_days): a longer minimum makes those backups fail.",
          enforces: ["vaultLock.minRetentionDays"],
          rejects: [0, 36, 1.5],
        },
      ],
    },
    vault_lock_max_retention_days: {
      type: "number",
      description: "Vault lock: the longest any recovery point may be kept, in days: a whole number, at least the longest rule retention and vault_lock_min_retention_days.",
      default: 400,
      validations: [
        {
          condition: `${whole("vault_lock_max_retention_days")} && var.vault_lock_max_retention_days >= max(${retentions}) && var.vault_lock_max_retention_days >= var.vault_lock_min_retention_days`,
          errorMessage:
            "vault_lock_max_retention_days must be a whole number of days, at least the longest rule retention (daily_, weekly_ and monthly_delete_after_days) and vault_lock_min_retention_days.",
          enforces: ["vaultLock.maxRetentionDays"],
          rejects: [364, 400.5],
        },
      ],
    },
    vault_lock_changeable_for_days: {
      type: "number",
      description: `Vault lock: days after the first apply during which the lock can still be changed or removed; then it turns into compliance mode, IRREVERSIBLY (nobody, root included, can delete a recovery point early or shorten the lock). A whole number, at least ${MIN_LOCK_GRACE_DAYS}.`,
      default: 3,
      validations: [
        {
          condition: `${whole("vault_lock_changeable_for_days")} && var.vault_lock_changeable_for_days >= ${MIN_LOCK_GRACE_DAYS}`,
          errorMessage: `vault_lock_changeable_for_days must be a whole number of days, at least ${MIN_LOCK_GRACE_DAYS} (AWS minimum grace period before compliance mode).`,
          enforces: ["vaultLock.changeableForDays"],
          rejects: [0, 2, 3.5],
        },
      ],
    },
    notification_emails: {
      type: "list(string)",
      description: "Email addresses told about failed backup, copy and restore jobs (each confirms its subscription): at least one, each listed once.",
      example: ["platform-team@example.com"],
      validations: [
        {
          condition: `alltrue([for email in var.notification_emails : can(regex("^[^@[:space:]]+@[^@[:space:]]+[.][A-Za-z]{2,}$", email))])`,
          errorMessage: "notification_emails must each be an email address.",
          enforces: ["notificationEmails[0]", "notificationEmails"],
          rejects: [["not-an-email"], ["ops@example"], ["ops team@example.com"]],
        },
        {
          condition: "length(distinct(var.notification_emails)) == length(var.notification_emails)",
          errorMessage: "notification_emails must list each address once (each is one subscription, keyed by the address).",
          enforces: ["notificationEmails[1]", "notificationEmails"],
          rejects: [["ops@example.com", "ops@example.com"]],
        },
        {
          condition: "length(var.notification_emails) > 0",
          errorMessage: "notification_emails must hold at least one email address: someone must hear of a failed backup, copy or restore job.",
          enforces: ["notificationEmails"],
          rejects: [[]],
        },
      ],
    },
  },
  build: (scope, inputs) => {
    const drProvider = new AwsProvider(scope, "aws-dr", { alias: "dr" });
    const region = new DataAwsRegion(scope, "Region");
    const drRegion = new DataAwsRegion(scope, "DrRegion", { provider: drProvider });
    const days = [inputs.daily_delete_after_days, inputs.weekly_delete_after_days, inputs.monthly_delete_after_days];
    const schedules = [inputs.daily_schedule, inputs.weekly_schedule, inputs.monthly_schedule];
    const backup = new BackupPlan(scope, "Backup", {
      naming: new Naming(inputs.project, inputs.environment),
      region: region.region,
      drProvider,
      drRegion: drRegion.region,
      rules: BACKUP_MODULE_RULES.map((rule, i) => ({
        name: rule.name,
        schedule: schedules[i],
        deleteAfterDays: days[i],
        ...(i === COLD_RULE ? { coldStorageAfterDays: inputs.monthly_cold_storage_after_days } : {}),
        copyToDr: true,
      })),
      vaultLock: {
        minRetentionDays: inputs.vault_lock_min_retention_days,
        maxRetentionDays: inputs.vault_lock_max_retention_days,
        changeableForDays: inputs.vault_lock_changeable_for_days,
      },
      restoreTesting: true,
      notificationEmails: inputs.notification_emails,
      production: true,
    });
    const drVault = backup.drVault!;
    return {
      vault_name: { value: backup.vault.name, description: "Name of the backup vault (`<project>-<environment>-backup`)" },
      vault_arn: { value: backup.vault.arn, description: "ARN of the backup vault" },
      region: { value: region.region, description: "Region of the plan and the primary vault (the `aws` provider's)" },
      dr_region: { value: drRegion.region, description: "Region of the DR vault (the `aws.dr` provider's); must differ from `region`" },
      dr_vault_name: { value: drVault.name, description: "Name of the DR vault in the aws.dr provider's region (`<project>-<environment>-backup-dr`)" },
      dr_vault_arn: { value: drVault.arn, description: "ARN of the DR vault, where every rule copies its recovery points" },
      plan_id: { value: backup.plan.id, description: "ID of the backup plan" },
      plan_arn: { value: backup.plan.arn, description: "ARN of the backup plan" },
      selection_tag_key: { value: BACKUP_TAG_KEY, description: "Tag key that puts a resource into the plan" },
      selection_tag_value: {
        value: backup.selectionTagValue,
        description: `Value of the \`${BACKUP_TAG_KEY}\` tag that puts a resource into the plan (\`<project>-<environment>-backup\`)`,
      },
      notification_topic_arn: { value: backup.topic.arn, description: "ARN of the SNS topic told of failed backup, copy and restore jobs (KMS-encrypted)" },
      service_role_arn: { value: backup.role.arn, description: "ARN of the role AWS Backup assumes for backups and restores" },
    };
  },
  typescriptOnly: {
    drRegion:
      "the region of the `aws.dr` provider must differ from the `aws` provider's (the DR vault holds the cross-region copies); a variable validation cannot see provider configurations",
  },
  fixed: [
    {
      setting: "rules",
      value: BACKUP_MODULE_RULES.map((r) => r.name).join(", ") + " (cold storage on monthly)",
      why: "each rule's name keys a rule block and tags its recovery points, and cold storage decides whether a rule has that lifecycle: the set is production's (apps/prod/config.ts); schedules and retentions are variables",
    },
    { setting: "copyToDr", value: "true on every rule", why: "every recovery point is copied to the DR vault in the `aws.dr` provider's region (production requires a DR copy)" },
    {
      setting: "production",
      value: "true",
      why: "the vaults keep their recovery points on terraform destroy (`force_destroy = false`), are locked, and at least one address hears of failures",
    },
    {
      setting: "vaultLock",
      value: "on both vaults, compliance mode after `vault_lock_changeable_for_days`",
      why: "production requires a lock; the construct's governance mode (no changeable days) would need a nullable variable, and compliance mode is production's choice",
    },
    { setting: "restoreTesting", value: "true", why: "a weekly restore test of the newest RDS snapshot (Saturdays 06:00 UTC), required in production" },
    { setting: "selectionTagValue", value: "`<project>-<environment>-backup`", why: "the construct's default; the `selection_tag_value` output gives it to the modules whose resources it backs up" },
  ],
  providers: ["aws"],
  providerAliases: ["aws.dr"],
};
