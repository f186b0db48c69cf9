import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/databases";
import { waitFor } from "../../test/support/net";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { getJson, migrated, startApi } from "./helpers";

// GIVEN a migrated database, a Redis, and a second connection that can lock the quotes table so
// a request is provably in flight (waiting on PostgreSQL) when shutdown begins
let postgresUrl: string;
let redis: RedisServer;
let locker: Client;
let observer: Client; // pg_stat_activity is a snapshot per transaction: observe from outside the locker's

beforeAll(async () => {
  postgresUrl = await freshDatabase();
  await migrated(postgresUrl);
  redis = await startRedis();
  locker = new Client({ connectionString: postgresUrl });
  await locker.connect();
  observer = new Client({ connectionString: postgresUrl });
  await observer.connect();
});

afterAll(async () => {
  await locker?.end();
  await observer?.end();
  await redis?.stop();
});

/** Locks the quotes table; the returned function releases it. */
async function lockQuotes(): Promise<() => Promise<void>> {
  await locker.query("BEGIN");
  await locker.query("LOCK TABLE quotes IN ACCESS EXCLUSIVE MODE");
  return async () => {
    await locker.query("COMMIT");
  };
}

/** Resolves once a qod-api query is waiting for the table lock. */
async function requestIsWaitingOnTheLock(): Promise<void> {
  await waitFor("a request blocked on the quotes lock", async () => {
    const { rows } = await observer.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'qod-api' AND wait_event_type = 'Lock'",
    );
    return rows[0].n > 0;
  });
}

/** True when a new TCP connection to the service (or its metrics listener) is refused. */
async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch {
    return true;
  }
}

describe("graceful shutdown", () => {
  it("fails readiness first, finishes the in-flight request after the listener closed, closes the pools and exits 0", async () => {
    const api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, SHUTDOWN_DRAIN_MS: "1500", SHUTDOWN_TIMEOUT_MS: "60000" });
    const release = await lockQuotes();
    const inFlight = getJson(`${api.url}/quotes?limit=3`);
    await requestIsWaitingOnTheLock();

    // WHEN shutdown starts
    const done = api.shutdown("SIGTERM");
    const readyDuringDrain = await getJson(`${api.url}/readyz`);
    const liveDuringDrain = await getJson(`${api.url}/healthz`);
    const metricsDuringDrain = await getJson(`${api.metricsUrl}/metrics`);
    await waitFor("the listener to close", () => refusesConnections(api.url));
    await release();

    // THEN
    const answered = await inFlight;
    await done;
    expect(readyDuringDrain).toMatchObject({ status: 503, body: { status: "shutting_down" } });
    expect(liveDuringDrain.status).toBe(200);
    expect(metricsDuringDrain.status).toBe(200);
    expect(await refusesConnections(api.metricsUrl)).toBe(true);
    expect(answered.status).toBe(200);
    expect(answered.body.items).toHaveLength(3);
    expect(api.exits).toEqual([0]);
    const { rows } = await observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'qod-api'");
    expect(rows[0].n).toBe(0);
  });

  it("exits 1 at SHUTDOWN_TIMEOUT_MS when a request never finishes, instead of outliving the grace period", async () => {
    const api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, SHUTDOWN_DRAIN_MS: "0", SHUTDOWN_TIMEOUT_MS: "300" });
    const release = await lockQuotes();
    const inFlight = getJson(`${api.url}/quotes`).catch(() => undefined);
    await requestIsWaitingOnTheLock();
    try {
      void api.shutdown("SIGTERM");
      await waitFor("the hard timeout", async () => api.exits.length > 0);
      expect(api.exits).toEqual([1]);
    } finally {
      await release();
      await inFlight;
    }
  });
});
