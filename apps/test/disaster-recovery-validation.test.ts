/**
 * Procedure C of docs/disaster-recovery.md says "Validation checks all of it before anything is
 * written" and lists what it checks for the rebuilt environment. Each listed field is broken here
 * in a config that otherwise follows the procedure, and validation must refuse it naming that
 * field; the settings the procedure gives are the ones the valid config has.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { platform } from "../platform";
import type { EnvironmentConfig } from "../shared/environment-config";
import { environmentWhere } from "./synthesized";
import { drRebuildConfig, validationProblems } from "./third-environment";

const DOC = readFileSync(resolve(__dirname, "../../docs/disaster-recovery.md"), "utf8");
const PROCEDURE_C = DOC.slice(DOC.indexOf("### C."), DOC.indexOf("### D."));
const STEP_1 = PROCEDURE_C.slice(PROCEDURE_C.indexOf("1. "), PROCEDURE_C.indexOf("\n   - "));

/** The fields of the list of claims: each item starts with its fields in code, then a colon. */
const CLAIMED_FIELDS = [...PROCEDURE_C.matchAll(/^ {3}- ((?:`[^`]+`(?:, )?)+): /gm)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((f) => f[1]));

const source = environmentWhere(true);
const drill = drRebuildConfig(source);
const others = platform.environments;
const withDrill = (broken: Partial<EnvironmentConfig>): EnvironmentConfig[] => [...others, { ...drill, ...broken }];

/** Per claimed field, the environments procedure C would give with that field broken (the rebuild last). */
const VIOLATIONS: Record<string, () => EnvironmentConfig[]> = {
  name: () => withDrill({ name: source.name }),
  region: () => withDrill({ region: "eu-central-9" }),
  availabilityZones: () => withDrill({ availabilityZones: source.availabilityZones }),
  vpcCidr: () => withDrill({ vpcCidr: source.vpcCidr }),
  "backup.drRegion": () => withDrill({ backup: { ...drill.backup, drRegion: drill.region } }),
  "database.restoreFromSnapshot": () => withDrill({ database: { ...drill.database, restoreFromSnapshot: "recovery point 1" } }),
  "registry.replicasOf": () => withDrill({ registry: { ...drill.registry, replicasOf: `${source.name}x` } }),
  "registry.repositories": () => withDrill({ registry: { ...drill.registry, repositories: [...drill.registry.repositories, "worker"] } }),
  "registry.untaggedImageExpiryDays": () => withDrill({ registry: { ...drill.registry, untaggedImageExpiryDays: drill.registry.untaggedImageExpiryDays + 1 } }),
  "registry.keepReleaseImages": () => withDrill({ registry: { ...drill.registry, keepReleaseImages: drill.registry.keepReleaseImages + 1 } }),
  // A second rebuild in the same region, listed first, already replicating from there.
  "registry.replicateToDr": () => [...others, drRebuildConfig(source, "drill2", "10.50.0.0/16"), drill],
};

/** The value at a dotted path of a config. */
const at = (config: unknown, path: string): unknown => path.split(".").reduce<any>((value, key) => value?.[key], config);

describe("docs/disaster-recovery.md, procedure C: what validation checks for the rebuilt environment", () => {
  it("lists the claims, each tested here, and none tested here that it does not list", () => {
    expect(CLAIMED_FIELDS.length).toBeGreaterThan(5);
    expect([...CLAIMED_FIELDS].sort()).toEqual(Object.keys(VIOLATIONS).sort());
  });

  it("gives the settings of a config validation accepts", () => {
    const settings = [...STEP_1.matchAll(/`([A-Za-z.]+): ([^`]+)`/g)];
    expect(settings.map((m) => m[1])).toEqual(expect.arrayContaining(["region", "availabilityZones", "backup.drRegion", "registry.replicasOf"]));
    for (const [, path, value] of settings) expect(at(drill, path), path).toEqual(JSON.parse(value));
    expect(validationProblems([...others, drill])).toEqual([]);
  });

  it.each(CLAIMED_FIELDS)("refuses a rebuild that breaks its %s rule, naming the field", (field) => {
    const configs = VIOLATIONS[field]();
    const rebuilt = configs.length - 1;
    const ownPrefixes = [configs[rebuilt].name, `environments[${rebuilt}]`];
    const named = validationProblems(configs).filter((p) =>
      ownPrefixes.some((prefix) => p.field === `${prefix}.${field}` || p.field.startsWith(`${prefix}.${field}[`)),
    );
    expect(named.length, `no problem names ${field}: ${JSON.stringify(validationProblems(configs))}`).toBeGreaterThan(0);
  });
});
