import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import {
  accountAdministersKey,
  EncryptedLogGroup,
  fromAccount,
  iamPolicyDocument,
  isUnresolved,
  Naming,
  ProblemCollector,
  requireProvider,
  serviceTrustPolicy,
  VERSIONS,
  movedFrom,
} from "@qod/core";
import { Fn, TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import {
  checkDatabaseSizing,
  checkEngineVersion,
  checkPerformanceInsightsRetention,
  checkSnapshotIdentifier,
  DatabaseSizing,
  RDS_SNAPSHOT_IDENTIFIER_PATTERN,
  RDS_SNAPSHOT_IDENTIFIER_RULE,
  windowsOverlap,
} from "./config";

/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;
/** Bytes of the final snapshot's random suffix (`random_id`): 8 hex characters. */
export const FINAL_SNAPSHOT_SUFFIX_BYTES = 4;
/** Log streams exported to CloudWatch Logs. */
export const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

export interface PostgresDatabaseProps extends Partial<DatabaseSizing> {
  readonly naming: Naming;
  readonly vpcId: string;
  /**
   * PostgreSQL major version, the number only: minor versions come with automatic minor
   * upgrades. The parameter group's family follows it (`postgres<major>`). A higher major on an
   * existing instance is a major upgrade, which this construct does not allow (allow_major_version_upgrade is off).
   * @default VERSIONS.rds.postgres
   */
  readonly engineVersion?: string;
  /** Database subnets (no internet route), two zones or more. */
  readonly subnetIds: readonly string[];
  /**
   * Security groups allowed to connect on 5432 (the EKS cluster/node security group), by a
   * stable name (`{ cluster: <id> }`): the name keys the ingress rule, so adding, removing or
   * reordering sources replaces no other rule. Nothing else may connect.
   */
  readonly allowedSecurityGroups: Readonly<Record<string, string>>;
  /**
   * Name of the database created at launch.
   * @default "qod"
   */
  readonly databaseName?: string;
  /**
   * Master user name (its password is generated and kept by RDS in Secrets Manager).
   * @default "qod_admin"
   */
  readonly masterUsername?: string;
  /**
   * Performance Insights retention: 7 (free) or a multiple of 31 up to 731.
   * @default 7
   */
  readonly performanceInsightsRetentionDays?: number;
  /**
   * Retention of the exported PostgreSQL logs.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Statements slower than this are logged (ms).
   * @default 500
   */
  readonly slowStatementMs?: number;
  /**
   * Daily backup window (UTC), `hh:mm-hh:mm`.
   * @default "02:00-03:00"
   */
  readonly backupWindow?: string;
  /**
   * Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`; must not overlap the backup window.
   * @default "sun:03:30-sun:04:30"
   */
  readonly maintenanceWindow?: string;
  /**
   * Tags on the instance (and, with copy-tags-to-snapshot, its snapshots); use `backup` to
   * select it for an AWS Backup plan.
   * @default {}
   */
  readonly tags?: Record<string, string>;
  /**
   * Create the instance from this snapshot (an RDS snapshot ARN or name, e.g. a recovery point
   * copied to the DR region) instead of empty. Used to rebuild an environment after a disaster.
   * The storage keeps the snapshot's KMS key (RDS cannot change it on restore); the construct's
   * key still encrypts Performance Insights and the master secret.
   * @default - a new, empty database
   */
  readonly restoreFromSnapshot?: string;
  /** Production rules: Multi-AZ, deletion protection, a final snapshot, 30+ days of backups. @default false */
  readonly production?: boolean;
}

const DEFAULTS: DatabaseSizing = {
  instanceClass: "db.t4g.micro",
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  backupRetentionDays: 7,
  multiAz: false,
  deletionProtection: false,
  skipFinalSnapshot: false,
};

/**
 * RDS PostgreSQL in the database subnets: reachable on 5432 only from the given security groups,
 * never public; gp3 storage encrypted with a customer-managed key and autoscaling to a ceiling;
 * TLS forced and slow statements logged; the master password generated and held by RDS in
 * Secrets Manager (never in code, plan or state); IAM authentication; backups with a final
 * snapshot; Performance Insights and enhanced monitoring; logs exported to encrypted log groups.
 */
export class PostgresDatabase extends Construct {
  public readonly instance: DbInstance;
  public readonly securityGroup: SecurityGroup;
  /** The parameter group; its name is generated from `<identifier>-` (read it from here or the stack's output). */
  public readonly parameterGroup: DbParameterGroup;
  /** Encrypts Performance Insights, the master secret and, unless restored from a snapshot, the storage. */
  public readonly key: KmsKey;
  /** Host name of the instance. */
  public readonly endpoint: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly masterUsername: string;
  /** ARN of the Secrets Manager secret RDS keeps the master credentials in. */
  public readonly masterUserSecretArn: string;
  public readonly securityGroupId: string;
  public readonly instanceArn: string;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    const production = props.production ?? false;
    const sizing: DatabaseSizing = {
      instanceClass: props.instanceClass ?? DEFAULTS.instanceClass,
      allocatedStorageGiB: props.allocatedStorageGiB ?? DEFAULTS.allocatedStorageGiB,
      maxAllocatedStorageGiB: props.maxAllocatedStorageGiB ?? DEFAULTS.maxAllocatedStorageGiB,
      backupRetentionDays: props.backupRetentionDays ?? DEFAULTS.backupRetentionDays,
      multiAz: props.multiAz ?? DEFAULTS.multiAz,
      deletionProtection: props.deletionProtection ?? DEFAULTS.deletionProtection,
      skipFinalSnapshot: props.skipFinalSnapshot ?? DEFAULTS.skipFinalSnapshot,
    };
    const p = new ProblemCollector(`PostgresDatabase props at ${this.node.path}`);
    checkDatabaseSizing(p, "database", sizing, production);
    p.check(props.subnetIds.length >= 2, "subnetIds", props.subnetIds, "subnets in at least 2 zones");
    const sources = Object.entries(props.allowedSecurityGroups);
    p.check(sources.length >= 1, "allowedSecurityGroups", props.allowedSecurityGroups, "at least one security group (the cluster's), by name");
    for (const [name] of sources) {
      p.check(/^[a-z][a-z0-9-]{0,31}$/.test(name), `allowedSecurityGroups.${name}`, name, "a name of 1-32 lowercase letters, digits or dashes, starting with a letter");
    }
    const engineVersion = props.engineVersion ?? VERSIONS.rds.postgres.version;
    checkEngineVersion(p, "engineVersion", engineVersion);
    const databaseName = props.databaseName ?? "qod";
    const masterUsername = props.masterUsername ?? "qod_admin";
    p.check(/^[a-z][a-z0-9_]{0,62}$/.test(databaseName), "databaseName", databaseName, "a lowercase identifier of 1-63 letters, digits, underscores");
    p.check(/^[a-z][a-z0-9_]{0,15}$/.test(masterUsername) && masterUsername !== "postgres" && masterUsername !== "rdsadmin", "masterUsername", masterUsername, "a lowercase identifier of 1-16 characters other than postgres/rdsadmin");
    const pi = props.performanceInsightsRetentionDays ?? 7;
    checkPerformanceInsightsRetention(p, "performanceInsightsRetentionDays", pi);
    const slow = props.slowStatementMs ?? 500;
    p.check(Number.isInteger(slow) && slow >= 0, "slowStatementMs", slow, "a whole number of milliseconds");
    const backupWindow = props.backupWindow ?? "02:00-03:00";
    const maintenanceWindow = props.maintenanceWindow ?? "sun:03:30-sun:04:30";
    const backupOk = p.check(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(backupWindow), "backupWindow", backupWindow, "hh:mm-hh:mm (UTC)");
    const maintenanceOk = p.check(/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/.test(maintenanceWindow), "maintenanceWindow", maintenanceWindow, "ddd:hh:mm-ddd:hh:mm (UTC)");
    // RDS refuses windows that overlap; either one only Terraform knows defers the rule.
    if (isUnresolved([backupWindow, maintenanceWindow])) {
      p.add("maintenanceWindow", [backupWindow, maintenanceWindow], "a window that does not overlap the daily backup window");
    } else if (backupOk && maintenanceOk && windowsOverlap(backupWindow, maintenanceWindow)) {
      p.add("maintenanceWindow", maintenanceWindow, `a window that does not overlap the daily backup window ${backupWindow}`);
    }
    if (props.restoreFromSnapshot !== undefined) {
      checkSnapshotIdentifier(p, "restoreFromSnapshot", props.restoreFromSnapshot);
    }
    const { naming } = props;
    const identifier = naming.name("postgres");
    // `<identifier>-final-<hex>`: the longest name the suffix can give must be one RDS accepts.
    const finalSnapshotPrefix = `${identifier}-final-`;
    const longestFinalSnapshot = `${finalSnapshotPrefix}${"f".repeat(2 * FINAL_SNAPSHOT_SUFFIX_BYTES)}`;
    p.check(RDS_SNAPSHOT_IDENTIFIER_PATTERN.test(longestFinalSnapshot), "naming", longestFinalSnapshot, `a final snapshot identifier RDS accepts: ${RDS_SNAPSHOT_IDENTIFIER_RULE}`);
    p.throwIfAny();

    const partition = new DataAwsPartition(this, "Partition");
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");

    this.key = new KmsKey(this, "Key", {
      description: props.restoreFromSnapshot
        ? `Encrypts Performance Insights and the master secret of ${identifier} (its storage keeps the snapshot's key)`
        : `Encrypts the storage, Performance Insights and master secret of ${identifier}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: iamPolicyDocument(this, "KeyPolicy", { Version: "2012-10-17", Statement: [accountAdministersKey(partition.partition, caller.accountId)] }).json,
    });
    new KmsAlias(this, "KeyAlias", { name: `alias/${identifier}`, targetKeyId: this.key.keyId });

    const subnetGroup = new DbSubnetGroup(this, "SubnetGroup", {
      name: identifier,
      description: `Database subnets of ${identifier}`,
      subnetIds: [...props.subnetIds],
    });

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${identifier}-db`,
      description: `PostgreSQL ${identifier}: 5432 from the cluster only`,
      vpcId: props.vpcId,
      tags: { Name: `${identifier}-db` },
    });
    sources.forEach(([name, source], i) => {
      const rule = new VpcSecurityGroupIngressRule(this, `IngressFrom-${name}`, {
        securityGroupId: this.securityGroup.id,
        description: `PostgreSQL from the ${name} security group`,
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        referencedSecurityGroupId: source,
      });
      movedFrom(rule, `IngressFrom${i}`); // the index-keyed address of earlier versions
    });

    // Replaced (new family, changed static parameter) create-before-destroy: the new group needs
    // a name of its own while the old one still exists, so Terraform generates it from the prefix.
    this.parameterGroup = new DbParameterGroup(this, "Parameters", {
      namePrefix: `${identifier}-`,
      family: `postgres${engineVersion}`,
      description: `TLS-only, slow-statement logging for ${identifier}`,
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: String(slow) }, // a number token stays one in the string
        { name: "log_lock_waits", value: "1" },
        { name: "log_statement", value: "ddl" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    const monitoringRole = new IamRole(this, "MonitoringRole", {
      name: `${identifier}-monitoring`,
      description: `Enhanced monitoring of ${identifier}`,
      assumeRolePolicy: serviceTrustPolicy(this, "MonitoringRoleTrust", "monitoring.rds.amazonaws.com", fromAccount(caller.accountId)).json,
    });
    new IamRolePolicyAttachment(this, "MonitoringRolePolicy", {
      role: monitoringRole.name,
      policyArn: `arn:${partition.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
    });

    // Export targets exist first, encrypted and with a retention, instead of RDS creating them bare.
    const logGroups = POSTGRES_LOG_EXPORTS.map(
      (stream) =>
        new EncryptedLogGroup(this, `Logs-${stream}`, {
          logGroupName: `/aws/rds/instance/${identifier}/${stream}`,
          retentionDays: props.logRetentionDays ?? 30,
          purpose: `the ${stream} logs of ${identifier}`,
          keyAlias: `alias/${identifier}-${stream}-logs`,
        }),
    );

    // From a snapshot, the database and master user come from the snapshot, and so does the
    // storage key: an RDS restore keeps the snapshot's key (for an AWS Backup copy in the DR
    // region, a key of that region), so kms_key_id is left unset; naming this key instead would
    // make every plan after the restore want to replace the database. To have the data under
    // another key, copy the snapshot to that key first and restore the copy
    // (docs/disaster-recovery.md, procedure C).
    // Performance Insights and the master secret use this key either way.
    const storageKmsKeyId = props.restoreFromSnapshot ? undefined : this.key.arn;
    const dbName = props.restoreFromSnapshot ? undefined : databaseName;
    const username = props.restoreFromSnapshot ? undefined : masterUsername;

    // The final snapshot's name must be new for every instance that is destroyed: a fixed
    // `<identifier>-final` fails the second teardown with DBSnapshotAlreadyExists. As
    // terraform-aws-modules/rds does, a random suffix renewed whenever the instance is replaced:
    // its keepers are the instance's arguments that force a replacement.
    let finalSnapshotIdentifier: string | undefined;
    if (!sizing.skipFinalSnapshot) {
      requireProvider(this, "random", "hashicorp/random");
      const suffix = new TerraformResource(this, "FinalSnapshotSuffix", {
        terraformResourceType: "random_id",
        terraformGeneratorMetadata: { providerName: "random" },
      });
      suffix.addOverride("byte_length", FINAL_SNAPSHOT_SUFFIX_BYTES);
      suffix.addOverride("keepers", {
        identifier,
        engine: "postgres",
        kms_key_id: storageKmsKeyId ?? "",
        snapshot_identifier: props.restoreFromSnapshot ?? "",
        storage_encrypted: "true",
        db_name: dbName ?? "",
        username: username ?? "",
      });
      finalSnapshotIdentifier = `${finalSnapshotPrefix}${suffix.getStringAttribute("hex")}`;
    }

    this.instance = new DbInstance(this, "Resource", {
      identifier,
      engine: "postgres",
      engineVersion,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      instanceClass: sizing.instanceClass,
      storageType: "gp3",
      allocatedStorage: sizing.allocatedStorageGiB,
      maxAllocatedStorage: sizing.maxAllocatedStorageGiB,
      storageEncrypted: true,
      kmsKeyId: storageKmsKeyId,
      snapshotIdentifier: props.restoreFromSnapshot,
      dbName,
      username,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.key.arn,
      iamDatabaseAuthenticationEnabled: true,
      port: POSTGRES_PORT,
      multiAz: sizing.multiAz,
      publiclyAccessible: false,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      parameterGroupName: this.parameterGroup.name,
      caCertIdentifier: VERSIONS.rds.caCertificate.version,
      backupRetentionPeriod: sizing.backupRetentionDays,
      backupWindow,
      maintenanceWindow,
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: false,
      skipFinalSnapshot: sizing.skipFinalSnapshot,
      finalSnapshotIdentifier,
      deletionProtection: sizing.deletionProtection,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.key.arn,
      performanceInsightsRetentionPeriod: pi,
      monitoringInterval: 60,
      monitoringRoleArn: monitoringRole.arn,
      enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      applyImmediately: false,
      tags: isUnresolved(props.tags)
        ? Token.asStringMap(Fn.merge([props.tags, { Name: identifier }]))
        : { ...(props.tags ?? {}), Name: identifier },
      dependsOn: logGroups.map((g) => g.logGroup),
    });

    this.endpoint = this.instance.address;
    this.port = POSTGRES_PORT;
    this.databaseName = databaseName;
    this.masterUsername = masterUsername;
    this.masterUserSecretArn = this.instance.masterUserSecret.get(0).secretArn;
    this.securityGroupId = this.securityGroup.id;
    this.instanceArn = this.instance.arn;
  }
}
