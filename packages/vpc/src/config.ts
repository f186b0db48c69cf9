import {
  checkLogRetention,
  cidrsOverlap,
  isNetworkAligned,
  isPrivateRange,
  parseCidr,
  PRIVATE_RANGES,
  ProblemCollector,
  SectionContext,
  zonesOf,
} from "@qod/core";

/**
 * The network section of an environment's config and its rules. The same rule functions check
 * the config at the edge (`checkNetworkConfig`) and the `Network` construct's props, so both
 * reject the same input with the same words.
 */

/** How NAT gateways are laid out. */
export type NatGatewayMode =
  /** One NAT gateway in the first AZ; every private subnet routes through it (cheap, not AZ-fault-tolerant). */
  | "single"
  /** One NAT gateway per AZ; each private subnet routes through its own AZ's gateway. */
  | "per-az";

/** The network fields of an environment (they sit at the top level of its config). */
export interface NetworkConfig {
  /** Availability Zones by full name (`eu-west-1a`); 2 or more, distinct, all in `region`. */
  readonly availabilityZones: readonly string[];
  /** VPC CIDR: an RFC 1918 range, prefix /16 to /20, network-aligned. */
  readonly vpcCidr: string;
  /** NAT gateway layout. Production requires `per-az`. */
  readonly natGateways: NatGatewayMode;
  /** Retention of VPC flow logs, in days (a CloudWatch Logs retention value). */
  readonly flowLogRetentionDays: number;
}

/** Most zones a Network lays out (private subnets take 6 of 8 equal slots of the VPC). */
export const MAX_NETWORK_AZS = 6;
/** Fewest zones: EKS and RDS subnet groups need two. */
export const MIN_NETWORK_AZS = 2;
/** Fewest zones in production, so a zone outage leaves a quorum. */
export const MIN_PRODUCTION_AZS = 3;

/** Checks a VPC CIDR: an IPv4 RFC 1918 range, /16 to /20, with no host bits set. */
export function checkVpcCidr(p: ProblemCollector, field: string, vpcCidr: unknown): void {
  const cidr = typeof vpcCidr === "string" ? parseCidr(vpcCidr) : undefined;
  if (!cidr) {
    p.add(field, vpcCidr, "an IPv4 CIDR such as 10.20.0.0/16");
    return;
  }
  p.check(isPrivateRange(cidr), field, vpcCidr, `a private range inside ${PRIVATE_RANGES.join(", ")}`);
  p.check(
    cidr.prefix >= 16 && cidr.prefix <= 20,
    field,
    vpcCidr,
    "a prefix from /16 to /20 (AWS allows /16 at most; smaller than /20 leaves too few pod IPs)",
  );
  p.check(
    isNetworkAligned(cidr),
    field,
    vpcCidr,
    "a network address with no host bits set (e.g. 10.20.0.0/16, not 10.20.1.0/16)",
  );
}

/**
 * Checks a list of zones: how many (2 to {@link MAX_NETWORK_AZS}, at least 3 in production),
 * each once, and, when `region` is a known region, zones of that region and no more than it has.
 */
export function checkAvailabilityZones(
  p: ProblemCollector,
  field: string,
  azs: unknown,
  options: { readonly production?: boolean; readonly region?: string } = {},
): void {
  if (!Array.isArray(azs)) {
    p.add(field, azs, `a list of at least ${MIN_NETWORK_AZS} zone names`);
    return;
  }
  const minimum = options.production ? MIN_PRODUCTION_AZS : MIN_NETWORK_AZS;
  p.check(
    azs.length >= minimum && azs.length <= MAX_NETWORK_AZS,
    field,
    azs,
    options.production
      ? `at least ${MIN_PRODUCTION_AZS} zones in production (so a zone outage leaves a quorum), at most ${MAX_NETWORK_AZS}`
      : `${MIN_NETWORK_AZS} to ${MAX_NETWORK_AZS} zones (EKS and RDS subnet groups need two)`,
  );
  const regionZones = options.region === undefined ? undefined : zonesOf(options.region);
  if (regionZones) {
    p.check(
      azs.length <= regionZones.length,
      field,
      azs,
      `at most ${regionZones.length} zones: ${options.region} has ${regionZones.join(", ")}`,
    );
  }
  azs.forEach((zone, i) => {
    const sameLetter = azs.findIndex((other) => typeof other === "string" && typeof zone === "string" && other.slice(-1) === zone.slice(-1));
    if (azs.indexOf(zone) !== i) {
      p.add(`${field}[${i}]`, zone, "each zone once (this one is a duplicate)");
    } else if (regionZones && !regionZones.includes(zone)) {
      p.add(`${field}[${i}]`, zone, `a zone of ${options.region}: ${regionZones.join(", ")}`);
    } else if (typeof zone !== "string" || !/[a-f]$/.test(zone)) {
      p.add(`${field}[${i}]`, zone, "a zone whose name ends in a letter from a to f: its subnets take the VPC's slot of that letter");
    } else if (sameLetter !== i) {
      // The zone's letter keys and names its subnets, NAT gateway and route table (public-a).
      p.add(`${field}[${i}]`, zone, `a zone whose last letter no other zone has (${azs[sameLetter]}): the network's resources are keyed and named by it`);
    }
  });
}

/** Checks the NAT layout; production requires a gateway per zone. */
export function checkNatGateways(p: ProblemCollector, field: string, mode: unknown, production = false): void {
  p.check(mode === "single" || mode === "per-az", field, mode, '"single" or "per-az"');
  if (production && mode === "single") {
    p.add(field, mode, '"per-az" in production (a single NAT gateway is a zonal single point of failure)');
  }
}

/** Validates the network fields of an environment; they sit at the top level, so `field` is the environment's prefix. */
export function checkNetworkConfig(
  p: ProblemCollector,
  field: string,
  network: Partial<NetworkConfig> | undefined,
  context: SectionContext,
): void {
  const n = network ?? {};
  const f = (name: string) => `${field}.${name}`;
  checkAvailabilityZones(p, f("availabilityZones"), n.availabilityZones, context);
  checkVpcCidr(p, f("vpcCidr"), n.vpcCidr);
  checkNatGateways(p, f("natGateways"), n.natGateways, context.production);
  checkLogRetention(p, f("flowLogRetentionDays"), n.flowLogRetentionDays, context.production);
}

/** Where one environment's network sits, as the rule between environments' networks needs it. */
export interface NetworkPlacement {
  /** The environment's name, as messages name it. */
  readonly name?: string;
  /** The environment's field prefix (its network fields are `<field>.vpcCidr`, …). */
  readonly field: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly vpcCidr?: string;
  /**
   * The environment's DR region, where it is rebuilt after a region loss: a network there
   * may be peered with this one (copies flow back, data is moved home), so it needs its own range.
   */
  readonly drRegion?: string;
}

/**
 * Refuses two environments of one account whose VPC ranges overlap when their networks can meet:
 * in the same region (peering, Transit Gateway, shared endpoints and on-premises routes all need
 * distinct ranges), or when one is in the other's DR region (the DR rebuild of procedure C in
 * docs/disaster-recovery.md, peered with its source when failing back). Equal ranges in other
 * accounts, or in regions neither recovers into, are fine. Reported on the later environment,
 * naming both environments and both ranges.
 */
export function checkNetworkOverlaps(p: ProblemCollector, networks: readonly NetworkPlacement[]): void {
  const placed = networks.flatMap((n) => {
    const cidr = typeof n.vpcCidr === "string" ? parseCidr(n.vpcCidr) : undefined;
    return cidr && typeof n.accountId === "string" && typeof n.region === "string" ? [{ ...n, cidr }] : [];
  });
  placed.forEach((later, j) => {
    for (const earlier of placed.slice(0, j)) {
      if (later.accountId !== earlier.accountId || !cidrsOverlap(earlier.cidr, later.cidr)) continue;
      const where =
        later.region === earlier.region
          ? `both in account ${later.accountId}, region ${later.region}`
          : later.region === earlier.drRegion
            ? `both in account ${later.accountId}; ${later.region} is ${earlier.name}'s DR region, where the two networks may be peered`
            : earlier.region === later.drRegion
              ? `both in account ${later.accountId}; ${earlier.region} is ${later.name}'s DR region, where the two networks may be peered`
              : undefined;
      if (where) p.add(`${later.field}.vpcCidr`, later.vpcCidr, `a range that does not overlap ${earlier.name}'s vpcCidr ${earlier.vpcCidr} (${where})`);
    }
  });
}
