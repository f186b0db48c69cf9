/**
 * `npm run bench`: measures, on this machine, with several runs each, the median and the range
 * (min – max) quoted, and prints each run as it finishes:
 *   1. a full synth of every stack from a cold process (`tsx apps/main.ts` into a temp dir);
 *   2. the infrastructure tests (`npm run test:infra`) and the whole suite (`npm test`);
 *   3. the typecheck (`npm run typecheck`, both tsc projects);
 *   4. the peak memory (max RSS) of the synth, via /usr/bin/time (Debian package `time`);
 * and the same program with every deep provider import rewritten to the barrel import, built in
 * a temporary copy of the repository (node_modules linked), synthesized in the same run, with the
 * ratio ours / barrel.
 *
 *   npm run bench                 5 runs (3 of the slow barrel variant)
 *   npm run bench -- --runs 1     one of each
 *
 * Prints a Markdown table and writes it, with the raw samples, to .out/bench.{md,json}.
 * Budgets (`BUDGETS`, reported, never asserted by a test): synth < 8 s median and <= 1/4 of the
 * barrel variant; infrastructure tests < 15 s; whole suite < 45 s.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { PROVIDERS, rewriteToBarrel } from "./bench-lib";

const REPO = resolve(__dirname, "..");
const VITEST = join(REPO, "node_modules/vitest/vitest.mjs");
const TSC = join(REPO, "node_modules/typescript/bin/tsc");

/** The budgets each row is judged against (reported, never asserted by a test). */
export const BUDGETS = { synthSeconds: 8, barrelRatio: 0.25, infraTestSeconds: 15, suiteSeconds: 45 } as const;

function typescriptVersion(): string {
  const { version } = JSON.parse(readFileSync(join(REPO, "node_modules/typescript/package.json"), "utf8")) as { version: string };
  return `TypeScript ${version}`;
}
const TIME = "/usr/bin/time";


interface Sample {
  readonly seconds: number;
  readonly maxRssMiB?: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs `node <args>` in `cwd`; wall time, and max RSS when /usr/bin/time is there. Exits on failure. */
function measure(what: string, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const withTime = existsSync(TIME);
  const [cmd, argv] = withTime
    ? [TIME, ["-f", "__maxrss_kib=%M", process.execPath, ...args]]
    : [process.execPath, args];
  const started = process.hrtime.bigint();
  const run = spawnSync(cmd, argv, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true", FORCE_COLOR: "0", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout}\n${run.stderr}\nbench: ${what} failed (exit ${run.status})\n`);
    process.exit(1);
  }
  const rss = /__maxrss_kib=(\d+)/.exec(run.stderr ?? "");
  return { seconds, maxRssMiB: rss ? Number(rss[1]) / 1024 : undefined };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Every `.ts` file under `dir`, skipping dependencies and outputs. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return ["node_modules", "cdktf.out", ".out", ".git"].includes(e.name) ? [] : tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * Links `src` (a node_modules folder) into `dst` entry by entry. Workspace packages (links into
 * the repository outside node_modules) point into `copy` instead, so `@qod/*` resolve to the
 * rewritten sources; everything else points at the original install.
 */
function mirrorNodeModules(src: string, dst: string, copy: string): void {
  mkdirSync(dst, { recursive: true });
  for (const entry of readdirSync(src)) {
    const from = join(src, entry);
    if (entry.startsWith("@") && !lstatSync(from).isSymbolicLink()) {
      mirrorNodeModules(from, join(dst, entry), copy);
      continue;
    }
    const real = realpathSync(from);
    const inWorkspace = real.startsWith(REPO + sep) && !relative(REPO, real).split(sep).includes("node_modules");
    symlinkSync(inWorkspace ? join(copy, relative(REPO, real)) : real, join(dst, entry));
  }
}

function barrelCopy(): { dir: string; rewritten: number } {
  const dir = mkdtempSync(join(tmpdir(), "qod-bench-barrel-"));
  const skip = new Set(["node_modules", ".git", ".out", "cdktf.out", "cdktf.out.cli"]);
  for (const entry of readdirSync(REPO)) {
    if (skip.has(entry) || entry.startsWith(".cdktf.out.staging-")) continue;
    cpSync(join(REPO, entry), join(dir, entry), {
      recursive: true,
      filter: (src) => !src.split(sep).includes("node_modules"),
    });
  }
  const workspaces = ["", ...["apps", "packages"].flatMap((d) => readdirSync(join(REPO, d)).map((p) => join(d, p)))];
  for (const ws of workspaces) {
    const nm = join(REPO, ws, "node_modules");
    if (existsSync(nm)) mirrorNodeModules(nm, join(dir, ws, "node_modules"), dir);
  }
  let rewritten = 0;
  for (const file of [...tsFiles(join(dir, "apps")), ...tsFiles(join(dir, "packages"))]) {
    const { text, count } = rewriteToBarrel(readFileSync(file, "utf8"));
    if (count > 0) writeFileSync(file, text);
    rewritten += count;
    if (PROVIDERS.some((p) => text.includes(`${p}/lib/`))) {
      process.stderr.write(`bench: a deep provider import in ${relative(dir, file)} was not rewritten\n`);
      process.exit(1);
    }
  }
  return { dir, rewritten };
}

function stacksOf(outdir: string): Map<string, string> {
  const stacks = join(outdir, "stacks");
  return new Map(readdirSync(stacks).map((s) => [s, readFileSync(join(stacks, s, "cdk.tf.json"), "utf8")]));
}

function main(): void {
  const runs = Math.max(1, Number(arg("runs") ?? 5));
  const barrelRuns = Math.min(runs, Number(arg("barrel-runs") ?? 3));
  const work = mkdtempSync(join(tmpdir(), "qod-bench-"));
  const synthOnce = (cwd: string, i: number, label: string) => {
    const parent = join(work, `${label}-${i}`);
    mkdirSync(parent);
    return measure(`${label} synth`, cwd, [join(cwd, "node_modules/tsx/dist/cli.mjs"), "apps/main.ts"], {
      SYNTH_OUTDIR: join(parent, "cdktf.out"),
    });
  };
  const progress = (s: string) => process.stderr.write(`${s}\n`);
  const started = Date.now();
  /** `count` runs of `once`, each reported as it finishes (the bench takes minutes). */
  const series = (label: string, count: number, once: (i: number) => Sample): Sample[] => {
    const samples: Sample[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(once(i));
      const elapsed = ((Date.now() - started) / 1000).toFixed(0);
      progress(`bench: ${label} ${i + 1}/${count}: ${samples[i].seconds.toFixed(2)} s  (${elapsed} s so far)`);
    }
    return samples;
  };

  progress(`bench: ${runs} runs (${barrelRuns} of the barrel variant) on ${cpus().length} cores, node ${process.version}`);
  const ours = series("synth", runs, (i) => synthOnce(REPO, i, "ours"));
  const infra = series("infra tests (npm run test:infra)", runs, () => measure("infra tests", REPO, [VITEST, "run", "--project", "infra", "--reporter=dot"]));
  const suite = series("unit suite (npm test)", runs, () => measure("unit suite", REPO, [VITEST, "run", "--reporter=dot"]));
  const typecheck = series("typecheck (npm run typecheck)", runs, () => {
    const a = measure("typecheck", REPO, [TSC, "-p", "tsconfig.json", "--noEmit"]);
    const b = measure("typecheck (web)", REPO, [TSC, "-p", "docker/ui/tsconfig.web.json", "--noEmit"]);
    return { seconds: a.seconds + b.seconds };
  });

  const { dir, rewritten } = barrelCopy();
  let barrel: Sample[];
  try {
    barrel = series("barrel synth", barrelRuns, (i) => synthOnce(dir, i, "barrel"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The two programs must produce the same stacks, or the comparison means nothing.
  const a = stacksOf(join(work, "ours-0", "cdktf.out"));
  const b = stacksOf(join(work, "barrel-0", "cdktf.out"));
  const identical = a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
  rmSync(work, { recursive: true, force: true });
  if (!identical) {
    process.stderr.write("bench: the barrel variant synthesized different stacks\n");
    process.exit(1);
  }

  const secs = (s: Sample[]) => s.map((x) => x.seconds);
  const rss = (s: Sample[]) => s.flatMap((x) => (x.maxRssMiB === undefined ? [] : [x.maxRssMiB]));
  const fmtS = (v: number) => `${v.toFixed(2)} s`;
  const fmtM = (v: number[]) => (v.length ? `${median(v).toFixed(0)} MiB` : "n/a (no /usr/bin/time)");
  const range = (v: number[], f: (n: number) => string) => (v.length ? `${f(Math.min(...v))} – ${f(Math.max(...v))}` : "");
  const ratio = median(secs(ours)) / median(secs(barrel));
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const timed = (label: string, samples: Sample[], budget?: number) => [
    label,
    samples.length,
    fmtS(median(secs(samples))),
    range(secs(samples), fmtS),
    budget === undefined ? "" : `< ${budget} s`,
    budget === undefined ? "" : verdict(median(secs(samples)) < budget),
  ];
  const rows = [
    timed("full synth, every stack, cold process (`npm run synth`)", ours, BUDGETS.synthSeconds),
    timed("same synth, barrel imports (temporary copy)", barrel),
    ["ratio ours / barrel (medians)", "", ratio.toFixed(3), "", `<= ${BUDGETS.barrelRatio}`, verdict(ratio <= BUDGETS.barrelRatio)],
    timed("infrastructure tests (`npm run test:infra`)", infra, BUDGETS.infraTestSeconds),
    timed("unit suite, both projects (`npm test`)", suite, BUDGETS.suiteSeconds),
    timed("typecheck (`npm run typecheck`)", typecheck),
    ["synth peak memory (max RSS)", rss(ours).length, fmtM(rss(ours)), range(rss(ours), (n) => `${n.toFixed(0)} MiB`), "", ""],
    ["barrel synth peak memory (max RSS)", rss(barrel).length, fmtM(rss(barrel)), range(rss(barrel), (n) => `${n.toFixed(0)} MiB`), "", ""],
  ];
  const table = [
    "| measure | runs | median | min – max | budget | |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
  const when = new Date().toISOString().slice(0, 10);
  const md = `${table}\n\n${when}, ${cpus().length} cores, node ${process.version}, ${typescriptVersion()}; ${rewritten} deep provider imports rewritten for the barrel variant; both variants synthesized identical stacks.\n`;
  process.stdout.write(`\n${md}`);
  mkdirSync(join(REPO, ".out"), { recursive: true });
  writeFileSync(join(REPO, ".out/bench.md"), md);
  writeFileSync(join(REPO, ".out/bench.json"), JSON.stringify({ date: when, runs, ours, barrel, infra, suite, typecheck, ratio }, null, 2));
}

main();
