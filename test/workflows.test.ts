/**
 * The committed workflows (.github/workflows), read with the `yaml` library, against the platform
 * definition: pins, permissions, the roles each job assumes, the apply order the apps compose, the
 * GitHub environment of prod, concurrency, the images. Each rule is a function returning the
 * problems it finds; every test also runs it on a copy broken on purpose, so it can fail.
 */
import { VERSIONS } from "@qod/core";
import { deliveryRoleArn } from "@qod/delivery";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { isScalar, parse, parseDocument, visit } from "yaml";
import { platform } from "../apps/platform";
import { applyOrder, composeEnvironment, environmentStackNames } from "../apps/shared/platform";
import { App } from "cdktf";
import { freshDir } from "./helpers";
import { synthesizedPlatform } from "../apps/test/synthesized";
import { ACTIONS, deliveryModel, generateWorkflows, GENERATED_HEADER, PinnedAction, RELEASE_BRANCH, WORKFLOW_TOOLS } from "../scripts/workflows-lib";

const REPO = resolve(__dirname, "..");
const read = (name: string) => readFileSync(join(REPO, ".github/workflows", name), "utf8");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  if?: string;
  needs?: string[];
  "runs-on": string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const texts = { "ci.yml": read("ci.yml"), "plan.yml": read("plan.yml"), "release.yml": read("release.yml") };
const workflows = Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, parse(text) as Workflow])) as Record<keyof typeof texts, Workflow>;
const plan = workflows["plan.yml"];
const release = workflows["release.yml"];
const delivery = platform.delivery!;
const stackOrder = Object.fromEntries(platform.environments.map((e) => [e.name, environmentStackNames(e)]));
const copy = <T>(value: T): T => structuredClone(value);

const AWS_CREDENTIALS = ACTIONS.configureAwsCredentials.action;
const assumesRole = (job: Job) => job.steps.some((s) => s.uses?.startsWith(`${AWS_CREDENTIALS}@`));
const rolesOf = (job: Job) => job.steps.filter((s) => s.uses?.startsWith(`${AWS_CREDENTIALS}@`)).map((s) => String(s.with?.["role-to-assume"]));
const stackCalls = (job: Job, action: string) =>
  job.steps.flatMap((s) => [...(s.run ?? "").matchAll(new RegExp(`scripts/stack\\.ts ${action} (\\S+)`, "g"))].map((m) => m[1]));
const envJob = (workflow: Workflow, prefix: string, env: string) => workflow.jobs[`${prefix}-${env}`];
const role = (env: string, purpose: "plan" | "apply" | "push") => {
  const config = platform.environments.find((e) => e.name === env)!;
  return deliveryRoleArn(config.accountId, config.project, config.name, purpose);
};

// ---- rules ---------------------------------------------------------------------------------

/** Every `uses:` is `<action>@<40 hex>` followed by `# <tag>`, the pair of one ACTIONS entry. */
function unpinned(text: string): string[] {
  const pins = new Map(Object.values(ACTIONS).map((a: PinnedAction) => [`${a.action}@${a.sha}`, a.version]));
  const problems: string[] = [];
  let count = 0;
  visit(parseDocument(text), {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== "uses" || !isScalar(pair.value)) return;
      count += 1;
      const value = String(pair.value.value);
      const tag = pair.value.comment?.trim();
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(value)) problems.push(`${value}: not pinned by a 40-hex commit SHA`);
      else if (!tag || !/^v\d+(\.\d+)*$/.test(tag)) problems.push(`${value}: no tag comment`);
      else if (pins.get(value) !== tag) problems.push(`${value} # ${tag}: not the SHA and tag of one ACTIONS entry`);
    },
  });
  if (count === 0) problems.push("no uses: at all");
  return problems;
}

function withoutPermissions(w: Workflow): string[] {
  const problems = Object.entries(w.jobs).filter(([, job]) => typeof job.permissions !== "object" || job.permissions === null).map(([id]) => `${id}: no permissions`);
  if (typeof w.permissions !== "object") problems.push("no workflow-level permissions");
  return problems;
}

/** `id-token: write` exactly in the jobs that run configure-aws-credentials. */
function idTokenMismatch(w: Workflow): string[] {
  return Object.entries(w.jobs)
    .filter(([, job]) => (job.permissions?.["id-token"] === "write") !== assumesRole(job))
    .map(([id, job]) => `${id}: id-token ${job.permissions?.["id-token"] ?? "none"}, assumes a role: ${assumesRole(job)}`);
}

function wrongRoles(w: Workflow, prefix: string, purposes: readonly ("plan" | "apply" | "push")[]): string[] {
  return platform.environments.flatMap((e) => {
    const job = envJob(w, prefix, e.name);
    if (!job) return [`${prefix}-${e.name}: missing`];
    const expected = purposes.map((p) => role(e.name, p));
    const roles = rolesOf(job);
    const accounts = job.steps.filter((s) => s.uses?.startsWith(`${AWS_CREDENTIALS}@`)).map((s) => String(s.with?.["allowed-account-ids"]));
    const problems = JSON.stringify(roles) === JSON.stringify(expected) ? [] : [`${prefix}-${e.name} assumes ${roles.join(", ")}; expected ${expected.join(", ")}`];
    if (accounts.some((a) => a !== e.accountId)) problems.push(`${prefix}-${e.name}: allowed-account-ids ${accounts.join(", ")}, not ${e.accountId}`);
    return problems;
  });
}

function wrongOrder(w: Workflow, prefix: string, action: "plan" | "apply"): string[] {
  return platform.environments
    .filter((e) => JSON.stringify(stackCalls(envJob(w, prefix, e.name) ?? { steps: [], "runs-on": [] }, action)) !== JSON.stringify(stackOrder[e.name]))
    .map((e) => `${prefix}-${e.name}: ${action} order is not ${stackOrder[e.name].join(" -> ")}`);
}

/** No step touches bootstrap or ci, and every stack call names a stack of the apps. */
function adminStacksTouched(w: Workflow): string[] {
  const allowed = new Set(Object.values(stackOrder).flat());
  return Object.entries(w.jobs).flatMap(([id, job]) =>
    job.steps.flatMap((s) => {
      const run = s.run ?? "";
      const calls = [...run.matchAll(/scripts\/stack\.ts \w+ (\S+)/g)].map((m) => m[1]);
      const bad = calls.filter((c) => !allowed.has(c));
      if (/\b(bootstrap|cdktf\.out\/stacks\/ci)\b|cdktf (deploy|apply)|terraform (apply|plan)\b/.test(run)) bad.push(run);
      return bad.map((b) => `${id}: ${b}`);
    }),
  );
}

/** Jobs of an environment applied through a GitHub environment declare it; branch-triggered ones none. */
function wrongEnvironments(w: Workflow, prefix: string, expectDeclared: boolean): string[] {
  return platform.environments.flatMap((e) => {
    const job = envJob(w, prefix, e.name);
    const declared = typeof job?.environment === "object" ? job.environment.name : job?.environment;
    const apply = delivery.environments[e.name].apply;
    const expected = expectDeclared && "environment" in apply ? apply.environment : undefined;
    return declared === expected ? [] : [`${prefix}-${e.name}: environment ${declared ?? "none"}, expected ${expected ?? "none"}`];
  });
}

function wrongConcurrency(w: Workflow): string[] {
  return platform.environments.flatMap((e) => {
    const c = envJob(w, "release", e.name)?.concurrency;
    return c?.group === `apply-${e.name}` && c["cancel-in-progress"] === false ? [] : [`release-${e.name}: concurrency ${JSON.stringify(c)}`];
  });
}

/** The images job builds every image of delivery.images; every environment job pushes each to its ECR. */
function missingImages(w: Workflow): string[] {
  const problems: string[] = [];
  const builds = w.jobs.images?.steps.map((s) => s.run ?? "").join("\n") ?? "";
  for (const [image, { dockerfile }] of Object.entries(delivery.images)) {
    if (!builds.includes(`docker buildx build -f ${dockerfile} --tag ${image}:"$GITHUB_SHA"`)) problems.push(`images: ${image} not built from ${dockerfile}`);
    for (const e of platform.environments) {
      const runs = envJob(w, "release", e.name)?.steps.map((s) => s.run ?? "").join("\n") ?? "";
      const target = `${e.accountId}.dkr.ecr.${e.region}.amazonaws.com/${e.project}-${e.name}/${image}:$GITHUB_SHA`;
      if (!runs.includes(`docker push "${target}"`)) problems.push(`release-${e.name}: ${image} not pushed to ${target}`);
    }
  }
  return problems;
}

/** Environments are released in the definition's order, each after the one before and the images. */
function wrongNeeds(w: Workflow): string[] {
  return platform.environments.flatMap((e, i) => {
    const expected = i === 0 ? ["images"] : ["images", `release-${platform.environments[i - 1].name}`];
    const needs = envJob(w, "release", e.name)?.needs;
    return JSON.stringify(needs) === JSON.stringify(expected) ? [] : [`release-${e.name}: needs ${JSON.stringify(needs)}`];
  });
}

/** Every role a workflow assumes asks for the session its role allows in the synthesized ci stack. */
function wrongSessions(w: Workflow, maxSessionOf: ReadonlyMap<string, number>): string[] {
  return Object.entries(w.jobs).flatMap(([id, job]) =>
    job.steps
      .filter((s) => s.uses?.startsWith(`${AWS_CREDENTIALS}@`))
      .flatMap((s) => {
        const name = String(s.with?.["role-to-assume"]).split("/").pop()!;
        const asked = s.with?.["role-duration-seconds"];
        return asked === maxSessionOf.get(name) ? [] : [`${id}: ${name} asks for ${String(asked)} s, the role allows ${String(maxSessionOf.get(name))} s`];
      }),
  );
}

// ---- tests ---------------------------------------------------------------------------------

describe("the generated workflows", () => {
  it("are what the platform definition generates, each with the generated-file header", () => {
    const files = generateWorkflows(deliveryModel(platform, environmentStackNames));
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(join(REPO, path), "utf8"), path).toBe(content);
      expect(content.startsWith(`# ${GENERATED_HEADER.split("\n")[0]}`), path).toBe(true);
    }
    expect(Object.keys(files)).toEqual(expect.arrayContaining([".github/workflows/ci.yml", ".github/workflows/plan.yml", ".github/workflows/release.yml"]));
  });

  it("pin every action by its full commit SHA with the tag in a comment", () => {
    for (const [name, text] of Object.entries(texts)) expect(unpinned(text), name).toEqual([]);
    const sha = ACTIONS.checkout.sha;
    expect(unpinned(texts["ci.yml"].replace(`@${sha} # ${ACTIONS.checkout.version}`, `@${ACTIONS.checkout.version}`))).not.toEqual([]);
    expect(unpinned(texts["ci.yml"].replace(`@${sha} # ${ACTIONS.checkout.version}`, `@${sha}`))).not.toEqual([]);
    expect(unpinned(texts["ci.yml"].replace(`# ${ACTIONS.checkout.version}`, "# v1.0.0"))).not.toEqual([]);
  });

  it("give every job explicit permissions", () => {
    for (const [name, w] of Object.entries(workflows)) expect(withoutPermissions(w), name).toEqual([]);
    const broken = copy(release);
    delete broken.jobs.images.permissions;
    expect(withoutPermissions(broken)).not.toEqual([]);
  });

  it("grant id-token: write exactly to the jobs that assume an AWS role", () => {
    for (const [name, w] of Object.entries(workflows)) expect(idTokenMismatch(w), name).toEqual([]);
    expect(Object.values(release.jobs).filter(assumesRole)).toHaveLength(platform.environments.length);
    const broken = copy(release);
    broken.jobs.images.permissions = { ...broken.jobs.images.permissions, "id-token": "write" };
    expect(idTokenMismatch(broken)).not.toEqual([]);
    const dropped = copy(plan);
    delete envJob(dropped, "plan", platform.environments[0].name).permissions!["id-token"];
    expect(idTokenMismatch(dropped)).not.toEqual([]);
  });

  it("assume each environment's plan role in plan.yml, its push then apply roles in release.yml, in its own account", () => {
    expect(wrongRoles(plan, "plan", ["plan"])).toEqual([]);
    expect(wrongRoles(release, "release", ["push", "apply"])).toEqual([]);
    const [first, second] = platform.environments.map((e) => e.name);
    const swapped = copy(release);
    const step = envJob(swapped, "release", second).steps.find((s) => s.with?.["role-to-assume"] === role(second, "apply"))!;
    step.with!["role-to-assume"] = role(first, "apply");
    expect(wrongRoles(swapped, "release", ["push", "apply"])).not.toEqual([]);
    expect(wrongRoles(plan, "plan", ["apply"])).not.toEqual([]);
  });

  it("ask for the whole session each assumed role allows in the synthesized ci stack", () => {
    const roles = Object.values((synthesizedPlatform().stack("ci").resource?.aws_iam_role ?? {}) as Record<string, { name: string; max_session_duration: number }>);
    const maxSessionOf = new Map(roles.map((r) => [r.name, r.max_session_duration]));
    expect(maxSessionOf.size).toBeGreaterThan(0);
    for (const w of [plan, release]) expect(wrongSessions(w, maxSessionOf)).toEqual([]);
    const broken = copy(release);
    const step = broken.jobs[`release-${platform.environments[0].name}`].steps.find((s) => String(s.with?.["role-to-assume"]).endsWith("-apply"))!;
    step.with = { ...step.with, "role-duration-seconds": 3600 };
    expect(wrongSessions(broken, maxSessionOf)).toHaveLength(1);
  });

  it("plan and apply each environment's stacks in the order the apps compose them", () => {
    for (const e of platform.environments) expect(stackOrder[e.name].length, e.name).toBeGreaterThan(1);
    expect(wrongOrder(plan, "plan", "plan")).toEqual([]);
    expect(wrongOrder(release, "release", "apply")).toEqual([]);
    const reordered = copy(release);
    const steps = envJob(reordered, "release", platform.environments[0].name).steps;
    const applies = steps.map((s, i) => (s.run?.includes("stack.ts apply") ? i : -1)).filter((i) => i >= 0);
    [steps[applies[0]], steps[applies[1]]] = [steps[applies[1]], steps[applies[0]]];
    expect(wrongOrder(reordered, "release", "apply")).not.toEqual([]);
  });

  it("never plan or apply bootstrap or ci", () => {
    for (const [name, w] of Object.entries(workflows)) expect(adminStacksTouched(w), name).toEqual([]);
    const broken = copy(release);
    envJob(broken, "release", platform.environments[0].name).steps.push({ run: "npx --no-install tsx scripts/stack.ts apply bootstrap" });
    expect(adminStacksTouched(broken)).not.toEqual([]);
  });

  it("declare the GitHub environment in the release jobs of environments applied through one, and none elsewhere", () => {
    expect(Object.values(delivery.environments).some((d) => "environment" in d.apply)).toBe(true);
    expect(wrongEnvironments(release, "release", true)).toEqual([]);
    // Plan jobs never declare one: their OIDC subject must stay `pull_request`.
    expect(wrongEnvironments(plan, "plan", false)).toEqual([]);
    const broken = copy(release);
    for (const job of Object.values(broken.jobs)) delete job.environment;
    expect(wrongEnvironments(broken, "release", true)).not.toEqual([]);
    const branch = platform.environments.find((e) => "branch" in delivery.environments[e.name].apply)!;
    const declared = copy(release);
    envJob(declared, "release", branch.name).environment = branch.name;
    expect(wrongEnvironments(declared, "release", true)).not.toEqual([]);
  });

  it("run each release job in its environment's concurrency group, never cancelling an apply", () => {
    expect(wrongConcurrency(release)).toEqual([]);
    const broken = copy(release);
    envJob(broken, "release", platform.environments[0].name).concurrency!["cancel-in-progress"] = true;
    expect(wrongConcurrency(broken)).not.toEqual([]);
  });

  it("build every image once and push it to every environment's registry, environments in the definition's order", () => {
    expect(missingImages(release)).toEqual([]);
    expect(wrongNeeds(release)).toEqual([]);
    const broken = copy(release);
    broken.jobs.images.steps = broken.jobs.images.steps.filter((s) => !s.run?.includes(`-f ${Object.values(delivery.images)[0].dockerfile}`));
    expect(missingImages(broken)).not.toEqual([]);
    const parallel = copy(release);
    envJob(parallel, "release", platform.environments[1].name).needs = ["images"];
    expect(wrongNeeds(parallel)).not.toEqual([]);
  });

  it("release on pushes to the branch of branch-triggered environments and plan pull requests to it, skipping forks", () => {
    const branches = Object.values(delivery.environments).flatMap((d) => ("branch" in d.apply ? [d.apply.branch] : []));
    expect(release.on.push?.branches).toEqual([RELEASE_BRANCH]);
    for (const b of branches) expect(release.on.push?.branches).toContain(b);
    expect(plan.on.pull_request?.branches).toEqual([RELEASE_BRANCH]);
    for (const e of platform.environments) {
      const job = envJob(plan, "plan", e.name);
      expect(job.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
      const labels = delivery.environments[e.name].runsOn ?? ["ubuntu-24.04"];
      expect([job["runs-on"]].flat()).toEqual(labels);
      expect([envJob(release, "release", e.name)["runs-on"]].flat()).toEqual(labels);
    }
  });

  it("set up the pinned Terraform without its wrapper, a version VERSIONS.terraform admits", () => {
    const minimum = VERSIONS.terraform.version.replace(/^>=\s*/, "").split(".").map(Number);
    const pinned = WORKFLOW_TOOLS.terraform.version.split(".").map(Number);
    expect(VERSIONS.terraform.version).toMatch(/^>= \d+\.\d+\.\d+$/);
    expect(pinned[0] * 1e6 + pinned[1] * 1e3 + pinned[2]).toBeGreaterThanOrEqual(minimum[0] * 1e6 + minimum[1] * 1e3 + minimum[2]);
    for (const w of [plan, release]) {
      for (const [id, job] of Object.entries(w.jobs).filter(([, j]) => assumesRole(j))) {
        const setup = job.steps.find((s) => s.uses?.startsWith(`${ACTIONS.setupTerraform.action}@`));
        expect(setup?.with, id).toEqual({ terraform_version: WORKFLOW_TOOLS.terraform.version, terraform_wrapper: false });
      }
    }
  });

  it("synthesize with IMAGE_TAG set to the commit: the PR head in plan.yml, the pushed commit in release.yml", () => {
    for (const e of platform.environments) {
      const synthOf = (job: Job) => job.steps.find((s) => s.run === "npm run synth");
      expect(synthOf(envJob(plan, "plan", e.name))?.env?.IMAGE_TAG).toBe("${{ github.event.pull_request.head.sha }}");
      expect(synthOf(envJob(release, "release", e.name))?.env?.IMAGE_TAG).toBe("${{ github.sha }}");
    }
  });
});

describe("deliveryModel", () => {
  const order = () => ["x-infra"];

  it("fails when the definition has no delivery section", () => {
    expect(() => deliveryModel({ ...platform, delivery: undefined }, order)).toThrow(/delivery: got nothing \(the field is missing\); allowed: the delivery section/);
  });

  it("fails when an environment has no delivery entry, or an entry names no environment", () => {
    const [first] = platform.environments;
    const { [first.name]: _, ...rest } = delivery.environments;
    const build = () => deliveryModel({ ...platform, delivery: { ...delivery, environments: { ...rest, qa: { apply: { branch: "main" } } } } }, order);
    expect(build).toThrow(`delivery.environments.${first.name}: got nothing (the field is missing); allowed: how the environment is applied`);
    expect(build).toThrow('delivery.environments.qa: got "qa"; allowed: an environment of the platform definition');
  });

  it("fails when a branch-triggered environment applies on another branch than the release branch", () => {
    const name = platform.environments[0].name;
    const environments = { ...delivery.environments, [name]: { apply: { branch: "develop" } } };
    expect(() => deliveryModel({ ...platform, delivery: { ...delivery, environments } }, order)).toThrow(
      `delivery.environments.${name}.apply.branch: got "develop"; allowed: "main"`,
    );
  });

  it("fails when an image has no repository in an environment's registry", () => {
    const images = { ...delivery.images, worker: { dockerfile: "docker/worker/Dockerfile" } };
    expect(() => deliveryModel({ ...platform, delivery: { ...delivery, images } }, order)).toThrow(/delivery.images.worker: got "worker"; allowed: a repository of/);
  });
});

describe("environmentStackNames", () => {
  it("orders every environment's stacks after the stacks they depend on", () => {
    for (const config of platform.environments) {
      const stacks = composeEnvironment(new App({ outdir: freshDir("qod-stack-order-") }), config);
      const ordered = applyOrder(stacks).map((s) => s.node.id);
      expect(ordered).toEqual(environmentStackNames(config));
      for (const stack of Object.values(stacks)) {
        for (const dependency of stack.dependencies) expect(ordered.indexOf(dependency.node.id)).toBeLessThan(ordered.indexOf(stack.node.id));
      }
      expect(new Set(ordered)).toEqual(new Set(Object.values(stacks).map((s) => s.node.id)));
    }
  });
});
