import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/databases";
import { sleep, waitFor } from "../../test/support/net";
import { startRedis, type RedisServer } from "../../test/support/redis";
import { HEADERS_TIMEOUT_MAX_MS, REQUEST_TIMEOUT_MAX_MS, requestTimeouts } from "../src/shutdown";
import { getJson, migrated, startApi, TEST_WRITE_TOKEN } from "./helpers";

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

  it("ends requests that stall while being sent (headers or body), so shutdown still exits 0 after the drain", async () => {
    const api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, SHUTDOWN_DRAIN_MS: "200", SHUTDOWN_TIMEOUT_MS: "4000" });
    const stall = async (partial: string) => {
      const socket: Socket = connect(Number(new URL(api.url).port), "127.0.0.1");
      await once(socket, "connect");
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
      socket.on("error", () => undefined);
      const closed = once(socket, "close").then(() => received);
      socket.write(partial);
      return { socket, closed };
    };
    const midBody = await stall(`POST /quotes HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${TEST_WRITE_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{"text": "sl`);
    const midHeaders = await stall("POST /quotes HTTP/1.1\r\nHost: api\r\nContent-Type: appl");
    try {
      // WHEN shutdown starts while both clients hold their requests open
      void api.shutdown("SIGTERM");
      await waitFor("shutdown to finish", async () => api.exits.length > 0, 300, 50);

      // THEN the requests timed out (408, connection closed) and shutdown finished inside its budget
      expect(api.exits).toEqual([0]);
      expect(await midBody.closed).toMatch(/^HTTP\/1\.1 408 /);
      expect(await midHeaders.closed).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      midBody.socket.destroy();
      midHeaders.socket.destroy();
    }
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

describe("request timeouts", () => {
  it.each([
    [5_000, 25_000],
    [0, 25_000],
    [1_500, 20_000],
    [200, 4_000],
    [0, 300],
    [10, 20],
  ])("cut a request still arriving when the listener closes (drain %i ms) before the hard timeout (%i ms)", (drainMs, timeoutMs) => {
    const t = requestTimeouts(drainMs, timeoutMs);
    // a request that began just before the listener closed is cut by then, with time left over for handlers
    expect(drainMs + t.requestTimeoutMs + t.checkIntervalMs).toBeLessThan(timeoutMs);
    expect(t.requestTimeoutMs).toBeLessThanOrEqual(REQUEST_TIMEOUT_MAX_MS);
    expect(t.headersTimeoutMs).toBeLessThanOrEqual(Math.min(t.requestTimeoutMs, HEADERS_TIMEOUT_MAX_MS));
    expect(Math.min(t.requestTimeoutMs, t.headersTimeoutMs, t.checkIntervalMs)).toBeGreaterThan(0);
  });

  it("also cut a stalled client while the service runs, and keep serving others", async () => {
    const api = await startApi({ POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, SHUTDOWN_DRAIN_MS: "0", SHUTDOWN_TIMEOUT_MS: "2000" });
    const socket = connect(Number(new URL(api.url).port), "127.0.0.1");
    try {
      await once(socket, "connect");
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
      socket.on("error", () => undefined);
      const started = performance.now();
      socket.write(`POST /quotes HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${TEST_WRITE_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{"te`);
      await Promise.race([once(socket, "close"), sleep(5_000)]);
      const { requestTimeoutMs } = requestTimeouts(0, 2000);
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(performance.now() - started).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
      expect((await getJson(`${api.url}/healthz`)).status).toBe(200);
    } finally {
      socket.destroy();
      await api.stop();
    }
  });

  it("are 10 s for the request and 5 s for the headers with the default shutdown (drain 5 s, timeout 25 s)", () => {
    expect(requestTimeouts(5_000, 25_000)).toEqual({ requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, checkIntervalMs: 1_000 });
  });
});
