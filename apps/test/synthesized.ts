import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freshDir, TfJson } from "../../test/helpers";
import { CI_STACK_NAME } from "../delivery/ci-stack";
import { platform } from "../platform";
import type { EnvironmentConfig } from "../shared/environment-config";
import type { PlatformDefinition } from "../shared/platform";
import { SynthesizedStackSummary, synthPlatform } from "../shared/synth";

export interface SynthesizedStack {
  readonly name: string;
  readonly text: string;
  readonly json: TfJson;
}

export interface SynthesizedPlatform {
  readonly outdir: string;
  readonly stacks: readonly SynthesizedStack[];
  /** What the synth reported it wrote. */
  readonly summary: readonly SynthesizedStackSummary[];
  /** The stack called `name`; throws when the synth produced none. */
  stack(name: string): TfJson;
}

/** The kinds of stack every environment has, in apply order. */
export const ENVIRONMENT_STACK_KINDS = ["infra", "platform", "apps"] as const;
export type EnvironmentStackKind = (typeof ENVIRONMENT_STACK_KINDS)[number];

/** The name of an environment's stack of one kind: `<env>-<kind>`. */
export const stackName = (environment: Pick<EnvironmentConfig, "name">, kind: EnvironmentStackKind): string => `${environment.name}-${kind}`;

/** The stacks of the account, before any environment's, in apply order: `bootstrap`, and `ci` when the definition has a delivery section. */
export function accountStackNames(definition: PlatformDefinition = platform): string[] {
  return ["bootstrap", ...(definition.delivery ? [CI_STACK_NAME] : [])];
}

/** Every stack name in apply order: the account's stacks, then each environment's infra, platform and apps. */
export function stackNamesInApplyOrder(definition: PlatformDefinition = platform): string[] {
  return [...accountStackNames(definition), ...definition.environments.flatMap((e) => ENVIRONMENT_STACK_KINDS.map((kind) => stackName(e, kind)))];
}

/**
 * The stacks the platform definition yields, by name: `bootstrap`, `ci` (with a delivery
 * section), then `<env>-infra`, `<env>-platform` and `<env>-apps` for every environment. Tests
 * derive their stack lists from this, so adding an environment adds its stacks to every test.
 */
export function expectedStackNames(definition: PlatformDefinition = platform): string[] {
  return stackNamesInApplyOrder(definition).sort();
}

/** The environments' names, in definition order. */
export const environmentNames = (definition: PlatformDefinition = platform): string[] => definition.environments.map((e) => e.name);

/** The first environment of the definition with `production` set as asked; throws when there is none. */
export function environmentWhere(production: boolean, definition: PlatformDefinition = platform): EnvironmentConfig {
  const found = definition.environments.find((e) => e.production === production);
  if (!found) throw new Error(`the platform definition has no ${production ? "production" : "non-production"} environment`);
  return found;
}

const cache = new Map<PlatformDefinition, SynthesizedPlatform>();

/**
 * A platform definition (the real one by default), synthesized once per test worker (vitest runs
 * the files of a worker in one module graph) into a fresh directory.
 */
export function synthesizedPlatform(definition: PlatformDefinition = platform): SynthesizedPlatform {
  let synthesized = cache.get(definition);
  if (!synthesized) {
    const outdir = join(freshDir(), "cdktf.out");
    const result = synthPlatform(definition, outdir);
    if (!result.ok) throw new Error(`the platform does not synthesize: ${result.message}`);
    const stacks = readdirSync(join(outdir, "stacks"))
      .sort()
      .map((name) => {
        const text = readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
        return { name, text, json: JSON.parse(text) as TfJson };
      });
    const byName = new Map(stacks.map((s) => [s.name, s.json]));
    synthesized = {
      outdir,
      stacks,
      summary: result.stacks,
      stack(name) {
        const json = byName.get(name);
        if (!json) throw new Error(`no stack ${name} (synthesized: ${[...byName.keys()].join(", ")})`);
        return json;
      },
    };
    cache.set(definition, synthesized);
  }
  return synthesized;
}

/**
 * The resource (or data source) an address `<stack>/<type>.<name>` names, as checkov and the
 * skip list write it (a data source is `data.<name>`, without its type); undefined when absent.
 */
export function resourceAt(synthesized: SynthesizedPlatform, address: string): unknown {
  const [stack, typed] = address.split("/");
  const [type, name] = typed.split(".");
  const json = synthesized.stack(stack);
  const data = (json.data ?? {}) as Record<string, Record<string, unknown>>;
  return type === "data" ? Object.values(data).find((byName) => name in byName)?.[name] : json.resource?.[type]?.[name];
}
