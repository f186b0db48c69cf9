import { Problem, ProblemCollector } from "@qod/core";
import { describe, expect, it } from "vitest";
import { checkDeliveryConfig, DeliveryConfig, DeliveryContext, DeliveryTarget, EnvironmentDelivery, githubOidcProviderArn } from "../src";

const ACCOUNT = "111111111111";
const dev: DeliveryTarget = { name: "dev", production: false, accountId: ACCOUNT, privateClusterEndpoint: false };
const prod: DeliveryTarget = { name: "prod", production: true, accountId: ACCOUNT, privateClusterEndpoint: true };
const targets = [dev, prod];
const context: DeliveryContext = { accountId: ACCOUNT };

const valid: DeliveryConfig = {
  repository: "example-org/qod-platform",
  environments: {
    dev: { apply: { branch: "main" } },
    prod: { apply: { environment: "prod" }, runsOn: ["self-hosted", "linux"] },
  },
  images: { "qod-api": { dockerfile: "docker/qod-api/Dockerfile" }, ui: { dockerfile: "docker/ui/Dockerfile" } },
};

function problems(config: unknown, environments: readonly DeliveryTarget[] = targets, ctx: DeliveryContext | undefined = context): readonly Problem[] {
  const p = new ProblemCollector("delivery");
  checkDeliveryConfig(p, "delivery", config as DeliveryConfig, environments, ctx);
  return p.problems;
}

const withEnvironment = (name: string, entry: unknown): DeliveryConfig => ({ ...valid, environments: { ...valid.environments, [name]: entry as EnvironmentDelivery } });

/** The one problem found; fails unless there is exactly one. */
function onlyProblem(config: unknown, environments?: readonly DeliveryTarget[], ctx?: DeliveryContext): Problem {
  const found = problems(config, environments, ctx);
  expect(found, JSON.stringify(found)).toHaveLength(1);
  return found[0];
}

describe("checkDeliveryConfig", () => {
  it("accepts the valid config, with and without the account context", () => {
    expect(problems(valid)).toEqual([]);
    expect(problems(valid, targets, undefined)).toEqual([]);
  });

  it("fails when the section is missing", () => {
    expect(onlyProblem(undefined)).toMatchObject({ field: "delivery", given: undefined, allowed: expect.stringContaining("repository") });
  });

  describe("repository", () => {
    it.each(["example-org/qod-platform", "a/b", "A-b-9/x.y_z-1", `${"o".repeat(39)}/${"n".repeat(100)}`, "octo/.github"])("accepts %s", (repository) => {
      expect(problems({ ...valid, repository })).toEqual([]);
    });

    it.each([
      ["no owner", "qod-platform"],
      ["a wildcard name", "example-org/*"],
      ["a wildcard owner", "*/qod-platform"],
      ["a pattern", "example-org/qod-?"],
      ["three parts", "example-org/qod/platform"],
      ["an owner starting with a hyphen", "-org/qod"],
      ["an owner with a double hyphen", "my--org/qod"],
      ["an owner of 40 characters", `${"o".repeat(40)}/qod`],
      ["a name of 101 characters", `org/${"n".repeat(101)}`],
      ["the name '.'", "org/."],
      ["the name '..'", "org/.."],
      ["a URL", "https://github.com/example-org/qod-platform"],
      ["a space", "example-org/qod platform"],
      ["an empty name", "example-org/"],
      ["a number", 42],
    ])("fails when the repository has %s", (_, repository) => {
      const problem = onlyProblem({ ...valid, repository });
      expect(problem).toMatchObject({ field: "delivery.repository", given: repository });
      expect(problem.allowed).toMatch(/owner\/name.*no wildcards/);
    });
  });

  describe("environments", () => {
    it("fails when an environment of the platform has no entry (an environment without an apply role)", () => {
      const { prod: _prod, ...onlyDev } = valid.environments;
      const problem = onlyProblem({ ...valid, environments: onlyDev });
      expect(problem).toMatchObject({ field: "delivery.environments.prod", given: undefined });
      expect(problem.allowed).toMatch(/every environment needs an apply role/);
      expect(problem.allowed).toContain("environment"); // prod is production: a GitHub environment
    });

    it("fails when an entry names an environment the platform does not have", () => {
      const problem = onlyProblem(withEnvironment("staging", { apply: { branch: "main" } }));
      expect(problem).toMatchObject({ field: "delivery.environments.staging", given: "staging" });
      expect(problem.allowed).toContain("dev, prod");
    });

    it("fails when environments is not an object, or an entry is not one", () => {
      expect(onlyProblem({ ...valid, environments: [] as never })).toMatchObject({ field: "delivery.environments" });
      expect(onlyProblem({ ...valid, environments: undefined })).toMatchObject({ field: "delivery.environments", given: undefined });
      expect(onlyProblem(withEnvironment("dev", "main"))).toMatchObject({ field: "delivery.environments.dev", given: "main" });
    });
  });

  describe("apply", () => {
    it.each(["main", "release/2026", "hotfix-1.2", "feature_x", "a/b/c"])("accepts the branch %s outside production", (branch) => {
      expect(problems(withEnvironment("dev", { apply: { branch } }))).toEqual([]);
    });

    it.each(["main*", "release/*", "release/**", "v?", "[mr]ain", "{main,dev}", "!main", "main+"])("fails when the branch %s has a wildcard or pattern character", (branch) => {
      const problem = onlyProblem(withEnvironment("dev", { apply: { branch } }));
      expect(problem).toMatchObject({ field: "delivery.environments.dev.apply.branch", given: branch });
      expect(problem.allowed).toMatch(/without wildcards/);
    });

    it.each([
      ["empty", ""],
      ["a space", "my branch"],
      ["'..'", "a..b"],
      ["a trailing '/'", "release/"],
      ["a leading '/'", "/main"],
      ["'//'", "a//b"],
      ["a trailing '.'", "main."],
      ["a '.lock' component", "main.lock"],
      ["a component starting with '.'", "release/.x"],
      ["a ':'", "repo:main"],
      ["a '~'", "main~1"],
      ["a '^'", "main^"],
      ["a backslash", "a\\b"],
      ["a leading '-'", "-main"],
      ["a full ref", "refs/heads/main"],
      ["'@' alone", "@"],
      ["256 characters", "b".repeat(256)],
    ])("fails when the branch is not one git accepts: %s", (_, branch) => {
      const problem = onlyProblem(withEnvironment("dev", { apply: { branch } }));
      expect(problem).toMatchObject({ field: "delivery.environments.dev.apply.branch", given: branch });
      expect(problem.allowed).toMatch(/a branch name git accepts/);
    });

    it.each([
      ["neither branch nor environment", {}],
      ["both branch and environment", { branch: "main", environment: "dev" }],
      ["nothing", undefined],
    ])("fails when apply has %s", (_, apply) => {
      const problem = onlyProblem(withEnvironment("dev", { apply }));
      expect(problem).toMatchObject({ field: "delivery.environments.dev.apply", given: apply });
      expect(problem.allowed).toMatch(/exactly one of the two/);
    });

    it("fails when apply has a key it does not know", () => {
      const problem = problems(withEnvironment("dev", { apply: { branch: "main", tag: "v1" } }));
      expect(problem).toEqual([expect.objectContaining({ field: "delivery.environments.dev.apply.tag", given: "v1" })]);
    });

    it("fails when a production environment applies from a branch, not a GitHub environment", () => {
      const problem = onlyProblem(withEnvironment("prod", { apply: { branch: "main" }, runsOn: ["self-hosted"] }));
      expect(problem).toMatchObject({ field: "delivery.environments.prod.apply.branch", given: "main" });
      expect(problem.allowed).toMatch(/production environment is applied only through a GitHub environment/);
    });

    it.each(["prod", "production-eu", "Prod_1.x"])("accepts the GitHub environment %s", (environment) => {
      expect(problems(withEnvironment("prod", { apply: { environment }, runsOn: ["self-hosted"] }))).toEqual([]);
    });

    it.each(["prod*", "*", "pr?d", "prod env", "", "-prod", "e".repeat(256)])("fails when the GitHub environment is %j", (environment) => {
      const problem = onlyProblem(withEnvironment("prod", { apply: { environment }, runsOn: ["self-hosted"] }));
      expect(problem).toMatchObject({ field: "delivery.environments.prod.apply.environment", given: environment });
      expect(problem.allowed).toMatch(/GitHub environment name.*no wildcards/);
    });
  });

  describe("runsOn", () => {
    it.each([
      ["an empty list", []],
      ["an empty label", ["self-hosted", ""]],
      ["a label with spaces around it", ["self-hosted", " linux"]],
      ["a string, not a list", "self-hosted"],
      ["a number label", ["self-hosted", 3]],
    ])("fails when runsOn is %s", (_, runsOn) => {
      const found = problems(withEnvironment("dev", { apply: { branch: "main" }, runsOn }));
      expect(found).toEqual([expect.objectContaining({ field: "delivery.environments.dev.runsOn", given: runsOn, allowed: expect.stringMatching(/non-empty list of runner labels/) })]);
    });

    it("fails when an environment whose cluster endpoint is private runs on GitHub-hosted runners (the default or named)", () => {
      for (const runsOn of [undefined, ["ubuntu-24.04"]]) {
        const problem = onlyProblem(withEnvironment("prod", { apply: { environment: "prod" }, runsOn }));
        expect(problem).toMatchObject({ field: "delivery.environments.prod.runsOn", given: runsOn });
        expect(problem.allowed).toMatch(/self-hosted.*endpointPublicAccessCidrs is empty.*GitHub-hosted runners cannot reach it/);
      }
    });

    it("lets an environment with a public endpoint run on GitHub-hosted runners", () => {
      expect(problems(valid, [dev, { ...prod, privateClusterEndpoint: false }])).toEqual([]);
      expect(problems(withEnvironment("prod", { apply: { environment: "prod" } }), [dev, { ...prod, privateClusterEndpoint: false }])).toEqual([]);
    });
  });

  describe("accounts", () => {
    it("fails when an environment lives in another account than the ci stack", () => {
      const problem = onlyProblem(valid, [dev, { ...prod, accountId: "222222222222" }]);
      expect(problem).toMatchObject({ field: "prod.accountId", given: "222222222222" });
      expect(problem.allowed).toMatch(new RegExp(`^${ACCOUNT}, the account of the ci stack .*not supported`));
    });

    it("accepts an existing provider in the ci stack's account, and fails on any other", () => {
      expect(problems({ ...valid, oidcProviderArn: githubOidcProviderArn(ACCOUNT) })).toEqual([]);
      for (const arn of [githubOidcProviderArn("222222222222"), "arn:aws:iam::111111111111:oidc-provider/example.com"]) {
        const problem = onlyProblem({ ...valid, oidcProviderArn: arn });
        expect(problem).toMatchObject({ field: "delivery.oidcProviderArn", given: arn, allowed: expect.stringContaining(githubOidcProviderArn(ACCOUNT)) });
      }
    });
  });

  it("reports every problem at once", () => {
    const found = problems({ repository: "*/*", environments: { dev: { apply: { branch: "*" } }, qa: { apply: { branch: "main" } } }, images: {} });
    expect(found.map((p) => p.field)).toEqual(["delivery.repository", "delivery.environments.prod", "delivery.environments.dev.apply.branch", "delivery.environments.qa"]);
  });
});
