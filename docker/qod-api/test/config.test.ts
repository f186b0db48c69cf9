import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, loadConfig, loadHealthcheckConfig, loadMigrateConfig, redact } from "../src/config";

/** Test-only: 44 characters as `openssl rand -base64 32` prints them. */
const TOKEN = "q7Xv0p2kM9tR4wZc8LbN1yHs6DfJ3gAe5uKiOoPlQmE=";
const valid = { POSTGRES_URL: "postgres://qod:pw@db:5432/qod", REDIS_URL: "redis://cache:6379" };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("reads a minimal environment with the documented defaults", () => {
    expect(loadConfig(valid)).toEqual({
      postgresUrl: valid.POSTGRES_URL,
      redisUrl: valid.REDIS_URL,
      metricsUrl: undefined,
      port: 8080,
      metricsPort: 9464,
      host: "0.0.0.0",
      logLevel: "info",
      corsOrigins: [],
      dbPoolMax: 10,
      shutdownDrainMs: 5000,
      shutdownTimeoutMs: 25_000,
      writeToken: undefined,
      writeLimit: { clientBurst: 5, clientPerMinute: 10, globalBurst: 20, globalPerMinute: 60 },
      trustProxy: [],
    });
  });

  it("reads every optional variable", () => {
    const config = loadConfig({
      ...valid,
      METRICS_URL: "http://prometheus:9090",
      PORT: "9000",
      METRICS_PORT: "9100",
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      CORS_ORIGINS: "https://www.example.com, http://localhost:8081",
      DB_POOL_MAX: "4",
      SHUTDOWN_DRAIN_MS: "1000",
      SHUTDOWN_TIMEOUT_MS: "2000",
      WRITE_TOKEN: TOKEN,
      WRITE_BURST: "2",
      WRITE_RATE_PER_MINUTE: "3",
      WRITE_GLOBAL_BURST: "4",
      WRITE_GLOBAL_RATE_PER_MINUTE: "5",
      TRUST_PROXY: "10.0.192.0/21, 10.0.200.7,fd00::/8",
    });
    expect(config.writeToken?.matches(TOKEN)).toBe(true);
    expect(config.writeToken?.matches(`${TOKEN}x`)).toBe(false);
    expect(config).toMatchObject({
      writeLimit: { clientBurst: 2, clientPerMinute: 3, globalBurst: 4, globalPerMinute: 5 },
      trustProxy: ["10.0.192.0/21", "10.0.200.7", "fd00::/8"],
      metricsUrl: "http://prometheus:9090",
      port: 9000,
      metricsPort: 9100,
      host: "127.0.0.1",
      logLevel: "debug",
      corsOrigins: ["https://www.example.com", "http://localhost:8081"],
      dbPoolMax: 4,
      shutdownDrainMs: 1000,
      shutdownTimeoutMs: 2000,
    });
  });

  it.each([
    ["POSTGRES_URL missing", { REDIS_URL: valid.REDIS_URL }, "POSTGRES_URL: missing; allowed: a URL starting with postgres:// or postgresql://"],
    ["POSTGRES_URL not a URL", { ...valid, POSTGRES_URL: "db:5432" }, 'POSTGRES_URL: got "db:5432"; allowed:'],
    ["POSTGRES_URL of another database", { ...valid, POSTGRES_URL: "mysql://u@db/x" }, 'POSTGRES_URL: got "mysql://u@db/x"; allowed:'],
    ["REDIS_URL missing", { POSTGRES_URL: valid.POSTGRES_URL }, "REDIS_URL: missing; allowed: a URL starting with redis:// or rediss://"],
    ["REDIS_URL blank", { ...valid, REDIS_URL: "  " }, "REDIS_URL: missing;"],
    ["REDIS_URL with a wrong scheme", { ...valid, REDIS_URL: "http://cache:6379" }, 'REDIS_URL: got "http://cache:6379"'],
    ["METRICS_URL not http", { ...valid, METRICS_URL: "prometheus:9090" }, 'METRICS_URL: got "prometheus:9090"; allowed: a URL starting with http:// or https://'],
    ["PORT not a number", { ...valid, PORT: "http" }, 'PORT: got "http"; allowed: an integer from 1 to 65535 (default 8080)'],
    ["PORT zero", { ...valid, PORT: "0" }, 'PORT: got "0"; allowed: an integer from 1 to 65535'],
    ["PORT too large", { ...valid, PORT: "70000" }, 'PORT: got "70000"'],
    ["PORT negative", { ...valid, PORT: "-1" }, 'PORT: got "-1"'],
    ["METRICS_PORT not a number", { ...valid, METRICS_PORT: "metrics" }, 'METRICS_PORT: got "metrics"; allowed: an integer from 1 to 65535 (default 9464)'],
    ["METRICS_PORT too large", { ...valid, METRICS_PORT: "65536" }, 'METRICS_PORT: got "65536"; allowed: an integer from 1 to 65535'],
    ["METRICS_PORT the API's port", { ...valid, PORT: "9000", METRICS_PORT: "9000" }, 'METRICS_PORT: got "9000"; allowed: a port other than PORT (9000)'],
    ["METRICS_PORT the default API port", { ...valid, METRICS_PORT: "8080" }, 'METRICS_PORT: got "8080"; allowed: a port other than PORT (8080)'],
    ["LOG_LEVEL unknown", { ...valid, LOG_LEVEL: "verbose" }, 'LOG_LEVEL: got "verbose"; allowed: one of fatal, error, warn, info, debug, trace, silent'],
    ["CORS_ORIGINS with a path", { ...valid, CORS_ORIGINS: "https://ui.example.com/app" }, 'CORS_ORIGINS: got "https://ui.example.com/app"'],
    ["DB_POOL_MAX zero", { ...valid, DB_POOL_MAX: "0" }, 'DB_POOL_MAX: got "0"; allowed: an integer from 1 to 200'],
    ["WRITE_BURST zero", { ...valid, WRITE_BURST: "0" }, 'WRITE_BURST: got "0"; allowed: an integer from 1 to'],
    ["WRITE_RATE_PER_MINUTE not a number", { ...valid, WRITE_RATE_PER_MINUTE: "fast" }, 'WRITE_RATE_PER_MINUTE: got "fast"; allowed: an integer from 1 to'],
    ["WRITE_GLOBAL_BURST zero", { ...valid, WRITE_GLOBAL_BURST: "0" }, 'WRITE_GLOBAL_BURST: got "0"'],
    ["WRITE_GLOBAL_RATE_PER_MINUTE negative", { ...valid, WRITE_GLOBAL_RATE_PER_MINUTE: "-5" }, 'WRITE_GLOBAL_RATE_PER_MINUTE: got "-5"'],
    ["an instance burst below a client's", { ...valid, WRITE_BURST: "10", WRITE_GLOBAL_BURST: "5" }, 'WRITE_GLOBAL_BURST: got "5"; allowed: at least WRITE_BURST (10)'],
    ["an instance rate below a client's", { ...valid, WRITE_RATE_PER_MINUTE: "100", WRITE_GLOBAL_RATE_PER_MINUTE: "50" }, 'WRITE_GLOBAL_RATE_PER_MINUTE: got "50"; allowed: at least WRITE_RATE_PER_MINUTE (100)'],
    ["TRUST_PROXY a host name", { ...valid, TRUST_PROXY: "alb.example.com" }, 'TRUST_PROXY: got "alb.example.com"; allowed: comma-separated IP addresses or CIDR blocks'],
    ["TRUST_PROXY a prefix too long", { ...valid, TRUST_PROXY: "10.0.0.0/33" }, 'TRUST_PROXY: got "10.0.0.0/33"'],
    ["TRUST_PROXY everyone", { ...valid, TRUST_PROXY: "0.0.0.0/0" }, 'TRUST_PROXY: got "0.0.0.0/0"; allowed:'],
    ["a timeout below the drain", { ...valid, SHUTDOWN_DRAIN_MS: "5000", SHUTDOWN_TIMEOUT_MS: "4000" }, 'SHUTDOWN_TIMEOUT_MS: got "4000"; allowed: more than SHUTDOWN_DRAIN_MS (5000)'],
  ])("fails when %s, naming the variable, the value and what is allowed", (_case, env, message) => {
    expect(problems(env).join("\n")).toContain(message);
  });

  it("reports every problem at once", () => {
    expect(problems({ PORT: "x" }).map((p) => p.split(":")[0])).toEqual(["POSTGRES_URL", "REDIS_URL", "PORT"]);
  });

  it("never repeats a password in a message", () => {
    const message = problems({ ...valid, POSTGRES_URL: "mysql://admin:s3cret@db/x", REDIS_URL: "redis//:hunter2@cache" }).join("\n");
    expect(message).not.toContain("s3cret");
    expect(message).not.toContain("hunter2");
    expect(message).toContain("mysql://admin:***@db/x");
    expect(redact("postgres://u:p@h:5432/d")).toBe("postgres://u:***@h:5432/d");
  });
});

describe("WRITE_TOKEN", () => {
  /** The WRITE_TOKEN problems of an otherwise valid environment (none when it loads). */
  const tokenProblems = (token: string): string[] => {
    try {
      loadConfig({ ...valid, WRITE_TOKEN: token });
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.filter((p) => p.startsWith("WRITE_TOKEN"));
      throw error;
    }
  };

  it.each([
    ["too short", "Sh0rt-but-random-Xy9", "at least 32 characters"],
    ["repetitive", "ab".repeat(20), "at least 128 bits"],
    ["with a space", `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`, "A-Z a-z 0-9"],
    ["with a non-ASCII letter", `${TOKEN}é`, "A-Z a-z 0-9"],
  ])("fails when %s, naming the rule and never the value", (_case, token, rule) => {
    const found = tokenProblems(token);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^WRITE_TOKEN: got a value of \d+ characters \(not shown\); allowed: /);
    expect(found[0]).toContain(rule);
    expect(found[0]).not.toContain(token.slice(0, 8));
  });

  it("accepts tokens as openssl and the cluster's generator make them", () => {
    expect(tokenProblems(TOKEN)).toEqual([]);
    expect(tokenProblems("0f3a9c1be47d28a6f5c0d91e3b7a4c2d8e6f1a0b9c3d5e7f2a4b6c8d0e1f3a5b")).toEqual([]);
    expect(tokenProblems("k3JdL9qW2xVb7NmZ8cRt4YpG6hF1sA0eUiOoKlPjMnBv")).toEqual([]);
  });

  it("never shows the token: not in JSON, not in util.inspect, only a constant-time comparison", () => {
    const config = loadConfig({ ...valid, WRITE_TOKEN: TOKEN });
    expect(JSON.stringify(config)).not.toContain(TOKEN.slice(0, 8));
    expect(inspect(config, { depth: 5, showHidden: true })).not.toContain(TOKEN.slice(0, 8));
    expect(String(config.writeToken)).not.toContain(TOKEN.slice(0, 8));
  });
});

describe("the README", () => {
  it("documents every variable the api reads", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    for (const name of Object.keys(CONFIG_VARIABLES)) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe("the configs of the other commands", () => {
  it("migrate needs only POSTGRES_URL; healthcheck only PORT", () => {
    expect(loadMigrateConfig({ POSTGRES_URL: valid.POSTGRES_URL })).toEqual({ postgresUrl: valid.POSTGRES_URL, logLevel: "info" });
    expect(() => loadMigrateConfig({})).toThrow(/POSTGRES_URL: missing/);
    expect(loadHealthcheckConfig({})).toEqual({ port: 8080 });
    expect(() => loadHealthcheckConfig({ PORT: "eighty" })).toThrow(/PORT: got "eighty"/);
  });
});
