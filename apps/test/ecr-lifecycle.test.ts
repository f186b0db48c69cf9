/**
 * The release workflow pushes every build under its commit SHA (IMAGE_TAG) into the environments'
 * IMMUTABLE repositories. Checked here against each environment's synthesized lifecycle policies
 * (those of its repositories and of its replicas' creation template), with ECR's rule semantics
 * (test/ecr-lifecycle.ts): commit-tagged images are release images, the newest
 * `registry.keepReleaseImages` of them stay however old, older ones expire, and untagged images
 * expire after `registry.untaggedImageExpiryDays`.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { expiredImages, LifecycleRule, RepositoryImage } from "../../test/ecr-lifecycle";
import { resources } from "../../test/helpers";
import { platform } from "../platform";
import { stackName, synthesizedPlatform } from "./synthesized";

const synthesized = synthesizedPlatform();
/** A commit SHA, as `github.sha`. */
const commit = (i: number) => createHash("sha1").update(`commit ${i}`).digest("hex");

/** The lifecycle policies an environment's infra stack writes: its repositories' and its replicas' template's. */
function policies(environment: (typeof platform.environments)[number]): { readonly rules: LifecycleRule[] }[] {
  const infra = synthesized.stack(stackName(environment, "infra"));
  return [
    ...resources(infra, "aws_ecr_lifecycle_policy").map((p) => p.policy as string),
    ...resources(infra, "aws_ecr_repository_creation_template").map((t) => t.lifecycle_policy as string),
  ].map((text) => JSON.parse(text));
}

const withRepositories = platform.environments.filter((e) => e.registry.replicasOf === undefined);

describe.each(withRepositories.map((e) => [e.name, e] as const))("%s's image lifecycle with commit-tagged releases", (_, environment) => {
  const { keepReleaseImages: keep, untaggedImageExpiryDays: untaggedDays } = environment.registry;
  const found = policies(environment);

  it("has a lifecycle policy for every repository", () => {
    expect(found.length).toBeGreaterThanOrEqual(environment.registry.repositories.length);
  });

  it("keeps the newest keepReleaseImages commit-tagged images, however old, and expires the older ones", () => {
    // One build a day for keep + 5 days: more builds than are kept, most of them older than untagged images live.
    const builds: RepositoryImage[] = Array.from({ length: keep + 5 }, (_, day) => ({ tags: [commit(day)], pushedDaysAgo: day }));
    expect(builds.every((b) => /^[0-9a-f]{40}$/.test(b.tags[0]))).toBe(true);
    for (const policy of found) {
      const expired = expiredImages(policy, builds);
      expect([...expired].sort((a, b) => a - b)).toEqual(builds.map((_, i) => i).filter((i) => i >= keep));
    }
  });

  it("counts commit-tagged and version-tagged images as one set of releases", () => {
    const images: RepositoryImage[] = [
      ...Array.from({ length: keep }, (_, day) => ({ tags: [commit(day)], pushedDaysAgo: day })),
      { tags: ["0.1.0"], pushedDaysAgo: keep + 1 },
    ];
    for (const policy of found) expect([...expiredImages(policy, images)]).toEqual([keep]);
  });

  it("expires untagged images after untaggedImageExpiryDays and no sooner", () => {
    const images: RepositoryImage[] = [
      { tags: [], pushedDaysAgo: untaggedDays },
      { tags: [], pushedDaysAgo: untaggedDays + 1 },
    ];
    for (const policy of found) expect([...expiredImages(policy, images)]).toEqual([1]);
  });
});
