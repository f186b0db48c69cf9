import { ProblemCollector } from "@qod/core";
import { describe, expect, it } from "vitest";
import { BuiltImage, checkBuiltImages, isDockerfilePath } from "../src";

const environments = [
  { name: "dev", registry: { repositories: ["qod-api", "ui", "redis"] } },
  { name: "prod", registry: { repositories: ["qod-api", "ui", "redis"] } },
];
const images: Record<string, BuiltImage> = { "qod-api": { dockerfile: "docker/qod-api/Dockerfile" }, ui: { dockerfile: "docker/ui/Dockerfile" } };

/** The problems checkBuiltImages reports, as `field: allowed`. */
function problems(given: unknown, envs: typeof environments = environments): string[] {
  const p = new ProblemCollector("test");
  checkBuiltImages(p, "delivery.images", given as Record<string, BuiltImage>, envs);
  return p.problems.map((x) => `${x.field}: ${x.allowed}`);
}

describe("checkBuiltImages", () => {
  it("accepts images whose repositories every environment has, built from Dockerfiles under docker/", () => {
    expect(problems(images)).toEqual([]);
  });

  it("fails when there is no image, or no object", () => {
    expect(problems({})).toEqual([expect.stringMatching(/^delivery\.images: at least one image/)]);
    expect(problems(undefined)).toEqual([expect.stringMatching(/^delivery\.images: the images the release workflow builds/)]);
  });

  it("fails when an environment's registry lacks the repository, naming that environment and its repositories", () => {
    const withoutUi = [environments[0], { name: "prod", registry: { repositories: ["qod-api"] } }];
    expect(problems(images, withoutUi)).toEqual(["delivery.images.ui: an ECR repository of every environment (the workflow pushes the image to each): prod's registry.repositories are qod-api"]);
  });

  it("fails when a Dockerfile is not a repository-relative path under docker/, naming each", () => {
    const bad = { a: "Dockerfile", b: "/docker/ui/Dockerfile", c: "docker/../Dockerfile", d: "docker/ui/", e: "docker/./ui/Dockerfile", f: "docker" };
    const envs = environments.map((e) => ({ ...e, registry: { repositories: Object.keys(bad) } }));
    const given = Object.fromEntries(Object.entries(bad).map(([k, dockerfile]) => [k, { dockerfile }]));
    expect(problems(given, envs).map((p) => p.split(":")[0])).toEqual(Object.keys(bad).map((k) => `delivery.images.${k}.dockerfile`));
  });

  it("recognises repository-relative paths under docker/", () => {
    expect(["docker/ui/Dockerfile", "docker/qod-api/worker.Dockerfile", "docker/Dockerfile"].every(isDockerfilePath)).toBe(true);
    expect([undefined, "", "docker/", "./docker/ui/Dockerfile", "docker/ui/../../x", "docker\\ui\\Dockerfile", "docker/ui /Dockerfile"].some(isDockerfilePath)).toBe(false);
  });
});
