import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { configureS3Backend, MANAGED_BY, Problem, ProblemCollector, RequiredTagsAspect, stateKey, VERSIONS } from "@qod/core";
import {
  checkDeliveryConfig,
  DELIVERY_PURPOSES,
  DeliveryConfig,
  DeliveryRoles,
  DeliveryScope,
  DeliveryTarget,
  GithubOidcProvider,
  terraformTypesOf,
} from "@qod/delivery";
import { Aspects, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { BootstrapConfig, stateBackendOf } from "../bootstrap/state-bucket-stack";
import type { EnvironmentConfig } from "../shared/environment-config";
import type { EnvironmentStacks } from "../shared/platform";

/**
 * What the delivery rules read of an environment's config. Tolerates an invalid config (the
 * environment's own validation reports that): a missing list reads as "not private".
 */
export function deliveryTarget(config: EnvironmentConfig): DeliveryTarget {
  const publicCidrs = config?.cluster?.endpointPublicAccessCidrs;
  return {
    name: config?.name,
    production: config?.production === true,
    accountId: config?.accountId,
    privateClusterEndpoint: Array.isArray(publicCidrs) && publicCidrs.length === 0,
  };
}

/** Every problem of the `delivery` section against the platform's environments and the bootstrap account (empty when valid). */
export function findDeliveryProblems(delivery: DeliveryConfig, environments: readonly EnvironmentConfig[], bootstrap: Pick<BootstrapConfig, "accountId">): readonly Problem[] {
  const p = new ProblemCollector("delivery config");
  checkDeliveryConfig(p, "delivery", delivery, environments.map(deliveryTarget), { accountId: bootstrap?.accountId });
  return p.problems;
}

/** The ci stack's name, and the state "environment" its key lives under: `shared/ci.tfstate`. */
export const CI_STACK_NAME = "ci";
export const CI_STATE_ENVIRONMENT = "shared";

/** One environment as the ci stack sees it: its config and its composed stacks. */
export interface ComposedEnvironment {
  readonly config: EnvironmentConfig;
  readonly stacks: EnvironmentStacks;
  /** The same stacks in apply order (`applyOrder` of apps/shared/platform.ts). */
  readonly applyOrder: readonly TerraformStack[];
}

/**
 * What an environment's delivery roles may touch, derived from its config and its composed stacks:
 * the stacks in apply order, their state keys, the repositories the infra stack creates, and every
 * resource and data source type the stacks hold (so the roles follow the stacks).
 */
export function deliveryScope({ config, stacks, applyOrder }: ComposedEnvironment): DeliveryScope {
  const ordered = [...applyOrder];
  return {
    project: config.project,
    environment: config.name,
    accountId: config.accountId,
    region: config.region,
    state: config.state,
    stacks: ordered.map((stack) => stack.node.id),
    repositories: config.registry.replicasOf ? [] : config.registry.repositories.map((service) => `${stacks.infra.registry.repositoryPrefix}/${service}`),
    hostedZoneId: config.hostedZone?.id ?? "",
    resourceTypes: terraformTypesOf(...ordered),
  };
}

export interface CiStackProps {
  readonly bootstrap: BootstrapConfig;
  readonly delivery: DeliveryConfig;
  /** Every environment, composed first: each gets its roles, scoped to what its stacks hold. */
  readonly environments: readonly ComposedEnvironment[];
}

/**
 * `ci`: the delivery pipeline's AWS identities (ADR 0006): GitHub's OIDC provider (unless the
 * account has one, `delivery.oidcProviderArn`) and each environment's plan, apply and push roles
 * ({@link DeliveryRoles}). Lives in the bootstrap account, its state at `shared/ci.tfstate` in the
 * state bucket; applied by an administrator after `bootstrap` and before any environment (the infra
 * stacks give the roles access entries), never from CI: the pipeline cannot widen its own rights.
 */
export class CiStack extends TerraformStack {
  /** The provider the roles trust: created here, or the account's existing one. */
  public readonly oidcProviderArn: string;
  public readonly oidcProvider?: GithubOidcProvider;
  /** Each environment's roles, by environment name. */
  public readonly roles: Readonly<Record<string, DeliveryRoles>>;
  /** What each environment's roles were scoped to, by environment name. */
  public readonly scopes: Readonly<Record<string, DeliveryScope>>;

  constructor(scope: Construct, props: CiStackProps) {
    super(scope, CI_STACK_NAME);
    const { bootstrap, delivery } = props;
    new AwsProvider(this, "aws", {
      region: bootstrap.region,
      allowedAccountIds: [bootstrap.accountId],
      defaultTags: [{ tags: { project: bootstrap.project, environment: CI_STATE_ENVIRONMENT, "managed-by": MANAGED_BY, ...bootstrap.tags } }],
    });
    configureS3Backend(this, stateBackendOf(bootstrap), CI_STATE_ENVIRONMENT, CI_STACK_NAME);
    this.addOverride("terraform.required_version", VERSIONS.terraform.version);
    Aspects.of(this).add(new RequiredTagsAspect());

    if (delivery.oidcProviderArn === undefined) {
      this.oidcProvider = new GithubOidcProvider(this, "GithubOidcProvider");
      this.oidcProviderArn = this.oidcProvider.arn;
    } else this.oidcProviderArn = delivery.oidcProviderArn;
    new TerraformOutput(this, "github_oidc_provider_arn", { value: this.oidcProviderArn, description: "IAM OIDC provider of GitHub Actions the delivery roles trust" });

    const roles: Record<string, DeliveryRoles> = {};
    const scopes: Record<string, DeliveryScope> = {};
    for (const environment of props.environments) {
      const { config } = environment;
      const entry = delivery.environments[config.name];
      scopes[config.name] = deliveryScope(environment);
      roles[config.name] = new DeliveryRoles(this, `Delivery-${config.name}`, {
        repository: delivery.repository,
        providerArn: this.oidcProviderArn,
        apply: entry.apply,
        production: config.production,
        scope: scopes[config.name],
        // Addresses without the path hash, `data.Delivery-<env>_<purpose>-<n>-document`: the skip
        // list names them once for every environment (`ci/data.Delivery-{env}_…`).
        documentLogicalId: (purpose, n) => `Delivery-${config.name}_${purpose}-${n}-document`,
      });
      for (const purpose of DELIVERY_PURPOSES) {
        new TerraformOutput(this, `${config.name}_${purpose}_role_arn`, {
          value: roles[config.name].roles[purpose].arn,
          description: `Role the ${purpose} jobs of ${config.name} assume (trusts ${roles[config.name].subjects[purpose]})`,
        });
      }
    }
    this.roles = roles;
    this.scopes = scopes;
  }
}

/** The state key of the ci stack in the bootstrap bucket. */
export const CI_STATE_KEY = stateKey(CI_STATE_ENVIRONMENT, CI_STACK_NAME);
