import { Naming, parseCidr, cidrContains } from "@qod/core";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { MAX_NETWORK_AZS, Network, NetworkProps, planSubnets } from "../src";
import { onlyResource, policyOf, resources, TfJson } from "../../../test/helpers";

const naming = new Naming("qod", "dev");
const base: NetworkProps = {
  naming,
  cidr: "10.10.0.0/16",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  natGateways: "single",
};

function synth(props: Partial<NetworkProps> = {}): TfJson {
  return JSON.parse(Testing.synthScope((scope) => new Network(scope, "Network", { ...base, ...props })));
}

function subnetsOfTier(json: TfJson, tier: string): any[] {
  return resources(json, "aws_subnet").filter((s) => s.tags.tier === tier);
}

describe("Network with defaults (two zones, one NAT gateway)", () => {
  const json = synth();

  it("creates a VPC with DNS support and hostnames", () => {
    expect(onlyResource(json, "aws_vpc")).toMatchObject({
      cidr_block: "10.10.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
      tags: { Name: "qod-dev-vpc" },
    });
  });

  it("creates a public, a private and a database subnet per zone", () => {
    for (const tier of ["public", "private", "database"]) {
      expect(subnetsOfTier(json, tier).map((s) => s.availability_zone)).toEqual(["eu-west-1a", "eu-west-1b"]);
    }
    expect(subnetsOfTier(json, "public").every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it("tags subnets for load balancer discovery", () => {
    expect(subnetsOfTier(json, "public").every((s) => s.tags["kubernetes.io/role/elb"] === "1")).toBe(true);
    expect(subnetsOfTier(json, "private").every((s) => s.tags["kubernetes.io/role/internal-elb"] === "1")).toBe(true);
    expect(subnetsOfTier(json, "database").some((s) => "kubernetes.io/role/elb" in s.tags)).toBe(false);
  });

  it("routes both private subnets through the single NAT gateway", () => {
    expect(resources(json, "aws_nat_gateway")).toHaveLength(1);
    expect(resources(json, "aws_eip")).toEqual([expect.objectContaining({ domain: "vpc" })]);
    const natRoutes = resources(json, "aws_route").filter((r) => r.nat_gateway_id);
    expect(natRoutes).toHaveLength(2);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(1);
  });

  it("gives the public route table the only internet gateway route and the database tier none", () => {
    const igwRoutes = resources(json, "aws_route").filter((r) => r.gateway_id);
    expect(igwRoutes).toEqual([expect.objectContaining({ destination_cidr_block: "0.0.0.0/0" })]);
    const routeTables = json.resource!.aws_route_table;
    const databaseTable = Object.keys(routeTables).find((k) => k.includes("DatabaseRouteTable"))!;
    const routesOfDatabase = resources(json, "aws_route").filter((r) => r.route_table_id.includes(databaseTable));
    expect(routesOfDatabase).toEqual([]);
  });

  it("manages the default security group with no rules", () => {
    expect(onlyResource(json, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
  });

  it("sends all flows to a KMS-encrypted log group with a retention", () => {
    expect(onlyResource(json, "aws_flow_log")).toMatchObject({
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
    });
    const group = onlyResource(json, "aws_cloudwatch_log_group");
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\..+\.arn\}$/);
    expect(onlyResource(json, "aws_kms_key").enable_key_rotation).toBe(true);
  });

  it("lets the flow-log role write only to its own log group", () => {
    const policy = policyOf(json, onlyResource(json, "aws_iam_role_policy").policy);
    const write = policy.Statement.find((s: any) => s.Sid === "WriteFlowLogs");
    expect(write.Action).toEqual(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]);
    expect(write.Resource.every((r: string) => r.includes("aws_cloudwatch_log_group"))).toBe(true);
  });

  it("grants the flow-log role every action of AWS's documented policy but CreateLogGroup (the group exists)", () => {
    // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
    const documented = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"];
    const statements = policyOf(json, onlyResource(json, "aws_iam_role_policy").policy).Statement;
    expect(statements.flatMap((s: any) => s.Action).sort()).toEqual(documented.filter((a) => a !== "logs:CreateLogGroup").sort());
    // DescribeLogGroups is authorized on the account's log groups in the region (log-group::log-stream:), not on one group.
    const describe = statements.find((s: any) => s.Action.includes("logs:DescribeLogGroups"));
    expect(describe.Action).toBe("logs:DescribeLogGroups"); // that one action (the provider renders a list of one as its value)
    expect(describe.Resource).toMatch(/^arn:\$\{data\.aws_partition\..+\}:logs:\$\{data\.aws_region\..+\}:\$\{data\.aws_caller_identity\..+\}:log-group:\*$/);
  });

  it("adds an S3 gateway endpoint on the private and database route tables", () => {
    const endpoint = onlyResource(json, "aws_vpc_endpoint");
    expect(endpoint.vpc_endpoint_type).toBe("Gateway");
    expect(endpoint.service_name).toMatch(/^com\.amazonaws\.\$\{data\.aws_region\..+\}\.s3$/);
    expect(endpoint.route_table_ids).toHaveLength(3);
  });
});

describe("Network options", () => {
  it("puts a NAT gateway in every zone with per-az, each private table using its own zone's", () => {
    const json = synth({ availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], natGateways: "per-az" });
    const nats = json.resource!.aws_nat_gateway;
    expect(Object.keys(nats)).toHaveLength(3);
    const natRoutes = resources(json, "aws_route").filter((r) => r.nat_gateway_id);
    const usedNats = natRoutes.map((r) => /aws_nat_gateway\.([^.]+)\.id/.exec(r.nat_gateway_id)![1]);
    expect(new Set(usedNats).size).toBe(3);
    // Each zone's route goes to that zone's NAT gateway: the ids carry the zone's letter.
    natRoutes.forEach((route) => {
      const zone = /PrivateRouteTable-([a-z])_/.exec(route.route_table_id)![1];
      expect(route.nat_gateway_id).toContain(`NatGateway-${zone}_`);
    });
  });

  it("tags subnets with the cluster name when given", () => {
    const json = synth({ clusterName: "qod-dev-eks" });
    const tagged = resources(json, "aws_subnet").filter((s) => s.tags["kubernetes.io/cluster/qod-dev-eks"] === "shared");
    expect(tagged).toHaveLength(4); // public + private, not database
  });

  it("tags the private subnets for Karpenter's discovery only when asked", () => {
    const discovery = (json: TfJson) => resources(json, "aws_subnet").filter((s) => s.tags["karpenter.sh/discovery"]).map((s) => [s.tags.tier, s.tags["karpenter.sh/discovery"]]);
    expect(discovery(synth({ clusterName: "qod-dev-eks" }))).toEqual([]);
    expect(discovery(synth({ clusterName: "qod-dev-eks", karpenterDiscovery: true }))).toEqual([
      ["private", "qod-dev-eks"],
      ["private", "qod-dev-eks"],
    ]);
    expect(() => synth({ karpenterDiscovery: true })).toThrow(/karpenterDiscovery: got true; allowed: true or false; false without a clusterName/);
  });

  it("uses the given flow-log retention and extra tags", () => {
    const json = synth({ flowLogRetentionDays: 30, tags: { team: "net" } });
    expect(onlyResource(json, "aws_cloudwatch_log_group").retention_in_days).toBe(30);
    expect(onlyResource(json, "aws_vpc").tags).toEqual({ team: "net", Name: "qod-dev-vpc" });
  });
});

describe("stable addresses", () => {
  const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
  const ZONED = ["aws_subnet", "aws_route_table", "aws_route_table_association", "aws_route", "aws_nat_gateway", "aws_eip"];
  const addresses = (json: TfJson) => ZONED.flatMap((type) => Object.keys(json.resource![type]).map((id) => `${type}.${id}`)).sort();
  /** Each zone-keyed resource by address: the same address must describe the same thing. */
  const byAddress = (json: TfJson) => Object.fromEntries(ZONED.flatMap((type) => Object.entries(json.resource![type]).map(([id, r]) => [`${type}.${id}`, r])));
  const withoutHash = (id: string) => id.replace(/_[0-9A-F]{8}$/, "");

  it("keys subnets, NAT gateways, EIPs, route tables and routes by zone, so reordering the zones keeps every address", () => {
    const forward = synth({ availabilityZones: zones, natGateways: "per-az" });
    const reversed = synth({ availabilityZones: [...zones].reverse(), natGateways: "per-az" });
    expect(byAddress(reversed)).toEqual(byAddress(forward));
    const subnets = Object.entries(forward.resource!.aws_subnet).map(([id, s]) => [withoutHash(id), s.availability_zone]);
    expect(subnets).toEqual(
      expect.arrayContaining([
        ["Network_PublicSubnet-a", "eu-west-1a"],
        ["Network_PrivateSubnet-b", "eu-west-1b"],
        ["Network_DatabaseSubnet-c", "eu-west-1c"],
      ]),
    );
    expect(Object.keys(forward.resource!.aws_nat_gateway).map(withoutHash).sort()).toEqual(["Network_NatGateway-a", "Network_NatGateway-b", "Network_NatGateway-c"]);
    expect(Object.keys(forward.resource!.aws_eip).map(withoutHash).sort()).toEqual(["Network_NatEip-a", "Network_NatEip-b", "Network_NatEip-c"]);
  });

  it("moves every resource of the index-keyed layout to its zone's address", () => {
    const json = synth({ availabilityZones: zones, natGateways: "per-az" });
    const moves = json.moved ?? [];
    expect(moves).toEqual(
      expect.arrayContaining([
        { from: "aws_subnet.Network_PublicSubnet0_B2FC5C28", to: expect.stringMatching(/^aws_subnet\.Network_PublicSubnet-a_[0-9A-F]{8}$/) },
        { from: "aws_subnet.Network_PrivateSubnet2_6BD46F8C", to: expect.stringMatching(/^aws_subnet\.Network_PrivateSubnet-c_/) },
        { from: "aws_nat_gateway.Network_NatGateway1_1FEB5E34", to: expect.stringMatching(/^aws_nat_gateway\.Network_NatGateway-b_/) },
        { from: "aws_eip.Network_NatEip0_814C8120", to: expect.stringMatching(/^aws_eip\.Network_NatEip-a_/) },
        { from: "aws_route.Network_PrivateRouteTable0DefaultRoute_20FE0BF1", to: expect.stringMatching(/^aws_route\.Network_PrivateRouteTable-a-DefaultRoute_/) },
      ]),
    );
    // One move per zone-keyed resource, each to an address the stack has.
    const zoned = addresses(json).filter((a) => !a.startsWith("aws_route_table.Network_PublicRouteTable") && !a.startsWith("aws_route_table.Network_DatabaseRouteTable") && !a.startsWith("aws_route.Network_PublicDefaultRoute"));
    expect(moves.map((m) => m.to).sort()).toEqual(zoned);
  });

  it("fails when a zone's letter has no slot in the subnet plan", () => {
    expect(() => synth({ availabilityZones: ["us-east-1a", "us-east-1g"] })).toThrow(
      /availabilityZones\[1\]: got "us-east-1g"; allowed: a zone whose name ends in a letter from a to f/,
    );
  });

  it("fails when two zones end in the same letter (resources are keyed and named by it)", () => {
    expect(() => synth({ availabilityZones: ["us-west-2a", "us-west-2-lax-1a"] })).toThrow(
      /availabilityZones\[1\]: got "us-west-2-lax-1a"; allowed: a zone whose last letter no other zone has \(us-west-2a\)/,
    );
  });
});

describe("planSubnets", () => {
  it.each([
    ["10.0.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"], ["10.0.0.0/19", "10.0.192.0/22", "10.0.224.0/22"]],
    ["172.16.0.0/20", ["eu-west-1a", "eu-west-1b"], ["172.16.0.0/23", "172.16.12.0/26", "172.16.14.0/26"]],
  ])("derives non-overlapping subnets inside %s", (vpc, zones, firsts) => {
    const plan = planSubnets(vpc, zones);
    expect([plan.private[0], plan.public[0], plan.database[0]]).toEqual(firsts);
    const all = [...plan.private, ...plan.public, ...plan.database].map((c) => parseCidr(c)!);
    expect(all).toHaveLength(zones.length * 3);
    all.forEach((a, i) => {
      expect(cidrContains(parseCidr(vpc)!, a)).toBe(true);
      all.slice(i + 1).forEach((b) => expect(cidrContains(a, b) || cidrContains(b, a)).toBe(false));
    });
  });

  it(`fits ${MAX_NETWORK_AZS} zones`, () => {
    const zones = ["a", "b", "c", "d", "e", "f"].map((letter) => `us-east-1${letter}`);
    expect(zones).toHaveLength(MAX_NETWORK_AZS);
    expect(new Set(planSubnets("10.0.0.0/16", zones).private).size).toBe(MAX_NETWORK_AZS);
  });

  it("gives each zone the slot of its letter, whatever the order or the other zones", () => {
    const abc = planSubnets("10.0.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    const ca = planSubnets("10.0.0.0/16", ["eu-west-1c", "eu-west-1a"]);
    expect(ca).toEqual({
      private: [abc.private[2], abc.private[0]],
      public: [abc.public[2], abc.public[0]],
      database: [abc.database[2], abc.database[0]],
    });
  });
});

describe("Network validation", () => {
  it.each<[string, Partial<NetworkProps>, RegExp]>([
    ["the CIDR is public", { cidr: "8.0.0.0/16" }, /cidr: got "8\.0\.0\.0\/16"/],
    ["there is one zone", { availabilityZones: ["eu-west-1a"] }, /availabilityZones: got \["eu-west-1a"\]; allowed: 2 to 6 zones/],
    ["there are seven zones", { availabilityZones: ["a", "b", "c", "d", "e", "f", "g"] }, /allowed: 2 to 6 zones/],
    ["a zone repeats", { availabilityZones: ["eu-west-1a", "eu-west-1a"] }, /allowed: each zone once/],
    ["the NAT mode is unknown", { natGateways: "none" as never }, /natGateways: got "none"/],
    ["the retention is not a CloudWatch value", { flowLogRetentionDays: 42 }, /flowLogRetentionDays: got 42/],
  ])("fails when %s", (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
