import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Naming } from "@qod/core";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { ContainerRegistry, ContainerRegistryProps, ECR_PULL_ACTIONS } from "../src";
import { onlyResource, policyOf, resources, TfJson } from "../../../test/helpers";

const base: ContainerRegistryProps = { naming: new Naming("qod", "dev"), repositories: ["qod-api", "ui"], region: "eu-west-1" };

/** Synthesizes a registry; `dr` adds the DR region's provider (alias `dr`) and replicates there. */
function synth(props: Partial<ContainerRegistryProps> = {}, grant = false, dr = false): TfJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const replication = dr
        ? { replicationRegion: "eu-central-1", replicationProvider: new AwsProvider(scope, "aws-dr", { alias: "dr", region: "eu-central-1" }) }
        : {};
      const registry = new ContainerRegistry(scope, "Registry", { ...base, ...replication, ...props });
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

  it("expires untagged images after 7 days and keeps the last 30 release images, every tagged image being one", () => {
    const policies = resources(json, "aws_ecr_lifecycle_policy").map((p) => JSON.parse(p.policy));
    expect(policies).toHaveLength(2);
    const [untagged, releases] = policies[0].rules;
    expect(untagged.selection).toEqual({ tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 });
    expect(releases.selection).toEqual({ tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 });
    expect([untagged.action, releases.action]).toEqual([{ type: "expire" }, { type: "expire" }]);
  });

  it("does not replicate unless asked", () => {
    expect(resources(json, "aws_ecr_replication_configuration")).toEqual([]);
  });
});

describe("ContainerRegistry options", () => {
  it("grantPull lets a role pull from that repository only", () => {
    const json = synth({}, true);
    const policy = policyOf(json, onlyResource(json, "aws_iam_role_policy").policy);
    expect(policy.Statement[0]).toEqual({
      Sid: "Pull",
      Effect: "Allow",
      Action: [...ECR_PULL_ACTIONS],
      Resource: expect.stringMatching(/^\$\{aws_ecr_repository\.Registry_qod-api_.+\.arn\}$/),
    });
    expect(policy.Statement[1]).toMatchObject({ Action: "ecr:GetAuthorizationToken", Resource: "*" });
  });

  it("replicates the environment's repositories to the DR region", () => {
    const json = synth({}, false, true);
    const rule = onlyResource(json, "aws_ecr_replication_configuration").replication_configuration.rule[0];
    expect(rule.destination[0].region).toBe("eu-central-1");
    expect(rule.repository_filter).toEqual([{ filter: "qod-dev/", filter_type: "PREFIX_MATCH" }]);
  });

  describe("replicas in the DR region, created by a repository creation template", () => {
    const json = synth({ tags: { owner: "platform-team" } }, false, true);
    const template = () => onlyResource(json, "aws_ecr_repository_creation_template");
    const replicaKey = () => Object.entries(json.resource!.aws_kms_key).find(([, key]) => key.provider === "aws.dr")!;

    it("applies to replication of the registry's prefix, in the DR region, before replication starts", () => {
      expect(template()).toMatchObject({ prefix: "qod-dev", applied_for: ["REPLICATION"], provider: "aws.dr" });
      const templateId = Object.keys(json.resource!.aws_ecr_repository_creation_template)[0];
      expect(onlyResource(json, "aws_ecr_replication_configuration").depends_on).toEqual([`aws_ecr_repository_creation_template.${templateId}`]);
    });

    it("gives the replicas the repositories' immutable tags, lifecycle policy and a rotating CMK of that region", () => {
      const repos = resources(json, "aws_ecr_repository");
      expect(new Set(repos.map((r) => r.image_tag_mutability))).toEqual(new Set([template().image_tag_mutability]));
      expect(new Set(resources(json, "aws_ecr_lifecycle_policy").map((p) => p.policy))).toEqual(new Set([template().lifecycle_policy]));
      expect(new Set(repos.map((r) => r.encryption_configuration[0].encryption_type))).toEqual(new Set([template().encryption_configuration[0].encryption_type]));
      const [keyId, key] = replicaKey();
      expect(template().encryption_configuration[0].kms_key).toBe(`\${aws_kms_key.${keyId}.arn}`);
      expect(key.enable_key_rotation).toBe(true);
      expect(template().resource_tags).toEqual({ owner: "platform-team" });
    });

    it("lets ECR create, tag and fill only the replicas, and use only their key, through the template's role", () => {
      const role = onlyResource(json, "aws_iam_role");
      expect(policyOf(json, role.assume_role_policy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ecr.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      const roleId = Object.keys(json.resource!.aws_iam_role)[0];
      expect(template().custom_role_arn).toBe(`\${aws_iam_role.${roleId}.arn}`);
      const statements = policyOf(json, onlyResource(json, "aws_iam_role_policy").policy).Statement;
      expect(statements).toEqual([
        { Sid: "CreateReplicas", Effect: "Allow", Action: ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"], Resource: expect.stringMatching(/:ecr:eu-central-1:\$\{data\.aws_caller_identity\..+\}:repository\/qod-dev\/\*$/) },
        { Sid: "UseReplicaKey", Effect: "Allow", Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], Resource: `\${aws_kms_key.${replicaKey()[0]}.arn}` },
      ]);
    });
  });

  describe("using the replicas of another environment's registry (replicasOf)", () => {
    const json = synth({ replicasOf: new Naming("qod", "prod") }, true);

    it("creates no repository and no key, and reads <project>-<source>/<service> instead", () => {
      expect(resources(json, "aws_ecr_repository")).toEqual([]);
      expect(resources(json, "aws_kms_key")).toEqual([]);
      expect(Object.values(json.data!.aws_ecr_repository).map((r: any) => r.name)).toEqual(["qod-prod/qod-api", "qod-prod/ui"]);
    });

    it("grants pulls on the replica", () => {
      const policy = policyOf(json, onlyResource(json, "aws_iam_role_policy").policy);
      expect(policy.Statement[0].Resource).toMatch(/^\$\{data\.aws_ecr_repository\.Registry_qod-api_.+\.arn\}$/);
    });

    it("replicates those repositories onwards when asked (copies flow back)", () => {
      const onwards = synth({ replicasOf: new Naming("qod", "prod"), region: "eu-west-1" }, false, true);
      expect(onlyResource(onwards, "aws_ecr_replication_configuration").replication_configuration.rule[0].repository_filter[0].filter).toBe("qod-prod/");
      expect(onlyResource(onwards, "aws_ecr_repository_creation_template").prefix).toBe("qod-prod");
    });
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
    ["replication has no provider of the DR region", { replicationRegion: "eu-central-1" }, /replicationProvider: got nothing \(the field is missing\); allowed: the AWS provider of eu-central-1/],
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
