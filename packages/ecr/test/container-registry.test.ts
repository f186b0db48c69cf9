import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Naming } from "@qod/core";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { ContainerRegistry, ContainerRegistryProps, ECR_PULL_ACTIONS } from "../src";
import { onlyResource, resources, TfJson } from "../../../test/helpers";

const base: ContainerRegistryProps = { naming: new Naming("qod", "dev"), repositories: ["qod-api", "ui"], region: "eu-west-1" };

function synth(props: Partial<ContainerRegistryProps> = {}, grant = false): TfJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const registry = new ContainerRegistry(scope, "Registry", { ...base, ...props });
      if (grant) {
        const role = new IamRole(scope, "NodeRole", { assumeRolePolicy: "{}" });
        registry.repository("qod-api").grantPull(role);
      }
    }),
  );
}

describe("ContainerRegistry with defaults", () => {
  const json = synth();
  const repos = () => resources(json, "aws_ecr_repository");

  it("creates one repository per service under <project>-<env>/", () => {
    expect(repos().map((r) => r.name)).toEqual(["qod-dev/qod-api", "qod-dev/ui"]);
  });

  it("makes tags immutable, scans on push and encrypts with the registry's rotating KMS key", () => {
    for (const repo of repos()) {
      expect(repo.image_tag_mutability).toBe("IMMUTABLE");
      expect(repo.image_scanning_configuration).toEqual({ scan_on_push: true });
      expect(repo.encryption_configuration).toEqual([{ encryption_type: "KMS", kms_key: expect.stringMatching(/aws_kms_key\.Registry_Key/) }]);
      expect(repo.force_delete).toBe(false);
    }
    expect(onlyResource(json, "aws_kms_key").enable_key_rotation).toBe(true);
  });

  it("expires untagged images after 7 days and keeps the last 30 release images", () => {
    const policies = resources(json, "aws_ecr_lifecycle_policy").map((p) => JSON.parse(p.policy));
    expect(policies).toHaveLength(2);
    const [untagged, releases] = policies[0].rules;
    expect(untagged.selection).toEqual({ tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 });
    expect(releases.selection).toEqual({ tagStatus: "tagged", tagPrefixList: ["v"], countType: "imageCountMoreThan", countNumber: 30 });
    expect([untagged.action, releases.action]).toEqual([{ type: "expire" }, { type: "expire" }]);
  });

  it("does not replicate unless asked", () => {
    expect(resources(json, "aws_ecr_replication_configuration")).toEqual([]);
  });
});

describe("ContainerRegistry options", () => {
  it("grantPull lets a role pull from that repository only", () => {
    const json = synth({}, true);
    const policy = JSON.parse(onlyResource(json, "aws_iam_role_policy").policy);
    expect(policy.Statement[0]).toEqual({
      Sid: "Pull",
      Effect: "Allow",
      Action: [...ECR_PULL_ACTIONS],
      Resource: expect.stringMatching(/^\$\{aws_ecr_repository\.Registry_qod-api_.+\.arn\}$/),
    });
    expect(policy.Statement[1]).toMatchObject({ Action: "ecr:GetAuthorizationToken", Resource: "*" });
  });

  it("replicates the environment's repositories to the DR region", () => {
    const json = synth({ replicationRegion: "eu-central-1" });
    const rule = onlyResource(json, "aws_ecr_replication_configuration").replication_configuration.rule[0];
    expect(rule.destination[0].region).toBe("eu-central-1");
    expect(rule.repository_filter).toEqual([{ filter: "qod-dev/", filter_type: "PREFIX_MATCH" }]);
  });

  it("uses the given lifecycle numbers", () => {
    const json = synth({ untaggedImageExpiryDays: 3, keepReleaseImages: 10 });
    const rules = JSON.parse(resources(json, "aws_ecr_lifecycle_policy")[0].policy).rules;
    expect(rules.map((r: any) => r.selection.countNumber)).toEqual([3, 10]);
  });
});

describe("ContainerRegistry validation", () => {
  it.each<[string, Partial<ContainerRegistryProps>, RegExp]>([
    ["a repository name has capitals", { repositories: ["QodApi"] }, /repositories\[0\]: got "qod-dev\/QodApi"; allowed: an ECR repository name/],
    ["a repository name has a double separator", { repositories: ["qod--api"] }, /repositories\[0\]/],
    ["a repository repeats", { repositories: ["ui", "ui"] }, /repositories\[1\]: got "ui"; allowed: each service once/],
    ["production would force-delete images", { production: true, forceDelete: true }, /forceDelete: got true; allowed: false in production/],
    ["the replication region is the primary region", { replicationRegion: "eu-west-1" }, /replicationRegion: got "eu-west-1"; allowed: a region other than the primary region/],
    ["untagged expiry is 0 days", { untaggedImageExpiryDays: 0 }, /untaggedImageExpiryDays: got 0/],
  ])("fails when %s", (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it("fails when asked for a repository it does not have, naming the ones it has", () => {
    expect(() =>
      Testing.synthScope((scope) => new ContainerRegistry(scope, "Registry", base).repository("api")),
    ).toThrow(/no repository for "api"; it has qod-api, ui/);
  });
});
