/** IPv4 CIDR arithmetic, the same semantics as Terraform's `cidrsubnet`. */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly address: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when the text is not a well-formed IPv4 CIDR. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

/** True when no host bit is set, i.e. `10.0.0.0/16` but not `10.0.1.0/16`. */
export function isNetworkAligned(cidr: Ipv4Cidr): boolean {
  const size = 2 ** (32 - cidr.prefix);
  return cidr.address % size === 0;
}

export function formatCidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.address / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefix}`;
}

/** True when `inner` lies entirely within `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  const size = 2 ** (32 - outer.prefix);
  return Math.floor(inner.address / size) === Math.floor(outer.address / size);
}

/** True when the two blocks share an address (CIDR blocks are either nested or disjoint). */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** RFC 1918 private ranges. */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

export function isPrivateRange(cidr: Ipv4Cidr): boolean {
  return PRIVATE_RANGES.some((range) => cidrContains(parseCidr(range)!, cidr));
}

/**
 * Terraform's `cidrsubnet(base, newbits, netnum)`: the `netnum`-th block of prefix
 * `base.prefix + newbits` inside `base`.
 */
export function cidrSubnet(base: string, newbits: number, netnum: number): string {
  const parsed = parseCidr(base);
  if (!parsed) throw new RangeError(`cidrSubnet: ${JSON.stringify(base)} is not an IPv4 CIDR`);
  const prefix = parsed.prefix + newbits;
  if (prefix > 32) throw new RangeError(`cidrSubnet: /${parsed.prefix} + ${newbits} bits exceeds /32`);
  if (!Number.isInteger(netnum) || netnum < 0 || netnum >= 2 ** newbits) {
    throw new RangeError(`cidrSubnet: netnum ${netnum} does not fit in ${newbits} bits`);
  }
  const network = parsed.address - (parsed.address % 2 ** (32 - parsed.prefix));
  return formatCidr({ address: network + netnum * 2 ** (32 - prefix), prefix });
}
