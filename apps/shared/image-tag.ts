import { ProblemCollector } from "@qod/core";
import { IMAGE_TAG_VARIABLE } from "@qod/delivery";
import { checkImageTag, ImageConfig, WorkloadsConfig } from "@qod/workloads";
import type { EnvironmentConfig } from "./environment-config";
import type { PlatformDefinition } from "./platform";

/** The environment variables the synth reads as release inputs (`process.env`, or a test's literal). */
export type ReleaseEnvironment = Readonly<Record<string, string | undefined>>;

/** A workload section with an image (ui, api, redis; not the quota). */
function hasImage(section: unknown): section is { readonly image: ImageConfig } {
  if (section === null || typeof section !== "object" || !("image" in section)) return false;
  const image = (section as { image: unknown }).image;
  return image !== null && typeof image === "object" && typeof (image as ImageConfig).repository === "string";
}

/**
 * The platform definition the release pipeline deploys: with `IMAGE_TAG` set (the release
 * workflow sets the commit SHA), every workload of every environment whose image repository is
 * one of `delivery.images` (the images this repository builds) runs `<repository>:<IMAGE_TAG>`
 * instead of its config's tag. A digest configured for such an image is dropped: it names another
 * build than the one just pushed, and `repo:tag@digest` would pull the digest's. The tag alone is
 * immutable in the environments' ECR repositories (`IMMUTABLE`). Images not built here (the redis
 * mirror, external images) keep their config. Without `IMAGE_TAG` the definition is returned as
 * it is.
 *
 * `IMAGE_TAG` is checked with the rules of a config's tag (a Docker tag that names a release, not
 * `latest`/`main`); an invalid one, or one given to a definition that builds no images, throws a
 * ValidationError naming the variable, the value and what is allowed. The result then goes
 * through validatePlatform like any config. Pure: reads nothing but its arguments.
 */
export function withImageTag(definition: PlatformDefinition, env: ReleaseEnvironment): PlatformDefinition {
  const tag = env[IMAGE_TAG_VARIABLE];
  if (tag === undefined) return definition;
  const p = new ProblemCollector(`release input ${IMAGE_TAG_VARIABLE}`);
  const field = `${IMAGE_TAG_VARIABLE} (environment variable)`;
  const rules = new ProblemCollector(IMAGE_TAG_VARIABLE);
  if (!checkImageTag(rules, field, tag)) {
    const rule = rules.problems[0].allowed;
    p.add(field, tag, `unset (every image keeps its config's tag), or the tag the release workflow pushed the images this repository builds under, the commit SHA (40 hex digits); it must be ${rule}`);
  }
  const built = Object.keys(definition.delivery?.images ?? {});
  if (built.length === 0) p.add(field, tag, "unset: the platform definition builds no images (delivery.images), so no image would take the release tag");
  p.throwIfAny();
  const retag = (config: EnvironmentConfig): EnvironmentConfig => {
    if (config?.workloads === null || typeof config?.workloads !== "object") return config;
    const workloads = Object.fromEntries(
      Object.entries(config.workloads).map(([name, section]) =>
        hasImage(section) && built.includes(section.image.repository) ? [name, { ...section, image: { repository: section.image.repository, tag } }] : [name, section],
      ),
    ) as WorkloadsConfig;
    return { ...config, workloads };
  };
  return { ...definition, environments: definition.environments.map(retag) };
}

/** The workloads of `config` whose image this repository builds (by `delivery.images`), by workload name. */
export function workloadsOfBuiltImages(config: EnvironmentConfig, definition: PlatformDefinition): string[] {
  const built = Object.keys(definition.delivery?.images ?? {});
  return Object.entries(config.workloads)
    .filter(([, section]) => hasImage(section) && built.includes(section.image.repository))
    .map(([name]) => name);
}
