import { Problem, ProblemCollector, ValidationError } from "@qod/core";
import { checkBuiltImages, DeliveryConfig } from "@qod/delivery";
import { App, TerraformStack } from "cdktf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootstrapConfig, findBootstrapProblems, StateBucketStack } from "../bootstrap/state-bucket-stack";
import { CiStack, findDeliveryProblems } from "../delivery/ci-stack";
import { EnvironmentConfig, validateEnvironmentConfigs } from "./environment-config";
import { InfraStack } from "./infra-stack";
import { AppsStack } from "./apps-stack";
import { PlatformStack } from "./platform-stack";

export interface PlatformDefinition {
  readonly bootstrap: BootstrapConfig;
  readonly environments: readonly EnvironmentConfig[];
  /** The delivery pipeline's repository and per-environment roles (README, Delivery). */
  readonly delivery?: DeliveryConfig;
}

/** The stacks of one environment. Dev and prod go through this one function so they cannot drift. */
export interface EnvironmentStacks {
  readonly infra: InfraStack;
  readonly platform: PlatformStack;
  readonly apps: AppsStack;
}

/** The images the release workflow builds (`delivery.images`), against every environment's registry. */
function findBuiltImageProblems(definition: PlatformDefinition): readonly Problem[] {
  if (definition.delivery === undefined) return [];
  const p = new ProblemCollector("platform config");
  checkBuiltImages(p, "delivery.images", definition.delivery.images, definition.environments);
  return p.problems;
}

/** Validates every config at once; throws one {@link ValidationError} listing all problems. */
export function validatePlatform(definition: PlatformDefinition): void {
  const problems = [...findBootstrapProblems(definition.bootstrap)];
  try {
    validateEnvironmentConfigs(definition.environments);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (definition.delivery !== undefined) {
    problems.push(...findDeliveryProblems(definition.delivery, definition.environments, definition.bootstrap), ...findBuiltImageProblems(definition));
  }
  if (problems.length > 0) throw new ValidationError("platform config", problems);
}

/** Composes the stacks of one environment (with the delivery roles' cluster access when `delivery` is given). */
export function composeEnvironment(app: App, config: EnvironmentConfig, delivery?: DeliveryConfig): EnvironmentStacks {
  const infra = new InfraStack(app, config, { delivery });
  const platform = new PlatformStack(app, config);
  // Apply order for `cdktf deploy '*'`: the platform stack reads the infra stack's state.
  platform.addDependency(infra);
  // The apps need the platform's CRDs and controllers; destroyed first, the load balancer
  // controller still runs to delete the ALB.
  const apps = new AppsStack(app, config);
  apps.addDependency(platform);
  return { infra, platform, apps };
}

/**
 * The stacks of one environment in apply order: each after every stack it depends on
 * (`addDependency` above), ties in composition order. The synth summary and the delivery
 * workflows (scripts/workflows-lib.ts) take the order from here: one source, no second list.
 */
export function applyOrder(stacks: EnvironmentStacks): TerraformStack[] {
  const pending: TerraformStack[] = Object.values(stacks);
  const ordered: TerraformStack[] = [];
  while (pending.length > 0) {
    const next = pending.findIndex((stack) => stack.dependencies.every((d) => !pending.includes(d as TerraformStack)));
    if (next < 0) throw new Error(`stacks depend on each other in a cycle: ${pending.map((s) => s.node.id).join(", ")}`);
    ordered.push(...pending.splice(next, 1));
  }
  return ordered;
}

/**
 * The names of one environment's stacks (`<env>-infra`, …) in apply order, from a throwaway
 * composition: nothing is synthesized and the temporary output directory is removed.
 */
export function environmentStackNames(config: EnvironmentConfig): string[] {
  const outdir = mkdtempSync(join(tmpdir(), "qod-stack-order-"));
  try {
    return applyOrder(composeEnvironment(new App({ outdir }), config)).map((stack) => stack.node.id);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Every stack: `bootstrap`, `ci` when the definition has a delivery section, then each
 * environment's. Validates first; builds nothing on error. The ci stack is built last, from the
 * composed environments (its roles follow what their stacks hold), but applies before them: the
 * infra stacks give its roles access entries.
 */
export function composePlatform(app: App, definition: PlatformDefinition) {
  validatePlatform(definition);
  const bootstrap = new StateBucketStack(app, "bootstrap", definition.bootstrap);
  const environments = definition.environments.map((config) => composeEnvironment(app, config, definition.delivery));
  let ci: CiStack | undefined;
  if (definition.delivery) {
    ci = new CiStack(app, {
      bootstrap: definition.bootstrap,
      delivery: definition.delivery,
      environments: definition.environments.map((config, i) => ({ config, stacks: environments[i], applyOrder: applyOrder(environments[i]) })),
    });
    for (const stacks of environments) stacks.infra.addDependency(ci);
  }
  return { bootstrap, ci, environments };
}
