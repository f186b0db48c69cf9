import { checkSectionObject, ProblemCollector } from "@qod/core";
import { ApplyTrigger, DeliveryConfig, EnvironmentDelivery, GITHUB_OIDC_HOST } from "./config";

/**
 * What the delivery rules need to know of one environment of the platform. The apps derive it
 * from the environment's config (its cluster and registry sections belong to other packages).
 */
export interface DeliveryTarget {
  readonly name: string;
  /** Production rules apply: the environment is applied only through a GitHub environment. */
  readonly production: boolean;
  /** The account the environment is deployed to. */
  readonly accountId: string;
  /**
   * The cluster's API endpoint admits no public range (`cluster.endpointPublicAccessCidrs` empty):
   * only runners inside the admin network (`cluster.privateEndpointAccess`) reach it.
   */
  readonly privateClusterEndpoint: boolean;
}

/** Where the delivery identities live. */
export interface DeliveryContext {
  /** The account of the `ci` stack (the bootstrap account): the OIDC provider and every role are created there. */
  readonly accountId: string;
}

/** GitHub owner (user or organization): letters, digits and single inner hyphens, 1-39 characters. */
export const GITHUB_OWNER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub repository name: letters, digits, `.`, `_` and `-`, 1-100 characters, not `.` or `..`. */
export const GITHUB_REPOSITORY_NAME_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
/** The repository rule, as error messages state it. */
export const REPOSITORY_RULE =
  "a GitHub repository as owner/name: the owner 1-39 letters, digits and single inner hyphens, the name 1-100 letters, digits, '.', '_' and '-' (not '.' or '..'); no wildcards: the roles trust exactly this one repository";

/**
 * Characters of GitHub's branch and tag filter patterns (`*`, `**`, `?`, `+`, `!`, `[...]`) and of
 * shell globs (`{a,b}`): a branch naming one of them reads as a pattern, not as one branch.
 */
export const BRANCH_PATTERN_CHARACTERS = ["*", "?", "[", "]", "{", "}", "!", "+"] as const;
const WILDCARD_RULE = `one branch, without wildcards or pattern characters (${BRANCH_PATTERN_CHARACTERS.join(" ")}): the apply and push roles trust exactly that branch`;

/** Why `branch` is not a branch name git accepts (`git check-ref-format --branch`), or undefined when it is. */
function gitBranchProblem(branch: string): string | undefined {
  if (branch.length === 0 || branch.length > 255) return "1-255 characters";
  if (/[\x00-\x20\x7f~^:\\]/.test(branch)) return "no spaces, control characters, '~', '^', ':' or '\\'";
  if (branch.includes("..") || branch.includes("@{") || branch === "@") return "no '..' or '@{', and not '@'";
  if (branch.startsWith("-")) return "not starting with '-'";
  if (branch.startsWith("/") || branch.endsWith("/") || branch.includes("//")) return "no empty path component (a leading, trailing or double '/')";
  if (branch.endsWith(".")) return "not ending with '.'";
  if (branch.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))) return "no path component starting with '.' or ending with '.lock'";
  if (branch.startsWith("refs/")) return "the branch's short name (main), not a ref (refs/heads/main)";
  return undefined;
}

/** Records a problem unless `branch` is one git branch name without wildcards. */
export function checkBranch(p: ProblemCollector, field: string, branch: unknown): void {
  if (typeof branch !== "string") {
    p.add(field, branch, `a branch name such as "main": ${WILDCARD_RULE}`);
    return;
  }
  if (BRANCH_PATTERN_CHARACTERS.some((c) => branch.includes(c))) {
    p.add(field, branch, WILDCARD_RULE);
    return;
  }
  const problem = gitBranchProblem(branch);
  if (problem) p.add(field, branch, `a branch name git accepts (${problem}), such as "main"`);
}

/** GitHub environment names as the roles accept them: letters, digits, `.`, `_`, `-`; 1-255 characters. */
export const GITHUB_ENVIRONMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** Records a problem unless `environment` is one GitHub environment name without wildcards. */
export function checkGithubEnvironment(p: ProblemCollector, field: string, environment: unknown): void {
  p.check(
    typeof environment === "string" && GITHUB_ENVIRONMENT_PATTERN.test(environment),
    field,
    environment,
    "a GitHub environment name such as \"prod\": 1-255 letters, digits, '.', '_' and '-', starting with a letter or digit; no wildcards: the roles trust exactly that environment",
  );
}

/** Records a problem unless `repository` is one GitHub `owner/name`. */
export function checkRepository(p: ProblemCollector, field: string, repository: unknown): void {
  const parts = typeof repository === "string" ? repository.split("/") : [];
  p.check(parts.length === 2 && GITHUB_OWNER_PATTERN.test(parts[0]) && GITHUB_REPOSITORY_NAME_PATTERN.test(parts[1]), field, repository, REPOSITORY_RULE);
}

/** Records a problem unless `apply` is exactly one of `{ branch }` and `{ environment }`, each valid. */
export function checkApplyTrigger(p: ProblemCollector, field: string, apply: unknown, production: boolean): apply is ApplyTrigger {
  const shape = production
    ? '{ environment: "<GitHub environment>" }: a production environment is applied only through a GitHub environment (its required reviewers approve), never straight from a branch'
    : '{ branch: "<branch>" } or { environment: "<GitHub environment>" }, exactly one of the two';
  if (!checkSectionObject(p, field, apply as object | undefined, shape)) return false;
  const trigger = apply as Record<string, unknown>;
  const keys = Object.keys(trigger);
  const unknown = keys.filter((key) => key !== "branch" && key !== "environment");
  for (const key of unknown) p.add(`${field}.${key}`, trigger[key], "nothing: apply takes { branch } or { environment }");
  const given = keys.filter((key) => key === "branch" || key === "environment");
  if (given.length !== 1) {
    p.add(field, apply, shape);
    return false;
  }
  if ("branch" in trigger) {
    if (production) {
      p.add(`${field}.branch`, trigger.branch, shape);
      return false;
    }
    checkBranch(p, `${field}.branch`, trigger.branch);
  } else checkGithubEnvironment(p, `${field}.environment`, trigger.environment);
  return true;
}

/** The label that routes a job to a self-hosted runner. */
export const SELF_HOSTED_LABEL = "self-hosted";

function checkRunsOn(p: ProblemCollector, field: string, runsOn: unknown, target: DeliveryTarget | undefined): void {
  if (runsOn !== undefined) {
    const labels = Array.isArray(runsOn) ? runsOn : [];
    p.check(
      labels.length > 0 && labels.every((label) => typeof label === "string" && label.trim() === label && label.length > 0),
      field,
      runsOn,
      'a non-empty list of runner labels, each a non-empty string without surrounding spaces, e.g. ["ubuntu-24.04"] or ["self-hosted", "linux"]',
    );
  }
  if (target?.privateClusterEndpoint && !(Array.isArray(runsOn) && runsOn.includes(SELF_HOSTED_LABEL))) {
    p.add(
      field,
      runsOn,
      `labels of a self-hosted runner ("${SELF_HOSTED_LABEL}", …) inside ${target.name}'s admin network: its cluster endpoint is private (cluster.endpointPublicAccessCidrs is empty) and GitHub-hosted runners cannot reach it`,
    );
  }
}

/** Records a problem unless `value` is an object keyed by name (not a list). */
function isRecord<T extends object>(p: ProblemCollector, field: string, value: T | undefined, shape: string): value is T {
  return p.check(value !== null && typeof value === "object" && !Array.isArray(value), field, value, shape);
}

/** The IAM OIDC provider ARN of GitHub Actions in `accountId`. */
export function githubOidcProviderArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * Checks the `delivery` section against the platform's environments: the repository, one entry
 * per environment (and none for an unknown one), each with one valid apply trigger and runner
 * labels that can reach its cluster, and every environment in the account of the delivery
 * identities (`images` has its own rule, `checkBuiltImages`). Problems go to `p`, fields under
 * `field` (e.g. `delivery`).
 */
export function checkDeliveryConfig(
  p: ProblemCollector,
  field: string,
  config: DeliveryConfig | undefined,
  environments: readonly DeliveryTarget[],
  context?: DeliveryContext,
): void {
  if (!checkSectionObject(p, field, config, "{ repository, environments, images }")) return;
  checkRepository(p, `${field}.repository`, config.repository);

  const byName = new Map(environments.map((e) => [e.name, e]));
  const entries = config.environments;
  if (isRecord(p, `${field}.environments`, entries, `{ <environment>: { apply, runsOn? } } for ${[...byName.keys()].join(", ")}`)) {
    for (const target of environments) {
      if (!Object.hasOwn(entries, target.name)) {
        p.add(
          `${field}.environments.${target.name}`,
          undefined,
          `an entry { apply: ${target.production ? '{ environment: "<GitHub environment>" }' : '{ branch: "main" } or { environment }'} }: every environment needs an apply role`,
        );
      }
    }
    for (const [name, entry] of Object.entries(entries) as [string, EnvironmentDelivery | undefined][]) {
      const f = `${field}.environments.${name}`;
      const target = byName.get(name);
      if (!target) {
        p.add(f, name, `an environment of the platform (${[...byName.keys()].join(", ")}): a role for an unknown environment could apply nothing`);
        continue;
      }
      if (!checkSectionObject(p, f, entry, "{ apply: { branch } or { environment }, runsOn? }")) continue;
      checkApplyTrigger(p, `${f}.apply`, entry.apply, target.production);
      checkRunsOn(p, `${f}.runsOn`, entry.runsOn, target);
    }
  }

  // One OIDC provider per account and the state bucket's account: the identities live in one account.
  if (context) {
    for (const target of environments) {
      if (target.accountId !== context.accountId) {
        p.add(
          `${target.name}.accountId`,
          target.accountId,
          `${context.accountId}, the account of the ci stack (bootstrap.accountId), while delivery is configured: the ci stack creates the OIDC provider and the roles there, and a role can only manage its own account (environments in other accounts need a ci stack per account: not supported, see docs/adr/0006)`,
        );
      }
    }
    if (config.oidcProviderArn !== undefined) {
      const expected = githubOidcProviderArn(context.accountId);
      p.check(config.oidcProviderArn === expected, `${field}.oidcProviderArn`, config.oidcProviderArn, `${expected} (GitHub's provider in the ci stack's account), or nothing to create it`);
    }
  }
}
