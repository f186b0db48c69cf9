import type { EnvironmentConfig } from "../shared/environment-config";
import type { PlatformDefinition } from "../shared/platform";
import { environmentWhere } from "./synthesized";

/**
 * What a user does to add an environment ("Add an environment" in the README): copy an existing
 * environment's config, give it its own name, network, domain and zone, and list it in the
 * platform definition. Nothing else changes: no test, snapshot list, invariant or scan rule.
 */
export function withEnvironment(
  definition: PlatformDefinition,
  base: EnvironmentConfig,
  name: string,
  own: Pick<EnvironmentConfig, "vpcCidr" | "domain" | "hostedZone">,
): PlatformDefinition {
  // Every host the base derives from its domain (routes, the zone's name) moves to the new one.
  const copy = JSON.parse(JSON.stringify(base).replaceAll(base.domain, own.domain)) as EnvironmentConfig;
  const added: EnvironmentConfig = { ...copy, name, ...own, tags: { ...copy.tags, "cost-center": `${base.project}-${name}` } };
  return { ...definition, environments: [...definition.environments, added] };
}

/** The real platform plus `staging`, a non-production environment copied from the first one. */
export function withStaging(definition: PlatformDefinition): PlatformDefinition {
  return withEnvironment(definition, environmentWhere(false, definition), "staging", {
    vpcCidr: "10.30.0.0/16",
    domain: "staging.qod.example.com",
    hostedZone: { id: "Z0STAGINGQOD0EXAMPLE1", name: "staging.qod.example.com" },
  });
}
