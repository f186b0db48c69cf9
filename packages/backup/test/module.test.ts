import { ModuleStack, ProblemCollector, recordDeferredChecks } from "@qod/core";
import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { BACKUP_MODULE_RULES, backupModule, checkBackupRule, checkNotificationEmails, checkVaultLock } from "../src";
import { onlyResource, resources, TfJson } from "../../../test/helpers";

/** A number and a list only Terraform knows (variables of a throwaway stack). */
function tokens(): { days: number; emails: string[] } {
  const stack = new TerraformStack(new App(), "tokens");
  return {
    days: new TerraformVariable(stack, "days", { type: "number" }).numberValue,
    emails: new TerraformVariable(stack, "emails", { type: "list(string)" }).listValue,
  };
}

/** Runs `check` on a fresh collector: the problems it found and the rules it deferred, by field. */
function checked(check: (p: ProblemCollector) => void): { problems: string[]; deferred: string[] } {
  const p = new ProblemCollector("test");
  const { deferred } = recordDeferredChecks(() => check(p));
  return { problems: p.problems.map((x) => x.field), deferred: deferred.map((x) => x.field) };
}

describe("backup rules on values only Terraform knows", () => {
  it("defers the cold-storage distance when the retention is Terraform's, instead of computing with a token", () => {
    const { days } = tokens();
    const rule = { name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: days, coldStorageAfterDays: 90 };
    expect(checked((p) => checkBackupRule(p, "rules[0]", rule, true))).toEqual({
      problems: [],
      deferred: ["rules[0].deleteAfterDays", "rules[0].coldStorageAfterDays"],
    });
  });

  it("still refuses a literal cold storage of 0 next to a retention Terraform decides", () => {
    const { days } = tokens();
    const rule = { name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: days, coldStorageAfterDays: 0 };
    expect(checked((p) => checkBackupRule(p, "rules[0]", rule, true)).problems).toEqual(["rules[0].coldStorageAfterDays"]);
  });

  it("defers the vault lock's range when a rule's retention is Terraform's", () => {
    const { days } = tokens();
    const rules = [{ name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: days }];
    expect(checked((p) => checkVaultLock(p, "vaultLock", { minRetentionDays: 35, maxRetentionDays: 400, changeableForDays: 3 }, rules))).toEqual({
      problems: [],
      deferred: ["vaultLock.minRetentionDays", "vaultLock.maxRetentionDays"],
    });
  });

  it("defers every address rule, production's at-least-one included, for a list Terraform decides", () => {
    const { emails } = tokens();
    expect(checked((p) => checkNotificationEmails(p, "notificationEmails", emails, true))).toEqual({ problems: [], deferred: ["notificationEmails"] });
  });
});

describe("the backup module (the plan built from Terraform variables)", () => {
  let synthesized: TfJson | undefined;
  const moduleJson = (): TfJson => (synthesized ??= JSON.parse(Testing.synth(new ModuleStack(Testing.app(), backupModule))));

  it("subscribes each address of notification_emails once, keyed by the address (for_each over the set)", () => {
    const subscription = onlyResource(moduleJson(), "aws_sns_topic_subscription");
    expect(subscription.for_each).toBe("${toset(var.notification_emails)}");
    expect(subscription.endpoint).toBe("${each.value}");
    expect(subscription.protocol).toBe("email");
  });

  it("names the restore test with Terraform's replace, as the construct's dashes to underscores", () => {
    const plan = onlyResource(moduleJson(), "aws_backup_restore_testing_plan");
    expect(plan.name).toBe('${replace("${var.project}-${var.environment}-backup", "-", "_")}_restore_test');
  });

  it("copies every rule to a DR vault of the aws.dr provider, both vaults locked and kept on destroy", () => {
    const json = moduleJson();
    expect(json.provider?.aws.map((p: { alias?: string }) => p.alias)).toContain("dr");
    const vaults = json.resource?.aws_backup_vault ?? {};
    expect(vaults.backup_vault).toMatchObject({ force_destroy: false });
    expect(vaults.backup_vault.provider).toBeUndefined();
    expect(vaults.backup_dr_vault).toMatchObject({ provider: "aws.dr", force_destroy: false });
    expect(resources(json, "aws_backup_vault_lock_configuration")).toHaveLength(2);
    const rules = onlyResource(json, "aws_backup_plan").rule;
    expect(rules.map((r: { rule_name: string }) => r.rule_name)).toEqual(BACKUP_MODULE_RULES.map((r) => r.name));
    for (const rule of rules) expect(rule.copy_action).toHaveLength(1);
    expect(rules[2].lifecycle.cold_storage_after).toBe("${var.monthly_cold_storage_after_days}");
  });

  it("outputs what a caller wires: vaults, plan, selection tag, topic", () => {
    const output = moduleJson().output ?? {};
    for (const name of ["vault_arn", "vault_name", "dr_vault_arn", "dr_vault_name", "plan_id", "selection_tag_key", "selection_tag_value", "notification_topic_arn"]) {
      expect(output[name], name).toBeDefined();
    }
    expect(output.selection_tag_key.value).toBe("backup");
  });
});
