import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Naming } from "@qod/core";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { BACKUP_VAULT_EVENTS, BackupPlan, BackupPlanProps, FAILED_ONLY_FILTER } from "../src";
import { onlyResource, policyOf, resources, TfJson } from "../../../test/helpers";

const devProps: BackupPlanProps = {
  naming: new Naming("qod", "dev"),
  region: "eu-west-1",
  rules: [{ name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 7 }],
};
const prodRules = [
  { name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 35, copyToDr: true },
  { name: "weekly", schedule: "cron(0 4 ? * SUN *)", deleteAfterDays: 90, copyToDr: true },
  { name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 365, coldStorageAfterDays: 90, copyToDr: true },
];

function synth(props: Partial<BackupPlanProps> = {}, withDr = false): TfJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const drProvider = withDr ? new AwsProvider(scope, "dr", { alias: "dr", region: "eu-central-1" }) : undefined;
      new BackupPlan(scope, "Backup", { ...devProps, drProvider, drRegion: withDr ? "eu-central-1" : undefined, ...props });
    }),
  );
}

const prodJson = () =>
  synth(
    {
      naming: new Naming("qod", "prod"),
      rules: prodRules,
      vaultLock: { minRetentionDays: 35, maxRetentionDays: 400, changeableForDays: 3 },
      restoreTesting: true,
      notificationEmails: ["oncall@example.com"],
      production: true,
    },
    true,
  );

describe("BackupPlan (dev: one daily rule)", () => {
  const json = synth();

  it("keeps recovery points in a vault encrypted with a rotating customer-managed key", () => {
    const vault = onlyResource(json, "aws_backup_vault");
    expect(vault).toMatchObject({ name: "qod-dev-backup" });
    expect(vault.kms_key_arn).toMatch(/aws_kms_key\.Backup_VaultKey/);
    for (const key of resources(json, "aws_kms_key")) expect(key.enable_key_rotation).toBe(true);
  });

  it("lets terraform destroy empty the vault outside production", () => {
    expect(onlyResource(json, "aws_backup_vault").force_destroy).toBe(true);
  });

  it("backs up daily and keeps each recovery point 7 days, with no lock, no copy and no restore test", () => {
    const rule = onlyResource(json, "aws_backup_plan").rule;
    expect(rule).toEqual([expect.objectContaining({ rule_name: "daily", schedule: "cron(0 3 * * ? *)", lifecycle: { delete_after: 7 } })]);
    expect(rule[0].copy_action).toBeUndefined();
    expect(resources(json, "aws_backup_vault_lock_configuration")).toEqual([]);
    expect(resources(json, "aws_backup_restore_testing_plan")).toEqual([]);
  });

  it("selects resources by the backup tag", () => {
    expect(onlyResource(json, "aws_backup_selection").selection_tag).toEqual([{ type: "STRINGEQUALS", key: "backup", value: "qod-dev-backup" }]);
  });

  it("gives the service role only the AWS Backup managed policies for backup and restore", () => {
    const attached = resources(json, "aws_iam_role_policy_attachment").map((a) => a.policy_arn.replace(/^.*:policy\//, ""));
    expect(attached.sort()).toEqual(["service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores"]);
    expect(resources(json, "aws_iam_role_policy")).toEqual([]);
    const trust = policyOf(json, onlyResource(json, "aws_iam_role").assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Service: "backup.amazonaws.com" });
  });

  it("lets AWS Backup assume its service role with the trust policy its developer guide documents, without condition keys", () => {
    // A condition AWS Backup does not satisfy makes every job fail with "cannot be assumed by AWS Backup".
    const trust = policyOf(json, onlyResource(json, "aws_iam_role").assume_role_policy);
    expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }]);
  });

  it("sends job events to an encrypted SNS topic that AWS Backup may publish to", () => {
    const topic = onlyResource(json, "aws_sns_topic");
    expect(topic.kms_master_key_id).toMatch(/aws_kms_key\.Backup_NotificationKey/);
    expect(onlyResource(json, "aws_backup_vault_notifications").backup_vault_events).toEqual([...BACKUP_VAULT_EVENTS]);
    const policy = policyOf(json, onlyResource(json, "aws_sns_topic_policy").policy);
    expect(policy.Statement[0]).toMatchObject({ Principal: { Service: "backup.amazonaws.com" }, Action: "SNS:Publish" });
  });
});

describe("BackupPlan (prod: daily, weekly, monthly, DR copies, lock, restore tests)", () => {
  const json = prodJson();
  const rules = () => onlyResource(json, "aws_backup_plan").rule;

  it("keeps daily points 35 days, weekly 90 and monthly 365 with cold storage after 90", () => {
    expect(rules().map((r: any) => [r.rule_name, r.lifecycle])).toEqual([
      ["daily", { delete_after: 35 }],
      ["weekly", { delete_after: 90 }],
      ["monthly", { delete_after: 365, cold_storage_after: 90, opt_in_to_archive_for_supported_resources: true }],
    ]);
  });

  it("copies every recovery point to the vault in the DR region", () => {
    const vaults = json.resource!.aws_backup_vault;
    const [drId, dr] = Object.entries(vaults).find(([, v]) => v.provider === "aws.dr")!;
    expect(dr.name).toBe("qod-prod-backup-dr");
    for (const rule of rules()) {
      expect(rule.copy_action).toEqual([{ destination_vault_arn: `\${aws_backup_vault.${drId}.arn}`, lifecycle: rule.lifecycle }]);
    }
    const drKey = Object.values(json.resource!.aws_kms_key).find((k) => k.provider === "aws.dr");
    expect(drKey?.enable_key_rotation).toBe(true);
  });

  it("keeps the recovery points of both vaults when the stack is destroyed", () => {
    const vaults = resources(json, "aws_backup_vault");
    expect(vaults).toHaveLength(2);
    for (const vault of vaults) expect(vault.force_destroy, vault.name).toBe(false);
  });

  it("locks both vaults so recovery points cannot be deleted before 35 days", () => {
    const locks = resources(json, "aws_backup_vault_lock_configuration");
    expect(locks).toHaveLength(2);
    for (const lock of locks) expect(lock).toMatchObject({ min_retention_days: 35, max_retention_days: 400, changeable_for_days: 3 });
  });

  it("restore-tests the newest RDS snapshot every week", () => {
    const plan = onlyResource(json, "aws_backup_restore_testing_plan");
    expect(plan.name).toBe("qod_prod_backup_restore_test");
    expect(plan.recovery_point_selection[0]).toMatchObject({ algorithm: "LATEST_WITHIN_WINDOW", recovery_point_types: ["SNAPSHOT"] });
    const selection = onlyResource(json, "aws_backup_restore_testing_selection");
    expect(selection.protected_resource_type).toBe("RDS");
    expect(selection.protected_resource_conditions[0].string_equals).toEqual([{ key: "aws:ResourceTag/backup", value: "qod-prod-backup" }]);
  });

  it("keys each email subscription by its address, so reordering the addresses replaces none", () => {
    const emails = ["oncall@example.com", "platform-team@example.com"];
    const addresses = (list: string[]) =>
      Object.entries(synth({ notificationEmails: list }).resource!.aws_sns_topic_subscription).map(([id, s]) => [id, s.endpoint]).sort();
    expect(addresses([...emails].reverse())).toEqual(addresses(emails));
    expect(addresses(emails).map(([id]) => id.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["Backup_Email-oncallexamplecom", "Backup_Email-platform-teamexamplecom"]);
  });

  it("moves the index-keyed subscriptions of earlier versions to their addresses", () => {
    const moved = synth({ notificationEmails: ["oncall@example.com", "platform-team@example.com"] }).moved ?? [];
    expect(moved.map((m) => [m.from.replace(/_[0-9A-F]{8}$/, ""), m.to.replace(/_[0-9A-F]{8}$/, "")])).toEqual([
      ["aws_sns_topic_subscription.Backup_Email0", "aws_sns_topic_subscription.Backup_Email-oncallexamplecom"],
      ["aws_sns_topic_subscription.Backup_Email1", "aws_sns_topic_subscription.Backup_Email-platform-teamexamplecom"],
    ]);
  });

  it("emails only failures", () => {
    const subscription = onlyResource(json, "aws_sns_topic_subscription");
    expect(subscription).toMatchObject({ protocol: "email", endpoint: "oncall@example.com" });
    expect(JSON.parse(subscription.filter_policy)).toEqual(FAILED_ONLY_FILTER);
  });
});

describe("BackupPlan validation", () => {
  it.each<[string, Partial<BackupPlanProps>, boolean, RegExp]>([
    [
      "cold storage leaves under 90 days before deletion",
      { rules: [{ name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 120, coldStorageAfterDays: 60 }] },
      false,
      /rules\[0\]\.coldStorageAfterDays: got 60; allowed: at least 90 days before deleteAfterDays \(120\)/,
    ],
    ["a rule copies to DR without a DR region", { rules: [{ ...devProps.rules[0], copyToDr: true }] }, false, /rules\[0\]\.copyToDr: got true/],
    ["the DR region is the primary region", { drRegion: "eu-west-1" }, true, /drRegion: got "eu-west-1"; allowed: a region other than the primary region \(eu-west-1\)/],
    ["the schedule is not an AWS cron", { rules: [{ ...devProps.rules[0], schedule: "0 3 * * *" }] }, false, /rules\[0\]\.schedule: got "0 3 \* \* \*"/],
    ["the lock minimum exceeds the shortest retention", { vaultLock: { minRetentionDays: 30, maxRetentionDays: 400 }, production: true, notificationEmails: ["oncall@example.com"] }, false, /vaultLock\.minRetentionDays: got 30; allowed: 1 to the shortest rule retention \(7 days\)/],
    ["a vault is locked outside production", { vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 } }, false, /vaultLock: got \{"minRetentionDays":7,"maxRetentionDays":400\}; allowed: no vault lock outside production/],
    ["a production vault is not locked", { production: true, notificationEmails: ["oncall@example.com"] }, false, /vaultLock: got nothing \(the field is missing\); allowed: a vault lock in production/],
    ["there is no rule", { rules: [] }, false, /rules: got \[\]; allowed: at least one rule/],
    ["production tells nobody about failed jobs", { production: true, vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 }, notificationEmails: [] }, false, /notificationEmails: got \[\]; allowed: at least one email address in production/],
    ["an address is listed twice", { notificationEmails: ["ops@example.com", "ops@example.com"] }, false, /notificationEmails\[1\]: got "ops@example\.com"; allowed: an address not listed before/],
  ])("fails when %s", (_, props, withDr, message) => {
    expect(() => synth(props, withDr)).toThrow(message);
  });
});
