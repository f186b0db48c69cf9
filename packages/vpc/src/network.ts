import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc as TfVpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import {
  checkLogRetention,
  cidrSubnet as cidrSubnetOf,
  EncryptedLogGroup,
  fromAccount,
  iamPolicyDocument,
  movedFrom,
  Naming,
  ProblemCollector,
  serviceTrustPolicy,
} from "@qod/core";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { checkAvailabilityZones, checkNatGateways, checkVpcCidr, MAX_NETWORK_AZS, NatGatewayMode } from "./config";

export interface NetworkProps {
  /** Names resources `<project>-<env>-<component>`. */
  readonly naming: Naming;
  /** VPC CIDR: RFC 1918, /16 to /20, network-aligned. */
  readonly cidr: string;
  /** Zones by full name, 2 to {@link MAX_NETWORK_AZS}, distinct. */
  readonly availabilityZones: readonly string[];
  /** NAT layout: `single` (one gateway, first zone) or `per-az`. */
  readonly natGateways: NatGatewayMode;
  /**
   * Name of the EKS cluster that will use the subnets; adds `kubernetes.io/cluster/<name> = shared`.
   * @default - no cluster tag
   */
  readonly clusterName?: string;
  /**
   * Tags the private subnets `karpenter.sh/discovery = <clusterName>` for Karpenter's
   * EC2NodeClass selectors; needs `clusterName`.
   * @default false
   */
  readonly karpenterDiscovery?: boolean;
  /**
   * Retention of the flow-log group.
   * @default 365
   */
  readonly flowLogRetentionDays?: number;
  /**
   * Extra tags on every resource of the network (provider default tags still apply).
   * @default {}
   */
  readonly tags?: Record<string, string>;
}

/** The subnet plan of a VPC: which CIDR each tier gets in each zone. */
export interface SubnetPlan {
  readonly public: readonly string[];
  readonly private: readonly string[];
  readonly database: readonly string[];
}

/** A zone's slot in the subnet plan: the place of its letter in the alphabet (`…a` → 0, `…f` → 5). */
export function zoneSlot(zone: string): number {
  return zone.charCodeAt(zone.length - 1) - "a".charCodeAt(0);
}

/**
 * Derives subnet CIDRs from the VPC CIDR for the given zones. The VPC is cut into 8 equal slots:
 * slots 0-5 are the private subnets (nodes and pods, which take most addresses with the VPC CNI),
 * slot 6 is cut into 8 public subnets and slot 7 into 8 database subnets. A zone takes the slot
 * of its letter ({@link zoneSlot}), not of its place in the list, so reordering, adding or removing
 * zones leaves the other zones' subnets as they are.
 * A /16 gives /19 private, /22 public and /22 database subnets; a /20 gives /23, /26 and /26.
 */
export function planSubnets(vpcCidr: string, availabilityZones: readonly string[]): SubnetPlan {
  const slots = availabilityZones.map(zoneSlot);
  // A CIDR only Terraform knows (a generated module's variable): the same plan in Terraform's cidrsubnet.
  const cidrSubnet = Token.isUnresolved(vpcCidr) ? (base: string, bits: number, n: number) => Fn.cidrsubnet(base, bits, n) : cidrSubnetOf;
  const publicSlot = cidrSubnet(vpcCidr, 3, 6);
  const databaseSlot = cidrSubnet(vpcCidr, 3, 7);
  return {
    private: slots.map((i) => cidrSubnet(vpcCidr, 3, i)),
    public: slots.map((i) => cidrSubnet(publicSlot, 3, i)),
    database: slots.map((i) => cidrSubnet(databaseSlot, 3, i)),
  };
}

function validate(scope: Construct, props: NetworkProps): void {
  const p = new ProblemCollector(`Network props at ${scope.node.path}`);
  checkVpcCidr(p, "cidr", props.cidr);
  checkAvailabilityZones(p, "availabilityZones", props.availabilityZones);
  checkNatGateways(p, "natGateways", props.natGateways);
  if (props.flowLogRetentionDays !== undefined) checkLogRetention(p, "flowLogRetentionDays", props.flowLogRetentionDays);
  if (props.karpenterDiscovery !== undefined) {
    p.check(
      typeof props.karpenterDiscovery === "boolean" && (!props.karpenterDiscovery || props.clusterName !== undefined),
      "karpenterDiscovery",
      props.karpenterDiscovery,
      "true or false; false without a clusterName (the tag's value)",
    );
  }
  p.throwIfAny();
}

/**
 * A VPC for an EKS platform: per zone a public, a private and a database subnet derived from the
 * VPC CIDR; an internet gateway; NAT gateways (one, or one per zone); EKS discovery tags; the
 * default security group stripped of all rules; flow logs to a KMS-encrypted log group; and an
 * S3 gateway endpoint so image layers from ECR do not cross the NAT gateways.
 */
export class Network extends Construct {
  public readonly vpc: TfVpc;
  public readonly vpcId: string;
  public readonly vpcCidr: string;
  public readonly availabilityZones: readonly string[];
  public readonly publicSubnets: readonly Subnet[];
  public readonly privateSubnets: readonly Subnet[];
  public readonly databaseSubnets: readonly Subnet[];
  public readonly publicSubnetIds: string[];
  public readonly privateSubnetIds: string[];
  public readonly databaseSubnetIds: string[];
  public readonly natGateways: readonly NatGateway[];
  public readonly privateRouteTables: readonly RouteTable[];
  public readonly flowLogGroup: CloudwatchLogGroup;
  public readonly flowLogKey: KmsKey;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    validate(this, props);
    const { naming } = props;
    const extra = props.tags ?? {};
    const named = (component: string, more: Record<string, string> = {}) => ({
      ...extra,
      ...more,
      Name: naming.name(component),
    });
    const clusterTag: Record<string, string> = props.clusterName
      ? { [`kubernetes.io/cluster/${props.clusterName}`]: "shared" }
      : {};
    const karpenterTag: Record<string, string> =
      props.karpenterDiscovery && props.clusterName ? { "karpenter.sh/discovery": props.clusterName } : {};
    const azs = [...props.availabilityZones];
    const plan = planSubnets(props.cidr, azs);
    // A zone's letter (validated unique) names and keys its resources, so reordering the zones keeps
    // every address. `movedFrom` keeps the index-keyed addresses of earlier versions.
    const suffix = (az: string) => az.slice(-1);

    this.vpc = new TfVpc(this, "Resource", {
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: named("vpc"),
    });
    this.vpcId = this.vpc.id;
    this.vpcCidr = props.cidr;
    this.availabilityZones = azs;

    // Nothing may use the default security group: manage it with no rules at all.
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: named("default-deny"),
    });

    const igw = new InternetGateway(this, "InternetGateway", {
      vpcId: this.vpc.id,
      tags: named("igw"),
    });

    // Public tier: load balancers and NAT gateways only; nothing gets a public IP by default.
    const publicRouteTable = new RouteTable(this, "PublicRouteTable", {
      vpcId: this.vpc.id,
      tags: named("public"),
    });
    new Route(this, "PublicDefaultRoute", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    this.publicSubnets = azs.map((az, i) => {
      const subnet = new Subnet(this, `PublicSubnet-${suffix(az)}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: plan.public[i],
        mapPublicIpOnLaunch: false,
        tags: named(`public-${suffix(az)}`, { ...clusterTag, "kubernetes.io/role/elb": "1", tier: "public" }),
      });
      const association = new RouteTableAssociation(this, `PublicSubnet-${suffix(az)}-RouteTable`, {
        subnetId: subnet.id,
        routeTableId: publicRouteTable.id,
      });
      movedFrom(subnet, `PublicSubnet${i}`);
      movedFrom(association, `PublicSubnet${i}RouteTable`);
      return subnet;
    });

    const natZones = props.natGateways === "per-az" ? azs : [azs[0]];
    this.natGateways = natZones.map((az, i) => {
      const eip = new Eip(this, `NatEip-${suffix(az)}`, { domain: "vpc", tags: named(`nat-${suffix(az)}`) });
      const nat = new NatGateway(this, `NatGateway-${suffix(az)}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i].id,
        tags: named(`nat-${suffix(az)}`),
        dependsOn: [igw],
      });
      movedFrom(eip, `NatEip${i}`);
      movedFrom(nat, `NatGateway${i}`);
      return nat;
    });

    // Private tier: nodes and pods. Each zone routes out through its own NAT gateway if it has one.
    const privateRouteTables: RouteTable[] = [];
    this.privateSubnets = azs.map((az, i) => {
      const subnet = new Subnet(this, `PrivateSubnet-${suffix(az)}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: plan.private[i],
        tags: named(`private-${suffix(az)}`, {
          ...clusterTag,
          ...karpenterTag,
          "kubernetes.io/role/internal-elb": "1",
          tier: "private",
        }),
      });
      const table = new RouteTable(this, `PrivateRouteTable-${suffix(az)}`, {
        vpcId: this.vpc.id,
        tags: named(`private-${suffix(az)}`),
      });
      const route = new Route(this, `PrivateRouteTable-${suffix(az)}-DefaultRoute`, {
        routeTableId: table.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: this.natGateways[Math.min(i, this.natGateways.length - 1)].id,
      });
      const association = new RouteTableAssociation(this, `PrivateSubnet-${suffix(az)}-RouteTable`, {
        subnetId: subnet.id,
        routeTableId: table.id,
      });
      movedFrom(subnet, `PrivateSubnet${i}`);
      movedFrom(table, `PrivateRouteTable${i}`);
      movedFrom(route, `PrivateRouteTable${i}DefaultRoute`);
      movedFrom(association, `PrivateSubnet${i}RouteTable`);
      privateRouteTables.push(table);
      return subnet;
    });
    this.privateRouteTables = privateRouteTables;

    // Database tier: no route to the internet in either direction.
    const databaseRouteTable = new RouteTable(this, "DatabaseRouteTable", {
      vpcId: this.vpc.id,
      tags: named("database"),
    });
    this.databaseSubnets = azs.map((az, i) => {
      const subnet = new Subnet(this, `DatabaseSubnet-${suffix(az)}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: plan.database[i],
        tags: named(`database-${suffix(az)}`, { tier: "database" }),
      });
      const association = new RouteTableAssociation(this, `DatabaseSubnet-${suffix(az)}-RouteTable`, {
        subnetId: subnet.id,
        routeTableId: databaseRouteTable.id,
      });
      movedFrom(subnet, `DatabaseSubnet${i}`);
      movedFrom(association, `DatabaseSubnet${i}RouteTable`);
      return subnet;
    });

    this.publicSubnetIds = this.publicSubnets.map((s) => s.id);
    this.privateSubnetIds = this.privateSubnets.map((s) => s.id);
    this.databaseSubnetIds = this.databaseSubnets.map((s) => s.id);

    const region = new DataAwsRegion(this, "Region");
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");

    new VpcEndpoint(this, "S3Endpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${region.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...privateRouteTables.map((t) => t.id), databaseRouteTable.id],
      tags: named("s3"),
    });

    // Flow logs: every accepted and rejected flow, to a KMS-encrypted log group.
    const flowLogs = new EncryptedLogGroup(this, "FlowLogs", {
      logGroupName: `/aws/vpc/${naming.name("flow-logs")}`,
      retentionDays: props.flowLogRetentionDays ?? 365,
      purpose: `the VPC flow logs of ${naming.prefix}`,
      keyAlias: `alias/${naming.name("flow-logs")}`,
      tags: named("flow-logs"),
    });
    this.flowLogGroup = flowLogs.logGroup;
    this.flowLogKey = flowLogs.key;
    const flowLogRole = new IamRole(this, "FlowLogRole", {
      name: naming.name("vpc-flow-logs"),
      assumeRolePolicy: serviceTrustPolicy(this, "FlowLogRoleTrust", "vpc-flow-logs.amazonaws.com", fromAccount(caller.accountId)).json,
      tags: named("vpc-flow-logs"),
    });
    // AWS's documented flow-log policy (vpc/latest/userguide/flow-logs-iam-role.html) without
    // logs:CreateLogGroup (the group is made here). Writes are scoped to the group;
    // DescribeLogGroups is authorized on the region's log groups as a whole
    // (`log-group::log-stream:`), so it gets those, not this group's ARN.
    const partition = new DataAwsPartition(this, "Partition");
    new IamRolePolicy(this, "FlowLogRolePolicy", {
      role: flowLogRole.id,
      name: "write-flow-logs",
      policy: iamPolicyDocument(this, "FlowLogRolePolicyDocument", {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteFlowLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
          },
          {
            Sid: "DescribeLogGroups",
            Effect: "Allow",
            Action: ["logs:DescribeLogGroups"],
            Resource: `arn:${partition.partition}:logs:${region.region}:${caller.accountId}:log-group:*`,
          },
        ],
      }).json,
    });
    new FlowLog(this, "FlowLog", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: named("flow-logs"),
    });
  }
}
