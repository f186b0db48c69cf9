/**
 * The DR rebuild of docs/disaster-recovery.md (procedure C), synthesized: the platform plus the
 * production environment rebuilt in its DR region. Its images are the source's replicas there
 * (`<project>-<source>/<service>`), created by the source's repository creation template; the
 * rebuild makes no repositories of its own. Its database is restored from a DR copy and keeps the
 * snapshot's key, so the plan after the restore does not want to replace it. Every
 * per-environment suite covers it too.
 */
import { describe, expect, it } from "vitest";
import { onlyResource, resources } from "../../test/helpers";
import { platform } from "../platform";
import { validatePlatform } from "../shared/platform";
import { appsSuite } from "./suites/apps";
import { infraSuite } from "./suites/infra";
import { invariantsSuite } from "./suites/invariants";
import { stackName, synthesizedPlatform } from "./synthesized";
import { withDrRebuild } from "./third-environment";

const definition = withDrRebuild(platform);
const drill = definition.environments[definition.environments.length - 1];
const source = definition.environments.find((e) => e.name === drill.registry.replicasOf)!;

describe("the DR rebuild of a production environment (procedure C)", () => {
  const synthesized = synthesizedPlatform(definition);
  const infra = synthesized.stack(stackName(drill, "infra"));
  const replicaName = (service: string) => `${source.project}-${source.name}/${service}`;

  it("is valid config, in the source's DR region, using the source's replicas", () => {
    expect(() => validatePlatform(definition)).not.toThrow();
    expect(drill.region).toBe(source.backup.drRegion);
    expect(source.registry.replicateToDr).toBe(true);
  });

  it("restores the database from the snapshot without naming a storage key, and renews the final snapshot's suffix with the snapshot", () => {
    const db = onlyResource(infra, "aws_db_instance");
    expect(db).toMatchObject({ snapshot_identifier: drill.database.restoreFromSnapshot, storage_encrypted: true });
    expect(db.kms_key_id).toBeUndefined();
    expect(db.db_name).toBeUndefined();
    expect(onlyResource(infra, "random_id").keepers).toMatchObject({ snapshot_identifier: drill.database.restoreFromSnapshot, kms_key_id: "" });
  });

  it("creates no repository and reads the source's replicas, by the source's repository names", () => {
    expect(resources(infra, "aws_ecr_repository")).toEqual([]);
    const replicas = infra.data!.aws_ecr_repository;
    expect(Object.values(replicas).map((r: any) => r.name).sort()).toEqual(drill.registry.repositories.map(replicaName).sort());
    // In the rebuild's own region: read through its default provider, not an alias.
    for (const replica of Object.values(replicas) as any[]) expect(replica.provider).toBeUndefined();
  });

  it("publishes the replicas' URLs to the later stacks (the nodes pull them with the registry-wide pull-only policy the infra suite checks)", () => {
    const urls = infra.output!.repository_urls.value as Record<string, string>;
    for (const service of drill.registry.repositories) {
      const id = Object.entries(infra.data!.aws_ecr_repository).find(([, r]: [string, any]) => r.name === replicaName(service))![0];
      expect(urls[service], service).toBe(`\${data.aws_ecr_repository.${id}.repository_url}`);
    }
  });

  it("runs the apps from the URLs its own infra stack publishes", () => {
    const apps = synthesized.stack(stackName(drill, "apps"));
    const states = Object.values(apps.data!.terraform_remote_state) as any[];
    expect(states.map((s) => s.config.key)).toEqual([`${drill.name}/${stackName(drill, "infra")}.tfstate`]);
    const images = resources(apps, "kubernetes_deployment_v1").map((d) => d.spec.template.spec.container[0].image);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/outputs\.repository_urls/);
  });

  it("finds the replicas made by the source's creation template, in the rebuild's region", () => {
    const sourceInfra = synthesized.stack(stackName(source, "infra"));
    const template = resources(sourceInfra, "aws_ecr_repository_creation_template")[0];
    expect(template).toMatchObject({ prefix: `${source.project}-${source.name}`, provider: "aws.dr" });
    expect(sourceInfra.provider!.aws.find((p: any) => p.alias === "dr").region).toBe(drill.region);
  });
});

invariantsSuite("the platform with a DR rebuild added", definition);
infraSuite(definition, [drill]);
appsSuite(definition, [drill]);
