import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { platform } from "../platform";
import type { EnvironmentConfig } from "../shared/environment-config";
import { ENVIRONMENT_STACK_KINDS, EnvironmentStackKind, stackName, SynthesizedPlatform, synthesizedPlatform } from "./synthesized";
import { inlineCode } from "./doc-claims";

/**
 * docs/requirements.md, the requirements traceability table, may only name what exists: every
 * Terraform resource type in the stacks of the environments its row is about, every source and
 * test file, every quoted test name in its file, every config field in those environments'
 * configs, every `key = value` setting in their stacks, every symbol in the row's cited sources.
 * And every seed requirement below keeps its row.
 */
const ROOT = resolve(__dirname, "../..");
const DOC_FILE = "docs/requirements.md";
const DOC = readFileSync(join(ROOT, DOC_FILE), "utf8");

/**
 * The seed requirements that must each have a row: the seed's short id, a phrase the row quotes
 * from it (verbatim, checked against the seeds when the table was written), and, where one seed
 * phrase is met by several rows, a word of the row's bold title.
 */
const SEED_TOPICS: readonly { seed: string; quote: string; title?: string }[] = [
  // S2, Balena: the minimum deliverables.
  { seed: "S2", quote: "A way to update all components with zero-downtime", title: "ui and api" },
  { seed: "S2", quote: "A way to update all components with zero-downtime", title: "redis" },
  { seed: "S2", quote: "A way to update all components with zero-downtime", title: "db" },
  { seed: "S2", quote: "A way to update all components with zero-downtime", title: "metrics and platform add-ons" },
  { seed: "S2", quote: "A way to update all components with zero-downtime", title: "nodes" },
  { seed: "S2", quote: "A way to easily scale the api and ui instances horizontally" },
  { seed: "S2", quote: "Isolating internal from external components" },
  { seed: "S2", quote: "Handling HTTPS termination" },
  { seed: "S2", quote: "A schedule for backups and a disaster recovery plan", title: "backup schedule" },
  { seed: "S2", quote: "A schedule for backups and a disaster recovery plan", title: "disaster-recovery plan" },
  { seed: "S2", quote: "An overview of performance metrics that you'd collect from the system" },
  { seed: "S2", quote: "the reasoning behind your choices" },
  { seed: "S2", quote: "document why you made each technology and design choice" },
  { seed: "S2", quote: "indicate potential shortcomings and how you would approach them" },
  // S2: the components.
  { seed: "S2", quote: "A user interface served as static files" },
  { seed: "S2", quote: "domain: www.acme.com" },
  { seed: "S2", quote: "A stateless RESTful API server" },
  { seed: "S2", quote: "domain: api.acme.com" },
  { seed: "S2", quote: "POSTGRES_URL: url of the postgres instance" },
  { seed: "S2", quote: "METRICS_URL: url of the prometheus instance" },
  { seed: "S2", quote: "A PostgreSQL database" },
  { seed: "S2", quote: "A prometheus container collecting metrics" },
  // S0, the DLFrame POC.
  { seed: "S0", quote: "HorizontalPodAutoscaler" },
  { seed: "S0", quote: "cluster autoscaler" },
  { seed: "S0", quote: "Private subnets (x2)" },
  { seed: "S0", quote: "NAT gateway (x1)" },
  { seed: "S0", quote: "two or more EC2 based nodes" },
  { seed: "S0", quote: "AWS load balancer controller" },
  { seed: "S0", quote: "ExternalDNS" },
  { seed: "S0", quote: "Monitors Kubernetes cluster using Prometheus" },
  { seed: "S0", quote: "elastic container registry (ECR)" },
  { seed: "S0", quote: "via Terraform using the Helm provider" },
  { seed: "S0", quote: "the quote of the day should appear in" },
  { seed: "S0", quote: "Redis - 6379" },
  { seed: "S0", quote: "config map" },
  { seed: "S0", quote: "Docker Compose" },
  // S1, the course outline.
  { seed: "S1", quote: "Ingress SSL Redirect" },
  { seed: "S1", quote: "Ingress & External DNS" },
  { seed: "S1", quote: "Liveness & Readiness Probes" },
  { seed: "S1", quote: "Requests & Limits" },
  { seed: "S1", quote: "Limit Range" },
  { seed: "S1", quote: "Resource Quota" },
  { seed: "S1", quote: "Secrets" },
  { seed: "S1", quote: "EBS CSI Driver" },
  { seed: "S1", quote: "Persistent Volume Claim" },
  { seed: "S1", quote: "No Automatic Backup & Recovery" },
  { seed: "S1", quote: "Fargate Profiles" },
  { seed: "S1", quote: "HPA" },
  { seed: "S1", quote: "Cluster Autoscaler" },
  { seed: "S1", quote: "Container Insights" },
  { seed: "S1", quote: "X-Ray" },
  { seed: "S1", quote: "Canary Deployments" },
  { seed: "S1", quote: "Continuous Delivery" },
  // S3, the EKS workshop.
  { seed: "S3", quote: "--node-type t3.medium" },
  { seed: "S3", quote: "Control Plane HA" },
  { seed: "S3", quote: "Network Isolation (through VPC & Subnets)" },
  { seed: "S3", quote: "Stateless Applications" },
  { seed: "S3", quote: "Batch Jobs" },
  { seed: "S3", quote: "ConfigMap" },
];

const SCOPES = ["every environment", "production", "repository"] as const;
const REPO_ROOTS = /^(apps|packages|modules|docker|scripts|docs|test|security|\.github|\.ci)\//;

export interface Row {
  readonly id: string;
  readonly requirement: string;
  readonly scope: string;
  readonly met: string;
  readonly proof: string;
}

/** The rows of the table under "## Requirements": `| id | requirement | scope | how it is met | proved by |`. */
export function parseRows(doc: string): Row[] {
  const start = doc.indexOf("## Requirements");
  if (start < 0) return [];
  return doc
    .slice(start)
    .split("\n")
    .filter((line) => /^\| R\d+ \|/.test(line))
    .map((line) => {
      const cells = line.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());
      const [id, requirement, scope, met, proof] = cells;
      return { id, requirement: requirement ?? "", scope: scope ?? "", met: met ?? "", proof: proof ?? "" };
    });
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Token =
  | { kind: "setting"; key: string; value: string }
  | { kind: "path" | "type" | "symbol" | "constant" | "config" | "text"; text: string }
  | { kind: "method"; symbol: string; method: string };

/** What a backticked token of the table claims. */
export function classify(code: string, configKeys: ReadonlySet<string>): Token {
  const setting = /^([A-Za-z_][\w./-]*) = (.+)$/.exec(code);
  if (setting) return { kind: "setting", key: setting[1], value: setting[2] };
  if (REPO_ROOTS.test(code) || /^[\w.-]+\.(md|ts|json|ya?ml)$/.test(code)) return { kind: "path", text: code };
  if (/^(aws|kubernetes|helm|random)_[a-z0-9_]+$/.test(code)) return { kind: "type", text: code };
  const method = /^([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)$/.exec(code);
  if (method) return { kind: "method", symbol: method[1], method: method[2] };
  if (/^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/.test(code)) return { kind: "symbol", text: code };
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code)) return { kind: "constant", text: code };
  if (/^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/.test(code) && configKeys.has(code.split(".")[0])) return { kind: "config", text: code };
  return { kind: "text", text: code };
}

/** The value at a dotted path of a config (undefined when any segment is missing). */
function configValue(config: EnvironmentConfig, path: string): unknown {
  let value: unknown = config;
  for (const segment of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Every `key=value` pair of primitive values anywhere in a stack's resources. */
function settingsOf(resources: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (v === null || typeof v !== "object") out.add(`${k}=${String(v)}`);
        else walk(v);
      }
    }
  };
  walk(resources);
  return out;
}

/** A test (or describe block) named exactly `name` in `source`: `it("name"`, `describe("name"`, `it.each(...)("name"`. */
export function hasTestNamed(source: string, name: string): boolean {
  return new RegExp(`(?:\\b(?:it|test|describe)(?:\\.(?:only|skip|concurrent))?|\\))\\(\\s*(["'\`])${escapeRegExp(name)}\\1`).test(source);
}

/** The test files of a "proved by" cell, each with the test names quoted after it. */
export function proofsOf(cell: string): { file: string; names: string[] }[] {
  const parts = cell.split("`");
  const out: { file: string; names: string[] }[] = [];
  // Odd parts are inside backticks; the even part after one holds its quoted names.
  for (let i = 1; i < parts.length; i += 2) {
    const names = [...(parts[i + 1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    out.push({ file: parts[i], names });
  }
  return out;
}

interface Context {
  readonly synthesized: SynthesizedPlatform;
  readonly environments: readonly EnvironmentConfig[];
}

/** The environments a row's scope covers (every one for `repository`: a claim must hold in at least one). */
function environmentsOf(scope: string, context: Context): readonly EnvironmentConfig[] {
  return scope === "production" ? context.environments.filter((e) => e.production) : context.environments;
}

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const isFile = (path: string): boolean => existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isFile();

/** Every problem of the table, by check; empty lists when the document holds. */
export function findProblems(doc: string, context: Context): Record<string, string[]> {
  const problems: Record<string, string[]> = { table: [], topics: [], types: [], paths: [], tests: [], config: [], settings: [], symbols: [] };
  const rows = parseRows(doc);
  const configKeys = new Set(context.environments.flatMap((e) => Object.keys(e)));
  const stacks = context.synthesized.stacks;
  const settingsByStack = new Map(stacks.map((s) => [s.name, settingsOf(s.json.resource)]));
  const kindsHolding = (type: string, env: EnvironmentConfig): EnvironmentStackKind[] =>
    ENVIRONMENT_STACK_KINDS.filter((kind) => context.synthesized.stack(stackName(env, kind)).resource?.[type] !== undefined);

  if (rows.length === 0) problems.table.push(`${DOC_FILE}: no rows under "## Requirements"`);
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) problems.table.push(`${row.id}: the id is used twice`);
    seen.add(row.id);
    if (!(SCOPES as readonly string[]).includes(row.scope)) problems.table.push(`${row.id}: scope "${row.scope}"; allowed: ${SCOPES.join(", ")}`);
    if (!/^\*\*[^*]+\*\*/.test(row.requirement)) problems.table.push(`${row.id}: the requirement does not start with a bold title`);
    if (!/\bS\d: "/.test(row.requirement)) problems.table.push(`${row.id}: the requirement quotes no seed (S0-S3: "...")`);
    const notMet = row.met.startsWith("**Not met.**");
    const proofs = proofsOf(row.proof);
    if (!notMet && proofs.length === 0) problems.table.push(`${row.id}: met (at least in part) but proved by no test file`);
    if (notMet && proofs.length > 0) problems.table.push(`${row.id}: "Not met" but cites tests`);

    // Test files and the names quoted after them.
    for (const { file, names } of proofs) {
      if (!REPO_ROOTS.test(file) || !/(^|\/)test\//.test(file)) problems.paths.push(`${row.id}: "${file}" in "proved by" is not a test file path`);
      else if (!isFile(file)) problems.paths.push(`${row.id}: test file ${file} does not exist`);
      else for (const name of names) if (!hasTestNamed(read(file), name)) problems.tests.push(`${row.id}: no test "${name}" in ${file}`);
    }

    // What the row says meets it.
    const scoped = environmentsOf(row.scope, context);
    // The requirement cell quotes the seeds: only its paths are claims about this repository.
    const quoted = inlineCode(row.requirement).map((code) => classify(code, configKeys)).filter((t) => t.kind === "path");
    const tokens = inlineCode(row.met).map((code) => classify(code, configKeys));
    const sources = [...quoted, ...tokens].flatMap((t) => (t.kind === "path" ? [t.text] : []));
    const sourceFiles = sources.filter(isFile);
    for (const path of sources) if (!existsSync(join(ROOT, path))) problems.paths.push(`${row.id}: ${path} does not exist`);
    for (const t of tokens) {
      if (t.kind === "type") {
        if (!stacks.some((s) => s.json.resource?.[t.text])) problems.types.push(`${row.id}: ${t.text} is in no synthesized stack`);
        else if (row.scope !== "repository") {
          const kinds = scoped.map((e) => kindsHolding(t.text, e).join("+"));
          scoped.forEach((e, i) => {
            if (kinds[i] === "") problems.types.push(`${row.id}: ${t.text} is in none of ${e.name}'s stacks (the row is about ${row.scope})`);
          });
          if (new Set(kinds).size > 1) problems.types.push(`${row.id}: ${t.text} is in different kinds of stack per environment: ${scoped.map((e, i) => `${e.name}: ${kinds[i]}`).join(", ")}`);
        }
      } else if (t.kind === "config") {
        const missing = scoped.filter((e) => configValue(e, t.text) === undefined).map((e) => e.name);
        const fails = row.scope === "repository" ? missing.length === scoped.length : missing.length > 0;
        if (fails) problems.config.push(`${row.id}: config field ${t.text} is missing in ${missing.join(", ")}`);
      } else if (t.kind === "setting") {
        const pair = `${t.key}=${t.value}`;
        const holds = (e: EnvironmentConfig) => ENVIRONMENT_STACK_KINDS.some((kind) => settingsByStack.get(stackName(e, kind))?.has(pair));
        if (row.scope === "repository") {
          if (![...settingsByStack.values()].some((s) => s.has(pair))) problems.settings.push(`${row.id}: no stack has ${t.key} = ${t.value}`);
        } else {
          for (const e of scoped) if (!holds(e)) problems.settings.push(`${row.id}: no stack of ${e.name} has ${t.key} = ${t.value}`);
        }
      } else if (t.kind === "symbol" || t.kind === "method") {
        const symbol = t.kind === "method" ? t.symbol : t.text;
        const exporter = new RegExp(`^export (?:abstract )?(?:class|function|const|interface|type) ${escapeRegExp(symbol)}\\b`, "m");
        const file = sourceFiles.find((f) => exporter.test(read(f)));
        if (!file) problems.symbols.push(`${row.id}: ${symbol} is exported by none of the row's sources (${sourceFiles.join(", ") || "none cited"})`);
        else if (t.kind === "method" && !new RegExp(`\\b${t.method}\\(`).test(read(file))) problems.symbols.push(`${row.id}: ${symbol} in ${file} has no method ${t.method}`);
      } else if (t.kind === "constant") {
        if (!sourceFiles.some((f) => new RegExp(`\\b${t.text}\\b`).test(read(f)))) problems.symbols.push(`${row.id}: ${t.text} appears in none of the row's sources (${sourceFiles.join(", ") || "none cited"})`);
      }
    }
    if (row.scope !== "repository" && scoped.length === 0) problems.table.push(`${row.id}: the platform has no environment in scope "${row.scope}"`);
  }

  // Every seed requirement keeps a row.
  for (const topic of SEED_TOPICS) {
    const quoted = new RegExp(`\\b${topic.seed}: "[^"]*${escapeRegExp(topic.quote)}[^"]*"`);
    const found = rows.some((r) => quoted.test(r.requirement) && (!topic.title || (/^\*\*([^*]+)\*\*/.exec(r.requirement)?.[1] ?? "").toLowerCase().includes(topic.title.toLowerCase())));
    if (!found) problems.topics.push(`no row quotes ${topic.seed}: "${topic.quote}"${topic.title ? ` with "${topic.title}" in its title` : ""}`);
  }
  return problems;
}

describe("docs/requirements.md", () => {
  const context: Context = { synthesized: synthesizedPlatform(), environments: platform.environments };
  const problems = findProblems(DOC, context);
  const rows = parseRows(DOC);

  it("has a row per requirement, each with a unique id, a scope, a seed quote and (unless not met) a test", () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(problems.table).toEqual([]);
  });

  it("keeps a row for every seed requirement it lists", () => {
    expect(problems.topics).toEqual([]);
  });

  it("names only Terraform resource types the stacks of the row's environments hold", () => {
    expect(rows.flatMap((r) => inlineCode(r.met)).filter((c) => /^(aws|kubernetes|helm)_/.test(c)).length).toBeGreaterThan(30);
    expect(problems.types).toEqual([]);
  });

  it("names only source and test files that exist", () => {
    expect(problems.paths).toEqual([]);
  });

  it("quotes only test names that exist in the cited test file", () => {
    expect(rows.flatMap((r) => proofsOf(r.proof).flatMap((p) => p.names)).length).toBeGreaterThan(60);
    expect(problems.tests).toEqual([]);
  });

  it("names only config fields every environment of the row's scope has", () => {
    expect(problems.config).toEqual([]);
  });

  it("states only settings the stacks of the row's environments have", () => {
    expect(problems.settings).toEqual([]);
  });

  it("names only symbols the row's cited sources export", () => {
    expect(problems.symbols).toEqual([]);
  });

  it("README.md links this document from its choices section", () => {
    const readme = read("README.md");
    const start = readme.indexOf("## Choices and their shortcomings");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(section).toContain("](docs/requirements.md)");
  });

  describe("fails on a planted error", () => {
    const row = rows.find((r) => r.id === "R8")!;
    const line = DOC.split("\n").find((l) => l.startsWith("| R8 |"))!;
    const planted = (from: string, to: string): Record<string, string[]> => {
      expect(line).toContain(from);
      return findProblems(DOC.replace(line, line.replace(from, to)), context);
    };
    it.each([
      ["a resource type no stack has", "`aws_eks_addon`", "`aws_eks_fargate_profile`", "types"],
      ["a source file that does not exist", "`packages/workloads/src/app-namespace.ts`", "`packages/workloads/src/app-namespaces.ts`", "paths"],
      ["a test name its file lacks", '"lets only the api reach redis, on 6379"', '"lets only the api reach redis"', "tests"],
      ["a setting no stack has", "`services.nodeports = 0`", "`services.nodeports = 1`", "settings"],
      ["a symbol its source does not export", "`AppNamespace`", "`AppNamespaces`", "symbols"],
      ["a config field an environment lacks", "`aws_vpc_security_group_ingress_rule`", "`aws_vpc_security_group_ingress_rule`, `workloads.api.autoscaling`", "config"],
      ["a scope it does not know", "| every environment |", "| everywhere |", "table"],
    ])("%s", (_, from, to, check) => {
      expect(row).toBeDefined();
      expect(planted(from, to)[check].length).toBeGreaterThan(0);
    });

    it("a type of a production-only resource in a row about every environment", () => {
      expect(planted("`aws_eks_addon`", "`aws_backup_vault_lock_configuration`").types.join("\n")).toMatch(/is in none of \w+'s stacks/);
    });

    it("a deleted row", () => {
      expect(findProblems(DOC.replace(`${line}\n`, ""), context).topics).toEqual([expect.stringContaining("Isolating internal from external components")]);
    });

    it("a duplicated id", () => {
      expect(findProblems(DOC.replace(line, `${line}\n${line}`), context).table).toContain("R8: the id is used twice");
    });
  });

  it("reads test names from it(), describe() and it.each()()", () => {
    const source = 'describe("a", () => {\n  it.each([1, 2])("b %i", () => {});\n  it(`c`, () => {});\n});';
    for (const name of ["a", "b %i", "c"]) expect(hasTestNamed(source, name), name).toBe(true);
    expect(hasTestNamed(source, "b")).toBe(false);
  });
});
