/**
 * The `delivery` section of the platform definition: which GitHub repository's workflows may
 * assume the environment roles, and how each environment is reached from them. Its rules live
 * here (reporting through core's problem collector), next to the roles they shape.
 */

/** GitHub's OIDC issuer host: the provider URL is `https://<host>`, claims are `<host>:aud|sub`. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience `aws-actions/configure-aws-credentials` asks for. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** What a role is for. */
export type DeliveryPurpose = "plan" | "apply" | "push";
export const DELIVERY_PURPOSES: readonly DeliveryPurpose[] = ["plan", "apply", "push"];

/**
 * Who may apply an environment (and push its images): the workflow runs on one branch (dev:
 * every push to `main`), or its job runs in a GitHub environment (prod: `prod`, which carries
 * required reviewers). Exactly one of the two; no wildcards.
 */
export type ApplyTrigger = { readonly branch: string } | { readonly environment: string };

export interface EnvironmentDelivery {
  /** The branch or GitHub environment whose jobs may assume the apply and push roles. */
  readonly apply: ApplyTrigger;
  /**
   * `runs-on` labels of the environment's plan and apply jobs. A cluster with a private endpoint
   * only is reached from a self-hosted runner inside its admin network.
   * @default ["ubuntu-24.04"]
   */
  readonly runsOn?: readonly string[];
}

/** An image this repository builds: the ECR repository (in every environment) and its Dockerfile. */
export interface BuiltImage {
  /** Repository-relative Dockerfile; the build context is the repository root. */
  readonly dockerfile: string;
}

export interface DeliveryConfig {
  /** The GitHub repository, `owner/name`, whose workflows may assume the roles. No wildcards. */
  readonly repository: string;
  /** Per environment name: how its workflows reach AWS. Every environment needs an entry. */
  readonly environments: Readonly<Record<string, EnvironmentDelivery>>;
  /** The images the release workflow builds, by ECR repository name (e.g. `qod-api`). */
  readonly images: Readonly<Record<string, BuiltImage>>;
  /**
   * GitHub's OIDC provider when the account already has one (an account holds one provider per
   * URL): `arn:aws:iam::<ci account>:oidc-provider/token.actions.githubusercontent.com`. The
   * roles trust it and the ci stack creates none.
   * @default - the ci stack creates the provider
   */
  readonly oidcProviderArn?: string;
}

/** Runner labels when an environment names none. */
export const DEFAULT_RUNS_ON: readonly string[] = ["ubuntu-24.04"];

/** The name of an environment's delivery role: `<project>-<env>-github-<purpose>`. */
export function deliveryRoleName(project: string, environment: string, purpose: DeliveryPurpose): string {
  return `${project}-${environment}-github-${purpose}`;
}

/** The ARN of an environment's delivery role in `accountId`. */
export function deliveryRoleArn(accountId: string, project: string, environment: string, purpose: DeliveryPurpose): string {
  return `arn:aws:iam::${accountId}:role/${deliveryRoleName(project, environment, purpose)}`;
}

/** The `sub` claim of pull-request workflows of `repository`. */
export function pullRequestSubject(repository: string): string {
  return `repo:${repository}:pull_request`;
}

/** The `sub` claim of the jobs an {@link ApplyTrigger} admits. */
export function applySubject(repository: string, trigger: ApplyTrigger): string {
  return "branch" in trigger ? `repo:${repository}:ref:refs/heads/${trigger.branch}` : `repo:${repository}:environment:${trigger.environment}`;
}
