import { type EnvironmentConfig, VERSIONS } from "@qod/core";
import { bootstrap } from "../bootstrap/config";
import { stateBackendOf } from "../bootstrap/state-bucket-stack";

/** Production: three zones, a NAT gateway per zone, private API endpoint, a year of logs. */
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
  cluster: {
    kubernetesVersion: VERSIONS.eks.kubernetes.version,
    // Private endpoint only: kubectl and the platform stack run from inside the VPC (VPN or SSM).
    endpointPublicAccessCidrs: [],
    adminPrincipalArns: ["arn:aws:iam::111111111111:role/platform-admin"],
    logRetentionDays: 365,
    nodeGroups: {
      general: { instanceTypes: ["m6i.large"], minSize: 3, desiredSize: 3, maxSize: 10, diskSizeGiB: 80 },
    },
  },
};
