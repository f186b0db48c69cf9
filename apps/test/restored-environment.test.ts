/**
 * The disaster-recovery rebuild (docs/disaster-recovery.md, procedure C): an environment with the
 * prod config in the DR region, its database restored from a DR copy. It must validate and
 * synthesize, every infra relation must hold for it, and its restored database must keep the
 * snapshot's key, so the plan after the restore does not want to replace it.
 */
import { describe, expect, it } from "vitest";
import { onlyResource } from "../../test/helpers";
import { platform } from "../platform";
import type { EnvironmentConfig } from "../shared/environment-config";
import { validatePlatform } from "../shared/platform";
import { infraSuite } from "./suites/infra";
import { environmentWhere, stackName, synthesizedPlatform } from "./synthesized";
import { withEnvironment } from "./third-environment";

const production = environmentWhere(true);
const snapshot = `arn:aws:rds:${production.backup.drRegion}:${production.accountId}:snapshot:awsbackup-job-0123456789abcdef`;
const withDrill = withEnvironment(platform, production, "drill", {
  vpcCidr: "10.40.0.0/16",
  domain: "drill.qod.example.com",
  hostedZone: { id: "Z0DRILLQOD0EXAMPLE001", name: "drill.qod.example.com" },
});
const copied = withDrill.environments[withDrill.environments.length - 1];
const drRegion = production.backup.drRegion!;
// Procedure C, step 1: the prod config in the DR region, copies flowing back, the database from the newest DR copy.
const drill: EnvironmentConfig = {
  ...copied,
  region: drRegion,
  availabilityZones: production.availabilityZones.map((zone) => zone.replace(production.region, drRegion)),
  backup: { ...copied.backup, drRegion: production.region },
  database: { ...copied.database, restoreFromSnapshot: snapshot },
};
const definition = { ...withDrill, environments: [...platform.environments, drill] };

describe("the DR rebuild of procedure C: the prod config in the DR region, restored from a DR copy", () => {
  it("is valid config", () => {
    expect(() => validatePlatform(definition)).not.toThrow();
  });

  it("restores the database from the snapshot without naming a storage key, and renews the final snapshot's suffix with the snapshot", () => {
    const json = synthesizedPlatform(definition).stack(stackName(drill, "infra"));
    const db = onlyResource(json, "aws_db_instance");
    expect(db).toMatchObject({ snapshot_identifier: snapshot, storage_encrypted: true });
    expect(db.kms_key_id).toBeUndefined();
    expect(db.db_name).toBeUndefined();
    expect(onlyResource(json, "random_id").keepers).toMatchObject({ snapshot_identifier: snapshot, kms_key_id: "" });
  });
});

infraSuite(definition, [drill]);
