import { ModuleDefinition, Naming, sharedValidations } from "@qod/core";
import { ContainerRegistry } from "./container-registry";

/** The inputs of the `ecr` module, by variable name. */
export interface EcrModuleInputs {
  readonly project: string;
  readonly environment: string;
  readonly untagged_image_expiry_days: number;
  readonly keep_release_images: number;
  readonly release_tag_pattern: string;
  readonly force_delete: boolean;
}

/**
 * The services the module makes a repository for (as both environments' `registry.repositories`):
 * each name keys a repository, its lifecycle policy and an entry of the outputs.
 */
export const ECR_MODULE_REPOSITORIES = ["qod-api", "ui", "redis"] as const;

/** The construct fields a repository's full name (`<project>-<env>/<service>`) is checked on. */
const REPOSITORY_FIELDS = ECR_MODULE_REPOSITORIES.map((_, i) => `repositories[${i}]`);

/** `{ qod-api: f("qod-api"), ... }`: an output map over the module's repositories. */
function byService(registry: ContainerRegistry, value: (service: string) => string): Record<string, string> {
  return Object.fromEntries(Object.keys(registry.repositories).map((service) => [service, value(service)]));
}

/**
 * The `ContainerRegistry` construct as a Terraform module: a rotating KMS key and, per service, a
 * repository with immutable tags, scan on push, KMS encryption and a lifecycle policy.
 */
export const ecrModule: ModuleDefinition<EcrModuleInputs> = {
  name: "ecr",
  source: "packages/ecr/src/module.ts",
  description: `Container repositories for the platform's services, from the \`ContainerRegistry\` construct of \`@qod/ecr\`: a rotating KMS key (\`alias/<project>-<environment>-ecr\`) and, for each of ${ECR_MODULE_REPOSITORIES.map((s) => `\`${s}\``).join(", ")}, a repository \`<project>-<environment>/<service>\` with immutable tags, scan on push, encryption with that key and a lifecycle policy (untagged images expire, the newest N release images are kept: every tagged image by default).`,
  variables: {
    project: {
      type: "string",
      description: "Project name, the first part of every name (`<project>-<environment>/<service>`, `alias/<project>-<environment>-ecr`).",
      example: "qod",
      // A valid project and environment with the module's service names always give a valid repository name.
      validations: [sharedValidations.name("project", ["naming.project", ...REPOSITORY_FIELDS])],
    },
    environment: {
      type: "string",
      description: "Environment name, the second part of every name.",
      example: "dev",
      validations: [sharedValidations.name("environment", ["naming.environment", ...REPOSITORY_FIELDS])],
    },
    untagged_image_expiry_days: {
      type: "number",
      description: "Days an untagged image is kept before it expires: a whole number from 1 to 90.",
      default: 7,
      validations: [
        {
          condition: "floor(var.untagged_image_expiry_days) == var.untagged_image_expiry_days && var.untagged_image_expiry_days >= 1 && var.untagged_image_expiry_days <= 90",
          errorMessage: "untagged_image_expiry_days must be a whole number of days from 1 to 90.",
          enforces: ["untaggedImageExpiryDays"],
          rejects: [0, 91, 2.5],
        },
      ],
    },
    keep_release_images: {
      type: "number",
      description: "Release images (tagged images matching `release_tag_pattern`) kept per repository; older ones expire: a whole number from 1 to 1000.",
      default: 30,
      validations: [
        {
          condition: "floor(var.keep_release_images) == var.keep_release_images && var.keep_release_images >= 1 && var.keep_release_images <= 1000",
          errorMessage: "keep_release_images must be a whole number of images from 1 to 1000.",
          enforces: ["keepReleaseImages"],
          rejects: [0, 1001, 1.5],
        },
      ],
    },
    release_tag_pattern: {
      type: "string",
      description:
        'The ECR tag pattern that marks a release image: letters, digits, _ . - and up to 4 `*` wildcards. The default `"*"` makes every tagged image a release (the repositories are immutable, so each tag names one build: commit SHAs, versions); tagged images the pattern does not match never expire.',
      default: "*",
      validations: [
        {
          condition: `can(regex("^[A-Za-z0-9_*][A-Za-z0-9_.*-]{0,127}$", var.release_tag_pattern)) && length(regexall("[*]", var.release_tag_pattern)) <= 4`,
          errorMessage: "release_tag_pattern must be an image tag pattern: letters, digits, _ . - and up to 4 * wildcards, not starting with . or - (128 characters at most).",
          enforces: ["releaseTagPattern"],
          rejects: ["", "-v*", "release *", "*a*b*c*d*"],
        },
      ],
    },
    force_delete: {
      type: "bool",
      description: "Let `terraform destroy` delete repositories that still hold images. Keep false for production: its images survive a destroy.",
      default: false,
    },
  },
  build: (scope, inputs) => {
    const registry = new ContainerRegistry(scope, "Registry", {
      naming: new Naming(inputs.project, inputs.environment),
      repositories: [...ECR_MODULE_REPOSITORIES],
      untaggedImageExpiryDays: inputs.untagged_image_expiry_days,
      keepReleaseImages: inputs.keep_release_images,
      releaseTagPattern: inputs.release_tag_pattern,
      forceDelete: inputs.force_delete,
    });
    return {
      repository_urls: { value: byService(registry, (s) => registry.repository(s).repositoryUrl), description: "Repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<project>-<environment>/<service>`) by service" },
      repository_arns: { value: byService(registry, (s) => registry.repository(s).repositoryArn), description: "Repository ARN by service (for pull and push policies)" },
      repository_names: { value: byService(registry, (s) => registry.repository(s).repositoryName), description: "Repository name (`<project>-<environment>/<service>`) by service" },
      kms_key_arn: { value: registry.key!.arn, description: "ARN of the KMS key that encrypts the repositories (pushers and pullers outside the account need kms:Decrypt on it)" },
    };
  },
  typescriptOnly: {},
  fixed: [
    {
      setting: "repositories",
      value: ECR_MODULE_REPOSITORIES.join(", "),
      why: "each service names and keys a repository, its lifecycle policy and an output entry, so the list decides which resources exist (the services of both environments; redis is a mirror of the official image)",
    },
    {
      setting: "replicationRegion",
      value: "none",
      why: "ECR's replication configuration is one per account and region (`aws_ecr_replication_configuration`): a module must not take over the registry-wide setting; replicate with the TypeScript construct from one environment",
    },
    { setting: "replicasOf", value: "none", why: "the module creates and manages its own repositories (reading another registry's replicas makes none)" },
    {
      setting: "production",
      value: "false",
      why: "the construct's only production rule refuses forceDelete; the module leaves that to `force_delete`, default false (repositories with images survive terraform destroy)",
    },
  ],
  providers: ["aws"],
};
