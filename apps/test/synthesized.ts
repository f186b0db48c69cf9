import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freshDir, TfJson } from "../../test/helpers";
import { platform } from "../platform";
import type { PlatformDefinition } from "../shared/platform";
import { synthPlatform } from "../shared/synth";

export interface SynthesizedStack {
  readonly name: string;
  readonly text: string;
  readonly json: TfJson;
}

/**
 * The stacks the platform definition yields, by name: `bootstrap`, then `<env>-infra`,
 * `<env>-platform` and `<env>-apps` for every environment. Tests derive their stack lists from this, so adding
 * an environment adds its stacks to every test.
 */
export function expectedStackNames(definition: PlatformDefinition = platform): string[] {
  return ["bootstrap", ...definition.environments.flatMap((e) => [`${e.name}-infra`, `${e.name}-platform`, `${e.name}-apps`])].sort();
}

/** The environments' names, in definition order. */
export const environmentNames = (definition: PlatformDefinition = platform): string[] => definition.environments.map((e) => e.name);

let cached: { outdir: string; stacks: SynthesizedStack[] } | undefined;

/**
 * The real platform, synthesized once per test worker (vitest runs files of a worker in one
 * module graph) into a fresh directory.
 */
export function synthesizedPlatform(): { outdir: string; stacks: SynthesizedStack[] } {
  if (!cached) {
    const outdir = join(freshDir(), "cdktf.out");
    const result = synthPlatform(platform, outdir);
    if (!result.ok) throw new Error(`the platform does not synthesize: ${result.message}`);
    const stacks = readdirSync(join(outdir, "stacks"))
      .sort()
      .map((name) => {
        const text = readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
        return { name, text, json: JSON.parse(text) as TfJson };
      });
    cached = { outdir, stacks };
  }
  return cached;
}
