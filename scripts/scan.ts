/**
 * `npm run scan` (and CI): security and lint scans of every synthesized stack.
 *
 *   1. installs the pinned scanners if they are not there yet: checkov from PyPI into a virtual
 *      environment (.out/venv), tflint and its AWS ruleset from the Go module proxy into a cache
 *      folder (~/.cache/qod-scanners, or $QOD_SCANNER_CACHE);
 *   2. checkov over cdktf.out/stacks/* (terraform_json) and over modules/ when it holds HCL;
 *      failed checks are judged against security/checkov-skips.json, whose entries scoped to
 *      production or non-production environments cover the stacks of every environment in
 *      `apps/platform.ts` of that kind;
 *   3. tflint with the terraform (recommended preset) and AWS rulesets over each stack.
 *
 * Reports go to .out/security/ (summary.txt, checkov-junit.xml, tflint-junit.xml and the raw
 * JSON of both tools). Exits 1 on any failed check not in the skip file, a stale or inline skip,
 * a parsing error, or any tflint issue. Reads the stacks as they are: synthesize first.
 */
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
// Which environments are production decides which entries of the skip list cover their stacks.
import { platform } from "../apps/platform";
import {
  addressOf,
  CheckovReport,
  checkovJunit,
  CheckResult,
  forCheckov,
  judgeCheckov,
  parseSkipFile,
  SCANNED_STACKS,
  SCANNER_VERSIONS,
  toCheckResult,
  tflintJunit,
  TflintReport,
} from "./scan-lib";
import { ensureGoTool, goEnv, versionOutput as versionOf } from "./go-tool";

const REPO = resolve(__dirname, "..");
const STACKS = resolve(REPO, process.env.SCAN_STACKS ?? "cdktf.out/stacks");
const MODULES = join(REPO, "modules");
const OUT = join(REPO, ".out/security");
const VENV = join(REPO, ".out/venv");
const SKIP_FILE = join(REPO, "security/checkov-skips.json");
const TFLINT_CONFIG = join(REPO, "security/tflint.hcl");
const RULESET_MODULE = join(REPO, "security/tflint-ruleset-aws");
const CACHE = resolve(process.env.QOD_SCANNER_CACHE ?? join(homedir(), ".cache/qod-scanners"));
const V = SCANNER_VERSIONS;

const summary: string[] = [];
const say = (line = "") => {
  summary.push(line);
  process.stdout.write(`${line}\n`);
};

function fail(message: string): never {
  process.stderr.write(`scan: ${message}\n`);
  process.exit(1);
}

/** Runs a command; returns its output, or exits with the command's output when it fails. */
function run(what: string, cmd: string, args: string[], options: SpawnSyncOptions = {}, okCodes = [0]): string {
  const result = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...options });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.error) fail(`${what}: cannot run ${cmd}: ${result.error.message}`);
  if (!okCodes.includes(result.status ?? -1)) {
    fail(`${what} failed (exit ${result.status}):\n${output.split("\n").slice(-40).join("\n")}`);
  }
  return String(result.stdout ?? "");
}

function ensureCheckov(): string {
  const checkov = join(VENV, "bin/checkov");
  if (versionOf(checkov, ["--version"])?.trim() === V.checkov.version) return checkov;
  say(`installing checkov ${V.checkov.version} into ${relative(REPO, VENV)} (PyPI)`);
  run("python3 -m venv", "python3", ["-m", "venv", "--clear", VENV]);
  run("pip install checkov", join(VENV, "bin/pip"), [
    "install",
    "--quiet",
    "--disable-pip-version-check",
    `checkov==${V.checkov.version}`,
  ]);
  const installed = versionOf(checkov, ["--version"])?.trim();
  if (installed !== V.checkov.version) fail(`checkov reports version ${installed}, expected ${V.checkov.version}`);
  return checkov;
}

function ensureTflint(): string {
  const tool = { name: "tflint", pkg: "github.com/terraform-linters/tflint", version: V.tflint.version, versionArgs: ["--version"], expect: `TFLint version ${V.tflint.version}` };
  try {
    return ensureGoTool(tool, CACHE, say);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

function ensureRulesetAws(tflint: string): string {
  const dir = join(CACHE, `tflint-ruleset-aws-v${V.tflintRulesetAws.version}`);
  const expected = `ruleset.aws (${V.tflintRulesetAws.version})`;
  const probe = () =>
    versionOf(tflint, ["--version", `--config=${TFLINT_CONFIG}`], { ...process.env, TFLINT_PLUGIN_DIR: dir });
  if (probe()?.includes(expected)) return dir;
  say(`building tflint-ruleset-aws ${V.tflintRulesetAws.version} into ${dir} (go install from security/tflint-ruleset-aws/go.mod)`);
  run("go install tflint-ruleset-aws", "go", ["install", "github.com/terraform-linters/tflint-ruleset-aws"], {
    env: goEnv(dir),
    cwd: RULESET_MODULE,
  });
  const version = probe();
  if (!version?.includes(expected)) fail(`tflint does not load ${expected} from ${dir}:\n${version ?? "(no output)"}`);
  return dir;
}

function stackNames(): string[] {
  if (!existsSync(STACKS)) fail(`${relative(REPO, STACKS)} does not exist: run \`npm run synth\` first`);
  const names = readdirSync(STACKS).filter((n) => existsSync(join(STACKS, n, "cdk.tf.json"))).sort();
  if (names.length === 0) fail(`no cdk.tf.json under ${relative(REPO, STACKS)}`);
  return names;
}

function tfFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === ".terraform" ? [] : tfFilesUnder(path);
    return entry.endsWith(".tf") ? [path] : [];
  });
}

interface CheckovRun {
  passed: CheckResult[];
  failed: CheckResult[];
  skipped: CheckResult[];
  parsingErrors: string[];
}

function runCheckov(checkov: string, dir: string, framework: string, root: "stacks" | "modules", rawName: string, typeOf?: (l: string, n: string) => string | undefined): CheckovRun {
  const rawDir = join(OUT, rawName);
  rmSync(rawDir, { recursive: true, force: true });
  run(
    `checkov (${root})`,
    checkov,
    ["-d", dir, "--framework", framework, "--skip-download", "-o", "json", "--output-file-path", rawDir],
    { env: { ...process.env, LOG_LEVEL: "WARNING" } },
    [0, 1],
  );
  const file = join(rawDir, "results_json.json");
  if (!existsSync(file)) fail(`checkov wrote no report to ${relative(REPO, file)}`);
  const parsed = JSON.parse(readFileSync(file, "utf8")) as CheckovReport | CheckovReport[] | { summary?: unknown };
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((r): r is CheckovReport => "results" in r);
  const records = (pick: (r: CheckovReport) => CheckovReport["results"]["passed_checks"]) =>
    reports.flatMap((r) => pick(r) ?? []).map((rec) => toCheckResult(rec, root, typeOf));
  return {
    passed: records((r) => r.results.passed_checks),
    failed: records((r) => r.results.failed_checks),
    skipped: records((r) => r.results.skipped_checks),
    parsingErrors: reports.flatMap((r) => r.results.parsing_errors ?? []).map((f) => relative(REPO, f)),
  };
}

function scanWithCheckov(checkov: string, stacks: string[]): boolean {
  const skips = parseSkipFile(readFileSync(SKIP_FILE, "utf8"));
  // Scan a copy: checkov's terraform_json parser crashes on terraform.required_version.
  const input = join(REPO, SCANNED_STACKS);
  rmSync(input, { recursive: true, force: true });
  const types = new Map<string, Map<string, string>>();
  for (const name of stacks) {
    const json = JSON.parse(readFileSync(join(STACKS, name, "cdk.tf.json"), "utf8"));
    mkdirSync(join(input, name), { recursive: true });
    writeFileSync(join(input, name, "cdk.tf.json"), JSON.stringify(forCheckov(json), null, 2));
    const byName = new Map<string, string>();
    for (const [type, resources] of Object.entries((json.resource ?? {}) as Record<string, object>)) {
      for (const id of Object.keys(resources)) byName.set(id, type);
    }
    types.set(name, byName);
  }
  const stackRun = runCheckov(checkov, input, "terraform_json", "stacks", "checkov-stacks", (l, n) => types.get(l)?.get(n));
  const moduleFiles = tfFilesUnder(MODULES);
  const moduleRun: CheckovRun =
    moduleFiles.length > 0
      ? runCheckov(checkov, MODULES, "terraform", "modules", "checkov-modules")
      : { passed: [], failed: [], skipped: [], parsingErrors: [] };
  const verdict = judgeCheckov(
    {
      passed: [...stackRun.passed, ...moduleRun.passed],
      failed: [...stackRun.failed, ...moduleRun.failed],
      skipped: [...stackRun.skipped, ...moduleRun.skipped],
      parsingErrors: [...stackRun.parsingErrors, ...moduleRun.parsingErrors],
    },
    skips,
    platform.environments,
  );
  writeFileSync(join(OUT, "checkov-junit.xml"), checkovJunit(verdict));

  say(`checkov ${V.checkov.version}: ${stacks.length} stacks (terraform_json)` +
    (moduleFiles.length > 0 ? `, modules/ (${moduleFiles.length} .tf files)` : ", modules/ has no .tf files yet"));
  const locations = [...new Set([...verdict.passed, ...verdict.failed, ...verdict.accepted].map((r) => r.location))].sort();
  const per = (list: readonly CheckResult[], l: string) => String(list.filter((r) => r.location === l).length);
  say(`  ${"where".padEnd(16)}${"passed".padStart(8)}${"failed".padStart(8)}${"accepted".padStart(10)}`);
  for (const l of locations) {
    say(`  ${l.padEnd(16)}${per(verdict.passed, l).padStart(8)}${per(verdict.failed, l).padStart(8)}${per(verdict.accepted, l).padStart(10)}`);
  }
  if (verdict.accepted.length > 0) say(`  accepted (listed with a reason in security/checkov-skips.json):`);
  for (const r of verdict.accepted) say(`    ${r.id.padEnd(12)} ${addressOf(r)}  ${r.name}`);
  for (const r of verdict.failed) say(`  FAILED ${r.id} ${addressOf(r)}: ${r.name} (${r.file}${r.lines ? `:${r.lines[0]}` : ""})`);
  for (const r of verdict.skippedInline) say(`  FAILED ${r.id} ${addressOf(r)}: skipped inline; list it in security/checkov-skips.json instead`);
  for (const s of verdict.stale) say(`  FAILED stale skip "${s}": it no longer fails; remove it from security/checkov-skips.json`);
  for (const f of verdict.parsingErrors) say(`  FAILED checkov could not parse ${f}`);
  if (verdict.passed.length === 0) say(`  FAILED no check ran`);
  say(
    `checkov: ${verdict.passed.length} checks passed, ${verdict.failed.length} failed, ` +
      `${verdict.accepted.length} accepted by the skip list` +
      (verdict.stale.length + verdict.skippedInline.length + verdict.parsingErrors.length > 0
        ? `, ${verdict.stale.length} stale skips, ${verdict.skippedInline.length} inline skips, ${verdict.parsingErrors.length} parsing errors`
        : ""),
  );
  return verdict.ok;
}

/** What tflint lints: every stack, and every generated module and example under modules/. */
interface TflintTarget {
  readonly name: string;
  readonly dir: string;
}

function moduleTargets(): TflintTarget[] {
  const dirs = [...new Set(tfFilesUnder(MODULES).map((f) => dirname(f)))].sort();
  return dirs.map((dir) => ({ name: relative(REPO, dir), dir }));
}

function scanWithTflint(tflint: string, pluginDir: string, stacks: string[]): boolean {
  const reports = new Map<string, TflintReport>();
  const targets: TflintTarget[] = [...stacks.map((name) => ({ name, dir: join(STACKS, name) })), ...moduleTargets()];
  for (const { name, dir } of targets) {
    const stdout = run(
      `tflint (${name})`,
      tflint,
      [`--config=${TFLINT_CONFIG}`, `--chdir=${dir}`, "--format=json", "--no-color"],
      { env: { ...process.env, TFLINT_PLUGIN_DIR: pluginDir } },
      [0, 2, 3],
    );
    const report = JSON.parse(stdout) as TflintReport;
    reports.set(name, report);
    writeFileSync(join(OUT, `tflint-${name.replace(/\//g, "-")}.json`), JSON.stringify(report, null, 2));
  }
  writeFileSync(join(OUT, "tflint-junit.xml"), tflintJunit(reports));
  const rulesets = run("tflint --version", tflint, ["--version", `--config=${TFLINT_CONFIG}`], {
    env: { ...process.env, TFLINT_PLUGIN_DIR: pluginDir },
  })
    .split("\n")
    .filter((l) => l.startsWith("+ "))
    .map((l) => l.slice(2))
    .join(", ");
  say(`tflint ${V.tflint.version} with ${rulesets} (terraform preset: recommended)`);
  let issues = 0;
  for (const [name, report] of reports) {
    issues += report.issues.length + report.errors.length;
    say(`  ${name.padEnd(28)}${String(report.issues.length).padStart(4)} issues${report.errors.length ? `, ${report.errors.length} errors` : ""}`);
    for (const i of report.issues) say(`    ${i.rule.severity} ${i.rule.name}: ${i.message} (${i.range.filename}:${i.range.start.line})`);
    for (const e of report.errors) say(`    error: ${e.message}`);
  }
  const modules = targets.length - stacks.length;
  say(`tflint: ${stacks.length} stacks and ${modules} module directories linted, ${issues} issues`);
  return issues === 0;
}

function main(): void {
  // Validate the skip file before any slow install.
  parseSkipFile(readFileSync(SKIP_FILE, "utf8"));
  const stacks = stackNames();
  mkdirSync(OUT, { recursive: true });
  mkdirSync(CACHE, { recursive: true });
  const checkov = ensureCheckov();
  const tflint = ensureTflint();
  const pluginDir = ensureRulesetAws(tflint);

  const checkovOk = scanWithCheckov(checkov, stacks);
  say();
  const tflintOk = scanWithTflint(tflint, pluginDir, stacks);
  say();
  say(`reports: ${relative(REPO, OUT)}/{summary.txt,checkov-junit.xml,tflint-junit.xml}`);
  writeFileSync(join(OUT, "summary.txt"), `${summary.join("\n")}\n`);
  if (!checkovOk || !tflintOk) fail(`${!checkovOk ? "checkov" : ""}${!checkovOk && !tflintOk ? " and " : ""}${!tflintOk ? "tflint" : ""} found problems (see above)`);
  say("scan: clean");
}

try {
  main();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
