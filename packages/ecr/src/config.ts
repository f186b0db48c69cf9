import { checkName, checkSectionObject, isUnresolved, ProblemCollector, SectionContext } from "@qod/core";

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
  /**
   * Release images kept per repository (1-1000): the newest tagged images (the release
   * workflow's commit SHAs, versions, a mirror's upstream tags); older ones expire.
   */
  readonly keepReleaseImages: number;
  /** Replicate every repository to `backup.drRegion`. */
  readonly replicateToDr: boolean;
  /**
   * A DR environment's images: the name of the environment whose registry replicates into this
   * one's region (e.g. `prod` for the rebuild of procedure C in docs/disaster-recovery.md). The
   * environment then creates no repositories: it reads that environment's replicas
   * (`<project>-<source>/<service>`) and leaves them when destroyed. The source must be another
   * environment of the same project and account whose registry replicates to this region, with
   * every service listed here and the same image lifecycle (the replicas get the source's).
   * @default - the environment creates its own repositories `<project>-<env>/<service>`
   */
  readonly replicasOf?: string;
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

/**
 * Checks the image lifecycle: untagged images kept 1-90 days, 1-1000 release images kept. A
 * value only Terraform knows (a token) is left to Terraform (the rule is deferred).
 */
export function checkImageLifecycle(
  p: ProblemCollector,
  field: (name: string) => string,
  lifecycle: { readonly untaggedImageExpiryDays: number; readonly keepReleaseImages: number },
): void {
  const untagged = lifecycle.untaggedImageExpiryDays;
  const keep = lifecycle.keepReleaseImages;
  const known = (value: number) => !isUnresolved(value) && Number.isInteger(value);
  p.check(known(untagged) && untagged >= 1 && untagged <= 90, field("untaggedImageExpiryDays"), untagged, "1 to 90 days");
  p.check(known(keep) && keep >= 1 && keep <= 1000, field("keepReleaseImages"), keep, "1 to 1000 images");
}

/**
 * A tag pattern of an ECR lifecycle rule (`tagPatternList`): the characters of an image tag
 * (letters, digits, `_ . -`, not starting with `.` or `-`) and `*` wildcards, 128 at most.
 */
export const RELEASE_TAG_PATTERN_PATTERN = /^[A-Za-z0-9_*][A-Za-z0-9_.*-]{0,127}$/;
/** Wildcards ECR allows in one tag pattern. */
export const MAX_TAG_PATTERN_WILDCARDS = 4;
/** What {@link checkReleaseTagPattern} allows, in its words. */
export const RELEASE_TAG_PATTERN_RULE = `an image tag pattern: letters, digits, _ . - and up to ${MAX_TAG_PATTERN_WILDCARDS} * wildcards, not starting with . or - (128 characters at most); "*" makes every tagged image a release`;

/**
 * Checks the tag pattern that marks a release image (one pattern: ECR selects an image for a
 * rule with several patterns only when it has a tag for each, so a list would narrow, not widen).
 * A pattern only Terraform knows is deferred.
 */
export function checkReleaseTagPattern(p: ProblemCollector, field: string, pattern: string): void {
  p.check(
    typeof pattern === "string" && RELEASE_TAG_PATTERN_PATTERN.test(pattern) && pattern.split("*").length - 1 <= MAX_TAG_PATTERN_WILDCARDS,
    field,
    pattern,
    RELEASE_TAG_PATTERN_RULE,
  );
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
  if (registry.replicasOf !== undefined) checkName(p, `${field}.replicasOf`, registry.replicasOf);
}

/** What the registry rules between environments read of one environment. */
export interface RegistryPlacement {
  /** The environment's name (what `replicasOf` names). */
  readonly name?: string;
  /** The environment's field prefix (its registry is `<field>.registry`). */
  readonly field: string;
  readonly project?: string;
  readonly accountId?: string;
  readonly region?: string;
  /** Where its registry replicates to when `registry.replicateToDr` is set (`backup.drRegion`). */
  readonly drRegion?: string;
  readonly registry?: RegistryConfig;
}

/**
 * The registry rules between environments:
 * - ECR keeps one replication configuration per account and region
 *   (`aws_ecr_replication_configuration`): two environments there cannot both set `replicateToDr`;
 * - `replicasOf` names another environment of the same project and account whose registry
 *   replicates into this environment's region and has every service listed here, with the same
 *   image lifecycle; that environment must have repositories of its own (no chains).
 * Reported on the later (or the replicating) environment, naming both.
 */
export function checkRegistriesAcrossEnvironments(p: ProblemCollector, environments: readonly RegistryPlacement[]): void {
  const placed = environments.filter((e) => e.registry !== null && typeof e.registry === "object");
  const replicatesTo = (e: RegistryPlacement) => (e.registry?.replicateToDr === true ? e.drRegion : undefined);
  placed.forEach((later, j) => {
    const earlier = placed.slice(0, j).find((e) => replicatesTo(e) && replicatesTo(later) && e.accountId === later.accountId && e.region === later.region);
    if (earlier) {
      p.add(
        `${later.field}.registry.replicateToDr`,
        true,
        `false: ${earlier.name} already replicates the registry of account ${later.accountId} in ${later.region} (aws_ecr_replication_configuration is one per account and region); replicate from one environment there`,
      );
    }
  });
  for (const env of placed) {
    const name = env.registry!.replicasOf;
    if (typeof name !== "string") continue;
    const field = `${env.field}.registry`;
    const source = placed.find((e) => e.name === name && e !== env);
    if (!source) {
      const others = placed.filter((e) => e !== env).map((e) => e.name);
      p.add(`${field}.replicasOf`, name, `another environment of the platform (${others.length ? others.join(", ") : "there is none"}) whose registry replicates to ${env.region}`);
      continue;
    }
    const checks: [boolean, string][] = [
      [source.project === env.project, `an environment of project ${env.project}: ${name} is of ${source.project}`],
      [source.accountId === env.accountId, `an environment of account ${env.accountId}: ${name} is in ${source.accountId}`],
      [source.registry!.replicasOf === undefined, `an environment with repositories of its own: ${name} uses the replicas of ${source.registry!.replicasOf}`],
      [
        replicatesTo(source) === env.region,
        `an environment whose registry replicates to ${env.region} (registry.replicateToDr and backup.drRegion): ${name} replicates ${replicatesTo(source) ? `to ${replicatesTo(source)}` : "nowhere"}`,
      ],
    ];
    const failed = checks.find(([ok]) => !ok);
    if (failed) {
      p.add(`${field}.replicasOf`, name, failed[1]);
      continue;
    }
    const theirs = Array.isArray(source.registry!.repositories) ? source.registry!.repositories : [];
    (Array.isArray(env.registry!.repositories) ? env.registry!.repositories : []).forEach((service, i) => {
      p.check(theirs.includes(service), `${field}.repositories[${i}]`, service, `one of ${name}'s repositories (${theirs.join(", ")}): only those are replicated`);
    });
    for (const key of ["untaggedImageExpiryDays", "keepReleaseImages"] as const) {
      const value = source.registry![key];
      p.check(env.registry![key] === value, `${field}.${key}`, env.registry![key], `${name}'s value (${value}): the replicas' lifecycle is ${name}'s (its repository creation template)`);
    }
  }
}
