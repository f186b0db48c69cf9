import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_DIR } from "../../test/support/build";
import { freshDatabase } from "../../test/support/databases";
import { freePort, sleep, waitFor } from "../../test/support/net";
import { startChild, waitUntilServing, type Child } from "../../test/support/processes";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { requestLogLevel } from "../src/app";
import { getJson, migrated, postJson, TEST_WRITE_TOKEN } from "./helpers";

// GIVEN the built service (`node dist/main.js serve`, as the image runs it) writing its JSON log
// to stdout, a migrated database, a Redis, and a second connection that can lock the quotes table
let postgresUrl: string;
let redis: RedisServer;
let locker: Client;
const children: Child[] = [];

beforeAll(async () => {
  postgresUrl = await freshDatabase();
  await migrated(postgresUrl);
  redis = await startRedis();
  locker = new Client({ connectionString: postgresUrl });
  await locker.connect();
});

afterAll(async () => {
  for (const child of children) await child.kill();
  await locker?.end();
  await redis?.stop();
});

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly ms?: number;
}

async function serve(logLevel: string): Promise<{ url: string; requestLines: () => LogLine[] }> {
  const port = await freePort();
  const child = startChild(["node", "dist/main.js", "serve"], API_DIR, {
    POSTGRES_URL: postgresUrl,
    REDIS_URL: redis.url,
    PORT: String(port),
    METRICS_PORT: String(await freePort()),
    WRITE_TOKEN: TEST_WRITE_TOKEN,
    HOST: "127.0.0.1",
    LOG_LEVEL: logLevel,
    SHUTDOWN_DRAIN_MS: "0",
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(child, `${url}/healthz`);
  const requestLines = () =>
    child
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.method !== undefined);
  return { url, requestLines };
}

const DEBUG = 20;
const INFO = 30;
const WARN = 40;

describe("request log", () => {
  it("at info: writes, client errors and slow requests get a line; quick successful reads do not", async () => {
    const { url, requestLines } = await serve("info");

    // WHEN quick successful reads, a write, two client errors and a read slowed by a table lock
    for (let i = 0; i < 5; i++) expect((await getJson(`${url}/qod`)).status).toBe(200);
    expect((await getJson(`${url}/quotes?limit=2`)).status).toBe(200);
    expect((await postJson(`${url}/quotes`, { text: "Logged because it writes.", author: "Test" })).status).toBe(201);
    expect((await getJson(`${url}/quotes?limit=abc`)).status).toBe(400);
    expect((await getJson(`${url}/nope`)).status).toBe(404);
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE quotes IN ACCESS EXCLUSIVE MODE");
    const slow = getJson(`${url}/quotes?limit=1`);
    await sleep(800);
    await locker.query("COMMIT");
    expect((await slow).status).toBe(200);

    // THEN
    await waitFor("the slow request's log line", async () => requestLines().some((line) => line.url === "/quotes?limit=1"));
    const lines = requestLines().map(({ level, msg, method, url: path, status }) => ({ level, msg, method, url: path, status }));
    expect(lines).toEqual([
      { level: INFO, msg: "request", method: "POST", url: "/quotes", status: 201 },
      { level: INFO, msg: "request", method: "GET", url: "/quotes?limit=abc", status: 400 },
      { level: INFO, msg: "request", method: "GET", url: "/nope", status: 404 },
      { level: WARN, msg: "slow request", method: "GET", url: "/quotes?limit=1", status: 200 },
    ]);
    expect(requestLines().find((line) => line.level === WARN)?.ms).toBeGreaterThanOrEqual(500);
  });

  it("at debug: every request gets a line, quick reads included", async () => {
    const { url, requestLines } = await serve("debug");

    expect((await getJson(`${url}/qod`)).status).toBe(200);
    expect((await getJson(`${url}/quotes?limit=2`)).status).toBe(200);

    await waitFor("two request lines", async () => requestLines().filter((line) => line.url !== "/healthz").length >= 2);
    expect(requestLines().filter((line) => line.url !== "/healthz").map(({ level, method, url: path, status }) => ({ level, method, url: path, status }))).toEqual([
      { level: DEBUG, method: "GET", url: "/qod", status: 200 },
      { level: DEBUG, method: "GET", url: "/quotes?limit=2", status: 200 },
    ]);
  });
});

describe("requestLogLevel", () => {
  it("keeps a dependency outage's 503s at debug (the outage is logged once per change) and other server errors at error", () => {
    expect(requestLogLevel("/qod", "GET", 503, 3)).toBe("debug");
    expect(requestLogLevel("/quotes", "POST", 503, 3)).toBe("debug");
    expect(requestLogLevel("/qod", "GET", 500, 3)).toBe("error");
    expect(requestLogLevel("/quotes", "POST", 201, 3)).toBe("info");
    expect(requestLogLevel("/healthz", "GET", 200, 900)).toBe("debug");
  });
});
