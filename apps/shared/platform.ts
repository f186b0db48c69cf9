import { Problem, ProblemCollector, ValidationError } from "@qod/core";
import { checkBuiltImages, DeliveryConfig } from "@qod/delivery";
import { App } from "cdktf";
import { BootstrapConfig, findBootstrapProblems, StateBucketStack } from "../bootstrap/state-bucket-stack";
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
  const bootstrapProblems = findBootstrapProblems(definition.bootstrap);
  const deliveryProblems = findBuiltImageProblems(definition);
  try {
    validateEnvironmentConfigs(definition.environments);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError("platform config", [...bootstrapProblems, ...error.problems, ...deliveryProblems]);
  }
  if (bootstrapProblems.length + deliveryProblems.length > 0) throw new ValidationError("platform config", [...bootstrapProblems, ...deliveryProblems]);
}

/** Composes the stacks of one environment. */
export function composeEnvironment(app: App, config: EnvironmentConfig): EnvironmentStacks {
  const infra = new InfraStack(app, config);
  const platform = new PlatformStack(app, config);
  // Apply order for `cdktf deploy '*'`: the platform stack reads the infra stack's state.
  platform.addDependency(infra);
  // The apps need the platform's CRDs and controllers; destroyed first, the load balancer
  // controller still runs to delete the ALB.
  const apps = new AppsStack(app, config);
  apps.addDependency(platform);
  return { infra, platform, apps };
}

/** Every stack: `bootstrap`, then each environment's. Validates first; builds nothing on error. */
export function composePlatform(app: App, definition: PlatformDefinition) {
  validatePlatform(definition);
  const bootstrap = new StateBucketStack(app, "bootstrap", definition.bootstrap);
  const environments = definition.environments.map((config) => composeEnvironment(app, config));
  return { bootstrap, environments };
}
