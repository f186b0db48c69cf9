import { ValidationError } from "@qod/core";
import { App } from "cdktf";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { composePlatform, PlatformDefinition, validatePlatform } from "./platform";

export interface SynthResult {
  readonly ok: boolean;
  /** Where the stacks were written (undefined on failure). */
  readonly outdir?: string;
  /** What went wrong, for stderr. */
  readonly message?: string;
}

/**
 * Synthesizes every stack of `definition` into `target`, all or nothing: the app writes into a
 * staging directory next to `target`, which replaces `target` only when every stack synthesized.
 * On invalid config or any synth error `target` is left exactly as it was.
 *
 * Under the cdktf CLI (`CDKTF_OUTDIR` set) the CLI owns the output directory and already copies
 * it only on success, so the app writes there directly.
 */
export function synthPlatform(definition: PlatformDefinition, target: string, cliOutdir?: string): SynthResult {
  let staging: string | undefined;
  try {
    validatePlatform(definition); // before App exists: App creates its outdir on construction
    const outdir = cliOutdir ?? (staging = mkdtempSync(resolve(dirname(target), ".cdktf.out.staging-")));
    const app = new App({ outdir });
    composePlatform(app, definition);
    app.synth();
    if (staging) {
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
      staging = undefined;
    }
    return { ok: true, outdir: cliOutdir ?? target };
  } catch (error) {
    if (staging && existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    const message =
      error instanceof ValidationError
        ? `${error.message}\nNothing was written.`
        : `Synth failed, nothing was written: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, message };
  }
}

/** The command-line entry: synth, report, and exit 1 on failure. */
export function runSynthCli(definition: PlatformDefinition): void {
  const target = resolve(process.env.SYNTH_OUTDIR ?? "cdktf.out");
  const result = synthPlatform(definition, target, process.env.CDKTF_OUTDIR || undefined);
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    process.exit(1);
  }
}
