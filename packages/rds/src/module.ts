import { MIN_PRODUCTION_LOG_DAYS, MIN_RECOVERY_DAYS, ModuleDefinition, Naming, sharedValidations, VERSIONS } from "@qod/core";
import { DB_INSTANCE_CLASS_PATTERN, DB_STORAGE_GIB, MIN_POSTGRES_MAJOR, POSTGRES_MAJOR_PATTERN, RDS_SNAPSHOT_IDENTIFIER_RULE, WEEKDAYS } from "./config";
import { POSTGRES_LOG_EXPORTS, POSTGRES_PORT, PostgresDatabase } from "./postgres-database";

/** The inputs of the `rds` module, by variable name. */
export interface RdsModuleInputs {
  readonly project: string;
  readonly environment: string;
  readonly vpc_id: string;
  readonly subnet_ids: readonly string[];
  readonly cluster_security_group_id: string;
  readonly engine_version: string;
  readonly instance_class: string;
  readonly allocated_storage_gib: number;
  readonly max_allocated_storage_gib: number;
  readonly backup_retention_days: number;
  readonly database_name: string;
  readonly master_username: string;
  readonly performance_insights_retention_days: number;
  readonly log_retention_days: number;
  readonly slow_statement_ms: number;
  readonly backup_window: string;
  readonly maintenance_window: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The name the module's one allowed source keys its ingress rule with. */
export const RDS_MODULE_SOURCE_NAME = "cluster";

const BACKUP_DAYS = { min: MIN_RECOVERY_DAYS.production, max: 35 } as const;
const HHMM = "([01][0-9]|2[0-3]):[0-5][0-9]";
const DAY = "(mon|tue|wed|thu|fri|sat|sun)";
/** Whole numbers within bounds, robust to a fractional value. */
const wholeWithin = (variable: string, min: number, max: number) =>
  `floor(var.${variable}) == var.${variable} && var.${variable} >= ${min} && var.${variable} <= ${max}`;

/** Minutes into the day of `hh:mm` at `offset` in `text` (an HCL expression). */
const minutesAt = (text: string, offset: number) => `(tonumber(substr(${text}, ${offset}, 2)) * 60 + tonumber(substr(${text}, ${offset + 3}, 2)))`;
/** Minutes into the week of `ddd:hh:mm` at `offset` in `text`. */
const weekMinutesAt = (text: string, offset: number) =>
  `(index([${WEEKDAYS.map((d) => `"${d}"`).join(", ")}], substr(${text}, ${offset}, 3)) * 1440 + ${minutesAt(text, offset + 4)})`;
/**
 * `windowsOverlap` in HCL: no day's backup window, from the Sunday before the week to the second
 * week's end, shares a minute with the maintenance window. `try` leaves malformed windows to the
 * format rules.
 */
const WINDOWS_APART = (() => {
  const backupStart = minutesAt("var.backup_window", 0);
  const backupLength = `((${minutesAt("var.backup_window", 6)} - ${backupStart} + 1440) % 1440)`;
  const maintenanceStart = weekMinutesAt("var.maintenance_window", 0);
  const maintenanceEnd = `(${maintenanceStart} + ((${weekMinutesAt("var.maintenance_window", 10)} - ${maintenanceStart} + 10080) % 10080))`;
  const start = `(day * 1440 + ${backupStart})`;
  return `try(alltrue([for day in range(-1, 14) : !(${start} < ${maintenanceEnd} && ${maintenanceStart} < ${start} + ${backupLength})]), true)`;
})();

/**
 * The `PostgresDatabase` construct as a Terraform module, with the production rules: Multi-AZ,
 * deletion protection, a final snapshot, 30 to 35 days of backups.
 */
export const rdsModule: ModuleDefinition<RdsModuleInputs> = {
  name: "rds",
  source: "packages/rds/src/module.ts",
  description:
    "RDS PostgreSQL for an EKS platform, from the `PostgresDatabase` construct of `@qod/rds`, with the production rules: in the database subnets (the vpc module's `database_subnet_ids`), never public, reachable on 5432 only from the cluster's security group; Multi-AZ with deletion protection, 30 to 35 days of automated backups and a final snapshot named `<project>-<environment>-postgres-final-<8 hex digits>` (a `random_id`, renewed whenever the instance is replaced); gp3 storage autoscaling to a ceiling, encrypted with a rotating customer-managed KMS key that also encrypts Performance Insights and the master secret; TLS forced and slow statements logged by a parameter group; the master password generated and kept by RDS in Secrets Manager (never in code, plan or state); IAM database authentication; enhanced monitoring; the `postgresql` and `upgrade` logs exported to KMS-encrypted log groups.",
  variables: {
    project: {
      type: "string",
      description: "Project name, the first part of every resource name (`<project>-<environment>-postgres`).",
      example: "qod",
      validations: [
        sharedValidations.name("project", ["naming.project", "logGroupName"]),
        {
          condition: `!strcontains(var.project, "--")`,
          errorMessage: `project must not contain two dashes in a row: the final snapshot identifier <project>-<environment>-postgres-final-<hex> must be ${RDS_SNAPSHOT_IDENTIFIER_RULE}.`,
          enforces: ["naming"],
          rejects: ["q--d"],
        },
      ],
    },
    environment: {
      type: "string",
      description: "Environment name, the second part of every resource name.",
      example: "prod",
      validations: [
        sharedValidations.name("environment", ["naming.environment", "logGroupName"]),
        {
          condition: `!strcontains(var.environment, "--")`,
          errorMessage: `environment must not contain two dashes in a row: the final snapshot identifier <project>-<environment>-postgres-final-<hex> must be ${RDS_SNAPSHOT_IDENTIFIER_RULE}.`,
          enforces: ["naming"],
          rejects: ["pr--d"],
        },
      ],
    },
    vpc_id: {
      type: "string",
      description: "ID of the VPC the database and its security group are in (the vpc module's `vpc_id`).",
      example: "vpc-0123456789abcdef0",
    },
    subnet_ids: {
      type: "list(string)",
      description: "Database subnets (no internet route) in at least 2 zones: the vpc module's `database_subnet_ids`.",
      example: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
      validations: [
        {
          condition: "length(var.subnet_ids) >= 2",
          errorMessage: "subnet_ids must list subnets in at least 2 zones.",
          enforces: ["subnetIds"],
          rejects: [[], ["subnet-0123456789abcdef0"]],
        },
      ],
    },
    cluster_security_group_id: {
      type: "string",
      description: `The one security group allowed to connect on ${POSTGRES_PORT}: the EKS cluster security group (its ingress rule is keyed \`${RDS_MODULE_SOURCE_NAME}\`). Nothing else may connect.`,
      example: "sg-0123456789abcdef0",
    },
    engine_version: {
      type: "string",
      description: `PostgreSQL major version, the number only (minor versions come with automatic minor upgrades); the parameter group family follows it (\`postgres<major>\`). ${MIN_POSTGRES_MAJOR} or later. Choose it at creation: a higher major on an existing instance is a major upgrade, which the module does not allow.`,
      default: VERSIONS.rds.postgres.version,
      validations: [
        {
          condition: `can(regex("${POSTGRES_MAJOR_PATTERN.source}", var.engine_version))`,
          errorMessage: `engine_version must be a PostgreSQL major version from ${MIN_POSTGRES_MAJOR} up, the number only (e.g. "18"): minor versions come with automatic minor upgrades.`,
          enforces: ["engineVersion"],
          rejects: ["18.3", "13", "postgres18", ""],
        },
      ],
    },
    instance_class: {
      type: "string",
      description: "RDS instance class, `db.<family>.<size>` (e.g. db.t4g.micro, db.m7g.large).",
      default: "db.t4g.micro",
      validations: [
        {
          condition: `can(regex("${DB_INSTANCE_CLASS_PATTERN.source.replace(/\\\./g, "[.]")}", var.instance_class))`,
          errorMessage: "instance_class must be an RDS instance class written db.<family>.<size>, e.g. db.t4g.micro or db.m7g.large.",
          enforces: ["database.instanceClass"],
          rejects: ["t4g.micro", "db.t4g", "db.t4g.huge", "DB.T4G.MICRO"],
        },
      ],
    },
    allocated_storage_gib: {
      type: "number",
      description: `gp3 storage at creation, GiB: a whole number from ${DB_STORAGE_GIB.min} to ${DB_STORAGE_GIB.max}, at most max_allocated_storage_gib.`,
      default: 20,
      validations: [
        {
          condition: wholeWithin("allocated_storage_gib", DB_STORAGE_GIB.min, DB_STORAGE_GIB.max),
          errorMessage: `allocated_storage_gib must be a whole number of GiB from ${DB_STORAGE_GIB.min} to ${DB_STORAGE_GIB.max}.`,
          enforces: ["database.allocatedStorageGiB"],
          rejects: [10, 20.5, 70000],
        },
        {
          condition: "var.allocated_storage_gib <= var.max_allocated_storage_gib",
          errorMessage: "allocated_storage_gib must be at most the autoscaling ceiling max_allocated_storage_gib.",
          enforces: ["database.allocatedStorageGiB"],
          rejects: [101],
        },
      ],
    },
    max_allocated_storage_gib: {
      type: "number",
      description: `Ceiling of storage autoscaling, GiB: a whole number up to ${DB_STORAGE_GIB.max}, at least allocated_storage_gib.`,
      default: 100,
      validations: [
        {
          condition: `floor(var.max_allocated_storage_gib) == var.max_allocated_storage_gib && var.max_allocated_storage_gib <= ${DB_STORAGE_GIB.max}`,
          errorMessage: `max_allocated_storage_gib must be a whole number of GiB up to ${DB_STORAGE_GIB.max}.`,
          enforces: ["database.maxAllocatedStorageGiB"],
          rejects: [100.5, 70000],
        },
      ],
    },
    backup_retention_days: {
      type: "number",
      description: `Days of automated backups (the point-in-time restore window): ${BACKUP_DAYS.min} to ${BACKUP_DAYS.max} (production).`,
      default: BACKUP_DAYS.min,
      validations: [
        {
          condition: wholeWithin("backup_retention_days", BACKUP_DAYS.min, BACKUP_DAYS.max),
          errorMessage: `backup_retention_days must be ${BACKUP_DAYS.min} to ${BACKUP_DAYS.max} days in production.`,
          enforces: ["database.backupRetentionDays"],
          rejects: [7, 29, 30.5, 36],
        },
      ],
    },
    database_name: {
      type: "string",
      description: "Name of the database created at launch: a lowercase identifier of 1-63 letters, digits, underscores.",
      default: "qod",
      validations: [
        {
          condition: `can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))`,
          errorMessage: "database_name must be a lowercase identifier of 1-63 letters, digits, underscores.",
          enforces: ["databaseName"],
          rejects: ["", "Qod", "1qod", "qod-db"],
        },
      ],
    },
    master_username: {
      type: "string",
      description: "Master user name (its password is generated and kept by RDS in Secrets Manager): a lowercase identifier of 1-16 characters other than postgres/rdsadmin.",
      default: "qod_admin",
      validations: [
        {
          condition: `can(regex("^[a-z][a-z0-9_]{0,15}$", var.master_username)) && !contains(["postgres", "rdsadmin"], var.master_username)`,
          errorMessage: "master_username must be a lowercase identifier of 1-16 characters other than postgres/rdsadmin.",
          enforces: ["masterUsername"],
          rejects: ["postgres", "rdsadmin", "Admin", "a_name_longer_than_16"],
        },
      ],
    },
    performance_insights_retention_days: {
      type: "number",
      description: "Days Performance Insights keeps its data: 7 (free), a multiple of 31 up to 713, or 731.",
      default: 7,
      validations: [
        {
          condition:
            "floor(var.performance_insights_retention_days) == var.performance_insights_retention_days && (var.performance_insights_retention_days == 7 || var.performance_insights_retention_days == 731 || (var.performance_insights_retention_days % 31 == 0 && var.performance_insights_retention_days >= 31 && var.performance_insights_retention_days <= 713))",
          errorMessage: "performance_insights_retention_days must be 7, a multiple of 31 up to 713, or 731.",
          enforces: ["performanceInsightsRetentionDays"],
          rejects: [0, 30, 744, 7.5],
        },
      ],
    },
    log_retention_days: {
      type: "number",
      description: `Days the log groups of the exported ${POSTGRES_LOG_EXPORTS.join(" and ")} logs keep their events: a CloudWatch Logs retention value (${MIN_PRODUCTION_LOG_DAYS} in production).`,
      default: MIN_PRODUCTION_LOG_DAYS,
      validations: [sharedValidations.logRetention("log_retention_days", ["retentionDays"])],
    },
    slow_statement_ms: {
      type: "number",
      description: "Statements slower than this many milliseconds are logged (`log_min_duration_statement`): a whole number, 0 or more.",
      default: 500,
      validations: [
        {
          condition: "floor(var.slow_statement_ms) == var.slow_statement_ms && var.slow_statement_ms >= 0",
          errorMessage: "slow_statement_ms must be a whole number of milliseconds (0 or more).",
          enforces: ["slowStatementMs"],
          rejects: [-1, 0.5],
        },
      ],
    },
    backup_window: {
      type: "string",
      description: "Daily backup window (UTC), `hh:mm-hh:mm`; it must not overlap the maintenance window (maintenance_window's validation checks that).",
      default: "02:00-03:00",
      validations: [
        {
          condition: `can(regex("^${HHMM}-${HHMM}$", var.backup_window))`,
          errorMessage: "backup_window must be hh:mm-hh:mm (UTC).",
          enforces: ["backupWindow"],
          rejects: ["2am-3am", "2:00-3:00", "24:00-01:00", "sun:02:00-sun:03:00"],
        },
      ],
    },
    maintenance_window: {
      type: "string",
      description: "Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm` with ddd one of mon..sun; it must not overlap the daily backup window.",
      default: "sun:03:30-sun:04:30",
      validations: [
        {
          condition: `can(regex("^${DAY}:${HHMM}-${DAY}:${HHMM}$", var.maintenance_window))`,
          errorMessage: "maintenance_window must be ddd:hh:mm-ddd:hh:mm (UTC).",
          enforces: ["maintenanceWindow"],
          rejects: ["03:30-04:30", "Sun:03:30-Sun:04:30", "sunday:03:30-sunday:04:30", "sun:3:30-sun:4:30"],
        },
        {
          condition: WINDOWS_APART,
          errorMessage: "maintenance_window must not overlap the daily backup window backup_window (RDS refuses overlapping windows).",
          enforces: ["maintenanceWindow"],
          rejects: ["sun:02:30-sun:03:30", "wed:01:00-wed:02:01", "sun:23:30-mon:02:30", "sat:12:00-mon:00:00"],
        },
      ],
    },
    tags: {
      type: "map(string)",
      description: "Tags on the instance (and, with copy-tags-to-snapshot, its snapshots), e.g. `{ backup = <the backup module's selection tag value> }` to put it in an AWS Backup plan. `Name` is set by the module.",
      default: {},
    },
  },
  build: (scope, inputs) => {
    const database = new PostgresDatabase(scope, "Database", {
      naming: new Naming(inputs.project, inputs.environment),
      vpcId: inputs.vpc_id,
      subnetIds: inputs.subnet_ids,
      allowedSecurityGroups: { [RDS_MODULE_SOURCE_NAME]: inputs.cluster_security_group_id },
      engineVersion: inputs.engine_version,
      instanceClass: inputs.instance_class,
      allocatedStorageGiB: inputs.allocated_storage_gib,
      maxAllocatedStorageGiB: inputs.max_allocated_storage_gib,
      backupRetentionDays: inputs.backup_retention_days,
      multiAz: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      production: true,
      databaseName: inputs.database_name,
      masterUsername: inputs.master_username,
      performanceInsightsRetentionDays: inputs.performance_insights_retention_days,
      logRetentionDays: inputs.log_retention_days,
      slowStatementMs: inputs.slow_statement_ms,
      backupWindow: inputs.backup_window,
      maintenanceWindow: inputs.maintenance_window,
      tags: inputs.tags,
    });
    const { instance } = database;
    return {
      endpoint: { value: instance.endpoint, description: "Connection endpoint of the instance, `<address>:<port>`" },
      address: { value: instance.address, description: "Host name of the instance (for POSTGRES_URL, with sslmode=verify-full)" },
      port: { value: instance.port, description: "Port PostgreSQL listens on" },
      database_name: { value: database.databaseName, description: "Name of the database created at launch" },
      master_username: { value: database.masterUsername, description: "Master user name (its password is in the secret master_user_secret_arn)" },
      db_instance_id: { value: instance.identifier, description: "Identifier of the DB instance (`<project>-<environment>-postgres`)" },
      db_instance_arn: { value: instance.arn, description: "ARN of the DB instance (e.g. for an AWS Backup selection)" },
      db_instance_resource_id: { value: instance.resourceId, description: "Resource ID of the DB instance (`db-...`), for rds-db:connect IAM authentication policies" },
      security_group_id: { value: database.securityGroupId, description: "Security group of the instance (ingress on 5432 from the cluster security group only)" },
      master_user_secret_arn: { value: database.masterUserSecretArn, description: "ARN of the Secrets Manager secret in which RDS keeps the master credentials" },
      kms_key_arn: { value: database.key.arn, description: "KMS key that encrypts the storage, Performance Insights and the master secret" },
      parameter_group_name: { value: database.parameterGroup.name, description: "Name of the parameter group (generated from the prefix `<identifier>-`)" },
    };
  },
  typescriptOnly: {},
  fixed: [
    { setting: "production", value: "true", why: "the production rules: Multi-AZ, deletion protection, a final snapshot, 30 or more days of backups (outside production the construct refuses deletion protection, so one module cannot serve both)" },
    { setting: "multiAz", value: "true", why: "a standby in a second zone, which the construct requires in production" },
    { setting: "deletionProtection", value: "true", why: "required in production: the database is not destroyed by a stray terraform destroy" },
    { setting: "skipFinalSnapshot", value: "false", why: "refused in production; a final snapshot is always taken, and it decides whether the random_id of its name exists" },
    {
      setting: "allowedSecurityGroups",
      value: `{ ${RDS_MODULE_SOURCE_NAME} = var.cluster_security_group_id }`,
      why: "each source's name keys its ingress rule, so the names decide which rules exist; the module admits the cluster security group only",
    },
    {
      setting: "restoreFromSnapshot",
      value: "none (a new, empty database)",
      why: "a restore leaves the storage key, database name and master user unset, which decides arguments of the instance; restore with the TypeScript construct (docs/disaster-recovery.md)",
    },
  ],
  providers: ["aws", "random"],
};
