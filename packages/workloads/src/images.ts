import { ProblemCollector } from "@qod/core";

/**
 * Container images by immutable reference. A service's image is either in one of the
 * environment's ECR repositories (created with `IMMUTABLE` tags, so a tag names one build
 * forever) or elsewhere, where tags can be moved and only a digest is immutable.
 */
export interface ImageConfig {
  /**
   * The name of one of the environment's ECR repositories (`registry.repositories`, e.g.
   * `qod-api`), or a full external reference without tag (`public.ecr.aws/docker/library/redis`).
   */
  readonly repository: string;
  /** A release tag (`1.4.2`, `2026.11.23-3f2a9c1`); never `latest`. In an ECR repository of the environment only. */
  readonly tag?: string;
  /** `sha256:<64 hex>`: the image's digest. Required for an external repository. */
  readonly digest?: string;
}

export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
/** Tags that name whatever was pushed last: never a release. */
export const MUTABLE_TAGS: readonly string[] = ["latest", "main", "master", "stable", "edge", "dev"];
const ECR_NAME_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Whether `repository` names a repository of the environment's registry (a bare name), not an external reference. */
export function isRegistryRepository(repository: string): boolean {
  return ECR_NAME_PATTERN.test(repository) && !repository.includes(".");
}

/** What {@link checkImageTag} allows of a tag's characters, in its words. */
export const TAG_RULE = "a Docker tag (letters, digits, _ . -, up to 128, not starting with . or -)";
/** What {@link checkImageTag} allows of a tag's meaning, in its words. */
export const RELEASE_TAG_RULE = `a release tag (a version or a commit), not one that moves (${MUTABLE_TAGS.join(", ")})`;

/**
 * Checks one image tag: a Docker tag ({@link TAG_PATTERN}) that names a release, not one that
 * moves ({@link MUTABLE_TAGS}). The rule of a config's `image.tag` and of the release pipeline's
 * `IMAGE_TAG`, so both are refused with the same words. Returns whether the tag passed.
 */
export function checkImageTag(p: ProblemCollector, field: string, tag: unknown): boolean {
  if (!p.check(typeof tag === "string" && TAG_PATTERN.test(tag), field, tag, TAG_RULE)) return false;
  return p.check(!MUTABLE_TAGS.includes((tag as string).toLowerCase()), field, tag, RELEASE_TAG_RULE);
}

/**
 * Checks one image: a tag that is a release (not `latest`), or a digest; a digest for images
 * outside the environment's registry; a registry repository the environment has.
 */
export function checkImage(p: ProblemCollector, field: string, image: ImageConfig | undefined, repositories?: readonly string[]): void {
  if (!p.check(image !== null && typeof image === "object", field, image, '{ repository, tag } or { repository, digest }, e.g. { repository: "qod-api", tag: "1.4.2" }')) return;
  const { repository, tag, digest } = image!;
  if (!p.check(typeof repository === "string" && repository.length > 0 && !/[:@\s]/.test(repository), `${field}.repository`, repository, "a repository name without tag or digest (the tag and digest are fields of their own)")) return;
  if (tag === undefined && digest === undefined) {
    p.add(field, image, "an immutable reference: a release tag (tag) or a digest (digest: sha256:...); an untagged image means whatever was pushed last");
  }
  if (tag !== undefined) checkImageTag(p, `${field}.tag`, tag);
  if (digest !== undefined) p.check(typeof digest === "string" && DIGEST_PATTERN.test(digest), `${field}.digest`, digest, "sha256: followed by 64 lowercase hex digits");
  if (isRegistryRepository(repository)) {
    if (repositories !== undefined) {
      p.check(repositories.includes(repository), `${field}.repository`, repository, `one of the environment's ECR repositories (registry.repositories: ${repositories.join(", ")}), or a full external reference with a digest`);
    }
  } else {
    p.check(digest !== undefined, `${field}.digest`, digest, `a digest (sha256:...) for ${repository}: tags outside the environment's immutable ECR repositories can be moved`);
  }
}

/** The reference a pod pulls: `<repositoryUrl>:<tag>`, `<repositoryUrl>@<digest>` or both. */
export function imageReference(repositoryUrl: string, image: ImageConfig): string {
  return `${repositoryUrl}${image.tag !== undefined ? `:${image.tag}` : ""}${image.digest !== undefined ? `@${image.digest}` : ""}`;
}

/**
 * How a rendered image reference pins its content: `digest`, `tag` (a release tag), or the
 * problem (`untagged`, `mutable-tag`). Works on references whose registry part is a token.
 */
export function imagePinning(reference: string): "digest" | "tag" | "untagged" | "mutable-tag" {
  if (/@sha256:[a-f0-9]{64}$/.test(reference)) return "digest";
  const lastSlash = reference.lastIndexOf("/");
  const lastColon = reference.lastIndexOf(":");
  if (lastColon <= lastSlash) return "untagged";
  const tag = reference.slice(lastColon + 1);
  if (!TAG_PATTERN.test(tag)) return "untagged";
  return MUTABLE_TAGS.includes(tag.toLowerCase()) ? "mutable-tag" : "tag";
}
