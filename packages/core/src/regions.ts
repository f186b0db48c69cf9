import type { ProblemCollector } from "./errors";

/**
 * Regions this project knows, with the Availability Zone suffixes each one offers to new
 * accounts. Used to reject AZ lists the region cannot satisfy at synth time rather than at
 * apply time. Add a region here (with its zones from `aws ec2 describe-availability-zones`)
 * to use it.
 */
export const REGION_ZONES: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["a", "b", "c", "d", "e", "f"],
  "us-east-2": ["a", "b", "c"],
  "us-west-1": ["a", "c"],
  "us-west-2": ["a", "b", "c", "d"],
  "ca-central-1": ["a", "b", "d"],
  "sa-east-1": ["a", "b", "c"],
  "eu-west-1": ["a", "b", "c"],
  "eu-west-2": ["a", "b", "c"],
  "eu-west-3": ["a", "b", "c"],
  "eu-central-1": ["a", "b", "c"],
  "eu-central-2": ["a", "b", "c"],
  "eu-north-1": ["a", "b", "c"],
  "eu-south-1": ["a", "b", "c"],
  "ap-south-1": ["a", "b", "c"],
  "ap-southeast-1": ["a", "b", "c"],
  "ap-southeast-2": ["a", "b", "c"],
  "ap-northeast-1": ["a", "c", "d"],
  "ap-northeast-2": ["a", "b", "c", "d"],
  "ap-northeast-3": ["a", "b", "c"],
};

/** `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export function isWellFormedRegion(region: string): boolean {
  return REGION_PATTERN.test(region);
}

/** The zone names (e.g. `eu-west-1a`) a known region offers, or undefined for an unknown region. */
export function zonesOf(region: string): readonly string[] | undefined {
  const suffixes = REGION_ZONES[region];
  return suffixes?.map((s) => `${region}${s}`);
}

/** Checks a second region (disaster recovery, replication): well formed and not the primary region. */
export function checkDrRegion(p: ProblemCollector, field: string, drRegion: string, primaryRegion: string): void {
  if (!isWellFormedRegion(drRegion)) {
    p.add(field, drRegion, "an AWS region name such as eu-central-1");
  } else {
    p.check(drRegion !== primaryRegion, field, drRegion, `a region other than the primary region (${primaryRegion})`);
  }
}
