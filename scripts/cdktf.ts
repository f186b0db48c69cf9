/**
 * `npm run cdktf -- <command> [args]` (and `npm run synth:cli`): the pinned cdktf CLI with the
 * project's defaults.
 *
 * - Validates the platform config first and prints every problem once. The cdktf CLI itself
 *   prints an app's error output twice (live, then again in its failure summary); here a config
 *   error never reaches it, and nothing is written.
 * - Sets `CHECKPOINT_DISABLE=1` unless it is set: the CLI otherwise calls HashiCorp's checkpoint
 *   API on every run, which offline machines answer with an `[ERROR] … checkpoint-api` line.
 *
 * Deploy, diff and destroy need AWS credentials; synth and list do not.
 */
import { ValidationError } from "@qod/core";
import { spawnSync } from "node:child_process";
import { platform } from "../apps/platform";
import { PlatformDefinition, validatePlatform } from "../apps/shared/platform";

export function cdktfEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, CHECKPOINT_DISABLE: env.CHECKPOINT_DISABLE ?? "1" };
}

export interface CdktfIo {
  readonly stderr: (text: string) => void;
  /** Runs the cdktf CLI; returns its exit status, or an error when it could not start. */
  readonly cdktf: (args: readonly string[], env: NodeJS.ProcessEnv) => { status: number | null; error?: Error };
}

const processIo: CdktfIo = {
  stderr: (text) => process.stderr.write(text),
  cdktf: (args, env) => spawnSync("cdktf", args, { stdio: "inherit", env }),
};

/** Validates `definition`, then runs cdktf with `args`; the exit code. */
export function runCdktf(args: readonly string[], definition: PlatformDefinition = platform, io: CdktfIo = processIo): number {
  if (args.length === 0) {
    io.stderr("usage: npm run cdktf -- <synth|deploy|diff|destroy|list|…> [args]\n");
    return 2;
  }
  try {
    validatePlatform(definition);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    io.stderr(`${error.message}\nNothing was written; cdktf was not run.\n`);
    return 1;
  }
  const run = io.cdktf(args, cdktfEnvironment(process.env));
  if (run.error) {
    io.stderr(`cdktf could not be started (${run.error.message}); run it through npm run, after npm run setup\n`);
    return 1;
  }
  return run.status ?? 1;
}

if (require.main === module) process.exit(runCdktf(process.argv.slice(2)));
