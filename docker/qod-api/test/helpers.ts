/** Test helpers for qod-api: a migrated database, a private Redis, the service in-process. */
import { connect } from "node:net";
import { Pool } from "pg";
import { freshDatabase } from "../../test/support/databases";
import { startRedis, type RedisServer } from "../../test/support/redis";
import type { Clock } from "../src/clock";
import { loadConfig } from "../src/config";
import { migrate } from "../src/migrations";
import { startService, type RunningService, type StartOptions } from "../src/server";

/** A settable clock: tests move it between days. */
export function testClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  const clock = () => new Date(now);
  return Object.assign(clock, {
    set(next: string) {
      now = new Date(next);
    },
  });
}

export async function migrated(postgresUrl: string): Promise<void> {
  const pool = new Pool({ connectionString: postgresUrl, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

export interface TestApi extends RunningService {
  /** The exit codes the shutdown sequence asked for. */
  readonly exits: number[];
  stop(): Promise<void>;
}

/** The write token every test api gets unless a test sets its own `WRITE_TOKEN` (test-only). */
export const TEST_WRITE_TOKEN = "test-only-write-token-0123456789-abcdefghijklmnop";

/**
 * Write limits high enough that tests which are not about rate limiting never meet them; the
 * rate-limit tests set their own.
 */
const GENEROUS_WRITE_LIMITS = {
  WRITE_RATE_PER_MINUTE: "100000",
  WRITE_BURST: "10000",
  WRITE_GLOBAL_RATE_PER_MINUTE: "100000",
  WRITE_GLOBAL_BURST: "10000",
};

/** The service in-process on a free port, with the given clock; `stop()` runs the real shutdown. */
export async function startApi(env: Record<string, string>, clock?: Clock, options: Pick<StartOptions, "logDestination"> = {}): Promise<TestApi> {
  const exits: number[] = [];
  const config = loadConfig({
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    SHUTDOWN_DRAIN_MS: "0",
    WRITE_TOKEN: TEST_WRITE_TOKEN,
    ...GENEROUS_WRITE_LIMITS,
    ...env,
  });
  // Both listeners on free ports: `url` and `metricsUrl` report where they ended up.
  const service = await startService({ ...config, port: 0, metricsPort: 0 }, { ...options, clock, exit: (code) => exits.push(code) });
  return {
    ...service,
    exits,
    async stop() {
      await service.shutdown("test");
    },
  };
}

/** A log destination that keeps the service's log lines: pass `destination` to startApi, read `lines`. */
export function capturedLogs(): { readonly destination: { write(line: string): void }; readonly lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { destination: { write: (line) => void lines.push(JSON.parse(line)) }, lines };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/** POST a JSON body with `Authorization: Bearer <token>` (the test token unless given; `null`: no header). */
export function postJson(url: string, body: unknown, token: string | null = TEST_WRITE_TOKEN, headers: Record<string, string> = {}): ReturnType<typeof getJson> {
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return getJson(url, { method: "POST", headers: { "content-type": "application/json", ...auth, ...headers }, body: JSON.stringify(body) });
}

/** The value of one sample of `name{labels}` in a Prometheus text exposition (0 when absent). */
export function sample(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends `bytes` as they are over a fresh TCP connection to `url`'s host and port and reads the
 * answer until the server closes the connection (fetch would refuse or normalize what these
 * requests send: malformed request lines, oversized headers, raw `%`).
 */
export function rawRequest(url: string, bytes: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer within 10 s to ${JSON.stringify(bytes.slice(0, 40))}`)));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", (error) => (chunks.length > 0 ? finish() : reject(error)));
    socket.on("close", () => finish());
    socket.on("connect", () => socket.write(bytes));
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      const [head, ...rest] = text.split("\r\n\r\n");
      const [statusLine, ...headerLines] = head.split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      resolve({ status, headers, body: rest.join("\r\n\r\n") });
    }
  });
}

/** What most test files run the api on: a fresh migrated database, a private Redis, and a pool to look at the quotes table. */
export interface TestBackends {
  readonly postgresUrl: string;
  readonly redis: RedisServer;
  readonly pool: Pool;
  /** Rows in `quotes` now (to prove a rejected request wrote nothing). */
  quoteCount(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBackends(): Promise<TestBackends> {
  const postgresUrl = await freshDatabase();
  await migrated(postgresUrl);
  const redis = await startRedis();
  const pool = new Pool({ connectionString: postgresUrl, max: 2 });
  return {
    postgresUrl,
    redis,
    pool,
    quoteCount: async () => Number((await pool.query("SELECT count(*) AS n FROM quotes")).rows[0].n),
    async stop() {
      await pool.end();
      await redis.stop();
    },
  };
}
