/**
 * The GitHub Actions workflows, generated from the platform definition (`npm run workflows`,
 * scripts/workflows.ts): `.github/workflows/ci.yml`, `plan.yml`, `release.yml` and actionlint's
 * config. Environments, their stacks in apply order (from the apps' composition), the delivery
 * roles, runner labels, apply triggers and the images all come from `apps/platform.ts`, so the
 * workflows cannot drift from it. Every action is pinned by commit SHA from {@link ACTIONS}.
 */
import { Naming, PinnedVersion, ProblemCollector } from "@qod/core";
import { DEFAULT_RUNS_ON, DEFAULT_SESSION_SECONDS_OF, DeliveryConfig, deliveryRoleArn, DeliveryPurpose, EnvironmentDelivery } from "@qod/delivery";
import { Document, isScalar, Scalar, visit } from "yaml";
import type { PlatformDefinition } from "../apps/shared/platform";
import type { EnvironmentConfig } from "../apps/shared/environment-config";
import { FORMATTER_VERSIONS } from "./modules-lib";
import { SERVICE_NODE_VERSION } from "./service-node";

/** A GitHub action pinned to the commit of one release tag. */
export interface PinnedAction extends PinnedVersion {
  /** `owner/name` (or `owner/name/path`) as `uses:` names it. */
  readonly action: string;
  /** The full 40-hex commit SHA of {@link PinnedVersion.version}, the release tag. */
  readonly sha: string;
}

/**
 * Every action the workflows use. `version` is the release tag, `sha` the commit it points at
 * (`git rev-parse <tag>^{commit}` in the action's repository); Dependabot or a reviewer bumps both
 * together. Inputs used are the ones each tag's action.yml declares.
 */
export const ACTIONS = {
  checkout: {
    action: "actions/checkout",
    version: "v7.0.1",
    sha: "3d3c42e5aac5ba805825da76410c181273ba90b1",
    chosen: "2026-11-23",
    note: "released 2026-07-17, node24",
  },
  setupNode: {
    action: "actions/setup-node",
    version: "v7.0.0",
    sha: "820762786026740c76f36085b0efc47a31fe5020",
    chosen: "2026-11-23",
    note: "released 2026-07-13, node24",
  },
  setupGo: {
    action: "actions/setup-go",
    version: "v7.0.0",
    sha: "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e",
    chosen: "2026-11-23",
    note: "released 2026-07-15, node24; its own cache is off (ci.yml caches the scanners' builds itself)",
  },
  cache: {
    action: "actions/cache",
    version: "v5.0.5",
    sha: "27d5ce7f107fe9357f9df03efb73ab90386fccae",
    chosen: "2026-11-23",
    note: "released 2026-04-13, node24",
  },
  uploadArtifact: {
    action: "actions/upload-artifact",
    version: "v7.0.0",
    sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
    chosen: "2026-11-23",
    note: "released 2026-02-25, node24",
  },
  downloadArtifact: {
    action: "actions/download-artifact",
    version: "v8.0.1",
    sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
    chosen: "2026-11-23",
    note: "released 2026-03-11, node24",
  },
  configureAwsCredentials: {
    action: "aws-actions/configure-aws-credentials",
    version: "v6.2.3",
    sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    chosen: "2026-11-23",
    note: "released 2026-07-22; OIDC (no session tags with OIDC), allowed-account-ids",
  },
  amazonEcrLogin: {
    action: "aws-actions/amazon-ecr-login",
    version: "v2.1.7",
    sha: "03f1aad4c6c7ffd436567f42f9384779290529bd",
    chosen: "2026-11-23",
    note: "released 2026-08-19, node24",
  },
  setupTerraform: {
    action: "hashicorp/setup-terraform",
    version: "v4.0.1",
    sha: "dfe3c3f87815947d99a8997f908cb6525fc44e9e",
    chosen: "2026-11-23",
    note: "released 2026-05-12, node24; terraform_wrapper off so `terraform show -json` writes plain JSON",
  },
  setupBuildx: {
    action: "docker/setup-buildx-action",
    version: "v4.3.0",
    sha: "37fe631027851001ddb9b187196cc803df7f5f0e",
    chosen: "2026-11-23",
    note: "released 2026-08-17; the docker-container driver (BuildKit), which exports images to a tarball",
  },
} as const satisfies Record<string, PinnedAction>;

/** The toolchain versions the workflows install (not actions). */
export const WORKFLOW_TOOLS = {
  node: {
    version: SERVICE_NODE_VERSION,
    chosen: "2026-11-23",
    note: "the services' Node (scripts/service-node.ts); ci.yml runs in node:<version>-bookworm, plan and release jobs set it up",
  },
  go: {
    version: "1.26.8",
    chosen: "2026-11-23",
    note: "the Go of this project's machines; builds tflint, its AWS ruleset, actionlint and OpenTofu (GOTOOLCHAIN=local)",
  },
  terraform: {
    version: FORMATTER_VERSIONS.terraform.version,
    chosen: FORMATTER_VERSIONS.terraform.chosen,
    note: "exact, the Terraform of this project's CI machines (scripts/modules-lib.ts); satisfies VERSIONS.terraform (>= 1.10.0, the S3 backend's native locking), a test holds it to that",
  },
} as const satisfies Record<string, PinnedVersion>;

/** The branch whose pushes run release.yml; a branch-triggered environment must apply on it. */
export const RELEASE_BRANCH = "main";
/** Days a plan artifact is kept: plan files may hold sensitive values in plain text. */
export const PLAN_RETENTION_DAYS = 3;
/** Days the release's image tarballs are kept: prod must be approved within this time. */
export const IMAGE_RETENTION_DAYS = 14;
/** Where scripts/stack.ts writes plan files and their JSON, relative to the repository root. */
export const PLAN_DIR = ".out/plans";
/** Where the release's images job exports the image tarballs. */
export const IMAGE_DIR = ".out/images";

/** What the generator writes: repository-relative path → content. */
export type WorkflowFiles = Readonly<Record<string, string>>;

/** One environment as the workflows see it. */
export interface DeliveryEnvironment {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** The stacks in apply order. */
  readonly stacks: readonly string[];
  readonly delivery: EnvironmentDelivery;
  readonly runsOn: readonly string[];
  /** `<project>-<env>`: the ECR repositories are `<prefix>/<image>`; undefined when the environment uses another's replicas. */
  readonly repositoryPrefix?: string;
  /** The role ARN of each purpose. */
  readonly roles: Readonly<Record<DeliveryPurpose, string>>;
}

export interface DeliveryModel {
  readonly repository: string;
  readonly environments: readonly DeliveryEnvironment[];
  readonly images: DeliveryConfig["images"];
}

/**
 * The environments as the workflows see them, in the order of the definition. `stackOrder` gives
 * an environment's stacks in apply order (apps/shared/platform.ts `environmentStackNames`).
 * Throws a ValidationError naming every problem before anything is written.
 */
export function deliveryModel(definition: PlatformDefinition, stackOrder: (config: EnvironmentConfig) => readonly string[]): DeliveryModel {
  const p = new ProblemCollector("delivery config");
  const delivery = definition.delivery;
  if (!delivery) {
    p.add("delivery", delivery, "the delivery section of the platform definition (apps/delivery/config.ts)");
    p.throwIfAny();
    throw new Error("unreachable");
  }
  const names = definition.environments.map((e) => e.name);
  for (const name of Object.keys(delivery.environments)) {
    p.check(names.includes(name), `delivery.environments.${name}`, name, `an environment of the platform definition (${names.join(", ")})`);
  }
  const images = Object.keys(delivery.images);
  p.check(images.length > 0, "delivery.images", delivery.images, "at least one image to build");
  const environments: DeliveryEnvironment[] = [];
  for (const config of definition.environments) {
    const entry = delivery.environments[config.name];
    if (!p.check(entry !== undefined, `delivery.environments.${config.name}`, entry, "how the environment is applied: { apply: { branch } } or { apply: { environment } }")) continue;
    if ("branch" in entry.apply) {
      p.check(
        entry.apply.branch === RELEASE_BRANCH,
        `delivery.environments.${config.name}.apply.branch`,
        entry.apply.branch,
        `"${RELEASE_BRANCH}": release.yml runs on pushes to ${RELEASE_BRANCH}; apply other environments through a GitHub environment`,
      );
    }
    const ownRepositories = config.registry.replicasOf === undefined;
    if (ownRepositories) {
      for (const image of images) {
        p.check(
          config.registry.repositories.includes(image),
          `delivery.images.${image}`,
          image,
          `a repository of ${config.name}'s registry.repositories (${config.registry.repositories.join(", ")}), where the release pushes it`,
        );
      }
    }
    const role = (purpose: DeliveryPurpose) => deliveryRoleArn(config.accountId, config.project, config.name, purpose);
    environments.push({
      name: config.name,
      accountId: config.accountId,
      region: config.region,
      stacks: stackOrder(config),
      delivery: entry,
      runsOn: entry.runsOn ?? DEFAULT_RUNS_ON,
      repositoryPrefix: ownRepositories ? new Naming(config.project, config.name).prefix : undefined,
      roles: { plan: role("plan"), apply: role("apply"), push: role("push") },
    });
  }
  p.throwIfAny();
  return { repository: delivery.repository, environments, images: delivery.images };
}

// ---- steps --------------------------------------------------------------------------------

type Step = Record<string, unknown>;
type Job = Record<string, unknown>;

/** `runs-on`: one label as a string, several as a list. */
const runsOn = (labels: readonly string[]): string | string[] => (labels.length === 1 ? labels[0] : [...labels]);

const uses = (pin: PinnedAction, name: string, withInputs?: Record<string, string | number | boolean>): Step => ({
  name,
  uses: `${pin.action}@${pin.sha}`,
  ...(withInputs ? { with: withInputs } : {}),
});

const checkout = (): Step => uses(ACTIONS.checkout, "Check out", { "persist-credentials": false });

/** Node, the pnpm dependencies (not the Debian packages the service tests need), Terraform. */
function toolSteps(): Step[] {
  return [
    checkout(),
    uses(ACTIONS.setupNode, "Set up Node.js", { "node-version": WORKFLOW_TOOLS.node.version }),
    { name: "Install dependencies", run: "npm run setup", env: { QOD_SKIP_SYSTEM_PACKAGES: "1" } },
    uses(ACTIONS.setupTerraform, "Set up Terraform", { terraform_version: WORKFLOW_TOOLS.terraform.version, terraform_wrapper: false }),
  ];
}

function assumeRole(env: DeliveryEnvironment, purpose: DeliveryPurpose): Step {
  return uses(ACTIONS.configureAwsCredentials, `Assume the ${purpose} role of ${env.name}`, {
    "role-to-assume": env.roles[purpose],
    "role-session-name": `github-${purpose}-${env.name}-\${{ github.run_id }}`,
    // The whole session the role allows (the action's default is one hour): an apply that
    // outlives its credentials leaves a half-applied stack behind a held lock.
    "role-duration-seconds": DEFAULT_SESSION_SECONDS_OF[purpose],
    "aws-region": env.region,
    "allowed-account-ids": env.accountId,
  });
}

const synth = (imageTag: string): Step => ({ name: "Synthesize", run: "npm run synth", env: { IMAGE_TAG: imageTag } });

const stackStep = (action: "plan" | "apply", stack: string): Step => ({
  name: `${action === "plan" ? "Plan" : "Apply"} ${stack}`,
  run: `npx --no-install tsx scripts/stack.ts ${action} ${stack}`,
});

const terraformEnv = { TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };

// ---- ci.yml -------------------------------------------------------------------------------

/** The files whose change invalidates the scanner cache: every pinned version and the ruleset's go.sum. */
export const SCANNER_VERSION_FILES = [
  "packages/core/src/versions.ts",
  "scripts/scan-lib.ts",
  "scripts/modules-lib.ts",
  "security/tflint-ruleset-aws/go.sum",
] as const;

function ciWorkflow(): Record<string, unknown> {
  const versions = SCANNER_VERSION_FILES.map((f) => `'${f}'`).join(", ");
  return {
    name: "ci",
    on: { pull_request: {}, push: { branches: [RELEASE_BRANCH] } },
    permissions: { contents: "read" },
    concurrency: { group: "ci-${{ github.ref }}", "cancel-in-progress": true },
    jobs: {
      ci: {
        name: "ci (.ci/run)",
        "runs-on": runsOn(DEFAULT_RUNS_ON),
        // Debian, as the project's machines: setup apt-installs the service tests' packages.
        container: { image: `node:${WORKFLOW_TOOLS.node.version}-bookworm` },
        permissions: { contents: "read" },
        "timeout-minutes": 90,
        steps: [
          checkout(),
          uses(ACTIONS.setupGo, "Set up Go (builds the scanners)", { "go-version": WORKFLOW_TOOLS.go.version, cache: false }),
          uses(ACTIONS.cache, "Cache the pnpm store", {
            path: "~/.local/share/pnpm/store",
            key: "pnpm-store-${{ runner.os }}-${{ hashFiles('pnpm-lock.yaml') }}",
            "restore-keys": "pnpm-store-${{ runner.os }}-",
          }),
          uses(ACTIONS.cache, "Cache the scanners (checkov venv, tflint, actionlint, OpenTofu, Go build cache)", {
            path: ["~/.cache/qod-scanners", ".out/venv", "~/.cache/go-build", "~/go/pkg/mod"].join("\n"),
            key: `scanners-\${{ runner.os }}-go${WORKFLOW_TOOLS.go.version}-\${{ hashFiles(${versions}) }}`,
          }),
          { name: "Run .ci/run (setup, every README command, drift checks)", run: "bash .ci/run" },
        ],
      },
    },
  };
}

// ---- plan.yml -----------------------------------------------------------------------------

function planJob(env: DeliveryEnvironment): Job {
  return {
    name: `plan ${env.name}`,
    // Pull requests from forks get no OIDC token (and must not get one): no plan for them.
    if: "github.event.pull_request.head.repo.full_name == github.repository",
    "runs-on": runsOn(env.runsOn),
    permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
    concurrency: { group: `plan-${env.name}-\${{ github.event.pull_request.number }}`, "cancel-in-progress": true },
    "timeout-minutes": 60,
    env: terraformEnv,
    steps: [
      ...toolSteps(),
      assumeRole(env, "plan"),
      synth("${{ github.event.pull_request.head.sha }}"),
      ...env.stacks.map((stack) => stackStep("plan", stack)),
      {
        name: "Summarize the plans (step summary, PR comment)",
        if: "${{ !cancelled() }}",
        run: `npx --no-install tsx scripts/plan-summary.ts ${env.name} ${env.stacks.join(" ")} --pr "$PR_NUMBER"`,
        env: { GH_TOKEN: "${{ github.token }}", PR_NUMBER: "${{ github.event.pull_request.number }}", HEAD_SHA: "${{ github.event.pull_request.head.sha }}" },
      },
      // After a failed plan too: the files that were written help.
      { name: "Keep the plan files", if: "${{ !cancelled() }}", ...uses(ACTIONS.uploadArtifact, "Keep the plan files", {
        name: `plans-${env.name}`,
        path: PLAN_DIR,
        "retention-days": PLAN_RETENTION_DAYS,
        "if-no-files-found": "ignore",
      }) },
    ],
  };
}

function planWorkflow(model: DeliveryModel): Record<string, unknown> {
  const jobs: Record<string, Job> = {};
  for (const env of model.environments) jobs[`plan-${env.name}`] = planJob(env);
  return {
    name: "plan",
    on: { pull_request: { branches: [RELEASE_BRANCH] } },
    permissions: {},
    jobs,
  };
}

// ---- release.yml --------------------------------------------------------------------------

function imagesJob(model: DeliveryModel): Job {
  // No provenance attestation: the docker exporter cannot carry one, and an attestation pushed
  // beside the image would be an untagged manifest that the ECR lifecycle expires.
  const builds = Object.entries(model.images).map(([image, { dockerfile }]) => ({
    name: `Build ${image}`,
    run: `docker buildx build -f ${dockerfile} --tag ${image}:"$GITHUB_SHA" --output type=docker,dest=${IMAGE_DIR}/${image}.tar --provenance=false .`,
  }));
  return {
    name: "build images",
    "runs-on": runsOn(DEFAULT_RUNS_ON),
    permissions: { contents: "read" },
    "timeout-minutes": 30,
    steps: [
      checkout(),
      uses(ACTIONS.setupBuildx, "Set up BuildKit"),
      { name: "Prepare the output folder", run: `mkdir -p ${IMAGE_DIR}` },
      ...builds,
      uses(ACTIONS.uploadArtifact, "Keep the images for every environment", {
        name: "images",
        path: IMAGE_DIR,
        "retention-days": IMAGE_RETENTION_DAYS,
        "if-no-files-found": "error",
      }),
    ],
  };
}

function registryOf(env: DeliveryEnvironment): string {
  return `${env.accountId}.dkr.ecr.${env.region}.amazonaws.com`;
}

/** The image reference an environment's release pushes (and its apps stack runs). */
export function pushedImage(env: DeliveryEnvironment, image: string): string {
  return `${registryOf(env)}/${env.repositoryPrefix}/${image}:$GITHUB_SHA`;
}

function applyJob(model: DeliveryModel, env: DeliveryEnvironment, previous: string | undefined): Job {
  const push: Step[] =
    env.repositoryPrefix === undefined
      ? []
      : [
          uses(ACTIONS.downloadArtifact, "Download the images", { name: "images", path: IMAGE_DIR }),
          assumeRole(env, "push"),
          uses(ACTIONS.amazonEcrLogin, "Log in to ECR", { registries: env.accountId }),
          ...Object.keys(model.images).map((image) => ({
            name: `Push ${image}`,
            run: [
              `docker load --input ${IMAGE_DIR}/${image}.tar`,
              `docker tag ${image}:"$GITHUB_SHA" "${pushedImage(env, image)}"`,
              `docker push "${pushedImage(env, image)}"`,
            ].join("\n"),
          })),
        ];
  const trigger = env.delivery.apply;
  return {
    name: `release ${env.name}`,
    needs: previous ? ["images", previous] : ["images"],
    "runs-on": runsOn(env.runsOn),
    // A GitHub environment (prod) carries the required reviewers, and its jobs' OIDC subject is
    // `environment:<name>`. A branch-triggered environment's job declares none: its subject is the branch.
    ...("environment" in trigger ? { environment: trigger.environment } : {}),
    permissions: { contents: "read", "id-token": "write" },
    concurrency: { group: `apply-${env.name}`, "cancel-in-progress": false },
    "timeout-minutes": 120,
    env: terraformEnv,
    steps: [...toolSteps(), ...push, assumeRole(env, "apply"), synth("${{ github.sha }}"), ...env.stacks.map((stack) => stackStep("apply", stack))],
  };
}

function releaseWorkflow(model: DeliveryModel): Record<string, unknown> {
  const jobs: Record<string, Job> = { images: imagesJob(model) };
  let previous: string | undefined;
  for (const env of model.environments) {
    const id = `release-${env.name}`;
    jobs[id] = applyJob(model, env, previous);
    previous = id;
  }
  return {
    name: "release",
    on: { push: { branches: [RELEASE_BRANCH] } },
    permissions: {},
    jobs,
  };
}

// ---- rendering ----------------------------------------------------------------------------

export const GENERATED_HEADER =
  "Generated by `npm run workflows` (scripts/workflows.ts, scripts/workflows-lib.ts) from apps/platform.ts.\nDo not edit: change the TypeScript and regenerate; `npm run workflows:check` fails on drift.";

/** YAML with the header comment, and every pinned `uses:` followed by its tag as a comment. */
export function renderYaml(value: unknown, header = GENERATED_HEADER): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  const tags = new Map<string, string>(Object.values(ACTIONS).map((a: PinnedAction) => [`${a.action}@${a.sha}`, a.version]));
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "uses" && isScalar(pair.value)) {
        const tag = tags.get(String(pair.value.value));
        if (tag) (pair.value as Scalar).comment = ` ${tag}`;
      }
    },
  });
  doc.commentBefore = header
    .split("\n")
    .map((line) => ` ${line}`)
    .join("\n");
  return doc.toString({ lineWidth: 0 });
}

/** The labels every self-hosted runner has (actionlint knows them). */
const BUILT_IN_SELF_HOSTED_LABELS = ["self-hosted", "linux", "macos", "windows", "x64", "arm", "arm64"];

/** actionlint's config: the custom labels of the self-hosted runners the definition names. */
function actionlintConfig(model: DeliveryModel): Record<string, unknown> {
  const selfHosted = model.environments.filter((e) => e.runsOn.includes("self-hosted")).flatMap((e) => e.runsOn);
  const labels = [...new Set(selfHosted.filter((l) => !BUILT_IN_SELF_HOSTED_LABELS.includes(l)))].sort();
  return { "self-hosted-runner": { labels } };
}

/** Every generated file. */
export function generateWorkflows(model: DeliveryModel): WorkflowFiles {
  return {
    ".github/workflows/ci.yml": renderYaml(ciWorkflow()),
    ".github/workflows/plan.yml": renderYaml(planWorkflow(model)),
    ".github/workflows/release.yml": renderYaml(releaseWorkflow(model)),
    ".github/actionlint.yaml": renderYaml(actionlintConfig(model)),
  };
}
