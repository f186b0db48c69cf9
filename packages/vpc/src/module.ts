import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { ModuleDefinition, Naming, PRIVATE_RANGES, sharedValidations } from "@qod/core";
import { MAX_NETWORK_AZS } from "./config";
import { Network } from "./network";

/** The inputs of the `vpc` module, by variable name. */
export interface VpcModuleInputs {
  readonly project: string;
  readonly environment: string;
  readonly vpc_cidr: string;
  readonly cluster_name: string;
  readonly flow_log_retention_days: number;
}

/** The zones the module lays out, by letter: the letters key and name the resources. */
export const VPC_MODULE_ZONE_LETTERS = ["a", "b", "c"] as const;

/**
 * The `Network` construct as a Terraform module: a VPC with a public, a private and a database
 * subnet in each of the region's zones a, b and c, a NAT gateway per zone, flow logs to a
 * KMS-encrypted log group and an S3 gateway endpoint.
 */
export const vpcModule: ModuleDefinition<VpcModuleInputs> = {
  name: "vpc",
  source: "packages/vpc/src/module.ts",
  description:
    "A VPC for an EKS platform, from the `Network` construct of `@qod/vpc`: in each of the region's zones a, b and c a public, a private and a database subnet cut from the VPC CIDR (the VPC in 8 slots: 6 private, 1 cut into public subnets, 1 into database subnets), an internet gateway, one NAT gateway per zone, EKS discovery tags, the default security group stripped of all rules, flow logs of all traffic to a KMS-encrypted log group, and an S3 gateway endpoint.",
  variables: {
    project: {
      type: "string",
      description: "Project name, the first part of every resource name (`<project>-<environment>-<component>`).",
      example: "qod",
      validations: [sharedValidations.name("project", ["naming.project", "logGroupName"])],
    },
    environment: {
      type: "string",
      description: "Environment name, the second part of every resource name.",
      example: "dev",
      validations: [sharedValidations.name("environment", ["naming.environment", "logGroupName"])],
    },
    vpc_cidr: {
      type: "string",
      description: `VPC CIDR: a private range inside ${PRIVATE_RANGES.join(", ")}, prefix /16 to /20, with no host bits set.`,
      example: "10.20.0.0/16",
      validations: [
        {
          condition: `can(cidrhost(var.vpc_cidr, 0)) && length(split(".", split("/", var.vpc_cidr)[0])) == 4`,
          errorMessage: "vpc_cidr must be an IPv4 CIDR such as 10.20.0.0/16.",
          enforces: ["cidr"],
          rejects: ["10.20.0.0", "fd00::/16", "not-a-cidr"],
        },
        {
          condition: `can(regex("^(10[.]|172[.](1[6-9]|2[0-9]|3[01])[.]|192[.]168[.])", var.vpc_cidr))`,
          errorMessage: `vpc_cidr must be a private range inside ${PRIVATE_RANGES.join(", ")}.`,
          enforces: ["cidr"],
          rejects: ["8.8.0.0/16", "172.32.0.0/16", "192.169.0.0/16"],
        },
        {
          condition: `try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20, true)`,
          errorMessage: "vpc_cidr must have a prefix from /16 to /20 (AWS allows /16 at most; smaller than /20 leaves too few pod IPs).",
          enforces: ["cidr"],
          rejects: ["10.0.0.0/8", "10.20.0.0/24"],
        },
        {
          condition: `try(cidrhost(var.vpc_cidr, 0) == split("/", var.vpc_cidr)[0], true)`,
          errorMessage: "vpc_cidr must be a network address with no host bits set (e.g. 10.20.0.0/16, not 10.20.1.0/16).",
          enforces: ["cidr"],
          rejects: ["10.20.1.0/16"],
        },
      ],
    },
    cluster_name: {
      type: "string",
      description: "Name of the EKS cluster that will use the subnets: tags them `kubernetes.io/cluster/<name> = shared`.",
      example: "qod-dev-eks",
    },
    flow_log_retention_days: {
      type: "number",
      description: "Days the flow-log group keeps its events: a CloudWatch Logs retention value (365 in production).",
      default: 365,
      validations: [sharedValidations.logRetention("flow_log_retention_days", ["flowLogRetentionDays", "retentionDays"])],
    },
  },
  build: (scope, inputs) => {
    const region = new DataAwsRegion(scope, "Region");
    const network = new Network(scope, "Network", {
      naming: new Naming(inputs.project, inputs.environment),
      cidr: inputs.vpc_cidr,
      availabilityZones: VPC_MODULE_ZONE_LETTERS.map((letter) => `${region.region}${letter}`),
      natGateways: "per-az",
      clusterName: inputs.cluster_name,
      flowLogRetentionDays: inputs.flow_log_retention_days,
    });
    return {
      vpc_id: { value: network.vpcId, description: "ID of the VPC" },
      vpc_cidr_block: { value: network.vpcCidr, description: "CIDR of the VPC" },
      availability_zones: { value: network.availabilityZones, description: "Zones the subnets span, in the order of the subnet lists" },
      public_subnet_ids: { value: network.publicSubnetIds, description: "Public subnets (load balancers, NAT gateways), one per zone" },
      private_subnet_ids: { value: network.privateSubnetIds, description: "Private subnets (nodes, pods), one per zone" },
      database_subnet_ids: { value: network.databaseSubnetIds, description: "Database subnets (no internet route), one per zone" },
      private_route_table_ids: { value: network.privateRouteTables.map((t) => t.id), description: "Route tables of the private subnets, one per zone" },
      nat_gateway_ids: { value: network.natGateways.map((n) => n.id), description: "NAT gateways, one per zone" },
      flow_log_group_name: { value: network.flowLogGroup.name, description: "CloudWatch log group of the VPC flow logs" },
      flow_log_kms_key_arn: { value: network.flowLogKey.arn, description: "KMS key that encrypts the flow-log group" },
    };
  },
  typescriptOnly: {},
  fixed: [
    {
      setting: "zones",
      value: `the region's zones ${VPC_MODULE_ZONE_LETTERS.join(", ")}`,
      why: `a zone's letter keys its subnets, NAT gateway and route table and picks its slot of the VPC CIDR, so the letters decide which resources exist (the construct takes 2 to ${MAX_NETWORK_AZS} zones)`,
    },
    { setting: "natGateways", value: "per-az", why: "one NAT gateway per zone: a single gateway is a zonal single point of failure (the construct also offers `single`)" },
  ],
  providers: ["aws"],
};
