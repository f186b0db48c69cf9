/**
 * The plan summary of one environment (plan.yml): reads `.out/plans/<stack>.json` (what
 * `terraform show -json` wrote for scripts/stack.ts) for each stack, in the order given, and
 * writes a Markdown summary (per stack: create/update/replace/delete counts, the replaced and
 * deleted addresses listed) to $GITHUB_STEP_SUMMARY, to `.out/plans/<env>-summary.md`, and with
 * `--pr <number>` as one sticky comment per environment on the pull request, updated on re-runs
 * (GitHub's REST API with $GH_TOKEN, $GITHUB_REPOSITORY). $HEAD_SHA names the planned commit.
 *
 *   tsx scripts/plan-summary.ts <env> <stack>... [--pr <number>]
 *
 * A stack without a plan (its plan failed, or an earlier one did) is listed as not planned.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PLAN_DIR } from "./workflows-lib";

const REPO = resolve(__dirname, "..");

/** The part of `terraform show -json` this summary reads. */
export interface PlanJson {
  readonly resource_changes?: readonly { readonly address: string; readonly change: { readonly actions: readonly string[] } }[];
}

export interface StackPlanSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  /** Addresses replaced (delete and create, in either order). */
  readonly replaced: readonly string[];
  readonly deleted: readonly string[];
}

/** Counts a plan's resource changes; no-op and read are not changes. */
export function summarizePlan(plan: PlanJson): StackPlanSummary {
  let create = 0;
  let update = 0;
  const replaced: string[] = [];
  const deleted: string[] = [];
  for (const { address, change } of plan.resource_changes ?? []) {
    const a = change.actions;
    if (a.includes("delete") && a.includes("create")) replaced.push(address);
    else if (a.includes("delete")) deleted.push(address);
    else if (a.includes("create")) create += 1;
    else if (a.includes("update")) update += 1;
  }
  return { create, update, replace: replaced.length, delete: deleted.length, replaced, deleted };
}

/** The marker that identifies an environment's sticky comment. */
export function commentMarker(environment: string): string {
  return `<!-- qod-plan-summary:${environment} -->`;
}

/** Addresses listed per section at most; a comment must stay under GitHub's 65,536 characters. */
const MAX_LISTED = 50;

function listed(title: string, addresses: readonly string[]): string[] {
  if (addresses.length === 0) return [];
  const shown = addresses.slice(0, MAX_LISTED).map((a) => `- \`${a}\``);
  const more = addresses.length > MAX_LISTED ? [`- … and ${addresses.length - MAX_LISTED} more (see the plan artifact)`] : [];
  return ["", `**${title}**`, "", ...shown, ...more];
}

/** The Markdown summary; `undefined` for a stack that has no plan. */
export function renderSummary(environment: string, stacks: readonly { name: string; summary?: StackPlanSummary }[], commit?: string): string {
  const lines = [
    commentMarker(environment),
    `### Terraform plan: ${environment}${commit ? ` at ${commit.slice(0, 12)}` : ""}`,
    "",
    "| stack | create | update | replace | delete |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const { name, summary: s } of stacks) {
    lines.push(s ? `| ${name} | ${s.create} | ${s.update} | ${s.replace} | ${s.delete} |` : `| ${name} | not planned (the plan failed, or one before it) | | | |`);
  }
  for (const { name, summary: s } of stacks) {
    if (!s) continue;
    lines.push(...listed(`Replaced in ${name}`, s.replaced), ...listed(`Deleted in ${name}`, s.deleted));
  }
  const changes = stacks.every((s) => s.summary && s.summary.create + s.summary.update + s.summary.replace + s.summary.delete === 0);
  if (changes) lines.push("", "No changes.");
  lines.push("", "Plans of later stacks read earlier stacks' outputs as applied, not as planned.");
  return `${lines.join("\n")}\n`;
}

/** The id of the comment carrying `marker`, if there is one. */
export function findStickyComment(comments: readonly { id: number; body?: string | null }[], marker: string): number | undefined {
  return comments.find((c) => c.body?.startsWith(marker))?.id;
}

async function github(method: string, path: string, body?: unknown): Promise<unknown> {
  const token = process.env.GH_TOKEN ?? process.env.GITHUB_TOKEN;
  if (!token) throw new Error("GH_TOKEN is not set");
  const response = await fetch(`${process.env.GITHUB_API_URL ?? "https://api.github.com"}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Creates the environment's comment on the pull request, or updates it when it exists. */
async function postSticky(pr: string, environment: string, body: string): Promise<void> {
  const repository = process.env.GITHUB_REPOSITORY;
  if (!repository) throw new Error("GITHUB_REPOSITORY is not set");
  const marker = commentMarker(environment);
  let existing: number | undefined;
  for (let page = 1; existing === undefined; page += 1) {
    const comments = (await github("GET", `/repos/${repository}/issues/${pr}/comments?per_page=100&page=${page}`)) as { id: number; body?: string }[];
    existing = findStickyComment(comments, marker);
    if (comments.length < 100) break;
  }
  if (existing === undefined) await github("POST", `/repos/${repository}/issues/${pr}/comments`, { body });
  else await github("PATCH", `/repos/${repository}/issues/comments/${existing}`, { body });
  process.stdout.write(`plan-summary: ${existing === undefined ? "posted" : "updated"} the ${environment} comment on #${pr}\n`);
}

async function main(args: string[]): Promise<void> {
  const prAt = args.indexOf("--pr");
  const pr = prAt >= 0 ? args[prAt + 1] : undefined;
  const positional = prAt >= 0 ? [...args.slice(0, prAt), ...args.slice(prAt + 2)] : args;
  const [environment, ...stackNames] = positional;
  if (!environment || stackNames.length === 0 || (prAt >= 0 && !/^\d+$/.test(pr ?? ""))) {
    process.stderr.write(`plan-summary: usage: tsx scripts/plan-summary.ts <env> <stack>... [--pr <number>]; got ${JSON.stringify(args)}\n`);
    process.exit(2);
  }
  const plans = join(REPO, PLAN_DIR);
  const stacks = stackNames.map((name) => {
    const file = join(plans, `${name}.json`);
    return { name, summary: existsSync(file) ? summarizePlan(JSON.parse(readFileSync(file, "utf8")) as PlanJson) : undefined };
  });
  const markdown = renderSummary(environment, stacks, process.env.HEAD_SHA ?? process.env.GITHUB_SHA);
  mkdirSync(plans, { recursive: true });
  writeFileSync(join(plans, `${environment}-summary.md`), markdown);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
  process.stdout.write(markdown);
  if (pr) await postSticky(pr, environment, markdown);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`plan-summary: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
