/** Test helpers for qod-api: a migrated database, a private Redis, the service in-process. */
import { Pool } from "pg";
import type { Clock } from "../src/clock";
import { loadConfig } from "../src/config";
import { migrate } from "../src/migrations";
import { startService, type RunningService } from "../src/server";

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

/** The service in-process on a free port, with the given clock; `stop()` runs the real shutdown. */
export async function startApi(env: Record<string, string>, clock?: Clock): Promise<TestApi> {
  const exits: number[] = [];
  const config = loadConfig({ HOST: "127.0.0.1", LOG_LEVEL: "silent", SHUTDOWN_DRAIN_MS: "0", ...env });
  const service = await startService({ ...config, port: 0 }, { clock, exit: (code) => exits.push(code) });
  return {
    ...service,
    exits,
    async stop() {
      await service.shutdown("test");
    },
  };
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

export function postJson(url: string, body: unknown): ReturnType<typeof getJson> {
  return getJson(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
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
