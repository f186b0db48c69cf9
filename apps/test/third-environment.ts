import { Problem, ValidationError } from "@qod/core";
import { EnvironmentConfig, validateEnvironmentConfigs } from "../shared/environment-config";
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
  return { ...definition, environments: [...definition.environments, added], delivery: withDeliveryLike(definition, base.name, name) };
}

/** The delivery section with `name` applied the way `base` is (every environment needs an apply role). */
function withDeliveryLike(definition: PlatformDefinition, base: string, name: string): PlatformDefinition["delivery"] {
  const delivery = definition.delivery;
  return delivery && { ...delivery, environments: { ...delivery.environments, [name]: delivery.environments[base] } };
}

/** The real platform plus `staging`, a non-production environment copied from the first one. */
export function withStaging(definition: PlatformDefinition): PlatformDefinition {
  return withEnvironment(definition, environmentWhere(false, definition), "staging", {
    vpcCidr: "10.30.0.0/16",
    domain: "staging.qod.example.com",
    hostedZone: { id: "Z0STAGINGQOD0EXAMPLE1", name: "staging.qod.example.com" },
  });
}

/**
 * The environment procedure C of docs/disaster-recovery.md adds after a region loss: `source`'s
 * config rebuilt in its DR region, with its own network, copies flowing back to `source`'s
 * region, the database from a DR copy and the images from `source`'s replicas.
 */
export function drRebuildConfig(source: EnvironmentConfig, name = "drill", vpcCidr = "10.40.0.0/16"): EnvironmentConfig {
  const region = source.backup.drRegion;
  if (!region) throw new Error(`${source.name} has no DR region to rebuild in`);
  return {
    ...source,
    name,
    region,
    availabilityZones: source.availabilityZones.map((zone) => `${region}${zone.slice(source.region.length)}`),
    vpcCidr,
    tags: { ...source.tags, "cost-center": `${source.project}-${name}` },
    backup: { ...source.backup, drRegion: source.region },
    database: { ...source.database, restoreFromSnapshot: `arn:aws:rds:${region}:${source.accountId}:snapshot:awsbackup:job-0a1b2c3d-4e5f-6789-abcd-ef0123456789` },
    registry: { ...source.registry, replicasOf: source.name },
  };
}

/** The real platform plus the DR rebuild of its first production environment (procedure C). */
export function withDrRebuild(definition: PlatformDefinition): PlatformDefinition {
  const source = environmentWhere(true, definition);
  const drill = drRebuildConfig(source);
  return { ...definition, environments: [...definition.environments, drill], delivery: withDeliveryLike(definition, source.name, drill.name) };
}

/** The problems `validateEnvironmentConfigs` reports for `configs` (empty when it accepts them). */
export function validationProblems(configs: readonly EnvironmentConfig[]): readonly Problem[] {
  try {
    validateEnvironmentConfigs(configs);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems;
  }
}
