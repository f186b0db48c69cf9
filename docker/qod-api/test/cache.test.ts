import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RedisQodCache } from "../src/cache";
import type { Quote } from "../src/quotes";
import { startRedis, type RedisServer } from "../../test/support/redis";

// GIVEN a private Redis and two caches on it, as two replicas of the api would have
let redis: RedisServer;
let clientA: Redis;
let clientB: Redis;
const errors: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  clientA = new Redis(redis.url);
  clientB = new Redis(redis.url);
  await Promise.all([clientA.ping(), clientB.ping()]);
});

afterAll(async () => {
  clientA?.disconnect();
  clientB?.disconnect();
  await redis?.stop();
});

beforeEach(async () => {
  await clientA.flushall();
  errors.length = 0;
});

const cache = (client: Redis) => new RedisQodCache(client, (error, operation) => errors.push(`${operation}: ${String(error)}`));
const quote = (id: number, text: string): Quote => ({ id, text, author: "Test", createdAt: "2030-01-01T00:00:00.000Z" });

describe("RedisQodCache.set", () => {
  it("stores the quote when the day has none and answers it", async () => {
    const stored = await cache(clientA).set("2031-01-01", quote(1, "first"), 60_000);

    expect(stored).toEqual(quote(1, "first"));
    expect(await cache(clientB).get("2031-01-01")).toEqual({ status: "hit", quote: quote(1, "first") });
    expect(await clientA.pttl("qod:day:2031-01-01")).toBeGreaterThan(59_000);
  });

  it("never replaces the quote another replica stored first, and answers that one", async () => {
    // WHEN replica A stores its answer first and replica B, which computed a different one, comes second
    await cache(clientA).set("2031-01-02", quote(1, "first writer"), 60_000);
    const storedByB = await cache(clientB).set("2031-01-02", quote(2, "second writer"), 60_000);

    // THEN B adopts A's answer and Redis still holds it
    expect(storedByB).toEqual(quote(1, "first writer"));
    expect(await cache(clientA).get("2031-01-02")).toEqual({ status: "hit", quote: quote(1, "first writer") });
    expect(errors).toEqual([]);
  });

  it("answers null (nothing stored) when Redis is not connected", async () => {
    const offline = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false });
    try {
      expect(await cache(offline).set("2031-01-03", quote(1, "x"), 60_000)).toBeNull();
      expect(await clientA.exists("qod:day:2031-01-03")).toBe(0);
    } finally {
      offline.disconnect();
    }
  });
});
