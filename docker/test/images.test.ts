import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_DIR, REPO_ROOT, UI_DIR } from "./support/build";
import { execForm, healthcheckCommand, lastInstruction, parseDockerfile } from "./support/dockerfile";
import { pinnedPnpm, replayImage, type ReplayedImage } from "./support/image";
import { freePort } from "./support/net";
import { runChild, startChild, waitUntilServing } from "./support/processes";
import { startRedis, type RedisServer } from "./support/redis";
import { freshDatabase } from "./support/databases";
import { SERVICE_NODE_VERSION } from "../../scripts/service-node";

/** Each image's ports: the api serves /metrics on a port of its own (METRICS_PORT), not on 8080. */
const IMAGES = [
  { name: "qod-api", dir: API_DIR, pkg: "@qod/qod-api", ports: { PORT: "8080", METRICS_PORT: "9464" } },
  { name: "ui", dir: UI_DIR, pkg: "@qod/ui", ports: { PORT: "8080" } },
] as const;

describe.each(IMAGES)("$name Dockerfile", ({ dir, pkg, ports }) => {
  const text = readFileSync(join(dir, "Dockerfile"), "utf8");
  const stages = parseDockerfile(text);
  const runtime = stages[stages.length - 1];

  it("is multi-stage, every base image pinned to exactly the services' Node release (scripts/service-node.ts), the one CI runs these tests on", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(SERVICE_NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    for (const stage of stages) {
      expect(stage.from).toMatch(/^node:(\d+)\.\d+\.\d+-[a-z]+-slim$/);
      expect(stage.from).toBe(`node:${SERVICE_NODE_VERSION}-bookworm-slim`);
    }
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
  });

  it("installs with the frozen lockfile and the repository's pinned pnpm", () => {
    const build = stages.find((s) => s.name === "build");
    const runs = build?.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args) ?? [];
    expect(runs).toContain(`npm install -g pnpm@${pinnedPnpm()}`);
    expect(runs).toContain(`pnpm install --frozen-lockfile --filter ${pkg}`);
    expect(runs).toContain(`pnpm --filter ${pkg} deploy --prod --legacy /out`);
  });

  it("runs as a numeric non-root user, with only the production copy, a HEALTHCHECK and exec-form CMD, exposing the ports its ENV sets", () => {
    const user = lastInstruction(runtime, "USER")?.args ?? "root";
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(runtime.instructions.filter((i) => i.keyword === "RUN")).toEqual([]);
    expect(runtime.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args)).toEqual(["--from=build /out ./"]);
    expect(lastInstruction(runtime, "EXPOSE")?.args).toBe(Object.values(ports).join(" "));
    expect(envOf(runtime)).toMatchObject(ports);
    expect(healthcheckCommand(runtime)[0]).toBe("node");
    expect(lastInstruction(runtime, "HEALTHCHECK")?.args).toMatch(/--interval=\d+s .*--timeout=\d+s/);
    expect(execForm(lastInstruction(runtime, "CMD")?.args ?? "")[0]).toBe("node");
  });

  it("has a .dockerignore beside it that keeps dependencies, outputs, state and secrets out of the context", () => {
    const ignore = join(dir, "Dockerfile.dockerignore");
    expect(existsSync(ignore)).toBe(true);
    const rules = readFileSync(ignore, "utf8").split("\n").map((l) => l.trim());
    for (const rule of ["**/node_modules", "**/dist", ".git", "cdktf.out", "**/*.tfstate", "**/.env"]) expect(rules).toContain(rule);
  });

  it("copies only files that exist in the repository", () => {
    const build = stages.find((s) => s.name === "build");
    for (const copy of build?.instructions.filter((i) => i.keyword === "COPY") ?? []) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
    }
  });
});

describe("the images, replayed without Docker", () => {
  // GIVEN both Dockerfiles' build stages replayed into temp dirs (pnpm offline) and their runtime layout
  const replays: Partial<Record<"api" | "ui", ReplayedImage>> = {};
  let redis: RedisServer;
  beforeAll(async () => {
    const [api, ui] = await Promise.all(IMAGES.map((image) => replayImage(join(image.dir, "Dockerfile"))));
    replays.api = api;
    replays.ui = ui;
    redis = await startRedis();
  }, 240_000);
  afterAll(async () => {
    replays.api?.remove();
    replays.ui?.remove();
    await redis?.stop();
  });

  it("hold no dev dependencies and no sources in the runtime stage", () => {
    const api = replays.api?.appDir ?? "";
    expect(existsSync(join(api, "dist/main.js"))).toBe(true);
    expect(existsSync(join(api, "node_modules/fastify"))).toBe(true);
    expect(existsSync(join(api, "node_modules/typescript"))).toBe(false);
    expect(existsSync(join(api, "node_modules/@types"))).toBe(false);
    expect(existsSync(join(api, "src"))).toBe(false);
    const ui = replays.ui?.appDir ?? "";
    expect(existsSync(join(ui, "dist/server/main.js"))).toBe(true);
    expect(existsSync(join(ui, "dist/web/app.js"))).toBe(true);
    expect(existsSync(join(ui, "public/index.html"))).toBe(true);
    expect(existsSync(join(ui, "node_modules/typescript"))).toBe(false);
  });

  it("api: the compose migrate command, then CMD serves, HEALTHCHECK passes, SIGTERM exits 0 and HEALTHCHECK then fails", async () => {
    const image = replays.api;
    if (!image) throw new Error("no api replay");
    const postgresUrl = await freshDatabase("qod_image");
    const port = String(await freePort());
    const env = { ...envOf(image.runtime), POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, PORT: port, METRICS_PORT: String(await freePort()), SHUTDOWN_DRAIN_MS: "100" };

    expect(await runChild(["node", "dist/main.js", "migrate"], image.appDir, env)).toMatchObject({ code: 0 });
    const server = startChild(execForm(lastInstruction(image.runtime, "CMD")?.args ?? ""), image.appDir, env);
    await waitUntilServing(server, `http://127.0.0.1:${port}/qod`);
    const metrics = await fetch(`http://127.0.0.1:${env.METRICS_PORT}/metrics`);
    const metricsOnApiPort = await fetch(`http://127.0.0.1:${port}/metrics`);
    const healthy = await runChild(healthcheckCommand(image.runtime), image.appDir, env);
    server.process.kill("SIGTERM");
    const exitCode = await server.exited;
    const afterwards = await runChild(healthcheckCommand(image.runtime), image.appDir, env);

    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^qod_api_info\{/m);
    expect(metricsOnApiPort.status).toBe(404);
    expect(healthy.code).toBe(0);
    expect(exitCode).toBe(0);
    expect(afterwards.code).toBe(1);
  });

  it("ui: CMD serves the page with /config.js from API_BASE_URL, HEALTHCHECK passes", async () => {
    const image = replays.ui;
    if (!image) throw new Error("no ui replay");
    const port = String(await freePort());
    const env = { ...envOf(image.runtime), PORT: port, API_BASE_URL: "https://api.example.test/" };
    const server = startChild(execForm(lastInstruction(image.runtime, "CMD")?.args ?? ""), image.appDir, env);
    try {
      await waitUntilServing(server, `http://127.0.0.1:${port}/healthz`);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      const config = await (await fetch(`http://127.0.0.1:${port}/config.js`)).text();
      const app = await fetch(`http://127.0.0.1:${port}/app.js`);
      const healthy = await runChild(healthcheckCommand(image.runtime), image.appDir, env);

      expect(page).toContain('<script src="/config.js"></script>');
      expect(config).toContain('"apiBaseUrl":"https://api.example.test"');
      expect(app.status).toBe(200);
      expect(healthy.code).toBe(0);
    } finally {
      server.process.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
  });
});

/** The runtime stage's ENV, as the container would have it (simple `K=V K2=V2` form). */
function envOf(stage: ReturnType<typeof parseDockerfile>[number]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === "ENV")) {
    for (const match of instruction.args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) env[match[1]] = match[2].replace(/^"|"$/g, "");
  }
  return env;
}
