import { ProblemCollector } from "@qod/core";
import { describe, expect, it } from "vitest";
import { checkWorkloadsConfig, cpuMillis, imagePinning, memoryBytes, pdbMinAvailable, peakRequests, WorkloadsConfig } from "../src";
import { context, workloads } from "./fixtures";

type Patch = (w: any) => void;
/** The problems of the fixture with one change applied, as `field: given -> allowed`. */
const problems = (patch: Patch = () => {}, ctx: typeof context & { production?: boolean } = context) => {
  const w = structuredClone(workloads) as any;
  patch(w);
  const p = new ProblemCollector("test");
  checkWorkloadsConfig(p, "dev.workloads", w as WorkloadsConfig, { ...ctx, production: ctx.production ?? false });
  return p.problems.map((x) => `${x.field}: ${JSON.stringify(x.given)} -> ${x.allowed}`);
};

describe("checkWorkloadsConfig", () => {
  it("accepts the fixture", () => {
    expect(problems()).toEqual([]);
  });

  it("fails when the section is missing, naming what it needs", () => {
    const p = new ProblemCollector("test");
    checkWorkloadsConfig(p, "dev.workloads", undefined, context);
    expect(p.problems.map((x) => x.allowed)).toEqual([expect.stringMatching(/^\{ ui, api, redis, quota \}/)]);
  });

  it("fails when the HPA's minimum is above its maximum", () => {
    expect(problems((w) => (w.api.scaling = { minReplicas: 5, maxReplicas: 3 }))).toContainEqual(
      expect.stringMatching(/^dev\.workloads\.api\.scaling\.minReplicas: 5 -> at most maxReplicas \(3\)/),
    );
  });

  it.each([2, 3])("fails when the PDB's minAvailable (%i) is not below the HPA's minimum (2)", (minAvailable) => {
    expect(problems((w) => (w.ui.scaling = { minReplicas: 2, maxReplicas: 4, minAvailable }))).toEqual([
      expect.stringMatching(new RegExp(`^dev\\.workloads\\.ui\\.scaling\\.minAvailable: ${minAvailable} -> fewer than minReplicas \\(2\\): .*blocks every node drain`)),
    ]);
  });

  it("fails on one replica in production, and accepts it elsewhere", () => {
    const one: Patch = (w) => (w.ui.scaling = { minReplicas: 1, maxReplicas: 4 });
    expect(problems(one)).toEqual([]);
    expect(problems(one, { ...context, production: true })).toEqual([expect.stringMatching(/^dev\.workloads\.ui\.scaling\.minReplicas: 1 -> 2 or more in production/)]);
  });

  it.each([
    ["a host outside the domain", { host: "www.example.org", path: "/" }, /host: "www\.example\.org" -> a name under the environment's domain \(example\.com\)/],
    ["the apex itself", { host: "example.com", path: "/" }, /host: "example\.com" -> a name under the environment's domain/],
    ["an uppercase host", { host: "WWW.example.com", path: "/" }, /host: "WWW\.example\.com" -> a lowercase DNS name/],
    ["a path without a leading slash", { host: "www.example.com", path: "qod" }, /path: "qod" -> a path starting with "\/"/],
  ])("fails on a route with %s", (_, route, message) => {
    expect(problems((w) => (w.ui.routes = [route]))).toContainEqual(expect.stringMatching(message));
  });

  it("fails when two services claim the same host and path", () => {
    expect(problems((w) => w.ui.routes.push({ host: "api.example.com", path: "/qod/" }))).toEqual([
      expect.stringMatching(/^dev\.workloads\.api\.routes\[0\]: .* -> a host and path no other route claims \(dev\.workloads\.ui\.routes\[1\] already routes api\.example\.com\/qod\)/),
    ]);
  });

  it.each(["/", "/metrics"])("accepts an api route at %s: the metrics are on a port no Ingress routes to", (path) => {
    expect(problems((w) => (w.api.routes = [{ host: "api.example.com", path }]))).toEqual([]);
  });

  it.each([
    ["no tag and no digest", { repository: "qod-api" }, /api\.image: .* -> an immutable reference/],
    ["latest", { repository: "qod-api", tag: "latest" }, /api\.image\.tag: "latest" -> a release tag .*not one that moves/],
    ["a malformed digest", { repository: "qod-api", digest: "sha256:abc" }, /api\.image\.digest: "sha256:abc" -> sha256: followed by 64/],
    ["a tag inside the repository", { repository: "qod-api:1.0", tag: "1.0" }, /api\.image\.repository: "qod-api:1\.0" -> a repository name without tag or digest/],
    ["a repository the registry does not have", { repository: "worker", tag: "1.0" }, /api\.image\.repository: "worker" -> one of the environment's ECR repositories \(registry\.repositories: qod-api, ui, redis\)/],
    ["an external image pinned by tag only", { repository: "docker.io/library/redis", tag: "7.4.2" }, /api\.image\.digest: undefined -> a digest \(sha256:\.\.\.\) for docker\.io\/library\/redis/],
  ])("fails on an image with %s", (_, image, message) => {
    expect(problems((w) => (w.api.image = image))).toContainEqual(expect.stringMatching(message));
  });

  it("accepts an external image pinned by digest", () => {
    expect(problems((w) => (w.redis.image = { repository: "public.ecr.aws/docker/library/redis", digest: `sha256:${"a".repeat(64)}` }))).toEqual([]);
  });

  it.each([
    ["a memory limit below the request", { cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "128Mi" }, /memoryLimit: "128Mi" -> at least the memory request \(256Mi\)/],
    ["a CPU limit below the request", { cpu: "1", memory: "64Mi", cpuLimit: "500m", memoryLimit: "64Mi" }, /cpuLimit: "500m" -> at least the CPU request \(1\)/],
    ["a malformed memory quantity", { cpu: "100m", memory: "128MB", cpuLimit: "500m", memoryLimit: "256Mi" }, /memory: "128MB" -> a memory quantity/],
  ])("fails on resources with %s", (_, resources, message) => {
    expect(problems((w) => (w.api.resources = resources))).toContainEqual(expect.stringMatching(message));
  });

  it("fails when the quota cannot hold the services at their peak, naming the peak", () => {
    const peak = peakRequests(workloads)!;
    expect(problems((w) => (w.quota = { cpu: "500m", memory: "256Mi", pods: 5 }))).toEqual([
      `dev.workloads.quota.cpu: "500m" -> at least ${peak.cpuMillis}m, what the services request at their peak (every service at maxReplicas plus one surge pod, and the migration Job)`,
      `dev.workloads.quota.memory: "256Mi" -> at least ${Math.ceil(peak.memoryBytes / 2 ** 20)}Mi, what the services request at their peak (every service at maxReplicas plus one surge pod, and the migration Job)`,
      `dev.workloads.quota.pods: 5 -> at least ${peak.pods} (every service at maxReplicas plus one surge pod, and the migration Job)`,
    ]);
  });

  it.each(["kube-system", "default", "Apps"])("fails on the namespace %s", (namespace) => {
    expect(problems((w) => (w.namespace = namespace))).toHaveLength(1);
  });

  it("refuses to turn off deletion protection or access logs in production", () => {
    expect(problems((w) => (w.loadBalancer = { deletionProtection: false, accessLogs: false }), { ...context, production: true })).toEqual([
      expect.stringMatching(/loadBalancer\.deletionProtection: false -> true in production/),
      expect.stringMatching(/loadBalancer\.accessLogs: false -> true in production/),
    ]);
  });
});

describe("the rules' building blocks", () => {
  it("reads CPU and memory quantities", () => {
    expect([cpuMillis("250m"), cpuMillis("1.5"), cpuMillis("2"), cpuMillis("0"), cpuMillis("1 core")]).toEqual([250, 1500, 2000, undefined, undefined]);
    expect([memoryBytes("1Ki"), memoryBytes("2Gi"), memoryBytes("1M"), memoryBytes("1.5Gi")]).toEqual([1024, 2 * 2 ** 30, 1e6, undefined]);
  });

  it("derives the PDB from the HPA floor: one below it, none for a single replica", () => {
    expect(pdbMinAvailable({ minReplicas: 3, maxReplicas: 9 })).toBe(2);
    expect(pdbMinAvailable({ minReplicas: 1, maxReplicas: 9 })).toBeUndefined();
    expect(pdbMinAvailable({ minReplicas: 5, maxReplicas: 9, minAvailable: 3 })).toBe(3);
  });

  it("tells how a rendered image reference is pinned, with a token for the registry", () => {
    expect(imagePinning("${TfToken[TOKEN.12]}:1.2.3")).toBe("tag");
    expect(imagePinning("registry:5000/app")).toBe("untagged");
    expect(imagePinning("app:latest")).toBe("mutable-tag");
    expect(imagePinning(`app@sha256:${"0".repeat(64)}`)).toBe("digest");
  });
});
