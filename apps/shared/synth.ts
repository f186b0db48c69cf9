import { ValidationError } from "@qod/core";
import { App } from "cdktf";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ReleaseEnvironment, withImageTag } from "./image-tag";
import { applyOrder as stacksInApplyOrder, composePlatform, PlatformDefinition, validatePlatform } from "./platform";

/** One synthesized stack, as the synth reports it. */
export interface SynthesizedStackSummary {
  readonly name: string;
  /** Managed resources (`resource` blocks) and data sources (`data` blocks). */
  readonly resources: number;
  readonly dataSources: number;
  /** The stack's Terraform JSON. */
  readonly file: string;
}

export interface SynthResult {
  readonly ok: boolean;
  /** Where the stacks were written (undefined on failure). */
  readonly outdir?: string;
  /** What was written, one entry per stack in apply order (empty on failure). */
  readonly stacks: readonly SynthesizedStackSummary[];
  /** What went wrong, for stderr. */
  readonly message?: string;
}

/** The stacks under `outdir/stacks`, counted, in `order` (apply order) and then by name. */
export function summarizeStacks(outdir: string, order: readonly string[] = []): SynthesizedStackSummary[] {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const count = (blocks: Record<string, Record<string, unknown>> | undefined) =>
    Object.values(blocks ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
  return readdirSync(join(outdir, "stacks"))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => {
      const file = join(outdir, "stacks", name, "cdk.tf.json");
      const json = JSON.parse(readFileSync(file, "utf8"));
      return { name, resources: count(json.resource), dataSources: count(json.data), file };
    });
}

/** What `npm run synth` prints on success: one line per stack, then where and how long. */
export function formatSynthSummary(stacks: readonly SynthesizedStackSummary[], outdir: string, seconds: number, cwd = process.cwd()): string {
  const width = Math.max(...stacks.map((s) => s.name.length));
  const plural = (n: number, one: string, many: string, pad: number) => `${String(n).padStart(pad)} ${n === 1 ? one : many}`;
  const lines = stacks.map(
    (s) => `  ${s.name.padEnd(width)}  ${plural(s.resources, "resource ", "resources", 4)}  ${plural(s.dataSources, "data source ", "data sources", 3)}  ${relative(cwd, s.file)}`,
  );
  return [`Synthesized ${stacks.length} stacks into ${relative(cwd, outdir) || "."}/ in ${seconds.toFixed(1)} s:`, ...lines].join("\n");
}

/**
 * Synthesizes every stack of `definition` into `target`, all or nothing: the app writes into a
 * staging directory next to `target`, which replaces `target` only when every stack synthesized.
 * On invalid config or any synth error `target` is left exactly as it was.
 *
 * Under the cdktf CLI (`CDKTF_OUTDIR` set) the CLI owns the output directory and already copies
 * it only on success, so the app writes there directly.
 *
 * `env` holds the release inputs (`IMAGE_TAG`, see {@link withImageTag}); they are applied to the
 * definition before it is validated, so they pass the config's rules.
 */
export function synthPlatform(definition: PlatformDefinition, target: string, cliOutdir?: string, env: ReleaseEnvironment = {}): SynthResult {
  let staging: string | undefined;
  try {
    const released = withImageTag(definition, env);
    validatePlatform(released); // before App exists: App creates its outdir on construction
    const outdir = cliOutdir ?? (staging = mkdtempSync(resolve(dirname(target), ".cdktf.out.staging-")));
    const app = new App({ outdir });
    const composed = composePlatform(app, released);
    app.synth();
    if (staging) {
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
      staging = undefined;
    }
    const written = cliOutdir ?? target;
    const applyOrder = [composed.bootstrap, ...(composed.ci ? [composed.ci] : []), ...composed.environments.flatMap(stacksInApplyOrder)].map((stack) => stack.node.id);
    return { ok: true, outdir: written, stacks: summarizeStacks(written, applyOrder) };
  } catch (error) {
    if (staging && existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    const message =
      error instanceof ValidationError
        ? `${error.message}\nNothing was written.`
        : `Synth failed, nothing was written: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, stacks: [], message };
  }
}

/**
 * The command-line entry: synth, report, and exit 1 on failure. On success it prints one line per
 * stack (resources, data sources, file) and the time since the process started (module loading
 * included: what the user waited). Under the cdktf CLI, which prints its own summary, it is quiet.
 * Both (`npm run synth` and `cdktf synth/deploy`) read the release inputs (`IMAGE_TAG`) here.
 */
export function runSynthCli(definition: PlatformDefinition): void {
  const target = resolve(process.env.SYNTH_OUTDIR ?? "cdktf.out");
  const cliOutdir = process.env.CDKTF_OUTDIR || undefined;
  const result = synthPlatform(definition, target, cliOutdir, process.env);
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    process.exit(1);
  }
  if (!cliOutdir) process.stdout.write(`${formatSynthSummary(result.stacks, result.outdir!, process.uptime())}\n`);
}
