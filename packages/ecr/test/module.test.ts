import { ModuleStack, Naming, ProblemCollector, recordDeferredChecks, ValidationError } from "@qod/core";
import { App, TerraformVariable, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { checkReleaseTagPrefixes, ContainerRegistry, ECR_MODULE_REPOSITORIES, ecrModule } from "../src";
import { resources, TfJson } from "../../../test/helpers";

/** The problems the registry reports for `releaseTagPrefixes`, by field. */
function prefixProblems(releaseTagPrefixes: string[]): string[] {
  try {
    Testing.synthScope((scope) => {
      new ContainerRegistry(scope, "Registry", { naming: new Naming("qod", "dev"), repositories: ["qod-api"], releaseTagPrefixes });
    });
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => p.field);
    throw error;
  }
}

describe("ContainerRegistry release tag prefixes", () => {
  it("fails when there is none: ECR refuses a tagged rule without a prefix", () => {
    expect(prefixProblems([])).toEqual(["releaseTagPrefixes"]);
  });

  it("fails when a prefix cannot start an image tag, naming each", () => {
    expect(prefixProblems(["v", "-rc", "", "release 1"])).toEqual(["releaseTagPrefixes[1]", "releaseTagPrefixes[2]", "releaseTagPrefixes[3]"]);
  });

  it("accepts tag starts such as v, release- and 2026.", () => {
    expect(prefixProblems(["v", "release-", "2026."])).toEqual([]);
  });

  it("leaves a list only Terraform knows to Terraform: the rule is deferred, not a problem", () => {
    const app = new App();
    const stack = new ModuleStack(app, { ...ecrModule, build: () => ({}) });
    const list = new TerraformVariable(stack, "prefixes", { type: "list(string)" }).listValue;
    const p = new ProblemCollector("test");
    const { deferred } = recordDeferredChecks(() => checkReleaseTagPrefixes(p, "releaseTagPrefixes", list));
    expect(p.problems).toEqual([]);
    expect(deferred.map((d) => d.field)).toEqual(["releaseTagPrefixes"]);
  });
});

describe("the ecr module (the registry built from Terraform variables)", () => {
  let synthesized: TfJson | undefined;
  const moduleJson = (): TfJson => (synthesized ??= JSON.parse(Testing.synth(new ModuleStack(Testing.app(), ecrModule))));

  it("writes the lifecycle policy with Terraform's jsonencode over the variables, not numbers standing for them", () => {
    const policies = resources(moduleJson(), "aws_ecr_lifecycle_policy").map((p) => p.policy as string);
    expect(policies).toHaveLength(ECR_MODULE_REPOSITORIES.length);
    for (const policy of policies) {
      expect(policy).toMatch(/^\$\{jsonencode\(/);
      expect(policy).toContain("var.untagged_image_expiry_days");
      expect(policy).toContain("var.keep_release_images");
      expect(policy).toContain("var.release_tag_prefixes");
      expect(policy).not.toMatch(/e\+\d{3}/); // a number token printed as a number
    }
  });

  it("passes force_delete through to every repository and names them <project>-<environment>/<service>", () => {
    const repos = resources(moduleJson(), "aws_ecr_repository");
    expect(repos.map((r) => r.name).sort()).toEqual(ECR_MODULE_REPOSITORIES.map((s) => `\${var.project}-\${var.environment}/${s}`).sort());
    for (const repo of repos) expect(repo.force_delete).toBe("${var.force_delete}");
  });

  it("outputs the repositories' URLs and ARNs by service, and the key's ARN", () => {
    const json = moduleJson();
    expect(Object.keys(json.output ?? {}).sort()).toEqual(["kms_key_arn", "repository_arns", "repository_names", "repository_urls"]);
    expect(Object.keys(json.output?.repository_urls.value).sort()).toEqual([...ECR_MODULE_REPOSITORIES].sort());
    expect(json.output?.kms_key_arn.value).toMatch(/aws_kms_key\.registry_key\.arn/);
  });
});
