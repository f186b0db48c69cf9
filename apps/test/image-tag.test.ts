/**
 * One source for the image tag: the release workflow sets IMAGE_TAG (the commit SHA) and the
 * synth gives every workload whose image this repository builds (`delivery.images`) that tag, in
 * every environment; other images keep their config. An invalid IMAGE_TAG or delivery.images is
 * refused before anything is written.
 */
import { ValidationError } from "@qod/core";
import { IMAGE_TAG_VARIABLE } from "@qod/delivery";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDir, resources, TfJson } from "../../test/helpers";
import { platform } from "../platform";
import type { EnvironmentConfig } from "../shared/environment-config";
import { withImageTag, workloadsOfBuiltImages } from "../shared/image-tag";
import type { PlatformDefinition } from "../shared/platform";
import { synthPlatform } from "../shared/synth";
import { stackName, synthesizedPlatform } from "./synthesized";

const REPO = resolve(__dirname, "../..");
/** A commit SHA as the release workflow sets it (`github.sha`). */
const SHA = "3f2a9c1d4e5b6a7980fedcba0123456789abcdef";

/** Each Deployment's image (first container), by workload name (the Deployment's name). */
function deploymentImages(apps: TfJson): Record<string, string> {
  return Object.fromEntries(resources(apps, "kubernetes_deployment_v1").map((d) => [d.metadata.name, d.spec.template.spec.container[0].image as string]));
}

/** `<repository url>` of a rendered `<repository url>:<tag>`. */
const repositoryPart = (image: string) => image.slice(0, image.lastIndexOf(":"));

/** A target directory holding a previous synth's output (one marker file). */
function previousOutput(): string {
  const target = join(freshDir(), "cdktf.out");
  mkdirSync(target);
  writeFileSync(join(target, "marker"), "previous synth");
  return target;
}

function expectUntouched(target: string): void {
  expect(readdirSync(target)).toEqual(["marker"]);
  expect(readFileSync(join(target, "marker"), "utf8")).toBe("previous synth");
  expect(readdirSync(join(target, ".."))).toEqual(["cdktf.out"]); // no staging directory left behind
}

describe("IMAGE_TAG: the release tag of the images this repository builds", () => {
  const withoutTag = synthesizedPlatform();
  const released = (() => {
    const target = join(freshDir(), "cdktf.out");
    const result = synthPlatform(platform, target, undefined, { [IMAGE_TAG_VARIABLE]: SHA });
    if (!result.ok) throw new Error(`the release synth failed: ${result.message}`);
    return (env: EnvironmentConfig) => JSON.parse(readFileSync(join(target, "stacks", stackName(env, "apps"), "cdk.tf.json"), "utf8")) as TfJson;
  })();

  it.each(platform.environments.map((e) => [e.name, e] as const))("gives %s's workloads of built images <repository url>:<IMAGE_TAG> and leaves the others as configured", (_, env) => {
    const built = workloadsOfBuiltImages(env, platform);
    expect(built.length).toBeGreaterThan(0);
    const before = deploymentImages(withoutTag.stack(stackName(env, "apps")));
    const after = deploymentImages(released(env));
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [workload, image] of Object.entries(after)) {
      if (built.includes(workload)) {
        expect(image, workload).toBe(`${repositoryPart(before[workload])}:${SHA}`);
      } else {
        expect(image, workload).toBe(before[workload]);
      }
    }
    expect(Object.keys(after).filter((w) => after[w].endsWith(`:${SHA}`)).sort()).toEqual([...built].sort());
  });

  it.each(platform.environments.map((e) => [e.name, e] as const))("without IMAGE_TAG gives %s's workloads their config's tags", (_, env) => {
    const images = deploymentImages(withoutTag.stack(stackName(env, "apps")));
    const workloads = env.workloads as unknown as Record<string, { image: { tag?: string } }>;
    expect(Object.keys(images).length).toBeGreaterThan(0);
    for (const [workload, image] of Object.entries(images)) expect(image, workload).toMatch(new RegExp(`:${workloads[workload].image.tag}$`));
  });

  it("drops a digest configured for a built image (it names another build) and keeps one of an image built elsewhere", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const env = platform.environments[0];
    const built = workloadsOfBuiltImages(env, platform);
    const others = Object.keys(env.workloads).filter((w) => !built.includes(w));
    const workloads = env.workloads as unknown as Record<string, { image?: { repository: string } }>;
    const pinned = Object.fromEntries(Object.entries(workloads).map(([w, s]) => [w, s.image ? { ...s, image: { ...s.image, digest } } : s]));
    const definition: PlatformDefinition = { ...platform, environments: [{ ...env, workloads: pinned as unknown as EnvironmentConfig["workloads"] }] };
    const result = withImageTag(definition, { [IMAGE_TAG_VARIABLE]: SHA }).environments[0].workloads as unknown as Record<string, { image?: object }>;
    for (const w of built) expect(result[w].image, w).toEqual({ repository: workloads[w].image!.repository, tag: SHA });
    expect(others.some((w) => workloads[w].image !== undefined)).toBe(true);
    for (const w of others) expect(result[w]).toEqual(pinned[w]);
  });

  it("throws a ValidationError for an invalid IMAGE_TAG, reported like a config problem", () => {
    expect(() => withImageTag(platform, { [IMAGE_TAG_VARIABLE]: "latest" })).toThrow(ValidationError);
  });

  it("returns the definition as it is without IMAGE_TAG", () => {
    expect(withImageTag(platform, { PATH: "/usr/bin" })).toBe(platform);
  });

  it("fails when IMAGE_TAG is given to a definition that builds no images", () => {
    expect(() => withImageTag({ ...platform, delivery: undefined }, { [IMAGE_TAG_VARIABLE]: SHA })).toThrow(/IMAGE_TAG \(environment variable\): got "3f2a9c1d[0-9a-f]+"; allowed: unset: the platform definition builds no images/);
  });

  it.each([
    ["empty", ""],
    ["latest", "latest"],
    ["main", "main"],
    ["Latest in capitals", "Latest"],
    ["with a colon", "v1:2"],
    ["longer than 128", "a".repeat(129)],
    ["with whitespace", `${SHA} `],
    ["starting with a dot", ".v1"],
  ])("fails when IMAGE_TAG is %s, naming the variable, the value and what is allowed, and writes nothing", (_, value) => {
    const target = previousOutput();
    const result = synthPlatform(platform, target, undefined, { [IMAGE_TAG_VARIABLE]: value });
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`IMAGE_TAG (environment variable): got ${JSON.stringify(value)}; allowed: unset`);
    expect(result.message).toMatch(/the commit SHA \(40 hex digits\); it must be a (Docker|release) tag/);
    expect(result.message).toMatch(/Nothing was written\.$/);
    expectUntouched(target);
  });

  it.each([
    ["npm run synth", {}],
    ["cdktf synth (CDKTF_OUTDIR)", { CDKTF_OUTDIR: "cli" }],
  ])("exits 1 under %s with an invalid IMAGE_TAG and leaves the output as it was", (_, extra: { CDKTF_OUTDIR?: string }) => {
    const target = previousOutput();
    const env: NodeJS.ProcessEnv = { ...process.env, SYNTH_OUTDIR: target, [IMAGE_TAG_VARIABLE]: "latest" };
    delete env.CDKTF_OUTDIR;
    if (extra.CDKTF_OUTDIR) env.CDKTF_OUTDIR = target;
    const run = spawnSync(process.execPath, [join(REPO, "node_modules/tsx/dist/cli.mjs"), join(REPO, "apps/main.ts")], { cwd: REPO, env, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('IMAGE_TAG (environment variable): got "latest"');
    expectUntouched(target);
  });
});

describe("delivery.images: the images the release workflow builds", () => {
  const delivery = platform.delivery!;
  const withImages = (images: object): PlatformDefinition => ({ ...platform, delivery: { ...delivery, images: images as typeof delivery.images } });
  const [name, image] = Object.entries(delivery.images)[0];

  it("names Dockerfiles that exist in the repository (the release workflow builds them from its root)", () => {
    expect(Object.keys(delivery.images).length).toBeGreaterThan(0);
    for (const [repository, { dockerfile }] of Object.entries(delivery.images)) expect(existsSync(join(REPO, dockerfile)), `${repository}: ${dockerfile}`).toBe(true);
  });

  it.each<[string, PlatformDefinition, string]>([
    ["no image", withImages({}), "delivery.images"],
    ["an image whose repository no environment has", withImages({ ...delivery.images, worker: { dockerfile: "docker/worker/Dockerfile" } }), "delivery.images.worker"],
    [
      "an image whose repository one environment lacks",
      {
        ...platform,
        environments: platform.environments.map((e, i) => (i === platform.environments.length - 1 ? { ...e, registry: { ...e.registry, repositories: e.registry.repositories.filter((r) => r !== name) } } : e)),
      },
      `delivery.images.${name}`,
    ],
    ["a Dockerfile outside docker/", withImages({ ...delivery.images, [name]: { dockerfile: "Dockerfile" } }), `delivery.images.${name}.dockerfile`],
    ["an absolute Dockerfile path", withImages({ ...delivery.images, [name]: { dockerfile: `/${image.dockerfile}` } }), `delivery.images.${name}.dockerfile`],
    ["a Dockerfile path leaving docker/", withImages({ ...delivery.images, [name]: { dockerfile: "docker/../Dockerfile" } }), `delivery.images.${name}.dockerfile`],
    ["an image without a Dockerfile", withImages({ ...delivery.images, [name]: {} }), `delivery.images.${name}.dockerfile`],
  ])("fails on %s, naming the field, and writes nothing", (_, definition, field) => {
    const target = previousOutput();
    const result = synthPlatform(definition, target);
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`  - ${field}: got `);
    expect(result.message).toMatch(/Nothing was written\.$/);
    expectUntouched(target);
  });

  it("reports problems of delivery.images next to those of the environments, in one error", () => {
    const definition = { ...withImages({}), environments: platform.environments.map((e) => ({ ...e, vpcCidr: "8.8.8.0/24" })) };
    const result = synthPlatform(definition, join(freshDir(), "cdktf.out"));
    expect(result.message).toContain("  - delivery.images: got {}");
    for (const e of platform.environments) expect(result.message).toContain(`  - ${e.name}.vpcCidr: got `);
  });
});
