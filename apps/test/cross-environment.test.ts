/**
 * Rules between environments (`validateEnvironmentConfigs`): what two environments of one account
 * may not both have, and what a DR rebuild environment needs from the environment it replaces.
 * Each rule lives in the package that owns the concept (`@qod/vpc`, `@qod/ecr`).
 */
import { describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../shared/environment-config";
import { devConfig, prodConfig } from "../../test/helpers";
import { drRebuildConfig, validationProblems } from "./third-environment";

const fields = (configs: readonly EnvironmentConfig[]) => validationProblems(configs).map((p) => p.field);
const message = (configs: readonly EnvironmentConfig[]) => validationProblems(configs).map((p) => `${p.field}: got ${JSON.stringify(p.given)}; allowed: ${p.allowed}`).join("\n");

const dev = devConfig();
const prod = prodConfig();
const drill = drRebuildConfig(prod);

describe("environments of one account", () => {
  describe("ECR replication, one configuration per account and region", () => {
    // dev with a DR region of its own, replicating like prod.
    const replicatingDev = devConfig({ registry: { ...dev.registry, replicateToDr: true }, backup: { ...dev.backup, drRegion: "eu-central-1" } });

    it("fails when two environments in one account and region both replicate their registry", () => {
      expect(fields([replicatingDev, prod])).toEqual(["prod.registry.replicateToDr"]);
      expect(message([replicatingDev, prod])).toMatch(
        /^prod\.registry\.replicateToDr: got true; allowed: false: dev already replicates the registry of account 111111111111 in eu-west-1 \(aws_ecr_replication_configuration is one per account and region\)/,
      );
    });

    it("accepts both when they are in different accounts or regions", () => {
      expect(fields([{ ...replicatingDev, accountId: "222222222222" }, prod])).toEqual([]);
      expect(fields([prod, drill])).toEqual([]);
      expect(drill.registry.replicateToDr).toBe(true);
    });
  });

  describe("VPC ranges", () => {
    it("fails when two environments in one account and region overlap, naming both and both ranges", () => {
      const overlapping = devConfig({ vpcCidr: "10.20.16.0/20" });
      expect(fields([prod, overlapping])).toEqual(["dev.vpcCidr"]);
      expect(message([prod, overlapping])).toMatch(
        /^dev\.vpcCidr: got "10\.20\.16\.0\/20"; allowed: a range that does not overlap prod's vpcCidr 10\.20\.0\.0\/16 \(both in account 111111111111, region eu-west-1\)/,
      );
    });

    it("fails when a DR rebuild environment overlaps the environment whose DR region it is in", () => {
      const overlapping = drRebuildConfig(prod, "drill", prod.vpcCidr);
      expect(fields([dev, prod, overlapping])).toEqual(["drill.vpcCidr"]);
      expect(message([dev, prod, overlapping])).toMatch(/^drill\.vpcCidr: got "10\.20\.0\.0\/16"; allowed: a range that does not overlap prod's vpcCidr 10\.20\.0\.0\/16 \(both in account 111111111111; eu-central-1 is prod's DR region/);
    });

    it("accepts equal ranges in another account, or in a region neither environment recovers into", () => {
      expect(fields([prod, devConfig({ vpcCidr: prod.vpcCidr, accountId: "222222222222" })])).toEqual([]);
      const elsewhere = devConfig({ vpcCidr: prod.vpcCidr, region: "eu-north-1", availabilityZones: ["eu-north-1a", "eu-north-1b"] });
      expect(fields([prod, elsewhere])).toEqual([]);
    });
  });
});

describe("a DR rebuild environment using another environment's image replicas (registry.replicasOf)", () => {
  it("is accepted as procedure C of docs/disaster-recovery.md builds it", () => {
    expect(fields([dev, prod, drill])).toEqual([]);
  });

  it.each<[string, EnvironmentConfig[], string, RegExp]>([
    ["names no environment", [dev, prod, { ...drill, registry: { ...drill.registry, replicasOf: "prd" } }], "drill.registry.replicasOf", /another environment of the platform \(dev, prod\)/],
    ["names itself", [prod, { ...drill, registry: { ...drill.registry, replicasOf: "drill" } }], "drill.registry.replicasOf", /another environment of the platform/],
    ["names an environment of another account", [{ ...prod, accountId: "222222222222" }, drill], "drill.registry.replicasOf", /an environment of account 111111111111: prod is in 222222222222/],
    [
      "names an environment that does not replicate its images here",
      [{ ...prod, registry: { ...prod.registry, replicateToDr: false } }, drill],
      "drill.registry.replicasOf",
      /an environment whose registry replicates to eu-central-1 \(registry\.replicateToDr and backup\.drRegion\): prod replicates nowhere/,
    ],
    ["lists a service the source has no repository for", [prod, { ...drill, registry: { ...drill.registry, repositories: [...drill.registry.repositories, "worker"] } }], "drill.registry.repositories[3]", /one of prod's repositories \(qod-api, ui, redis\)/],
    ["states another image lifecycle than the source's", [prod, { ...drill, registry: { ...drill.registry, keepReleaseImages: 5 } }], "drill.registry.keepReleaseImages", /prod's value \(30\): the replicas' lifecycle is prod's/],
  ])("fails when it %s", (_, configs, field, allowed) => {
    const found = validationProblems(configs);
    expect(found.map((p) => p.field)).toEqual([field]);
    expect(found[0].allowed).toMatch(allowed);
  });
});
