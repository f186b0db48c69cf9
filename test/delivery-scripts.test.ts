/**
 * The scripts the delivery workflows call: scripts/plan-summary.ts (the plan summary from
 * `terraform show -json`) and scripts/stack.ts (one stack's plan or apply, never bootstrap or ci).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { platform } from "../apps/platform";
import { environmentStackNames } from "../apps/shared/platform";
import { commentMarker, findStickyComment, PlanJson, renderSummary, summarizePlan } from "../scripts/plan-summary";
import { ADMIN_ONLY_STACKS, parseStackCommand } from "../scripts/stack";

const fixture = JSON.parse(readFileSync(join(__dirname, "fixtures/terraform-show-plan.json"), "utf8")) as PlanJson;

describe("plan-summary", () => {
  it("counts creates, updates, replacements (either order) and deletes; no-op and read are not changes", () => {
    // GIVEN a plan with 2 creates, 1 update, 2 replacements, 1 delete, a no-op and a data read
    const summary = summarizePlan(fixture);
    expect(summary).toEqual({
      create: 2,
      update: 1,
      replace: 2,
      delete: 1,
      replaced: ["aws_db_instance.main", "aws_security_group.alb"],
      deleted: ["aws_sqs_queue.old"],
    });
  });

  it("renders one row per stack in the order given, lists replaced and deleted addresses, marks a stack without a plan", () => {
    const markdown = renderSummary("dev", [
      { name: "dev-infra", summary: summarizePlan(fixture) },
      { name: "dev-platform", summary: summarizePlan({ resource_changes: [] }) },
      { name: "dev-apps" },
    ], "0123456789abcdef0123456789abcdef01234567");
    expect(markdown.startsWith(`${commentMarker("dev")}\n`)).toBe(true);
    expect(markdown).toContain("at 0123456789ab");
    const rows = markdown.split("\n").filter((l) => /^\| dev-/.test(l));
    expect(rows).toEqual([
      "| dev-infra | 2 | 1 | 2 | 1 |",
      "| dev-platform | 0 | 0 | 0 | 0 |",
      "| dev-apps | not planned (the plan failed, or one before it) | | | |",
    ]);
    expect(markdown).toMatch(/\*\*Replaced in dev-infra\*\*\n\n- `aws_db_instance.main`\n- `aws_security_group.alb`/);
    expect(markdown).toMatch(/\*\*Deleted in dev-infra\*\*\n\n- `aws_sqs_queue.old`/);
    expect(markdown).not.toContain("aws_s3_bucket.logs"); // creates are counted, not listed
    expect(markdown).not.toContain("No changes.");
  });

  it("says there are no changes only when every stack was planned without any", () => {
    const none = summarizePlan({ resource_changes: [] });
    expect(renderSummary("dev", [{ name: "a", summary: none }, { name: "b", summary: none }])).toContain("No changes.");
    expect(renderSummary("dev", [{ name: "a", summary: none }, { name: "b" }])).not.toContain("No changes.");
  });

  it("caps the listed addresses so the comment stays under GitHub's size limit", () => {
    const many: PlanJson = { resource_changes: Array.from({ length: 120 }, (_, i) => ({ address: `aws_sqs_queue.q${i}`, change: { actions: ["delete"] } })) };
    const markdown = renderSummary("dev", [{ name: "dev-infra", summary: summarizePlan(many) }]);
    expect(markdown.match(/^- `aws_sqs_queue/gm)).toHaveLength(50);
    expect(markdown).toContain("… and 70 more");
  });

  it("finds the environment's own sticky comment, not another environment's", () => {
    const comments = [
      { id: 1, body: "looks good" },
      { id: 2, body: `${commentMarker("prod")}\n### Terraform plan: prod` },
      { id: 3, body: `${commentMarker("dev")}\n### Terraform plan: dev` },
      { id: 4, body: null },
    ];
    expect(findStickyComment(comments, commentMarker("dev"))).toBe(3);
    expect(findStickyComment(comments, commentMarker("prod"))).toBe(2);
    expect(findStickyComment(comments, commentMarker("qa"))).toBeUndefined();
  });
});

describe("stack.ts", () => {
  const stacks = platform.environments.flatMap(environmentStackNames);

  it("accepts plan or apply of every environment stack of the platform", () => {
    for (const stack of stacks) {
      expect(parseStackCommand(["plan", stack], stacks)).toEqual({ action: "plan", stack });
      expect(parseStackCommand(["apply", stack], stacks)).toEqual({ action: "apply", stack });
    }
  });

  it("fails when asked to plan or apply bootstrap or ci, saying an administrator applies them", () => {
    for (const stack of Object.keys(ADMIN_ONLY_STACKS)) {
      for (const action of ["plan", "apply"]) {
        expect(() => parseStackCommand([action, stack], stacks)).toThrow(`stack (second argument): got "${stack}"; allowed: an environment stack (${stacks.join(", ")}); ${stack} holds`);
        expect(() => parseStackCommand([action, stack], stacks)).toThrow("an administrator applies it");
      }
    }
  });

  it("fails when the stack is unknown or missing, listing the stacks", () => {
    expect(() => parseStackCommand(["apply", "staging-infra"], stacks)).toThrow(`stack (second argument): got "staging-infra"; allowed: an environment stack of apps/platform.ts: ${stacks.join(", ")}`);
    expect(() => parseStackCommand(["apply"], stacks)).toThrow("stack (second argument): got nothing (the field is missing)");
  });

  it("fails when the action is not plan or apply, or extra arguments follow", () => {
    expect(() => parseStackCommand(["destroy", stacks[0]], stacks)).toThrow('action (first argument): got "destroy"; allowed: plan or apply');
    expect(() => parseStackCommand(["plan", stacks[0], "-auto-approve"], stacks)).toThrow('extra arguments: got ["-auto-approve"]; allowed: none');
  });
});
