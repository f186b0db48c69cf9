import { ModuleStack, Naming, ProblemCollector, recordDeferredChecks, ValidationError } from "@qod/core";
import { App, TerraformVariable, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { checkReleaseTagPattern, ContainerRegistry, ECR_MODULE_REPOSITORIES, ecrModule } from "../src";
import { resources, TfJson } from "../../../test/helpers";

/** The problems the registry reports for `releaseTagPattern`, by field. */
function patternProblems(releaseTagPattern: string): string[] {
  try {
    Testing.synthScope((scope) => {
      new ContainerRegistry(scope, "Registry", { naming: new Naming("qod", "dev"), repositories: ["qod-api"], releaseTagPattern });
    });
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => p.field);
    throw error;
  }
}

describe("ContainerRegistry release tag pattern", () => {
  it.each(["", "-v*", ".v*", "release *", "v1:*", "*a*b*c*d*", `v${"1".repeat(128)}`])("fails when the pattern is %j", (pattern) => {
    expect(patternProblems(pattern)).toEqual(["releaseTagPattern"]);
  });

  it.each(["*", "v*", "release-*", "2026.*", "*-rc*"])("accepts %j", (pattern) => {
    expect(patternProblems(pattern)).toEqual([]);
  });

  it("leaves a pattern only Terraform knows to Terraform: the rule is deferred, not a problem", () => {
    const app = new App();
    const stack = new ModuleStack(app, { ...ecrModule, build: () => ({}) });
    const pattern = new TerraformVariable(stack, "pattern", { type: "string" }).stringValue;
    const p = new ProblemCollector("test");
    const { deferred } = recordDeferredChecks(() => checkReleaseTagPattern(p, "releaseTagPattern", pattern));
    expect(p.problems).toEqual([]);
    expect(deferred.map((d) => d.field)).toEqual(["releaseTagPattern"]);
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
      expect(policy).toContain("var.release_tag_pattern");
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
