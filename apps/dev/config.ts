import type { EnvironmentConfig } from "@qod/core";
import { bootstrap } from "../bootstrap/config";
import { stateBackendOf } from "../bootstrap/state-bucket-stack";

/** Development: two zones, one NAT gateway, short retention. Cheap, not zone-fault-tolerant. */
export const dev: EnvironmentConfig = {
  project: "qod",
  name: "dev",
  production: false,
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr: "10.10.0.0/16",
  natGateways: "single",
  domain: "dev.qod.example.com",
  flowLogRetentionDays: 30,
  tags: { owner: "platform-team", "cost-center": "qod-dev" },
  state: stateBackendOf(bootstrap),
};
