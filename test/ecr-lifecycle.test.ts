import { describe, expect, it } from "vitest";
import { expiredImages, LifecycleRule } from "./ecr-lifecycle";

const keepTagged = (selection: Partial<LifecycleRule["selection"]>, countNumber = 1): LifecycleRule => ({
  rulePriority: 1,
  selection: { tagStatus: "tagged", countType: "imageCountMoreThan", countNumber, ...selection },
  action: { type: "expire" },
});

describe("the ECR lifecycle model (test/ecr-lifecycle.ts)", () => {
  it("selects for a tagPrefixList of several prefixes only images with a tag for each (AND, as ECR documents)", () => {
    const images = [
      { tags: ["v1", "release-1"], pushedDaysAgo: 2 },
      { tags: ["v2"], pushedDaysAgo: 1 },
      { tags: ["v3", "release-3"], pushedDaysAgo: 0 },
    ];
    // Only images 0 and 2 are selected; the newest of them stays, image 1 is never expired.
    expect([...expiredImages({ rules: [keepTagged({ tagPrefixList: ["v", "release-"] })] }, images)]).toEqual([0]);
  });

  it("matches * in a tagPatternList against any run of characters", () => {
    const images = [
      { tags: ["3f2a9c1d4e5b6a7980fedcba0123456789abcdef"], pushedDaysAgo: 1 },
      { tags: ["0.1.0"], pushedDaysAgo: 0 },
      { tags: [], pushedDaysAgo: 5 },
    ];
    expect([...expiredImages({ rules: [keepTagged({ tagPatternList: ["*"] })] }, images)]).toEqual([0]);
    expect([...expiredImages({ rules: [keepTagged({ tagPatternList: ["0.*"] }, 0)] }, images)]).toEqual([1]);
  });

  it("lets the first rule that selects an image own it: a later rule neither counts nor expires it", () => {
    const rules: LifecycleRule[] = [
      { ...keepTagged({ tagPatternList: ["v*"] }, 5), rulePriority: 1 },
      { rulePriority: 2, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "expire" } },
    ];
    const images = [
      { tags: ["v1"], pushedDaysAgo: 0 },
      { tags: ["abc"], pushedDaysAgo: 1 },
      { tags: ["def"], pushedDaysAgo: 2 },
    ];
    expect([...expiredImages({ rules }, images)]).toEqual([2]);
  });
});
