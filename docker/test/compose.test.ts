import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Client } from "pg";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig } from "../qod-api/src/config";
import { UI_VARIABLES, loadUiConfig } from "../ui/src/server/config";
import { API_DIR, REPO_ROOT } from "./support/build";
import { freshDatabase } from "./support/databases";
import { postgresBinDir } from "./support/postgres";
import { runChild } from "./support/processes";

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  stop_grace_period?: string;
}

const COMPOSE_DIR = join(REPO_ROOT, "docker");
const compose = parse(readFileSync(join(COMPOSE_DIR, "compose.yaml"), "utf8")) as { services: Record<string, ComposeService> };
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
};

/** `${VAR:-default}` → default, as compose would resolve it with the variable unset. */
const resolveDefaults = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, "$1");
const env = (name: string) => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, resolveDefaults(String(v))]));
const published = (name: string) =>
  (service(name).ports ?? []).map((p) => {
    const [host, container] = p.split(":").map(Number);
    return { host, container };
  });

describe("docker/compose.yaml", () => {
  it("runs ui, api, redis, postgres and prometheus (plus the one-shot migrate)", () => {
    expect(Object.keys(services).sort()).toEqual(["api", "migrate", "postgres", "prometheus", "redis", "ui"]);
  });

  it("pins every image to a version and builds ours from their Dockerfiles with the repository as context", () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) {
        expect(join(COMPOSE_DIR, s.build.context), name).toBe(REPO_ROOT);
        expect(existsSync(join(REPO_ROOT, s.build.dockerfile)), name).toBe(true);
      } else {
        // PostgreSQL versions have two parts (15.18), the others three.
        expect(s.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
      }
    }
  });

  it("runs the PostgreSQL major version the tests run against", () => {
    const testedMajor = basename(dirname(postgresBinDir()));
    expect(service("postgres").image).toMatch(new RegExp(`^postgres:${testedMajor}\\.`));
  });

  it("publishes only the ui, the api and prometheus; postgres, redis and the api's metrics port stay internal", () => {
    expect(published("api")).toEqual([{ host: 8080, container: 8080 }]);
    expect(published("api").map((p) => p.container)).not.toContain(loadConfig(env("api")).metricsPort);
    expect(published("ui")).toEqual([{ host: 8081, container: 8080 }]);
    expect(published("prometheus")).toEqual([{ host: 9090, container: 9090 }]);
    expect(services.postgres.ports).toBeUndefined();
    expect(services.redis.ports).toBeUndefined();
  });

  it("gives the api only variables its config module knows, and a valid configuration", () => {
    const apiEnv = env("api");
    for (const name of Object.keys(apiEnv)) expect(Object.keys(CONFIG_VARIABLES)).toContain(name);
    for (const [name, spec] of Object.entries(CONFIG_VARIABLES)) if (spec.required) expect(Object.keys(apiEnv)).toContain(name);
    const config = loadConfig(apiEnv);
    expect(config.port).toBe(published("api")[0].container);
    expect(apiEnv.METRICS_PORT).toBe(String(config.metricsPort));
    expect(Object.keys(env("migrate"))).toEqual(["POSTGRES_URL"]);
    expect(env("migrate").POSTGRES_URL).toBe(apiEnv.POSTGRES_URL);
  });

  it("gives the api a write token that is valid, overridable and marked as development-only", () => {
    const raw = String(service("api").environment?.WRITE_TOKEN ?? "");
    expect(raw).toMatch(/^\$\{QOD_WRITE_TOKEN:-dev-only-[^}]+\}$/);
    expect(loadConfig(env("api")).writeToken).toBeDefined();
    expect(readFileSync(join(COMPOSE_DIR, "compose.yaml"), "utf8")).toMatch(/DEV ONLY.*write token/i);
  });

  it("points the api's URLs at the compose services, with the database's own credentials", () => {
    const config = loadConfig(env("api"));
    const pg = new URL(config.postgresUrl);
    const db = env("postgres");
    expect([pg.hostname, pg.port, pg.username, pg.password, pg.pathname]).toEqual([
      "postgres",
      "5432",
      db.POSTGRES_USER,
      db.POSTGRES_PASSWORD,
      `/${db.POSTGRES_DB}`,
    ]);
    expect(new URL(config.redisUrl).host).toBe("redis:6379");
    expect(new URL(config.metricsUrl ?? "").host).toBe(`prometheus:${published("prometheus")[0].container}`);
  });

  it("gives the ui only its own variables, pointing the browser at the api's published port, which allows the ui's origin", () => {
    const uiEnv = env("ui");
    for (const name of Object.keys(uiEnv)) expect(Object.keys(UI_VARIABLES)).toContain(name);
    const ui = loadUiConfig(uiEnv);
    expect(ui.apiBaseUrl).toBe(`http://localhost:${published("api")[0].host}`);
    expect(ui.port).toBe(published("ui")[0].container);
    expect(loadConfig(env("api")).corsOrigins).toEqual([`http://localhost:${published("ui")[0].host}`]);
  });

  it("starts things in order: postgres healthy → migrate done → api → ui, with a grace period above the api's shutdown limit", () => {
    expect(service("migrate").depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(service("api").depends_on?.migrate).toEqual({ condition: "service_completed_successfully" });
    expect(service("ui").depends_on?.api).toEqual({ condition: "service_healthy" });
    expect(service("postgres").healthcheck?.test).toContain("pg_isready");
    const config = loadConfig(env("api"));
    const graceSeconds = Number(/^(\d+)s$/.exec(service("api").stop_grace_period ?? "")?.[1]);
    expect(config.shutdownTimeoutMs).toBeLessThan(graceSeconds * 1000);
  });

  it("has prometheus scrape the api's /metrics at its in-network address, on the metrics port", () => {
    const mount = (service("prometheus").volumes ?? [])[0].split(":");
    const prometheus = parse(readFileSync(join(COMPOSE_DIR, mount[0]), "utf8")) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prometheus.scrape_configs.find((j) => j.job_name === "qod-api");
    expect(mount[1]).toBe("/etc/prometheus/prometheus.yml");
    expect(job?.metrics_path ?? "/metrics").toBe("/metrics");
    const config = loadConfig(env("api"));
    expect(job?.static_configs.flatMap((c) => c.targets)).toEqual([`api:${config.metricsPort}`]);
    expect(config.metricsPort).not.toBe(config.port);
  });

  it("runs migrate with a command that applies the schema and seed once, and is safe to run again", async () => {
    const postgresUrl = await freshDatabase("qod_compose");
    const command = service("migrate").command ?? [];

    const first = await runChild(command, API_DIR, { POSTGRES_URL: postgresUrl });
    const second = await runChild(command, API_DIR, { POSTGRES_URL: postgresUrl });

    expect(first.code).toBe(0);
    expect(first.output).toContain("migrations applied");
    expect(second.code).toBe(0);
    expect(second.output).toContain("already up to date");
    const client = new Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT (SELECT count(*) FROM quotes)::int AS quotes, (SELECT count(*) FROM schema_migrations)::int AS migrations");
      expect(rows[0]).toEqual({ quotes: expect.any(Number), migrations: 2 });
      expect(rows[0].quotes).toBeGreaterThanOrEqual(20);
    } finally {
      await client.end();
    }
  });
});
