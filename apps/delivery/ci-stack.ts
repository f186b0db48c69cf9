import { Problem, ProblemCollector } from "@qod/core";
import { checkDeliveryConfig, DeliveryConfig, DeliveryTarget } from "@qod/delivery";
import type { BootstrapConfig } from "../bootstrap/state-bucket-stack";
import type { EnvironmentConfig } from "../shared/environment-config";

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
