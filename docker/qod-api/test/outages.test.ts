import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../test/support/net";
import { createDatabase, startPostgres, type PostgresServer } from "../../test/support/postgres";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { capturedLogs, getJson, migrated, sample, startApi, testClock, type TestApi } from "./helpers";

// GIVEN a PostgreSQL and a Redis of this file's own, so they can really be stopped and started
let postgres: PostgresServer;
let redis: RedisServer;
let api: TestApi;
let postgresUrl: string;
const clock = testClock("2032-01-10T09:00:00Z");

beforeAll(async () => {
  postgres = await startPostgres();
  postgresUrl = await createDatabase(postgres.url(), "qod_outage");
  await migrated(postgresUrl);
  redis = await startRedis();
  api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url }, clock);
});

afterAll(async () => {
  await api?.stop();
  await redis?.stop();
  await postgres?.stop();
});

const metrics = async () => (await getJson(`${api.metricsUrl}/metrics`)).body as string;
const qod = () => getJson(`${api.url}/qod`);

describe("with Redis stopped", () => {
  it("still answers /qod from PostgreSQL, counts the miss as unavailable, stays ready, and uses Redis again once it is back", async () => {
    clock.set("2032-01-11T09:00:00Z");
    const expected = (await qod()).body; // the next day, from PostgreSQL (and stored in Redis)
    clock.set("2032-01-10T09:00:00Z");
    const today = (await qod()).body; // the local copy now holds this day
    const port = redis.port;
    await redis.stop();
    await waitFor("the service to notice Redis is gone", async () => (await getJson(`${api.url}/readyz`)).body.checks?.redis === "unavailable");
    const missesBefore = sample(await metrics(), "qod_api_cache_misses_total", { reason: "unavailable" });

    // The local copy of today, taken from Redis, still answers; a day it does not hold comes from PostgreSQL
    const todayDuring = await qod();
    clock.set("2032-01-11T09:00:00Z");
    const during = await qod();
    const again = await qod();
    const ready = await getJson(`${api.url}/readyz`);

    expect(todayDuring.headers.get("x-cache")).toBe("local");
    expect(todayDuring.body).toEqual(today);
    expect(during.status).toBe(200);
    expect(during.headers.get("x-cache")).toBe("miss");
    expect(during.body).toEqual(expected);
    expect(again.headers.get("x-cache")).toBe("miss"); // never copied locally: only what Redis holds is
    expect(sample(await metrics(), "qod_api_cache_misses_total", { reason: "unavailable" }) - missesBefore).toBe(2);
    expect(ready).toMatchObject({ status: 200, body: { status: "ready", checks: { postgres: "ok", redis: "unavailable" } } });

    // WHEN Redis comes back (empty) on the same address THEN the day is stored there again and served locally
    redis = await startRedis(port);
    await waitFor("the service to reconnect to Redis", async () => (await getJson(`${api.url}/readyz`)).body.checks?.redis === "ok");
    const refilled = await qod();
    expect(refilled.headers.get("x-cache")).toBe("miss");
    const client = new Redis(redis.url);
    try {
      expect(JSON.parse((await client.get("qod:day:2032-01-11")) ?? "null")).toEqual(expected.quote);
    } finally {
      client.disconnect();
    }
    const local = await qod();
    expect(local.headers.get("x-cache")).toBe("local");
    expect(local.body).toEqual(expected);
  });
});

describe("with PostgreSQL stopped", () => {
  it("answers /qod from the cache, 503 JSON when not cached, fails readiness, and recovers when PostgreSQL is back", async () => {
    clock.set("2032-02-02T10:00:00Z");
    const cached = await qod(); // fills the cache for 2032-02-02
    expect(cached.status).toBe(200);
    postgres.halt();

    try {
      const fromCache = await qod();
      clock.set("2032-02-02T10:00:05Z"); // past the local copy's recheck: Redis answers
      const fromRedis = await qod();
      clock.set("2032-02-03T10:00:00Z");
      const uncached = await qod();
      const list = await getJson(`${api.url}/quotes`);
      const ready = await getJson(`${api.url}/readyz`);
      const live = await getJson(`${api.url}/healthz`);

      expect(fromCache).toMatchObject({ status: 200, body: cached.body });
      expect(fromCache.headers.get("x-cache")).toBe("local");
      expect(fromRedis).toMatchObject({ status: 200, body: cached.body });
      expect(fromRedis.headers.get("x-cache")).toBe("hit");
      expect(uncached).toMatchObject({ status: 503, body: { error: "database_unavailable" } });
      expect(uncached.headers.get("content-type")).toContain("application/json");
      expect(uncached.headers.get("cache-control")).toBe("no-store");
      expect(list.headers.get("cache-control")).toBe("no-store");
      expect(ready.headers.get("cache-control")).toBe("no-store");
      expect(list).toMatchObject({ status: 503, body: { error: "database_unavailable" } });
      expect(ready).toMatchObject({ status: 503, body: { status: "not_ready", checks: { postgres: "unavailable" } } });
      expect(live.status).toBe(200);
    } finally {
      postgres.restart();
    }

    await waitFor("readiness after PostgreSQL restarted", async () => (await getJson(`${api.url}/readyz`)).status === 200);
    expect((await qod()).status).toBe(200);
  });
});

describe("with PostgreSQL and Redis stopped", () => {
  it("answers /qod with a 503 no shared cache keeps (cache-control: no-store)", async () => {
    clock.set("2032-03-01T10:00:00Z");
    const port = redis.port;
    await redis.stop();
    postgres.halt();
    try {
      const down = await qod();
      expect(down).toMatchObject({ status: 503, body: { error: "database_unavailable" } });
      expect(down.headers.get("cache-control")).toBe("no-store");
    } finally {
      postgres.restart();
      redis = await startRedis(port);
    }
    await waitFor("readiness after the outage", async () => (await getJson(`${api.url}/readyz`)).body.checks?.redis === "ok");
    const up = await qod();
    expect(up.status).toBe(200);
    expect(up.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
  });
});

describe("an outage in the logs and metrics", () => {
  it("logs a PostgreSQL outage once when it starts and once when it ends, and counts every failed request", async () => {
    const logs = capturedLogs();
    const watched = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, LOG_LEVEL: "info" }, clock, { logDestination: logs.destination });
    const failures = async () => sample((await getJson(`${watched.metricsUrl}/metrics`)).body, "qod_api_dependency_failures_total", { dependency: "postgres" });
    try {
      expect((await getJson(`${watched.url}/quotes`)).status).toBe(200);
      const before = await failures();
      const mark = logs.lines.length;
      const N = 25;

      postgres.halt();
      let answers: number[];
      try {
        answers = [];
        for (let i = 0; i < N; i++) answers.push((await getJson(`${watched.url}/quotes`)).status);
      } finally {
        postgres.restart();
      }
      const counted = (await failures()) - before;
      await waitFor("readiness after PostgreSQL restarted", async () => (await getJson(`${watched.url}/readyz`)).status === 200);

      // THEN each request failed and was counted, but the outage is two log lines, not one per request
      expect(answers).toEqual(Array(N).fill(503));
      expect(counted).toBe(N);
      const access = (line: Record<string, unknown>) => line.msg === "request" || line.msg === "request failed";
      const outage = logs.lines.slice(mark).filter((line) => !access(line));
      expect(outage.map((line) => [line.level, line.msg])).toEqual([
        [40, "postgres: unavailable"],
        [30, "postgres: available again"],
      ]);
      expect(logs.lines.slice(mark).filter(access).every((line) => line.err === undefined)).toBe(true);
    } finally {
      await watched.stop();
    }
  });
});
