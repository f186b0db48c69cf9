/**
 * One stack's Terraform in the delivery workflows (plan.yml, release.yml call it once per stack,
 * in apply order), on the synthesized `cdktf.out/stacks/<stack>` (run `npm run synth` first):
 *
 *   tsx scripts/stack.ts plan <stack>    init, plan -out .out/plans/<stack>.tfplan, show -json > .out/plans/<stack>.json
 *   tsx scripts/stack.ts apply <stack>   init, apply -auto-approve
 *
 * Only an environment's stacks (`<env>-infra`, `<env>-platform`, `<env>-apps` of apps/platform.ts)
 * are accepted: `bootstrap` (local state, the state bucket) and `ci` (the delivery roles) are
 * applied by an administrator, never from a workflow whose role they define.
 */
import { ProblemCollector, ValidationError } from "@qod/core";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync } from "node:fs";
import { join, resolve } from "node:path";
import { platform } from "../apps/platform";
import { environmentStackNames } from "../apps/shared/platform";
import { PLAN_DIR } from "./workflows-lib";

const REPO = resolve(__dirname, "..");

/** Stacks no workflow plans or applies, and why. */
export const ADMIN_ONLY_STACKS: Readonly<Record<string, string>> = {
  bootstrap: "bootstrap holds the state bucket in local state: an administrator applies it once per account (README, Delivery)",
  ci: "ci holds the OIDC provider and the roles the workflows assume: an administrator applies it (README, Delivery)",
};

export type StackAction = "plan" | "apply";

export interface StackCommand {
  readonly action: StackAction;
  readonly stack: string;
}

/**
 * Reads `<plan|apply> <stack>`; `stacks` are the environment stacks a workflow may touch. Throws
 * a ValidationError naming the argument, the value and what is allowed.
 */
export function parseStackCommand(args: readonly string[], stacks: readonly string[]): StackCommand {
  const p = new ProblemCollector("stack command");
  const [action, stack, ...rest] = args;
  p.check(action === "plan" || action === "apply", "action (first argument)", action, "plan or apply");
  if (stack !== undefined && stack in ADMIN_ONLY_STACKS) {
    p.add("stack (second argument)", stack, `an environment stack (${stacks.join(", ")}); ${ADMIN_ONLY_STACKS[stack]}, never from CI`);
  } else {
    p.check(stack !== undefined && stacks.includes(stack), "stack (second argument)", stack, `an environment stack of apps/platform.ts: ${stacks.join(", ")}`);
  }
  p.check(rest.length === 0, "extra arguments", rest, "none: one action and one stack");
  p.throwIfAny();
  return { action: action as StackAction, stack: stack! };
}

function terraform(dir: string, args: string[], stdoutFile?: string): void {
  process.stdout.write(`\n$ terraform -chdir=${dir} ${args.join(" ")}\n`);
  const out = stdoutFile ? openSync(stdoutFile, "w") : "inherit";
  const result = spawnSync("terraform", [`-chdir=${dir}`, ...args], {
    stdio: ["ignore", out, "inherit"],
    env: { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" },
  });
  if (typeof out === "number") closeSync(out);
  if (result.error) throw new Error(`cannot run terraform: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(`stack: terraform ${args[0]} failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}

function main(args: readonly string[]): void {
  let command: StackCommand;
  try {
    command = parseStackCommand(args, platform.environments.flatMap(environmentStackNames));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`stack: ${error.message}\nusage: tsx scripts/stack.ts plan|apply <stack>\n`);
    process.exit(2);
  }
  const dir = join("cdktf.out/stacks", command.stack);
  if (!existsSync(join(REPO, dir, "cdk.tf.json"))) {
    process.stderr.write(`stack: ${dir}/cdk.tf.json does not exist: run \`npm run synth\` first\n`);
    process.exit(1);
  }
  terraform(dir, ["init", "-input=false", "-no-color"]);
  if (command.action === "apply") {
    terraform(dir, ["apply", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=10m"]);
    return;
  }
  const plans = join(REPO, PLAN_DIR);
  mkdirSync(plans, { recursive: true });
  const planFile = join(plans, `${command.stack}.tfplan`);
  terraform(dir, ["plan", "-input=false", "-no-color", "-lock-timeout=10m", `-out=${planFile}`]);
  terraform(dir, ["show", "-json", planFile], join(plans, `${command.stack}.json`));
  process.stdout.write(`stack: ${command.stack} planned: ${PLAN_DIR}/${command.stack}.tfplan and .json\n`);
}

if (require.main === module) main(process.argv.slice(2));
