import { checkSectionObject, ProblemCollector } from "@qod/core";
import type { BuiltImage } from "./config";

/**
 * The environment variable that carries the release tag of the images this repository builds:
 * the release workflow sets it to the commit SHA when it pushes the images and when it runs the
 * synth, so the Deployments run exactly what it pushed (README, Delivery).
 */
export const IMAGE_TAG_VARIABLE = "IMAGE_TAG";

export const DOCKERFILE_RULE = 'a repository-relative path under docker/ (e.g. "docker/qod-api/Dockerfile"): segments of letters, digits, _ . -, no "." or ".." segment';

/** Whether `path` is a repository-relative path under `docker/`: segments of letters, digits, `_ . -`, none `.` or `..`. */
export function isDockerfilePath(path: unknown): boolean {
  if (typeof path !== "string") return false;
  const segments = path.split("/");
  return segments.length >= 2 && segments[0] === "docker" && segments.every((s) => /^[A-Za-z0-9_.-]+$/.test(s) && s !== "." && s !== "..");
}

/** What {@link checkBuiltImages} reads of an environment: its name and its registry's repositories. */
export interface BuiltImagesEnvironment {
  readonly name?: string;
  readonly registry?: { readonly repositories?: readonly string[] };
}

/**
 * Checks the images the release workflow builds (`delivery.images`): at least one; each key an
 * ECR repository of every environment's registry (`registry.repositories`: the workflow pushes
 * it to each, and the environments' workloads pull it from there); each Dockerfile a path under
 * `docker/` (the build context is the repository root). Whether the file exists is not checked
 * here (config rules read no files): a test checks the checked-in definition's Dockerfiles.
 */
export function checkBuiltImages(
  p: ProblemCollector,
  field: string,
  images: Readonly<Record<string, BuiltImage>> | undefined,
  environments: readonly BuiltImagesEnvironment[],
): void {
  const example = '{ "qod-api": { dockerfile: "docker/qod-api/Dockerfile" } }';
  if (!checkSectionObject(p, field, images, `the images the release workflow builds, by ECR repository name, e.g. ${example}`)) return;
  const names = Object.keys(images);
  if (names.length === 0) {
    p.add(field, images, `at least one image, by ECR repository name, e.g. ${example}`);
    return;
  }
  for (const name of names) {
    for (const [i, env] of environments.entries()) {
      const repositories = Array.isArray(env?.registry?.repositories) ? env.registry.repositories : [];
      p.check(
        repositories.includes(name),
        `${field}.${name}`,
        name,
        `an ECR repository of every environment (the workflow pushes the image to each): ${env?.name ?? `environments[${i}]`}'s registry.repositories are ${repositories.join(", ") || "none"}`,
      );
    }
    const image = images[name];
    if (!checkSectionObject(p, `${field}.${name}`, image, '{ dockerfile }, e.g. { dockerfile: "docker/qod-api/Dockerfile" }')) continue;
    p.check(isDockerfilePath(image.dockerfile), `${field}.${name}.dockerfile`, image.dockerfile, DOCKERFILE_RULE);
  }
}
