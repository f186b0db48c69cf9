/**
 * A model of how ECR applies a lifecycle policy to a repository's images (AmazonECR userguide,
 * LifecyclePolicies and lifecycle_policy_parameters), for tests that check what a synthesized
 * policy keeps:
 * - rules are evaluated by `rulePriority`, lowest first; an image belongs to the first rule whose
 *   tag selection it matches ("an image that matches the tagging requirements of a rule cannot be
 *   expired by a rule with a lower priority"), and only that rule counts and expires it;
 * - `untagged` selects images without a tag, `any` every image; `tagged` with `tagPrefixList`
 *   selects images that have, for EVERY listed prefix, a tag starting with it, and with
 *   `tagPatternList` images that have, for EVERY pattern, a matching tag (`*` matches any run of
 *   characters): several entries narrow the selection, they do not widen it;
 * - `imageCountMoreThan` keeps the newest `countNumber` of the rule's images (by push time) and
 *   expires the rest; `sinceImagePushed` expires the rule's images pushed more than `countNumber`
 *   days ago.
 */

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly selection: {
    readonly tagStatus: "tagged" | "untagged" | "any";
    readonly tagPrefixList?: readonly string[];
    readonly tagPatternList?: readonly string[];
    readonly countType: "imageCountMoreThan" | "sinceImagePushed";
    readonly countNumber: number;
  };
  readonly action: { readonly type: string };
}

/** An image in a repository: its tags and how many days ago it was pushed. */
export interface RepositoryImage {
  readonly tags: readonly string[];
  readonly pushedDaysAgo: number;
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

function selects(rule: LifecycleRule, image: RepositoryImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
  if (tagStatus === "any") return true;
  if (tagStatus === "untagged") return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  if (tagPrefixList) return tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  if (tagPatternList) return tagPatternList.every((pattern) => image.tags.some((tag) => wildcard(pattern).test(tag)));
  throw new Error(`rule ${rule.rulePriority}: a tagged rule needs tagPrefixList or tagPatternList`);
}

/** The images (by index into `images`) the policy expires. */
export function expiredImages(policy: { readonly rules: readonly LifecycleRule[] }, images: readonly RepositoryImage[]): Set<number> {
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const byRule = new Map<LifecycleRule, number[]>();
  images.forEach((image, i) => {
    const rule = rules.find((r) => selects(r, image));
    if (rule) byRule.set(rule, [...(byRule.get(rule) ?? []), i]);
  });
  const expired = new Set<number>();
  for (const [rule, members] of byRule) {
    if (rule.action.type !== "expire") continue;
    const { countType, countNumber } = rule.selection;
    if (countType === "sinceImagePushed") {
      for (const i of members) if (images[i].pushedDaysAgo > countNumber) expired.add(i);
    } else {
      [...members].sort((a, b) => images[a].pushedDaysAgo - images[b].pushedDaysAgo).slice(countNumber).forEach((i) => expired.add(i));
    }
  }
  return expired;
}
