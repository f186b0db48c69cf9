import { Redis } from "ioredis";
import { Pool } from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEED_QUOTES } from "../src/seed-quotes";
import { freshDatabase } from "../../test/support/databases";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { getJson, migrated, postJson, sample, startApi, testClock, type TestApi } from "./helpers";

// GIVEN a migrated database with the seed quotes, a private Redis and the service with a test clock
let redis: RedisServer;
let api: TestApi;
/** A second replica on the same PostgreSQL and Redis. */
let other: TestApi;
let pool: Pool;
let redisClient: Redis;
const clock = testClock("2031-03-14T00:00:01Z");

beforeAll(async () => {
  const postgresUrl = await freshDatabase();
  await migrated(postgresUrl);
  redis = await startRedis();
  api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url }, clock);
  other = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url }, clock);
  pool = new Pool({ connectionString: postgresUrl, max: 2 });
  redisClient = new Redis(redis.url);
});

afterAll(async () => {
  await api?.stop();
  await other?.stop();
  await pool?.end();
  redisClient?.disconnect();
  await redis?.stop();
});

beforeEach(async () => {
  await redisClient.flushall();
});

const qod = () => getJson(`${api.url}/qod`);
const qodOf = (instance: TestApi) => getJson(`${instance.url}/qod`);
const metricsOf = async (instance: TestApi) => (await getJson(`${instance.metricsUrl}/metrics`)).body as string;

/** How many GET and SET commands Redis has executed (from any client) since it started. */
async function redisReadsAndWrites(): Promise<number> {
  const stats = await redisClient.info("commandstats");
  const calls = (command: string) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(stats)?.[1] ?? 0);
  return calls("get") + calls("set");
}

describe("GET /qod", () => {
  it("is the same quote all UTC day and a different one the next day", async () => {
    clock.set("2031-03-14T00:00:01Z");
    const morning = await qod();
    await redisClient.flushall(); // no cache: the database alone must agree (a replica that has not served the day yet)
    clock.set("2031-03-14T23:59:59.999Z");
    const night = await qodOf(other);
    clock.set("2031-03-15T00:00:00Z");
    const nextDay = await qod();

    expect(morning.status).toBe(200);
    expect(morning.body.date).toBe("2031-03-14");
    expect(night.headers.get("x-cache")).toBe("miss");
    expect(night.body).toEqual(morning.body);
    expect(nextDay.body.date).toBe("2031-03-15");
    expect(nextDay.body.quote.text).not.toBe(morning.body.quote.text);
    expect(SEED_QUOTES.map((q) => q.text)).toContain(morning.body.quote.text);
  });

  it("stores the day's quote in Redis until the end of the UTC day; another replica's first call is a Redis hit", async () => {
    clock.set("2031-03-21T18:00:00Z");
    const before = sample(await metricsOf(other), "qod_api_cache_hits_total", { layer: "redis" });

    const first = await qod();
    const fromOtherReplica = await qodOf(other);

    expect(first.headers.get("x-cache")).toBe("miss");
    expect(fromOtherReplica.headers.get("x-cache")).toBe("hit");
    expect(fromOtherReplica.body).toEqual(first.body);
    const ttlMs = await redisClient.pttl("qod:day:2031-03-21");
    expect(ttlMs).toBeGreaterThan(5 * 60 * 60 * 1000 - 60_000);
    expect(ttlMs).toBeLessThanOrEqual(6 * 60 * 60 * 1000);
    const after = sample(await metricsOf(other), "qod_api_cache_hits_total", { layer: "redis" });
    expect(after - before).toBe(1);
  });

  it("answers repeat calls of the day from the process-local copy, without a Redis command", async () => {
    clock.set("2031-03-16T12:00:00Z");
    const first = await qod();
    const memoryHitsBefore = sample(await metricsOf(api), "qod_api_cache_hits_total", { layer: "memory" });
    const redisBefore = await redisReadsAndWrites();

    const repeats = await Promise.all(Array.from({ length: 20 }, () => qod()));

    expect(await redisReadsAndWrites()).toBe(redisBefore);
    for (const repeat of repeats) {
      expect(repeat.headers.get("x-cache")).toBe("local");
      expect(repeat.body).toEqual(first.body);
    }
    expect(sample(await metricsOf(api), "qod_api_cache_hits_total", { layer: "memory" }) - memoryHitsBefore).toBe(20);
  });

  it("drops the local copy at the end of the UTC day: the next day's first call asks Redis and PostgreSQL", async () => {
    clock.set("2031-03-17T23:59:59.000Z");
    const evening = await qod();
    clock.set("2031-03-17T23:59:59.999Z");
    const lastMillisecond = await qod();
    clock.set("2031-03-18T00:00:00.000Z");
    const midnight = await qod();
    const afterMidnight = await qod();

    expect(lastMillisecond.headers.get("x-cache")).toBe("local");
    expect(lastMillisecond.body).toEqual(evening.body);
    expect(midnight.headers.get("x-cache")).toBe("miss");
    expect(midnight.body.date).toBe("2031-03-18");
    expect(midnight.body.quote.text).not.toBe(evening.body.quote.text);
    expect(JSON.parse((await redisClient.get("qod:day:2031-03-18")) ?? "null")).toEqual(midnight.body.quote);
    expect(afterMidnight.headers.get("x-cache")).toBe("local");
    expect(afterMidnight.body).toEqual(midnight.body);
  });

  it("serves what Redis holds: a replica's local copy follows Redis within a second", async () => {
    // GIVEN both replicas serve the day from their local copies
    clock.set("2031-03-19T09:00:00.000Z");
    const served = await qod();
    await qodOf(other);
    // WHEN Redis comes to hold another answer for the day (the first writer after a Redis restart won)
    const stored = { ...served.body.quote, id: 999_999, text: "The answer Redis holds." };
    await redisClient.set("qod:day:2031-03-19", JSON.stringify(stored), "PX", 60_000);

    clock.set("2031-03-19T09:00:00.500Z");
    const withinTheSecond = await qod();
    clock.set("2031-03-19T09:00:01.000Z");
    const rechecked = await qod();
    const otherReplica = await qodOf(other);
    const afterwards = await qod();

    expect(withinTheSecond.headers.get("x-cache")).toBe("local");
    expect(withinTheSecond.body).toEqual(served.body);
    expect(rechecked.headers.get("x-cache")).toBe("hit");
    expect(rechecked.body.quote).toEqual(stored);
    expect(otherReplica.body).toEqual(rechecked.body);
    expect(afterwards.headers.get("x-cache")).toBe("local");
    expect(afterwards.body).toEqual(rechecked.body);
  });

  it("is not changed by quotes added during the day, even without the cache", async () => {
    clock.set("2031-03-20T08:00:00Z");
    const before = await qod();
    for (let i = 0; i < 3; i++) {
      expect((await postJson(`${api.url}/quotes`, { text: `Added on the day, number ${i}.`, author: "Test" })).status).toBe(201);
    }
    await redisClient.flushall();

    const after = await qodOf(other); // a replica without a copy of the day: PostgreSQL answers

    expect(after.headers.get("x-cache")).toBe("miss");
    expect(after.body).toEqual(before.body);
  });

  it("visits every seed quote over as many consecutive days as there are quotes", async () => {
    const seen = new Set<string>();
    for (let day = 0; day < SEED_QUOTES.length; day++) {
      clock.set(new Date(Date.UTC(2030, 0, 1 + day, 12)).toISOString());
      seen.add((await qod()).body.quote.text);
    }
    expect(seen.size).toBe(SEED_QUOTES.length);
  });
});

describe("GET /metrics", () => {
  it("exposes the request histogram by route and status, cache counters and pool usage", async () => {
    clock.set("2031-04-01T10:00:00Z");
    await qod();
    await qod();
    await getJson(`${api.url}/nope`);

    const { status, headers, body } = await getJson(`${api.metricsUrl}/metrics`);

    expect(status).toBe(200);
    expect(headers.get("content-type")).toContain("text/plain");
    expect(sample(body, "qod_api_http_request_duration_seconds_count", { method: "GET", route: "/qod", status_code: "200" })).toBeGreaterThanOrEqual(2);
    expect(sample(body, "qod_api_http_request_duration_seconds_count", { route: "unmatched", status_code: "404" })).toBeGreaterThanOrEqual(1);
    expect(sample(body, "qod_api_cache_hits_total", { layer: "memory" })).toBeGreaterThanOrEqual(1);
    expect(body).toMatch(/^qod_api_cache_hits_total\{layer="redis"\} \d+$/m);
    expect(sample(body, "qod_api_cache_misses_total", { reason: "absent" })).toBeGreaterThanOrEqual(1);
    expect(sample(body, "qod_api_db_pool_connections", { state: "max" })).toBe(10);
    expect(sample(body, "qod_api_db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
    expect(body).toMatch(/^qod_api_db_pool_connections\{state="waiting"\} \d+$/m);
    expect(body).toMatch(/^qod_api_process_resident_memory_bytes \d+/m);
  });
});

describe("GET /healthz and /readyz", () => {
  it("are 200 while PostgreSQL and Redis are up", async () => {
    expect(await getJson(`${api.url}/healthz`)).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await getJson(`${api.url}/readyz`)).toMatchObject({
      status: 200,
      body: { status: "ready", checks: { postgres: "ok", redis: "ok" } },
    });
  });
});

describe("an empty quotes table", () => {
  it("gives 404 JSON from /qod instead of an error", async () => {
    // GIVEN a second, empty database (migrated, seed removed)
    const url = await freshDatabase();
    await migrated(url);
    const emptyPool = new Pool({ connectionString: url, max: 1 });
    await emptyPool.query("DELETE FROM quotes");
    await emptyPool.end();
    const emptyApi = await startApi({ POSTGRES_URL: url, REDIS_URL: redis.url }, testClock("2031-05-05T05:05:05Z"));
    try {
      expect(await getJson(`${emptyApi.url}/qod`)).toMatchObject({ status: 404, body: { error: "no_quotes" } });
    } finally {
      await emptyApi.stop();
    }
  });
});
