import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../test/support/net";
import { createDatabase, startPostgres, type PostgresServer } from "../../test/support/postgres";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { getJson, migrated, sample, startApi, testClock, type TestApi } from "./helpers";

// GIVEN a PostgreSQL and a Redis of this file's own, so they can be hung (SIGSTOP: the process is
// there, its connections stay open, nothing answers) and let go again
let postgres: PostgresServer;
let redis: RedisServer;
let api: TestApi;
const clock = testClock("2033-03-01T09:00:00Z");

beforeAll(async () => {
  postgres = await startPostgres();
  const postgresUrl = await createDatabase(postgres.url(), "qod_hung");
  await migrated(postgresUrl);
  redis = await startRedis();
  api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url }, clock);
});

afterAll(async () => {
  await api?.stop();
  await redis?.stop();
  await postgres?.stop();
});

/** The answer and how long it took, in ms. */
async function timed<T>(call: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = performance.now();
  const answer = await call();
  return { answer, ms: performance.now() - started };
}

const readyz = () => getJson(`${api.url}/readyz`);
const metrics = async () => (await getJson(`${api.metricsUrl}/metrics`)).body as string;
/** /qod on a day nothing has cached yet, so the lookup really goes to Redis. */
let day = 1;
const qodOfANewDay = () => {
  clock.set(new Date(Date.UTC(2033, 3, day++, 9)).toISOString());
  return getJson(`${api.url}/qod`);
};

// /readyz should answer within READINESS_TIMEOUT_MS (300 ms) and the workloads' probe waits 2 s
// (API_READINESS_PROBE_TIMEOUT_SECONDS): the bound asserted here is between the two, with margin.
const PROBE_BOUND_MS = 1_000;

describe("with Redis hung", () => {
  it("reports redis as timed out from /readyz within the bound, and stays ready", async () => {
    await waitFor("the service to connect to Redis", async () => (await readyz()).body.checks?.redis === "ok");
    redis.pause();
    try {
      const { answer, ms } = await timed(readyz);
      expect(answer).toMatchObject({ status: 200, body: { status: "ready", checks: { postgres: "ok", redis: "timeout" } } });
      expect(ms).toBeLessThan(PROBE_BOUND_MS);
    } finally {
      redis.resume();
    }
    await waitFor("redis answering again", async () => (await readyz()).body.checks?.redis === "ok");
  });

  it("lets /qod stop waiting on it after the first timeout, and uses it again once it answers", async () => {
    expect((await qodOfANewDay()).status).toBe(200);
    redis.pause();
    try {
      const first = await qodOfANewDay();
      const failuresAfterFirst = sample(await metrics(), "qod_api_dependency_failures_total", { dependency: "redis" });
      const { answer: next, ms } = await timed(async () => {
        const answers = [];
        for (let i = 0; i < 5; i++) answers.push(await qodOfANewDay());
        return answers;
      });

      expect([first, ...next].map((r) => [r.status, r.headers.get("x-cache")])).toEqual(Array(6).fill([200, "miss"]));
      // no further call went to the hung Redis: five lookups, one after the other, took less than two command timeouts (500 ms each)
      expect(sample(await metrics(), "qod_api_dependency_failures_total", { dependency: "redis" })).toBe(failuresAfterFirst);
      expect(ms).toBeLessThan(PROBE_BOUND_MS);
    } finally {
      redis.resume();
    }
    await waitFor("redis answering again", async () => (await readyz()).body.checks?.redis === "ok");
    const again = await qodOfANewDay();
    clock.set(new Date(Date.UTC(2033, 3, day - 1, 10)).toISOString());
    const cached = await getJson(`${api.url}/qod`);
    expect([again.headers.get("x-cache"), cached.headers.get("x-cache")]).toEqual(["miss", "hit"]);
  });
});

describe("with PostgreSQL hung", () => {
  it("fails readiness within the bound, reporting postgres as timed out, and recovers when it answers again", async () => {
    expect((await getJson(`${api.url}/quotes?limit=1`)).status).toBe(200); // a pooled connection to hang on
    postgres.pause();
    try {
      const first = await timed(readyz);
      const second = await timed(readyz);
      for (const { answer, ms } of [first, second]) {
        expect(answer).toMatchObject({ status: 503, body: { status: "not_ready", checks: { postgres: "timeout", redis: "ok" } } });
        expect(ms).toBeLessThan(PROBE_BOUND_MS);
      }
    } finally {
      postgres.resume();
    }
    await waitFor("readiness after PostgreSQL answers again", async () => (await readyz()).status === 200);
  });
});
