/**
 * The pure parts of the security scan (`scripts/scan.ts`): the skip list, how checkov's and
 * tflint's results are judged against it, and the reports. Kept free of I/O so tests can feed
 * them results.
 */
import type { PinnedVersion } from "@qod/core";

/**
 * The scanners and their pins. tflint and its AWS ruleset are built from the Go module proxy;
 * the ruleset's version is also the `require` of `security/tflint-ruleset-aws/go.mod` (a test
 * keeps the two equal).
 */
export const SCANNER_VERSIONS = {
  checkov: {
    version: "3.3.30",
    chosen: "2026-11-22",
    note: "PyPI; scans cdktf output with --framework terraform_json",
  },
  tflint: {
    version: "0.64.0",
    chosen: "2026-11-22",
    note: "go install github.com/terraform-linters/tflint@v0.64.0; bundles ruleset.terraform 0.15.0",
  },
  tflintRulesetAws: {
    version: "0.48.0",
    chosen: "2026-11-22",
    note: "built from the pinned go.mod in security/tflint-ruleset-aws (see README: Security scanning)",
  },
} as const satisfies Record<string, PinnedVersion>;

/**
 * Which environments an entry applies to, by what they are rather than by name: `production` or
 * `non-production` (the environment config's `production` flag), or `all`. An entry with a scope
 * lists resources as `<kind>/<type>.<name>` (kind: infra, platform or apps) and covers that
 * stack of every matching environment, or as `ci/<type>.<name>` with `{env}` in the name for the
 * environment's resources in the shared ci stack, so adding an environment needs no change here.
 */
export const ENVIRONMENT_SCOPES = ["all", "production", "non-production"] as const;
export type EnvironmentScope = (typeof ENVIRONMENT_SCOPES)[number];
export const STACK_KINDS = ["infra", "platform", "apps"] as const;
/**
 * A stack shared by the environments that holds resources per environment (the `ci` stack: each
 * environment's delivery roles and their documents). A scoped entry names them as
 * `ci/<type>.<name>` with {@link ENVIRONMENT_PLACEHOLDER} where the environment's name goes.
 */
export const SHARED_STACK = "ci";
export const ENVIRONMENT_PLACEHOLDER = "{env}";

/** One entry of `security/checkov-skips.json`. */
export interface CheckovSkip {
  /** Checkov check id, `CKV_AWS_144` or `CKV2_AWS_62`. */
  readonly id: string;
  /** The check's title, as checkov prints it (for the reader). */
  readonly check: string;
  /** Absent: `resources` name stacks. Set: they name a stack kind of every environment in scope. */
  readonly environments?: EnvironmentScope;
  /**
   * Every resource it applies to: `<stack>/<type>.<name>` (or `modules/<dir>/<type>.<name>`), or
   * with `environments`, `<kind>/<type>.<name>` or `ci/<type>.<name with {env}>`.
   */
  readonly resources: readonly string[];
  /** Why this check does not apply or is accepted, and what would change that. */
  readonly reason: string;
}

export interface SkipFile {
  readonly skips: readonly CheckovSkip[];
}

/** What the skip list needs to know of an environment. */
export interface ScannedEnvironment {
  readonly name: string;
  readonly production: boolean;
}

const CHECK_ID = /^CKV2?_[A-Z0-9]+_\d+$/;
const RESOURCE = /^(?:modules\/)?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\/[a-z0-9_]+\.[A-Za-z0-9_-]+$/;
const SCOPED_RESOURCE = new RegExp(`^(?:${STACK_KINDS.join("|")})/[a-z0-9_]+\\.[A-Za-z0-9_-]+$`);
const SHARED_SCOPED_RESOURCE = new RegExp(`^${SHARED_STACK}/[a-z0-9_]+\\.[A-Za-z0-9_-]*\\{env\\}[A-Za-z0-9_{}-]*$`);
/** Whether `resource` is a valid resource of a scoped entry. */
const isScopedResource = (resource: string) =>
  SCOPED_RESOURCE.test(resource) || (SHARED_SCOPED_RESOURCE.test(resource) && resource.replaceAll(ENVIRONMENT_PLACEHOLDER, "").match(/[{}]/) === null);
const MIN_REASON_CHARS = 40;

/** True when an environment is in an entry's scope. */
export function inScope(scope: EnvironmentScope, environment: ScannedEnvironment): boolean {
  return scope === "all" || environment.production === (scope === "production");
}

/** One (check, resource) pair the skip list accepts, and the listed entry it comes from. */
export interface AcceptedAddress {
  readonly skip: CheckovSkip;
  /** `<stack>/<type>.<name>`, for a scoped entry in one environment of its scope. */
  readonly address: string;
  /** What the file lists: the address itself, or `<scope> <kind>/<type>.<name>` for a scoped entry. */
  readonly listed: string;
  /** The environment a scoped entry's address belongs to. */
  readonly environment?: string;
}

/**
 * Every address the skip list accepts, with each scoped entry expanded to the stacks of the
 * environments in its scope: `infra/<type>.<name>` under `non-production` becomes
 * `<env>-infra/<type>.<name>` for every environment with `production: false`.
 */
export function acceptedAddresses(file: SkipFile, environments: readonly ScannedEnvironment[]): AcceptedAddress[] {
  return file.skips.flatMap((skip) =>
    skip.resources.flatMap((resource) => {
      const scope = skip.environments;
      if (scope === undefined) return [{ skip, address: resource, listed: resource }];
      return environments.filter((e) => inScope(scope, e)).map((e) => ({
        skip,
        address: resource.startsWith(`${SHARED_STACK}/`) ? resource.replaceAll(ENVIRONMENT_PLACEHOLDER, e.name) : `${e.name}-${resource}`,
        listed: `${scope} ${resource}`,
        environment: e.name,
      }));
    }),
  );
}

/** Every problem in a parsed skip file (empty when it is valid). */
export function findSkipFileProblems(value: unknown): string[] {
  const problems: string[] = [];
  const skips = (value as { skips?: unknown })?.skips;
  if (!Array.isArray(skips)) return ['the file must be a JSON object with a "skips" array'];
  const seen = new Set<string>();
  skips.forEach((raw: unknown, i) => {
    const entry = (raw ?? {}) as Partial<Record<keyof CheckovSkip, unknown>>;
    const where = `skips[${i}]${typeof entry.id === "string" ? ` (${entry.id})` : ""}`;
    const scope = entry.environments;
    const scoped = scope !== undefined;
    if (scoped && !ENVIRONMENT_SCOPES.includes(scope as EnvironmentScope)) {
      problems.push(`${where}.environments: got ${JSON.stringify(scope)}; allowed: ${ENVIRONMENT_SCOPES.map((s) => JSON.stringify(s)).join(", ")}, or no field for resources named by stack`);
    }
    const key = `${String(entry.id)} ${String(scope ?? "stacks")}`;
    if (typeof entry.id !== "string" || !CHECK_ID.test(entry.id)) {
      problems.push(`${where}.id: got ${JSON.stringify(entry.id)}; allowed: a checkov id such as CKV_AWS_144`);
    } else if (seen.has(key)) {
      problems.push(`${where}.id: listed twice for the same environments; put every resource of one check and scope in one entry`);
    } else {
      seen.add(key);
    }
    if (typeof entry.check !== "string" || entry.check.trim().length === 0) {
      problems.push(`${where}.check: the check's title is required`);
    }
    if (typeof entry.reason !== "string" || entry.reason.trim().length < MIN_REASON_CHARS) {
      problems.push(`${where}.reason: a written reason of at least ${MIN_REASON_CHARS} characters is required`);
    }
    const resources = entry.resources;
    if (!Array.isArray(resources) || resources.length === 0) {
      problems.push(`${where}.resources: list every resource the skip applies to (no global skips)`);
    } else {
      for (const r of resources) {
        if (typeof r !== "string" || !(scoped ? isScopedResource(r) : RESOURCE.test(r)) || r.includes("*")) {
          const allowed = scoped
            ? `<kind>/<type>.<name> with kind ${STACK_KINDS.join(", ")}, or ${SHARED_STACK}/<type>.<name> with ${ENVIRONMENT_PLACEHOLDER} in the name (the environments field picks the stacks)`
            : "<stack>/<type>.<name>";
          problems.push(`${where}.resources: got ${JSON.stringify(r)}; allowed: ${allowed}, no wildcards`);
        }
      }
    }
  });
  return problems;
}

/** Parses and validates the skip file's text; throws one error listing every problem. */
export function parseSkipFile(text: string, file = "security/checkov-skips.json"): SkipFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const problems = findSkipFileProblems(value);
  if (problems.length > 0) throw new Error(`${file} is invalid:\n  ${problems.join("\n  ")}`);
  return value as SkipFile;
}

/** One check result from checkov's JSON report, reduced to what we judge. */
export interface CheckResult {
  readonly id: string;
  readonly name: string;
  /** Where the resource lives: the stack name, or `modules/<dir>`. */
  readonly location: string;
  /** `<type>.<name>`. */
  readonly resource: string;
  readonly file: string;
  readonly lines?: readonly [number, number];
}

/** The shape of checkov's `-o json` report for one framework, as far as we read it. */
export interface CheckovReport {
  readonly check_type: string;
  readonly results: {
    readonly passed_checks?: readonly CheckovRecord[];
    readonly failed_checks?: readonly CheckovRecord[];
    readonly skipped_checks?: readonly CheckovRecord[];
    readonly parsing_errors?: readonly string[];
  };
  readonly summary: { readonly parsing_errors: number; readonly checkov_version?: string };
}

export interface CheckovRecord {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
  readonly file_line_range?: readonly [number, number];
}

/**
 * Reduces one checkov record. `file_path` is relative to the scanned root (`/dev-infra/cdk.tf.json`
 * for stacks, `/vpc/main.tf` for modules). checkov sometimes reports a terraform_json resource as
 * `resource.<name>` without its type; `typeOf(location, name)` restores it from the stack.
 */
export function toCheckResult(
  record: CheckovRecord,
  root: "stacks" | "modules",
  typeOf: (location: string, name: string) => string | undefined = () => undefined,
): CheckResult {
  const dir = record.file_path.replace(/^\/+/, "").split("/").slice(0, -1).join("/");
  const location = root === "modules" ? `modules/${dir}` : dir;
  // A module's resource checkov reached through the example's module call (`module.vpc.aws_x.y`)
  // is the same resource as the module's own `aws_x.y`: its file already says which module.
  let resource = root === "modules" ? record.resource.replace(/^(module\.[A-Za-z0-9_-]+\.)+/, "") : record.resource;
  const [type, ...rest] = resource.split(".");
  if (type === "resource" && rest.length > 0) {
    const name = rest.join(".");
    resource = `${typeOf(location, name) ?? "resource"}.${name}`;
  }
  return {
    id: record.check_id,
    name: record.check_name,
    location,
    resource,
    // Stacks are scanned as copies (see forCheckov), so line numbers refer to the copy.
    file: `${root === "stacks" ? SCANNED_STACKS : "modules"}${record.file_path}`,
    lines: record.file_line_range,
  };
}

/** Where scan.ts writes the copies of the stacks that checkov reads. */
export const SCANNED_STACKS = ".out/security/checkov-input";

export const addressOf = (r: CheckResult) => `${r.location}/${r.resource}`;

export interface Accepted extends CheckResult {
  readonly reason: string;
}

export interface Verdict {
  readonly passed: readonly CheckResult[];
  /** Failed and not in the skip file: these fail CI. */
  readonly failed: readonly CheckResult[];
  /** Failed, listed in the skip file with a reason. */
  readonly accepted: readonly Accepted[];
  /** Skipped by checkov itself (inline `checkov:skip`): not allowed, skips live in one file. */
  readonly skippedInline: readonly CheckResult[];
  /** Skip file entries (id + resource) that matched no failed check: remove them. */
  readonly stale: readonly string[];
  readonly parsingErrors: readonly string[];
  readonly ok: boolean;
}

/** Judges checkov's results against the skip file, scoped entries expanded over `environments`. */
export function judgeCheckov(
  results: {
    passed: readonly CheckResult[];
    failed: readonly CheckResult[];
    skipped: readonly CheckResult[];
    parsingErrors: readonly string[];
  },
  skips: SkipFile,
  environments: readonly ScannedEnvironment[] = [],
): Verdict {
  const byAddress = new Map(acceptedAddresses(skips, environments).map((a) => [`${a.skip.id} ${a.address}`, a]));
  // Stale is judged per listed line: a scoped entry is stale when it accepted nothing in any
  // environment of its scope (an environment that passes the check anyway is stricter, not stale).
  const listed = new Set(skips.skips.flatMap((skip) => skip.resources.map((r) => `${skip.id} ${skip.environments ? `${skip.environments} ` : ""}${r}`)));
  const used = new Set<string>();
  const failed: CheckResult[] = [];
  const accepted: Accepted[] = [];
  for (const result of results.failed) {
    const match = byAddress.get(`${result.id} ${addressOf(result)}`);
    if (match) {
      used.add(`${match.skip.id} ${match.listed}`);
      accepted.push({ ...result, reason: match.skip.reason });
    } else {
      failed.push(result);
    }
  }
  const stale = [...listed].filter((k) => !used.has(k));
  const ok =
    failed.length === 0 &&
    stale.length === 0 &&
    results.skipped.length === 0 &&
    results.parsingErrors.length === 0 &&
    results.passed.length > 0;
  return {
    passed: results.passed,
    failed,
    accepted,
    skippedInline: results.skipped,
    stale,
    parsingErrors: results.parsingErrors,
    ok,
  };
}

/**
 * A copy of a synthesized stack that checkov 3.x can parse: its terraform_json parser expects
 * every entry of the `terraform` block to be an object and crashes on the `required_version`
 * string, and it crashes on the top-level `moved` list too (state moves, nothing to scan). Only
 * the scan copy loses them; the stacks keep them (a test checks they do).
 */
export function forCheckov(stack: Record<string, unknown>): Record<string, unknown> {
  const { moved: _moves, ...copy } = stack;
  const terraform = copy.terraform as Record<string, unknown> | undefined;
  if (!terraform || !("required_version" in terraform)) return copy;
  const { required_version: _dropped, ...rest } = terraform;
  return { ...copy, terraform: rest };
}

/** One tflint issue from `--format=json`. */
export interface TflintIssue {
  readonly rule: { readonly name: string; readonly severity: string };
  readonly message: string;
  readonly range: { readonly filename: string; readonly start: { readonly line: number } };
}

export interface TflintReport {
  readonly issues: readonly TflintIssue[];
  readonly errors: readonly { readonly message: string }[];
}

const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface JunitCase {
  readonly suite: string;
  readonly name: string;
  readonly classname: string;
  readonly failure?: string;
  readonly skipped?: string;
}

/** A JUnit XML document, one `<testsuite>` per suite name in order of appearance. */
export function junit(name: string, cases: readonly JunitCase[]): string {
  const suites = new Map<string, JunitCase[]>();
  for (const c of cases) suites.set(c.suite, [...(suites.get(c.suite) ?? []), c]);
  const count = (list: readonly JunitCase[], what: "failure" | "skipped") => list.filter((c) => c[what] !== undefined).length;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(name)}" tests="${cases.length}" failures="${count(cases, "failure")}" skipped="${count(cases, "skipped")}">`,
  ];
  for (const [suite, list] of suites) {
    lines.push(
      `  <testsuite name="${xml(suite)}" tests="${list.length}" failures="${count(list, "failure")}" skipped="${count(list, "skipped")}">`,
    );
    for (const c of list) {
      const open = `    <testcase name="${xml(c.name)}" classname="${xml(c.classname)}"`;
      if (c.failure !== undefined) lines.push(`${open}><failure message="${xml(c.failure)}"/></testcase>`);
      else if (c.skipped !== undefined) lines.push(`${open}><skipped message="${xml(c.skipped)}"/></testcase>`);
      else lines.push(`${open}/>`);
    }
    lines.push(`  </testsuite>`);
  }
  lines.push(`</testsuites>`, "");
  return lines.join("\n");
}

/** The checkov verdict as JUnit: passed, failed, and accepted (as skipped, with the reason). */
export function checkovJunit(verdict: Verdict): string {
  const testcase = (r: CheckResult) => ({ suite: r.location, name: `${r.id} ${r.resource}`, classname: r.name });
  return junit("checkov", [
    ...verdict.passed.map(testcase),
    ...verdict.failed.map((r) => ({ ...testcase(r), failure: `${r.name} (${r.file}${r.lines ? `:${r.lines[0]}` : ""})` })),
    ...verdict.accepted.map((r) => ({ ...testcase(r), skipped: `accepted in security/checkov-skips.json: ${r.reason}` })),
    ...verdict.skippedInline.map((r) => ({ ...testcase(r), failure: "skipped inline; skips belong in security/checkov-skips.json" })),
    ...verdict.stale.map((s) => ({ suite: "security/checkov-skips.json", name: s, classname: "stale skip", failure: "listed but did not fail: remove it" })),
    ...verdict.parsingErrors.map((f) => ({ suite: "parsing", name: f, classname: "checkov parser", failure: "checkov could not parse this file" })),
  ]);
}

/** tflint's per-stack reports as JUnit: one passing case per clean stack, one failing case per issue. */
export function tflintJunit(reports: ReadonlyMap<string, TflintReport>): string {
  const cases: JunitCase[] = [];
  for (const [stack, report] of reports) {
    if (report.issues.length === 0 && report.errors.length === 0) {
      cases.push({ suite: stack, name: "no issues", classname: "tflint" });
    }
    for (const issue of report.issues) {
      cases.push({
        suite: stack,
        name: `${issue.rule.name} line ${issue.range.start.line}`,
        classname: `tflint ${issue.rule.severity}`,
        failure: issue.message,
      });
    }
    for (const error of report.errors) cases.push({ suite: stack, name: "error", classname: "tflint", failure: error.message });
  }
  return junit("tflint", cases);
}
