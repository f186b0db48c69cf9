/**
 * `npm run workflows`: writes the GitHub Actions workflows (.github/workflows/ci.yml, plan.yml,
 * release.yml) and actionlint's config (.github/actionlint.yaml) from the platform definition
 * (apps/platform.ts), see scripts/workflows-lib.ts.
 *
 * `npm run workflows:check` (CI) proves what is committed:
 *   1. regenerating gives exactly the files under .github/ (drift fails, naming each file);
 *   2. actionlint (pinned in VERSIONS.actionlint, built once from the Go module proxy into
 *      ~/.cache/qod-scanners or $QOD_SCANNER_CACHE) finds nothing in .github/workflows, with
 *      shellcheck over the `run:` scripts when shellcheck is on PATH (npm run setup installs it).
 */
import { ValidationError, VERSIONS } from "@qod/core";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { platform } from "../apps/platform";
import { environmentStackNames } from "../apps/shared/platform";
import { ensureGoTool } from "./go-tool";
import { deliveryModel, generateWorkflows, WorkflowFiles } from "./workflows-lib";

const REPO = resolve(__dirname, "..");
const CACHE = resolve(process.env.QOD_SCANNER_CACHE ?? join(homedir(), ".cache/qod-scanners"));
const WORKFLOWS = ".github/workflows";

function fail(message: string): never {
  process.stderr.write(`workflows: ${message}\n`);
  process.exit(1);
}

/** The committed files that differ from `files`, and generated-looking files nobody writes any more. */
export function workflowDrift(files: WorkflowFiles, repo = REPO): string[] {
  const problems: string[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const path = join(repo, rel);
    if (!existsSync(path)) problems.push(`${rel} is missing (run npm run workflows)`);
    else if (readFileSync(path, "utf8") !== content) problems.push(`${rel} differs from what apps/platform.ts generates (run npm run workflows)`);
  }
  const dir = join(repo, WORKFLOWS);
  const extra = existsSync(dir) ? readdirSync(dir).map((f) => `${WORKFLOWS}/${f}`).filter((rel) => !(rel in files)) : [];
  for (const rel of extra) problems.push(`${rel} is not generated (add it to scripts/workflows-lib.ts or remove it)`);
  return problems;
}

function actionlint(): void {
  const binary = ensureGoTool(
    { name: "actionlint", pkg: "github.com/rhysd/actionlint/cmd/actionlint", version: VERSIONS.actionlint.version, versionArgs: ["--version"], expect: `v${VERSIONS.actionlint.version}\n` },
    CACHE,
    (line) => process.stdout.write(`workflows: ${line}\n`),
  );
  const shellcheck = spawnSync("sh", ["-c", "command -v shellcheck"], { encoding: "utf8" }).stdout.trim();
  const files = readdirSync(join(REPO, WORKFLOWS)).map((f) => `${WORKFLOWS}/${f}`).sort();
  const result = spawnSync(binary, ["-no-color", `-shellcheck=${shellcheck}`, ...files], { cwd: REPO, encoding: "utf8" });
  if (result.error) fail(`cannot run actionlint: ${result.error.message}`);
  if (result.status !== 0) fail(`actionlint ${VERSIONS.actionlint.version} found problems (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  process.stdout.write(
    `workflows: actionlint ${VERSIONS.actionlint.version}: no problems in ${files.length} workflows (${shellcheck ? `shellcheck ${shellcheck}` : "no shellcheck on PATH: run: scripts not checked"})\n`,
  );
}

function main(check: boolean): void {
  let files: WorkflowFiles;
  try {
    files = generateWorkflows(deliveryModel(platform, environmentStackNames));
  } catch (error) {
    if (error instanceof ValidationError) fail(`${error.message}\nNothing was written.`);
    throw error;
  }
  if (!check) {
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(dirname(join(REPO, rel)), { recursive: true });
      writeFileSync(join(REPO, rel), content);
    }
    process.stdout.write(`workflows: wrote ${Object.keys(files).join(", ")}\n`);
    return;
  }
  const drift = workflowDrift(files);
  if (drift.length > 0) fail(`the committed workflows drifted from apps/platform.ts:\n${drift.map((d) => `  - ${d}`).join("\n")}`);
  process.stdout.write(`workflows: ${Object.keys(files).length} files match apps/platform.ts\n`);
  try {
    actionlint();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

if (require.main === module) main(process.argv.includes("--check"));
