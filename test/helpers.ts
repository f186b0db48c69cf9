import { ClusterConfig, EnvironmentConfig } from "@qod/core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Synthesized Terraform JSON, as far as tests read it. */
export interface TfJson {
  terraform?: Record<string, any>;
  provider?: Record<string, any[]>;
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
}

/** The resources of one type, as a list (empty when there are none). */
export function resources(json: TfJson, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The one resource of `type`; fails the test when there is not exactly one. */
export function onlyResource(json: TfJson, type: string): any {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

export function freshDir(prefix = "qod-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A valid non-production config to derive bad ones from. */
export function devConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return {
    project: "qod",
    name: "dev",
    production: false,
    accountId: "111111111111",
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    vpcCidr: "10.10.0.0/16",
    natGateways: "single",
    domain: "dev.example.com",
    flowLogRetentionDays: 30,
    tags: { owner: "platform-team" },
    state: {
      bucket: "qod-tfstate-111111111111-eu-west-1",
      region: "eu-west-1",
      kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/qod-tfstate",
    },
    cluster: {
      kubernetesVersion: "1.35",
      endpointPublicAccessCidrs: ["203.0.113.0/24"],
      adminPrincipalArns: ["arn:aws:iam::111111111111:role/platform-admin"],
      logRetentionDays: 30,
      nodeGroups: { general: { instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 2, maxSize: 4 } },
    },
    ...overrides,
  };
}

/** A valid production config. */
export function prodConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return devConfig({
    name: "prod",
    production: true,
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    vpcCidr: "10.20.0.0/16",
    natGateways: "per-az",
    domain: "example.com",
    flowLogRetentionDays: 365,
    cluster: {
      kubernetesVersion: "1.35",
      endpointPublicAccessCidrs: [],
      adminPrincipalArns: ["arn:aws:iam::111111111111:role/platform-admin"],
      logRetentionDays: 365,
      nodeGroups: { general: { instanceTypes: ["m6i.large"], minSize: 3, desiredSize: 3, maxSize: 10 } },
    },
    ...overrides,
  });
}

/** A cluster config with `patch` applied on top of `base`'s. */
export function withCluster(base: EnvironmentConfig, patch: Partial<ClusterConfig>): EnvironmentConfig {
  return { ...base, cluster: { ...base.cluster, ...patch } };
}
