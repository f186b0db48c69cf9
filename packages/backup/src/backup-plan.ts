import { BackupPlan as TfBackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupRestoreTestingPlan } from "@cdktf/provider-aws/lib/backup-restore-testing-plan";
import { BackupRestoreTestingSelection } from "@cdktf/provider-aws/lib/backup-restore-testing-selection";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BackupVaultNotifications } from "@cdktf/provider-aws/lib/backup-vault-notifications";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import {
  accountAdministersKey,
  checkDrRegion,
  fromAccount,
  iamPolicyDocument,
  IamStatement,
  Naming,
  ProblemCollector,
  serviceTrustPolicy,
  movedFrom,
} from "@qod/core";
import { Fn, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { BackupRuleSizing, checkBackupRule, checkNotificationEmails, checkVaultLock, checkVaultLockPlacement, VaultLockOptions } from "./config";

/** The tag key that puts a resource into a plan: `backup = <selectionTagValue>`. */
export const BACKUP_TAG_KEY = "backup";
/** Vault events sent to the notification topic (subscriptions filter out successes). */
export const BACKUP_VAULT_EVENTS = ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED", "RESTORE_JOB_COMPLETED", "S3_BACKUP_OBJECT_FAILED", "S3_RESTORE_OBJECT_FAILED"] as const;
/** SNS filter: only jobs whose state is not COMPLETED (failed, aborted, expired, partial). */
export const FAILED_ONLY_FILTER = { State: [{ "anything-but": "COMPLETED" }] };

export interface BackupPlanProps {
  readonly naming: Naming;
  /** Backup rules (schedule, retention, cold storage, DR copy). */
  readonly rules: readonly BackupRuleSizing[];
  /** The primary region, to reject a DR region equal to it. */
  readonly region: string;
  /**
   * Provider (an alias) of the DR region; rules with `copyToDr` copy to a vault there.
   * @default - no DR vault
   */
  readonly drProvider?: AwsProvider;
  /** The DR provider's region. Required with `drProvider`. */
  readonly drRegion?: string;
  /**
   * Lock the vaults so recovery points cannot be deleted before `minRetentionDays`. Required in
   * production, refused elsewhere.
   * @default - no lock
   */
  readonly vaultLock?: VaultLockOptions;
  /**
   * Restore the newest RDS snapshot of the selected resources on a schedule and validate it.
   * @default false
   */
  readonly restoreTesting?: boolean;
  /**
   * Email addresses told about failed backup, copy and restore jobs, each listed once; at least
   * one in production.
   * @default []
   */
  readonly notificationEmails?: readonly string[];
  /**
   * Production rules: the vaults keep their recovery points when the stack is destroyed
   * (`force_destroy = false`) and are locked. Outside production `terraform destroy` deletes the
   * recovery points with the vaults, and no lock is allowed, so one destroy takes it all down.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Value of the `backup` tag that selects resources into this plan.
   * @default naming.name("backup")
   */
  readonly selectionTagValue?: string;
}

function kmsKey(scope: Construct, id: string, description: string, alias: string, statements: IamStatement[], provider?: AwsProvider): KmsKey {
  const key = new KmsKey(scope, id, {
    description,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: iamPolicyDocument(scope, `${id}Policy`, { Version: "2012-10-17", Statement: statements }, { provider }).json,
    provider,
  });
  new KmsAlias(scope, `${id}Alias`, { name: alias, targetKeyId: key.keyId, provider });
  return key;
}

/**
 * An AWS Backup plan: a KMS-encrypted vault (and one in the DR region), rules with retention and
 * cold storage, cross-region copies, an optional vault lock, selection by the `backup` tag, a
 * service role with only the AWS Backup managed policies, failure notifications to an encrypted
 * SNS topic, and optional scheduled restore tests of RDS snapshots.
 */
export class BackupPlan extends Construct {
  public readonly vault: BackupVault;
  public readonly drVault?: BackupVault;
  public readonly plan: TfBackupPlan;
  public readonly role: IamRole;
  public readonly topic: SnsTopic;
  /** Tag resources with `{ backup: selectionTagValue }` to back them up. */
  public readonly selectionTagValue: string;
  public readonly vaultName: string;
  public readonly drVaultName?: string;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    const p = new ProblemCollector(`BackupPlan props at ${this.node.path}`);
    const production = props.production ?? false;
    p.check(props.rules.length > 0, "rules", props.rules, "at least one rule");
    props.rules.forEach((rule, i) => checkBackupRule(p, `rules[${i}]`, rule, props.drProvider !== undefined));
    if (props.drProvider !== undefined) {
      if (props.drRegion === undefined) p.add("drRegion", props.drRegion, "the DR provider's region");
      else checkDrRegion(p, "drRegion", props.drRegion, props.region);
    }
    checkVaultLockPlacement(p, "vaultLock", props.vaultLock, production);
    if (props.vaultLock) checkVaultLock(p, "vaultLock", props.vaultLock, props.rules);
    checkNotificationEmails(p, "notificationEmails", props.notificationEmails ?? [], production);
    p.throwIfAny();

    const { naming } = props;
    const name = naming.name("backup");
    this.selectionTagValue = props.selectionTagValue ?? name;
    const partition = new DataAwsPartition(this, "Partition");
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");
    const admin = accountAdministersKey(partition.partition, caller.accountId);

    const vaultKey = kmsKey(this, "VaultKey", `Encrypts the recovery points of ${name}`, `alias/${name}`, [admin]);
    // Outside production, terraform destroy deletes the recovery points with the vault.
    const forceDestroy = !production;
    this.vault = new BackupVault(this, "Vault", { name, kmsKeyArn: vaultKey.arn, forceDestroy });
    this.vaultName = name;

    if (props.drProvider) {
      const drKey = kmsKey(this, "DrVaultKey", `Encrypts the DR copies of ${name}`, `alias/${name}-dr`, [admin], props.drProvider);
      this.drVaultName = `${name}-dr`;
      this.drVault = new BackupVault(this, "DrVault", {
        name: this.drVaultName,
        kmsKeyArn: drKey.arn,
        forceDestroy,
        provider: props.drProvider,
      });
    }

    if (props.vaultLock) {
      const lock = props.vaultLock;
      new BackupVaultLockConfiguration(this, "VaultLock", {
        backupVaultName: this.vault.name,
        minRetentionDays: lock.minRetentionDays,
        maxRetentionDays: lock.maxRetentionDays,
        changeableForDays: lock.changeableForDays,
      });
      if (this.drVault) {
        new BackupVaultLockConfiguration(this, "DrVaultLock", {
          backupVaultName: this.drVault.name,
          minRetentionDays: lock.minRetentionDays,
          maxRetentionDays: lock.maxRetentionDays,
          changeableForDays: lock.changeableForDays,
          provider: props.drProvider,
        });
      }
    }

    this.plan = new TfBackupPlan(this, "Resource", {
      name,
      rule: props.rules.map((rule) => {
        const lifecycle = {
          deleteAfter: rule.deleteAfterDays,
          coldStorageAfter: rule.coldStorageAfterDays,
          optInToArchiveForSupportedResources: rule.coldStorageAfterDays !== undefined ? true : undefined,
        };
        return {
          ruleName: rule.name,
          targetVaultName: this.vault.name,
          schedule: rule.schedule,
          scheduleExpressionTimezone: "Etc/UTC",
          startWindow: 60,
          completionWindow: 360,
          lifecycle,
          recoveryPointTags: { [BACKUP_TAG_KEY]: this.selectionTagValue, rule: rule.name },
          copyAction: rule.copyToDr && this.drVault ? [{ destinationVaultArn: this.drVault.arn, lifecycle }] : undefined,
        };
      }),
    });

    // The trust policy of the AWS Backup developer guide ("IAM service roles"), without a
    // condition: its confused-deputy guidance ("Cross-service confused deputy prevention") puts
    // aws:SourceArn / aws:SourceAccount in resource policies (the SNS topic and KMS key below),
    // and documents no condition key for this role's trust. A condition AWS Backup does not
    // satisfy fails every job ("cannot be assumed by AWS Backup"), with nothing at apply time.
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-service-confused-deputy-prevention.html
    this.role = new IamRole(this, "ServiceRole", {
      name: `${name}-service`,
      description: `AWS Backup service role of ${name}`,
      assumeRolePolicy: serviceTrustPolicy(this, "ServiceRoleTrust", "backup.amazonaws.com").json,
    });
    for (const policy of ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]) {
      new IamRolePolicyAttachment(this, `ServiceRole${policy}`, {
        role: this.role.name,
        policyArn: `arn:${partition.partition}:iam::aws:policy/service-role/${policy}`,
      });
    }

    new BackupSelection(this, "Selection", {
      name: `${name}-tagged`,
      planId: this.plan.id,
      iamRoleArn: this.role.arn,
      selectionTag: [{ type: "STRINGEQUALS", key: BACKUP_TAG_KEY, value: this.selectionTagValue }],
    });

    // Failure notifications: an SNS topic encrypted with a key AWS Backup may use.
    const topicKey = kmsKey(this, "NotificationKey", `Encrypts the backup notifications of ${name}`, `alias/${name}-notifications`, [
      admin,
      {
        Sid: "BackupPublishesEncrypted",
        Effect: "Allow",
        Principal: { Service: "backup.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
        Condition: fromAccount(caller.accountId),
      },
    ]);
    this.topic = new SnsTopic(this, "Notifications", { name: `${name}-notifications`, kmsMasterKeyId: topicKey.arn });
    new SnsTopicPolicy(this, "NotificationsPolicy", {
      arn: this.topic.arn,
      policy: iamPolicyDocument(this, "NotificationsPolicyDocument", {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "BackupPublishes",
            Effect: "Allow",
            Principal: { Service: "backup.amazonaws.com" },
            Action: "SNS:Publish",
            Resource: this.topic.arn,
            Condition: fromAccount(caller.accountId),
          },
        ],
      }).json,
    });
    new BackupVaultNotifications(this, "VaultNotifications", {
      backupVaultName: this.vault.name,
      snsTopicArn: this.topic.arn,
      backupVaultEvents: [...BACKUP_VAULT_EVENTS],
    });
    // Keyed by the address: reordering the list replaces no subscription (each would need confirming again).
    const emails = props.notificationEmails ?? [];
    if (Token.isUnresolved(emails)) {
      // A list only Terraform knows (a generated module's variable): Terraform keys them (for_each over the set).
      const each = TerraformIterator.fromList([...emails]);
      new SnsTopicSubscription(this, "Email", {
        forEach: each,
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: Token.asString(each.value),
        filterPolicy: JSON.stringify(FAILED_ONLY_FILTER),
      });
    } else {
      emails.forEach((email, i) => {
        const subscription = new SnsTopicSubscription(this, `Email-${email}`, {
          topicArn: this.topic.arn,
          protocol: "email",
          endpoint: email,
          filterPolicy: JSON.stringify(FAILED_ONLY_FILTER),
        });
        movedFrom(subscription, `Email${i}`); // the index-keyed address of earlier versions
      });
    }

    if (props.restoreTesting) {
      // Restore testing names take no dashes; a name Terraform decides is rewritten by Terraform.
      const testName = Token.isUnresolved(name) ? Fn.replace(name, "-", "_") : name.replace(/-/g, "_");
      const testPlan = new BackupRestoreTestingPlan(this, "RestoreTesting", {
        name: `${testName}_restore_test`,
        scheduleExpression: "cron(0 6 ? * SAT *)",
        scheduleExpressionTimezone: "Etc/UTC",
        startWindowHours: 24,
        recoveryPointSelection: [
          {
            algorithm: "LATEST_WITHIN_WINDOW",
            includeVaults: [this.vault.arn],
            recoveryPointTypes: ["SNAPSHOT"],
            selectionWindowDays: 7,
          },
        ],
      });
      new BackupRestoreTestingSelection(this, "RestoreTestingRds", {
        name: `${testName}_rds`,
        restoreTestingPlanName: testPlan.name,
        protectedResourceType: "RDS",
        iamRoleArn: this.role.arn,
        protectedResourceConditions: [
          { stringEquals: [{ key: `aws:ResourceTag/${BACKUP_TAG_KEY}`, value: this.selectionTagValue }] },
        ],
        validationWindowHours: 2,
      });
    }
  }
}
