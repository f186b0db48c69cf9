import { describe, expect, it } from "vitest";
import { SUPPORTED_EKS_VERSIONS, ValidationError } from "@qod/core";
import { findConfigProblems, validateEnvironmentConfig, validateEnvironmentConfigs } from "../shared/environment-config";
import { devConfig, prodConfig, withCluster } from "../../test/helpers";

function problemFields(config: Parameters<typeof findConfigProblems>[0]): string[] {
  return findConfigProblems(config).map((p) => p.field);
}

describe("validateEnvironmentConfig", () => {
  it("accepts the reference dev and prod configs", () => {
    expect(findConfigProblems(devConfig())).toEqual([]);
    expect(findConfigProblems(prodConfig())).toEqual([]);
    expect(() => validateEnvironmentConfigs([devConfig(), prodConfig()])).not.toThrow();
  });

  it("names the field, the value given and what is allowed", () => {
    // GIVEN a public VPC range
    const config = devConfig({ vpcCidr: "8.8.0.0/16" });
    // WHEN validated THEN the message carries all three parts
    expect(() => validateEnvironmentConfig(config)).toThrow(
      /dev\.vpcCidr: got "8\.8\.0\.0\/16"; allowed: a private range inside 10\.0\.0\.0\/8/,
    );
  });

  it("reports every problem at once, not just the first", () => {
    const config = devConfig({ name: "Dev_1", region: "europe", vpcCidr: "10.0.0.0/24" });
    try {
      validateEnvironmentConfig(config);
      expect.fail("expected a ValidationError");
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const fields = (error as ValidationError).problems.map((p) => p.field);
      expect(fields).toEqual(expect.arrayContaining(["Dev_1.name", "Dev_1.region", "Dev_1.vpcCidr"]));
      expect((error as ValidationError).message).toMatch(/^Invalid environment config \(\d+ problems\)/);
    }
  });

  it.each([
    ["a CIDR that is not an address", "10.0.0/16"],
    ["a public range", "100.64.0.0/16"],
    ["a prefix wider than /16", "10.0.0.0/12"],
    ["a prefix narrower than /20", "10.0.0.0/22"],
    ["host bits set", "10.0.1.0/16"],
  ])("fails when the VPC CIDR is %s", (_, cidr) => {
    expect(problemFields(devConfig({ vpcCidr: cidr }))).toEqual(["dev.vpcCidr"]);
  });

  it("accepts every RFC 1918 range at /16 and /20", () => {
    for (const cidr of ["10.0.0.0/16", "172.16.0.0/16", "172.31.240.0/20", "192.168.0.0/16"]) {
      expect(problemFields(devConfig({ vpcCidr: cidr }))).toEqual([]);
    }
  });

  it("fails when there are fewer than two zones", () => {
    expect(problemFields(devConfig({ availabilityZones: ["eu-west-1a"] }))).toEqual(["dev.availabilityZones"]);
  });

  it("fails when there are more zones than the region has", () => {
    const problems = findConfigProblems(
      devConfig({ availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"] }),
    );
    expect(problems.map((p) => p.allowed)).toEqual(
      expect.arrayContaining([expect.stringMatching(/at most 3 zones: eu-west-1 has eu-west-1a, eu-west-1b, eu-west-1c/)]),
    );
  });

  it("fails when a zone is listed twice", () => {
    expect(problemFields(devConfig({ availabilityZones: ["eu-west-1a", "eu-west-1a"] }))).toEqual([
      "dev.availabilityZones[1]",
    ]);
  });

  it("fails when a zone belongs to another region", () => {
    expect(problemFields(devConfig({ availabilityZones: ["eu-west-1a", "us-east-1b"] }))).toEqual([
      "dev.availabilityZones[1]",
    ]);
  });

  it("fails when production has fewer than three zones", () => {
    const problems = findConfigProblems(prodConfig({ availabilityZones: ["eu-west-1a", "eu-west-1b"] }));
    expect(problems).toEqual([
      expect.objectContaining({ field: "prod.availabilityZones", allowed: expect.stringMatching(/at least 3 zones in production/) }),
    ]);
  });

  it("fails when production has a single NAT gateway", () => {
    expect(problemFields(prodConfig({ natGateways: "single" }))).toEqual(["prod.natGateways"]);
  });

  it.each(["Dev", "dev_1", "-dev", "d", "a-very-long-environment"])(
    "fails when the environment name is %j",
    (name) => {
      expect(problemFields(devConfig({ name }))).toEqual([`${name}.name`]);
    },
  );

  it.each(["eu-west", "EU-WEST-1", "euwest1", ""])("fails when the region is malformed: %j", (region) => {
    const fields = problemFields(devConfig({ region }));
    expect(fields).toContain("dev.region");
  });

  it("fails when the region is well formed but unknown, naming where to add it", () => {
    const problems = findConfigProblems(devConfig({ region: "ap-east-9", availabilityZones: ["ap-east-9a", "ap-east-9b"] }));
    expect(problems).toEqual([
      expect.objectContaining({ field: "dev.region", allowed: expect.stringContaining("REGION_ZONES") }),
    ]);
  });

  it("fails when the owner tag is missing", () => {
    const config = devConfig({ tags: {} as never });
    expect(problemFields(config)).toEqual(["dev.tags.owner"]);
  });

  it("fails when a derived tag is set by hand", () => {
    expect(problemFields(devConfig({ tags: { owner: "team", environment: "staging" } }))).toEqual([
      "dev.tags.environment",
    ]);
  });

  it("fails when a tag key uses the reserved aws: prefix", () => {
    expect(problemFields(devConfig({ tags: { owner: "team", "aws:foo": "x" } }))).toEqual(['dev.tags["aws:foo"]']);
  });

  it("fails when the account id is not 12 digits", () => {
    expect(problemFields(devConfig({ accountId: "1234" }))).toEqual(["dev.accountId"]);
  });

  it("fails when the flow-log retention is not a CloudWatch value, or short in production", () => {
    expect(problemFields(devConfig({ flowLogRetentionDays: 10 }))).toEqual(["dev.flowLogRetentionDays"]);
    expect(problemFields(prodConfig({ flowLogRetentionDays: 30 }))).toEqual(["prod.flowLogRetentionDays"]);
  });

  it("fails when the state backend is malformed", () => {
    const fields = problemFields(
      devConfig({ state: { bucket: "Bad_Bucket", region: "x", kmsKeyArn: "alias/qod" } }),
    );
    expect(fields).toEqual(["dev.state.bucket", "dev.state.region", "dev.state.kmsKeyArn"]);
  });

  it("fails when two environments share a name", () => {
    expect(() => validateEnvironmentConfigs([devConfig(), devConfig({ vpcCidr: "10.11.0.0/16" })])).toThrow(
      /environments\[1\]\.name: got "dev"; allowed: a name no other environment uses/,
    );
  });

  describe("cluster", () => {
    it("fails when there is no node group", () => {
      expect(problemFields(withCluster(devConfig(), { nodeGroups: {} }))).toEqual(["dev.cluster.nodeGroups"]);
    });

    it("fails when a node group name is not a short lowercase name", () => {
      const config = withCluster(devConfig(), {
        nodeGroups: { General_Nodes: { instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 } },
      });
      expect(problemFields(config)).toEqual(["dev.cluster.nodeGroups"]);
    });

    it("fails when the control-plane log retention is not a CloudWatch value", () => {
      expect(problemFields(withCluster(devConfig(), { logRetentionDays: 45 }))).toEqual(["dev.cluster.logRetentionDays"]);
    });

    it("fails when production keeps control-plane logs less than a year", () => {
      expect(problemFields(withCluster(prodConfig(), { logRetentionDays: 90 }))).toEqual(["prod.cluster.logRetentionDays"]);
      expect(problemFields(withCluster(devConfig(), { logRetentionDays: 90 }))).toEqual([]);
    });

    it("fails when a Fargate namespace is not a Kubernetes name", () => {
      expect(problemFields(withCluster(devConfig(), { fargateNamespaces: ["ok", "Not-OK"] }))).toEqual([
        "dev.cluster.fargateNamespaces[1]",
      ]);
    });

    it("fails when a node group's AMI release is of another Kubernetes minor than the cluster, naming both", () => {
      const config = devConfig();
      const [name, group] = Object.entries(config.cluster.nodeGroups)[0];
      const other = Object.keys(SUPPORTED_EKS_VERSIONS).find((minor) => minor !== config.cluster.kubernetesVersion)!;
      const problems = findConfigProblems(withCluster(config, { nodeGroups: { [name]: { ...group, releaseVersion: `${other}.2-20251120` } } }));
      expect(problems.map((p) => [p.field, p.given, p.allowed])).toEqual([
        [
          `dev.cluster.nodeGroups.${name}.releaseVersion`,
          `${other}.2-20251120`,
          expect.stringContaining(`a release of the cluster's kubernetesVersion ${config.cluster.kubernetesVersion} ("${other}.2-20251120" is for ${other})`),
        ],
      ]);
      const same = `${config.cluster.kubernetesVersion}.2-20251120`;
      expect(problemFields(withCluster(config, { nodeGroups: { [name]: { ...group, releaseVersion: same } } }))).toEqual([]);
    });

    it("fails when a node group's AMI release is not an AL2023 release version", () => {
      const config = devConfig();
      const [name, group] = Object.entries(config.cluster.nodeGroups)[0];
      expect(problemFields(withCluster(config, { nodeGroups: { [name]: { ...group, releaseVersion: "ami-0123456789abcdef0" } } }))).toEqual([
        `dev.cluster.nodeGroups.${name}.releaseVersion`,
      ]);
    });

    it("fails when karpenterDiscovery is not a boolean", () => {
      expect(problemFields(withCluster(devConfig(), { karpenterDiscovery: "true" as never }))).toEqual(["dev.cluster.karpenterDiscovery"]);
      expect(problemFields(withCluster(devConfig(), { karpenterDiscovery: true }))).toEqual([]);
    });

    it("fails when production's private-only endpoint has no admin network to reach it", () => {
      expect(problemFields(withCluster(prodConfig(), { endpointPublicAccessCidrs: [], privateEndpointAccess: undefined }))).toEqual([
        "prod.cluster.privateEndpointAccess",
      ]);
      expect(problemFields(withCluster(prodConfig(), { endpointPublicAccessCidrs: [], privateEndpointAccess: { securityGroupIds: ["sg-0123456789abcdef0"] } }))).toEqual([]);
      expect(problemFields(withCluster(devConfig(), { privateEndpointAccess: undefined }))).toEqual([]);
    });

    it("fails when the private endpoint's admin network is the world or not an sg- id, in any environment", () => {
      expect(problemFields(withCluster(devConfig(), { privateEndpointAccess: { cidrs: ["0.0.0.0/0"], securityGroupIds: ["sg-12"] } }))).toEqual([
        "dev.cluster.privateEndpointAccess.cidrs[0]",
        "dev.cluster.privateEndpointAccess.securityGroupIds[0]",
      ]);
    });

    it("accepts a world-open endpoint outside production but not in it", () => {
      expect(problemFields(withCluster(devConfig(), { endpointPublicAccessCidrs: ["0.0.0.0/0"] }))).toEqual([]);
      expect(problemFields(withCluster(prodConfig(), { endpointPublicAccessCidrs: ["0.0.0.0/0"] }))).toEqual([
        "prod.cluster.endpointPublicAccessCidrs[0]",
      ]);
    });
  });

  describe("registry, database and backup", () => {
    it("fails when replication or DR copies have no DR region", () => {
      const config = devConfig();
      const fields = problemFields({
        ...config,
        registry: { ...config.registry, replicateToDr: true },
        backup: { ...config.backup, rules: [{ ...config.backup.rules[0], copyToDr: true }] },
      });
      expect(fields).toEqual(["dev.backup.rules[0].copyToDr", "dev.registry.replicateToDr"]);
    });

    it("fails when production has no DR region, no vault lock, no DR copy or no restore testing", () => {
      const config = prodConfig();
      const fields = problemFields({
        ...config,
        backup: {
          rules: config.backup.rules.map((r) => ({ ...r, copyToDr: false })),
          restoreTesting: false,
          notificationEmails: config.backup.notificationEmails,
        },
        registry: { ...config.registry, replicateToDr: false },
      });
      expect(fields).toEqual(["prod.backup.drRegion", "prod.backup.rules", "prod.backup.vaultLock", "prod.backup.restoreTesting"]);
    });

    it("fails when production tells nobody about failed backup, copy and restore jobs", () => {
      const config = prodConfig();
      expect(problemFields({ ...config, backup: { ...config.backup, notificationEmails: [] } })).toEqual(["prod.backup.notificationEmails"]);
    });

    it("fails when a notification address is listed twice (each address is one subscription)", () => {
      const config = devConfig();
      expect(problemFields({ ...config, backup: { ...config.backup, notificationEmails: ["ops@example.com", "ops@example.com"] } })).toEqual([
        "dev.backup.notificationEmails[1]",
      ]);
    });

    it("fails when a non-production environment could not be torn down in one destroy: a vault lock or deletion protection", () => {
      const config = devConfig();
      const fields = problemFields({
        ...config,
        database: { ...config.database, deletionProtection: true },
        backup: { ...config.backup, vaultLock: { minRetentionDays: 7, maxRetentionDays: 30 } },
      });
      expect(fields).toEqual(["dev.backup.vaultLock", "dev.database.deletionProtection"]);
    });

    it("fails when the vault lock minimum exceeds a rule's retention", () => {
      const config = prodConfig();
      const fields = problemFields({ ...config, backup: { ...config.backup, vaultLock: { minRetentionDays: 40, maxRetentionDays: 400 } } });
      expect(fields).toEqual(["prod.backup.vaultLock.minRetentionDays"]);
    });

    it("fails when a notification address is not an email address", () => {
      const config = devConfig();
      expect(problemFields({ ...config, backup: { ...config.backup, notificationEmails: ["ops"] } })).toEqual([
        "dev.backup.notificationEmails[0]",
      ]);
    });

    it("fails when the Performance Insights retention is not one RDS accepts", () => {
      const config = devConfig();
      expect(problemFields({ ...config, database: { ...config.database, performanceInsightsRetentionDays: 30 } })).toEqual([
        "dev.database.performanceInsightsRetentionDays",
      ]);
    });
  });
});

describe("the environment's DNS and add-ons", () => {
  it("fails when the hosted zone id has the wrong shape", () => {
    const config = devConfig({ hostedZone: { id: "/hostedzone/Z0DEVQOD0EXAMPLE00001", name: "dev.qod.example.com" } });
    expect(() => validateEnvironmentConfig(config)).toThrow(/dev\.hostedZone\.id: got "\/hostedzone\/Z0DEVQOD0EXAMPLE00001"; allowed: a Route 53 hosted zone id/);
  });

  it("fails when the domain is outside the hosted zone", () => {
    const config = devConfig({ hostedZone: { id: "Z0DEVQOD0EXAMPLE00001", name: "other.example.com" } });
    expect(() => validateEnvironmentConfig(config)).toThrow(
      /dev\.domain: got "dev\.qod\.example\.com"; allowed: other\.example\.com or a name under it \(the hosted zone Z0DEVQOD0EXAMPLE00001 can only hold records there\)/,
    );
  });

  it("accepts a domain under the zone, not only the zone itself", () => {
    expect(findConfigProblems(devConfig({ hostedZone: { id: "Z0DEVQOD0EXAMPLE00001", name: "qod.example.com" } }))).toEqual([]);
  });

  it("fails when ExternalDNS is installed without a hosted zone", () => {
    const config = devConfig({ hostedZone: undefined });
    expect(() => validateEnvironmentConfig(config)).toThrow(/dev\.addons\.externalDns: got \{"policy":"sync"\}; allowed: a hostedZone for the environment/);
  });

  it("validates the add-ons section through its package's rules", () => {
    const config = devConfig({ addons: { ...devConfig().addons, metricsServer: { version: "latest" } } });
    expect(problemFields(config)).toEqual(["dev.addons.metricsServer.version"]);
  });

  it("validates the workloads section through its package's rules, with the environment's domain and registry", () => {
    const base = devConfig();
    const ui = { ...base.workloads.ui, routes: [{ host: "www.elsewhere.example.org", path: "/" }] };
    const api = { ...base.workloads.api, image: { repository: "worker", tag: "1.0.0" } };
    expect(findConfigProblems(devConfig({ workloads: { ...base.workloads, ui, api } })).map((p) => `${p.field}: ${p.allowed}`)).toEqual([
      expect.stringMatching(/^dev\.workloads\.ui\.routes\[0\]\.host: a name under the environment's domain \(dev\.qod\.example\.com\)/),
      expect.stringMatching(/^dev\.workloads\.api\.image\.repository: one of the environment's ECR repositories \(registry\.repositories: qod-api, ui, redis\)/),
    ]);
  });

  it("fails when the workloads lack the hosted zone their certificate needs", () => {
    const { externalDns: _dns, ...addons } = devConfig().addons;
    expect(problemFields(devConfig({ hostedZone: undefined, addons }))).toEqual(["dev.hostedZone"]);
  });

  it.each(["awsLoadBalancerController", "externalSecrets", "kubePrometheusStack", "metricsServer"])("fails when the workloads lack the %s add-on", (key) => {
    const addons: Record<string, unknown> = { ...devConfig().addons };
    delete addons[key];
    if (key === "metricsServer") delete addons.verticalPodAutoscaler; // which needs it
    expect(findConfigProblems(devConfig({ addons: addons as never })).map((p) => `${p.field}: ${p.allowed}`)).toEqual([
      expect.stringMatching(new RegExp(`^dev\\.addons\\.${key}: installed \\(\\{\\}\\): the workloads need it for `)),
    ]);
  });
});
