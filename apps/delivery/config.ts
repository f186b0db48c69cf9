import type { DeliveryConfig } from "@qod/delivery";

/**
 * The delivery pipeline (README, Delivery): the GitHub repository whose workflows assume the
 * environment roles, and how each environment is applied. Replace the repository with yours.
 */
export const delivery: DeliveryConfig = {
  repository: "example-org/qod-platform",
  environments: {
    // Every push to main applies dev.
    dev: { apply: { branch: "main" } },
    // The same commit, after a reviewer approves the `prod` GitHub environment. prod's cluster
    // endpoint is private: its jobs run on a self-hosted runner in the admin network.
    prod: { apply: { environment: "prod" }, runsOn: ["self-hosted", "linux", "qod-prod-admin"] },
  },
  images: {
    "qod-api": { dockerfile: "docker/qod-api/Dockerfile" },
    ui: { dockerfile: "docker/ui/Dockerfile" },
  },
};
