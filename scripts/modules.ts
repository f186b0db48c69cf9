/**
 * `npm run modules`: writes modules/<name>/ for every module definition (apps/modules.ts) and the
 * example in modules/examples/complete/, as formatted HCL with a README each.
 *
 * `npm run modules:check` (CI) proves what is committed:
 *   1. regenerating gives exactly the files in modules/ (drift fails, naming each file);
 *   2. every .tf file parses with HashiCorp's HCL parser (@cdktf/hcl2json) and is formatted
 *      (`terraform fmt -check`);
 *   3. every variable validation refuses each value its definition lists in `rejects` (the same
 *      values the construct refuses; tests check that side) and accepts the example inputs:
 *      `terraform plan` over the module's variables.tf alone, which needs no provider.
 */
import { ModuleDefinition, ModuleVariableSpec } from "@qod/core";
import { parse } from "@cdktf/hcl2json";
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { MODULE_DEFINITIONS, MODULE_EXAMPLE_WIRING } from "../apps/modules";
import { exampleFiles, FORMATTER_VERSIONS, layOut, ModuleFiles, moduleReadme, providersOf, RenderedModule, renderModule } from "./modules-lib";
import { exampleInputs } from "@qod/core";

const REPO = resolve(__dirname, "..");
const MODULES = join(REPO, "modules");
const CACHE = resolve(process.env.QOD_SCANNER_CACHE ?? join(homedir(), ".cache/qod-scanners"));
const V = FORMATTER_VERSIONS;

function fail(message: string): never {
  process.stderr.write(`modules: ${message}\n`);
  process.exit(1);
}

/** A quiet CLI config, so Terraform does not warn about a missing ~/.terraformrc. */
function cliEnv(): NodeJS.ProcessEnv {
  const config = join(tmpdir(), "qod-terraformrc");
  if (!existsSync(config)) writeFileSync(config, "");
  return { ...process.env, TF_CLI_CONFIG_FILE: config, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
}

function run(what: string, cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: cliEnv(), ...options });
  if (result.error) fail(`${what}: cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit ${result.status}):\n${String(result.stderr ?? "")}${String(result.stdout ?? "")}`);
  return String(result.stdout ?? "");
}

/** The pinned Terraform on PATH, or OpenTofu built once from the Go module proxy into the cache. */
export function formatterCli(): string {
  const onPath = spawnSync("terraform", ["version"], { encoding: "utf8", env: cliEnv() });
  if (onPath.status === 0 && onPath.stdout.startsWith(`Terraform v${V.terraform.version}\n`)) return "terraform";
  const dir = join(CACHE, `opentofu-v${V.opentofu.version}`);
  const tofu = join(dir, "tofu");
  if (existsSync(tofu)) return tofu;
  process.stderr.write(
    `modules: no Terraform ${V.terraform.version} on PATH; building OpenTofu ${V.opentofu.version} into ${dir} (Go module proxy, about 3 minutes)\n`,
  );
  const moduleDir = JSON.parse(
    run("go mod download", "go", ["mod", "download", "-json", `github.com/opentofu/opentofu@v${V.opentofu.version}`], { env: { ...process.env, GOFLAGS: "-mod=mod" } }),
  ).Dir as string;
  mkdirSync(dir, { recursive: true });
  run("go build tofu", "go", ["build", "-o", tofu, "./cmd/tofu"], { cwd: moduleDir, env: { ...process.env } });
  return tofu;
}

/** Formats HCL text as `terraform fmt` does. */
function formatWith(cli: string): (text: string) => string {
  return (text) => run("terraform fmt", cli, ["fmt", "-"], { input: text });
}

/** Every file under modules/ as the generator writes it: relative path → content. */
export function generateAll(format: (text: string) => string): ModuleFiles {
  const files: ModuleFiles = {};
  const all: RenderedModule[] = [];
  for (const definition of MODULE_DEFINITIONS) {
    const rendered = renderModule(definition);
    all.push(rendered);
    const laidOut = layOut(format(rendered.hcl), rendered.json, definition.source, definition.providerAliases);
    for (const [name, content] of Object.entries(laidOut)) files[`${definition.name}/${name}`] = format(content);
    files[`${definition.name}/README.md`] = moduleReadme(definition, rendered.outputs);
  }
  const example = exampleFiles(MODULE_DEFINITIONS, MODULE_EXAMPLE_WIRING, providersOf(all), format);
  for (const [name, content] of Object.entries(example)) files[`examples/complete/${name}`] = content;
  return files;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry.startsWith(".") ? [] : filesUnder(path);
    return [path];
  });
}

/** The README of modules/ itself is hand-written; every other file is generated. */
const HAND_WRITTEN = new Set(["README.md"]);

function write(files: ModuleFiles): void {
  for (const path of filesUnder(MODULES)) {
    const rel = relative(MODULES, path);
    if (!HAND_WRITTEN.has(rel) && !(rel in files)) rmSync(path);
  }
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(MODULES, rel)), { recursive: true });
    writeFileSync(join(MODULES, rel), content);
  }
}

function drift(files: ModuleFiles): string[] {
  const problems: string[] = [];
  const committed = filesUnder(MODULES).map((p) => relative(MODULES, p)).filter((rel) => !HAND_WRITTEN.has(rel));
  for (const rel of committed) if (!(rel in files)) problems.push(`modules/${rel} is not generated any more (run npm run modules)`);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(MODULES, rel);
    if (!existsSync(path)) problems.push(`modules/${rel} is missing (run npm run modules)`);
    else if (readFileSync(path, "utf8") !== content) problems.push(`modules/${rel} differs from its source (run npm run modules)`);
  }
  return problems;
}

async function parseAll(): Promise<string[]> {
  const problems: string[] = [];
  for (const path of filesUnder(MODULES).filter((p) => p.endsWith(".tf"))) {
    try {
      await parse(path, readFileSync(path, "utf8"));
    } catch (error) {
      problems.push(`${relative(REPO, path)} does not parse: ${String(error)}`);
    }
  }
  return problems;
}

/** Runs the variables of `definition` through Terraform with `values`; the error output, or "" when accepted. */
function planVariables(cli: string, variablesTf: string, values: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "qod-module-vars-"));
  try {
    writeFileSync(join(dir, "variables.tf"), variablesTf);
    writeFileSync(join(dir, "terraform.tfvars.json"), JSON.stringify(values));
    const init = spawnSync(cli, ["init", "-input=false", "-backend=false"], { cwd: dir, encoding: "utf8", env: cliEnv() });
    if (init.status !== 0) return `init failed: ${init.stderr}`;
    const plan = spawnSync(cli, ["plan", "-input=false", "-refresh=false", "-no-color"], { cwd: dir, encoding: "utf8", env: cliEnv() });
    return plan.status === 0 ? "" : `${plan.stderr}${plan.stdout}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkValidations(cli: string, definition: ModuleDefinition): string[] {
  const problems: string[] = [];
  const variablesTf = readFileSync(join(MODULES, definition.name, "variables.tf"), "utf8");
  const inputs = exampleInputs(definition) as Record<string, unknown>;
  const accepted = planVariables(cli, variablesTf, inputs);
  if (accepted !== "") problems.push(`modules/${definition.name}: the example inputs are refused:\n${accepted}`);
  let cases = 0;
  for (const [name, spec] of Object.entries(definition.variables) as [string, ModuleVariableSpec][]) {
    for (const validation of spec.validations ?? []) {
      for (const value of validation.rejects) {
        cases += 1;
        const output = planVariables(cli, variablesTf, { ...inputs, [name]: value }).replace(/\s+/g, " ");
        if (output === "") problems.push(`modules/${definition.name}: ${name} = ${JSON.stringify(value)} is accepted; expected: ${validation.errorMessage}`);
        else if (!output.includes(validation.errorMessage.replace(/\s+/g, " ")))
          problems.push(`modules/${definition.name}: ${name} = ${JSON.stringify(value)} is refused, but not by "${validation.errorMessage}":\n${output}`);
      }
    }
  }
  process.stdout.write(`  ${definition.name}: example inputs accepted, ${cases} refused values refused by their validation\n`);
  return problems;
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const started = performance.now();
  const cli = formatterCli();
  const files = generateAll(formatWith(cli));
  const generated = (performance.now() - started) / 1000;
  if (!check) {
    write(files);
    const count = Object.keys(files).length;
    process.stdout.write(`Generated ${MODULE_DEFINITIONS.length} modules and the example (${count} files) into ${relative(process.cwd(), MODULES) || "."}/ in ${generated.toFixed(1)} s\n`);
    return;
  }
  const problems = drift(files);
  process.stdout.write(`drift: ${Object.keys(files).length} generated files compared with modules/ (${generated.toFixed(1)} s)\n`);
  problems.push(...(await parseAll()));
  const fmt = spawnSync(cli, ["fmt", "-check", "-recursive", MODULES], { encoding: "utf8", env: cliEnv() });
  if (fmt.status !== 0) problems.push(`terraform fmt -check: not formatted:\n${fmt.stdout}${fmt.stderr}`);
  process.stdout.write(`parse + fmt: ${filesUnder(MODULES).filter((p) => p.endsWith(".tf")).length} .tf files\n`);
  process.stdout.write("variable validations (terraform plan over each module's variables.tf):\n");
  for (const definition of MODULE_DEFINITIONS) problems.push(...checkValidations(cli, definition));
  if (problems.length > 0) fail(`${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.stdout.write(`modules:check passed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
}
