import { checkSectionObject, ProblemCollector, SectionContext } from "@qod/core";

/**
 * The registry section of an environment's config and its rules. The same rule functions check
 * the config at the edge (`checkRegistryConfig`) and the `ContainerRegistry` construct's props,
 * so both reject the same input with the same words.
 */

/** Container registries of an environment. */
export interface RegistryConfig {
  /** One repository per service, e.g. `qod-api`, `ui` (created as `<project>-<env>/<name>`). */
  readonly repositories: readonly string[];
  /** Days an untagged image is kept (1-90). */
  readonly untaggedImageExpiryDays: number;
  /** Release images (`v*` tags) kept per repository (1-1000). */
  readonly keepReleaseImages: number;
  /** Replicate every repository to `backup.drRegion`. */
  readonly replicateToDr: boolean;
}

/** ECR repository names: lowercase path segments of letters/digits separated by . _ - . */
export const ECR_REPOSITORY_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function checkRepositoryName(p: ProblemCollector, field: string, name: string): void {
  p.check(
    typeof name === "string" && name.length >= 2 && name.length <= 256 && ECR_REPOSITORY_PATTERN.test(name),
    field,
    name,
    "an ECR repository name: 2-256 lowercase letters and digits, separated by single . _ - or /",
  );
}

/**
 * Checks the services of a registry: at least one, each once, each giving a valid repository
 * name once `repositoryName` has made it the full name (`<project>-<env>/<service>`).
 */
export function checkRepositories(
  p: ProblemCollector,
  field: string,
  services: readonly string[],
  repositoryName: (service: string) => string = (service) => service,
): void {
  if (!Array.isArray(services) || services.length === 0) {
    p.add(field, services, "at least one service name (one repository per service)");
    return;
  }
  services.forEach((service, i) => {
    checkRepositoryName(p, `${field}[${i}]`, repositoryName(service));
    if (services.indexOf(service) !== i) p.add(`${field}[${i}]`, service, "each service once");
  });
}

/** Checks the image lifecycle: untagged images kept 1-90 days, 1-1000 release images kept. */
export function checkImageLifecycle(
  p: ProblemCollector,
  field: (name: string) => string,
  lifecycle: { readonly untaggedImageExpiryDays: number; readonly keepReleaseImages: number },
): void {
  const untagged = lifecycle.untaggedImageExpiryDays;
  const keep = lifecycle.keepReleaseImages;
  p.check(Number.isInteger(untagged) && untagged >= 1 && untagged <= 90, field("untaggedImageExpiryDays"), untagged, "1 to 90 days");
  p.check(Number.isInteger(keep) && keep >= 1 && keep <= 1000, field("keepReleaseImages"), keep, "1 to 1000 images");
}

/**
 * Validates the registry section of an environment (`field` is e.g. `dev.registry`). Whether
 * `replicateToDr` has a DR region to replicate to is a relation between sections: the
 * composition layer checks it.
 */
export function checkRegistryConfig(
  p: ProblemCollector,
  field: string,
  registry: RegistryConfig | undefined,
  _context: SectionContext,
): void {
  if (!checkSectionObject(p, field, registry, "{ repositories, untaggedImageExpiryDays, keepReleaseImages, replicateToDr }")) return;
  checkRepositories(p, `${field}.repositories`, registry.repositories);
  checkImageLifecycle(p, (name) => `${field}.${name}`, registry);
  p.check(typeof registry.replicateToDr === "boolean", `${field}.replicateToDr`, registry.replicateToDr, "true or false");
}
