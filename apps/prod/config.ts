import type { EnvironmentConfig } from "@qod/core";
import { bootstrap } from "../bootstrap/config";
import { stateBackendOf } from "../bootstrap/state-bucket-stack";

/** Production: three zones, a NAT gateway per zone, a year of flow logs. */
export const prod: EnvironmentConfig = {
  project: "qod",
  name: "prod",
  production: true,
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcCidr: "10.20.0.0/16",
  natGateways: "per-az",
  domain: "qod.example.com",
  flowLogRetentionDays: 365,
  tags: { owner: "platform-team", "cost-center": "qod-prod" },
  state: stateBackendOf(bootstrap),
};
