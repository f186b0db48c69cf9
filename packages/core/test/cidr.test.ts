import { describe, expect, it } from "vitest";
import { cidrContains, cidrsOverlap, cidrSubnet, isNetworkAligned, isPrivateRange, parseCidr } from "../src";

describe("cidr", () => {
  it("computes the same blocks as Terraform's cidrsubnet", () => {
    // Values checked against `terraform console`: cidrsubnet("10.0.0.0/16", 3, 6) etc.
    expect(cidrSubnet("10.0.0.0/16", 3, 0)).toBe("10.0.0.0/19");
    expect(cidrSubnet("10.0.0.0/16", 3, 6)).toBe("10.0.192.0/19");
    expect(cidrSubnet("10.0.192.0/19", 3, 1)).toBe("10.0.196.0/22");
    expect(cidrSubnet("172.16.0.0/20", 3, 7)).toBe("172.16.14.0/23");
    expect(cidrSubnet("192.168.0.0/16", 8, 255)).toBe("192.168.255.0/24");
  });

  it("fails when netnum does not fit the new bits", () => {
    expect(() => cidrSubnet("10.0.0.0/16", 3, 8)).toThrow(/netnum 8 does not fit in 3 bits/);
    expect(() => cidrSubnet("10.0.0.0/30", 3, 0)).toThrow(/exceeds \/32/);
    expect(() => cidrSubnet("not-a-cidr", 1, 0)).toThrow(/is not an IPv4 CIDR/);
  });

  it("parses only well-formed IPv4 CIDRs", () => {
    expect(parseCidr("10.1.2.0/24")).toEqual({ address: 0x0a010200, prefix: 24 });
    expect(parseCidr("256.0.0.0/8")).toBeUndefined();
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(parseCidr("10.0.0.0")).toBeUndefined();
  });

  it("knows containment, alignment and the private ranges", () => {
    expect(cidrContains(parseCidr("10.0.0.0/8")!, parseCidr("10.200.0.0/16")!)).toBe(true);
    expect(cidrContains(parseCidr("10.0.0.0/16")!, parseCidr("10.0.0.0/8")!)).toBe(false);
    expect(isNetworkAligned(parseCidr("10.0.16.0/20")!)).toBe(true);
    expect(isNetworkAligned(parseCidr("10.0.8.0/20")!)).toBe(false);
    expect(isPrivateRange(parseCidr("172.32.0.0/16")!)).toBe(false);
    expect(isPrivateRange(parseCidr("172.31.0.0/16")!)).toBe(true);
  });

  it("knows overlap, either way round", () => {
    const overlap = (a: string, b: string) => cidrsOverlap(parseCidr(a)!, parseCidr(b)!);
    expect(overlap("10.20.0.0/16", "10.20.16.0/20")).toBe(true);
    expect(overlap("10.20.16.0/20", "10.20.0.0/16")).toBe(true);
    expect(overlap("10.20.0.0/16", "10.20.0.0/16")).toBe(true);
    expect(overlap("10.20.0.0/16", "10.21.0.0/16")).toBe(false);
    expect(overlap("10.20.0.0/20", "10.20.16.0/20")).toBe(false);
  });
});
