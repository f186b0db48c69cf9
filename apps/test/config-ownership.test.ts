import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupPlan } from "@qod/backup";
import { Naming, Problem, ValidationError } from "@qod/core";
import { ContainerRegistry } from "@qod/ecr";
import { EksCluster } from "@qod/eks";
import { PostgresDatabase } from "@qod/rds";
import { Network } from "@qod/vpc";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { devConfig, prodConfig } from "../../test/helpers";
import { EnvironmentConfig, findConfigProblems } from "../shared/environment-config";

/**
 * Each package owns its config section's rules, and its constructs check their props with the
 * same rule functions: for a bad value, the config validation (at the edge) and the construct
 * built from that config (in the package) refuse it with the same words.
 */

/** The problems a construct built in a fresh stack reports (empty when it builds). */
function constructProblems(build: (scope: Construct) => void): readonly Problem[] {
  try {
    Testing.synthScope(build);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  return [];
}

/** What is allowed, per problem of `field` exactly. */
function allowedFor(problems: readonly Problem[], field: string): string[] {
  return problems.filter((p) => p.field === field).map((p) => p.allowed);
}

const naming = (config: EnvironmentConfig) => new Naming(config.project, config.name);

/** The constructs, built from a config the way `InfraStack` builds them. */
const build = {
  network: (c: EnvironmentConfig) => (scope: Construct) =>
    new Network(scope, "Network", {
      naming: naming(c),
      cidr: c.vpcCidr,
      availabilityZones: c.availabilityZones,
      natGateways: c.natGateways,
      flowLogRetentionDays: c.flowLogRetentionDays,
    }),
  cluster: (c: EnvironmentConfig) => (scope: Construct) => {
    const cluster = new EksCluster(scope, "Cluster", {
      naming: naming(c),
      kubernetesVersion: c.cluster.kubernetesVersion,
      subnetIds: c.availabilityZones.map((zone) => `subnet-${zone}`),
      endpointPublicAccessCidrs: c.cluster.endpointPublicAccessCidrs,
      privateEndpointAccess: c.cluster.privateEndpointAccess,
      adminPrincipalArns: c.cluster.adminPrincipalArns,
      logRetentionDays: c.cluster.logRetentionDays,
      production: c.production,
      karpenterDiscovery: c.cluster.karpenterDiscovery,
    });
    for (const [name, group] of Object.entries(c.cluster.nodeGroups)) cluster.addNodeGroup(name, group);
  },
  registry: (c: EnvironmentConfig) => (scope: Construct) =>
    new ContainerRegistry(scope, "Registry", {
      naming: naming(c),
      repositories: c.registry.repositories,
      untaggedImageExpiryDays: c.registry.untaggedImageExpiryDays,
      keepReleaseImages: c.registry.keepReleaseImages,
      region: c.region,
      production: c.production,
    }),
  database: (c: EnvironmentConfig) => (scope: Construct) =>
    new PostgresDatabase(scope, "Database", {
      naming: naming(c),
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      allowedSecurityGroups: { cluster: "sg-cluster" },
      ...c.database,
      production: c.production,
    }),
  backup: (c: EnvironmentConfig) => (scope: Construct) =>
    new BackupPlan(scope, "Backup", {
      naming: naming(c),
      region: c.region,
      rules: c.backup.rules,
      drRegion: c.backup.drRegion,
      drProvider: c.backup.drRegion ? new AwsProvider(scope, "aws-dr", { alias: "dr", region: c.backup.drRegion }) : undefined,
      vaultLock: c.backup.vaultLock,
      notificationEmails: c.backup.notificationEmails,
      production: c.production,
    }),
};

describe("config sections and constructs share their rules", () => {
  const dev = devConfig();
  const prod = prodConfig();

  it.each<[string, EnvironmentConfig, keyof typeof build, string, string]>([
    ["a public VPC range", { ...dev, vpcCidr: "8.8.0.0/16" }, "network", "dev.vpcCidr", "cidr"],
    ["a VPC CIDR with host bits", { ...dev, vpcCidr: "10.10.1.0/16" }, "network", "dev.vpcCidr", "cidr"],
    ["a zone listed twice", { ...dev, availabilityZones: ["eu-west-1a", "eu-west-1a"] }, "network", "dev.availabilityZones[1]", "availabilityZones[1]"],
    ["a flow-log retention CloudWatch refuses", { ...dev, flowLogRetentionDays: 42 }, "network", "dev.flowLogRetentionDays", "flowLogRetentionDays"],
    ["an unsupported Kubernetes version", { ...dev, cluster: { ...dev.cluster, kubernetesVersion: "1.27" } }, "cluster", "dev.cluster.kubernetesVersion", "kubernetesVersion"],
    ["a world-open API endpoint in production", { ...prod, cluster: { ...prod.cluster, endpointPublicAccessCidrs: ["0.0.0.0/0"] } }, "cluster", "prod.cluster.endpointPublicAccessCidrs[0]", "endpointPublicAccessCidrs[0]"],
    ["a private endpoint open to the world", { ...dev, cluster: { ...dev.cluster, privateEndpointAccess: { cidrs: ["0.0.0.0/0"] } } }, "cluster", "dev.cluster.privateEndpointAccess.cidrs[0]", "privateEndpointAccess.cidrs[0]"],
    ["a production private-only endpoint nobody can reach", { ...prod, cluster: { ...prod.cluster, endpointPublicAccessCidrs: [], privateEndpointAccess: undefined } }, "cluster", "prod.cluster.privateEndpointAccess", "privateEndpointAccess"],
    [
      "a node group AMI release of another minor",
      { ...dev, cluster: { ...dev.cluster, nodeGroups: { general: { instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2, releaseVersion: "1.20.0-20251120" } } } },
      "cluster",
      "dev.cluster.nodeGroups.general.releaseVersion",
      "general.releaseVersion",
    ],
    [
      "a node group whose minimum exceeds its maximum",
      { ...dev, cluster: { ...dev.cluster, nodeGroups: { general: { instanceTypes: ["t3.medium"], minSize: 5, desiredSize: 5, maxSize: 4 } } } },
      "cluster",
      "dev.cluster.nodeGroups.general.minSize",
      "general.minSize",
    ],
    ["images kept no day", { ...dev, registry: { ...dev.registry, untaggedImageExpiryDays: 0 } }, "registry", "dev.registry.untaggedImageExpiryDays", "untaggedImageExpiryDays"],
    ["a repository listed twice", { ...dev, registry: { ...dev.registry, repositories: ["ui", "ui"] } }, "registry", "dev.registry.repositories[1]", "repositories[1]"],
    ["a Performance Insights retention RDS refuses", { ...dev, database: { ...dev.database, performanceInsightsRetentionDays: 30 } }, "database", "dev.database.performanceInsightsRetentionDays", "performanceInsightsRetentionDays"],
    ["a snapshot that is not an RDS snapshot", { ...dev, database: { ...dev.database, restoreFromSnapshot: "s3://bucket/dump.sql" } }, "database", "dev.database.restoreFromSnapshot", "restoreFromSnapshot"],
    ["a production database without a standby", { ...prod, database: { ...prod.database, multiAz: false } }, "database", "prod.database.multiAz", "database.multiAz"],
    ["a vault lock longer than a rule keeps points", { ...prod, backup: { ...prod.backup, vaultLock: { minRetentionDays: 40, maxRetentionDays: 400 } } }, "backup", "prod.backup.vaultLock.minRetentionDays", "vaultLock.minRetentionDays"],
    ["deletion protection outside production", { ...dev, database: { ...dev.database, deletionProtection: true } }, "database", "dev.database.deletionProtection", "database.deletionProtection"],
    ["a vault lock outside production", { ...dev, backup: { ...dev.backup, vaultLock: { minRetentionDays: 7, maxRetentionDays: 30 } } }, "backup", "dev.backup.vaultLock", "vaultLock"],
    ["production that tells nobody about failed jobs", { ...prod, backup: { ...prod.backup, notificationEmails: [] } }, "backup", "prod.backup.notificationEmails", "notificationEmails"],
    ["a notification address that is not one", { ...dev, backup: { ...dev.backup, notificationEmails: ["ops"] } }, "backup", "dev.backup.notificationEmails[0]", "notificationEmails[0]"],
  ])("%s is refused by the config and by the construct in the same words", (_, config, section, configField, propField) => {
    // GIVEN one bad value in a config
    // WHEN the config is validated and, separately, the construct is built from it
    const atTheEdge = allowedFor(findConfigProblems(config), configField);
    const inThePackage = allowedFor(constructProblems(build[section](config)), propField);
    // THEN both refuse it, saying the same about what is allowed
    expect(atTheEdge.length).toBeGreaterThan(0);
    expect(inThePackage).toEqual(atTheEdge);
  });

  it.each(Object.keys(build) as (keyof typeof build)[])("the %s construct builds from the valid dev and prod configs", (section) => {
    expect(constructProblems(build[section](dev))).toEqual([]);
    expect(constructProblems(build[section](prod))).toEqual([]);
  });
});
