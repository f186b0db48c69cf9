/**
 * `pnpm bench:api`: GET /qod with a warm cache vs a bare node:http server answering the same bytes,
 * in one run, on loopback, with autocannon. Starts its own PostgreSQL and Redis (as the tests do),
 * runs the api exactly as the image does (`node dist/main.js serve`, production log level), and
 * prints requests/second, p99 latency and the ratio. Writes .out/bench-api.json.
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 10).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { Pool } from "pg";
import { migrate } from "../src/migrations";
import { API_DIR, REPO_ROOT, buildServices } from "../../test/support/build";
import { freePort } from "../../test/support/net";
import { createDatabase, startPostgres } from "../../test/support/postgres";
import { startChild, waitUntilServing, type Child } from "../../test/support/processes";
import { startRedis } from "../../test/support/redis";

interface Figures {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly p50Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new Error(`${name}: got ${JSON.stringify(raw)}; allowed: an integer from 1 to 600`);
  return n;
}

async function load(url: string, seconds: number, connections: number): Promise<Figures> {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p99Ms: result.latency.p99,
    p50Ms: result.latency.p50,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The bare server: node:http answering a constant, the same bytes /qod answered. */
function bareServer(port: number, body: string): Child {
  const script = `require("node:http").createServer((req, res) => { res.writeHead(200, { "content-type": "application/json; charset=utf-8" }); res.end(${JSON.stringify(body)}); }).listen(${port}, "127.0.0.1");`;
  return startChild(["node", "-e", script], REPO_ROOT, {}, true);
}

async function main(): Promise<void> {
  const seconds = positiveInt("BENCH_SECONDS", 10);
  const connections = positiveInt("BENCH_CONNECTIONS", 10);
  process.stdout.write(`bench:api: building, starting PostgreSQL and Redis (${seconds}s per run, ${connections} connections)\n`);
  await buildServices();
  const postgres = await startPostgres();
  const redis = await startRedis();
  const children: Child[] = [];
  try {
    const postgresUrl = await createDatabase(postgres.url(), "qod_bench");
    const pool = new Pool({ connectionString: postgresUrl, max: 1 });
    await migrate(pool);
    await pool.end();

    const apiPort = await freePort();
    const api = startChild(["node", "dist/main.js", "serve"], API_DIR, { POSTGRES_URL: postgresUrl, REDIS_URL: redis.url, PORT: String(apiPort), METRICS_PORT: String(await freePort()), HOST: "127.0.0.1", SHUTDOWN_DRAIN_MS: "0" }, true);
    children.push(api);
    const qodUrl = `http://127.0.0.1:${apiPort}/qod`;
    await waitUntilServing(api, `http://127.0.0.1:${apiPort}/readyz`);
    await fetch(qodUrl).then((r) => r.text()); // fills the cache
    const warm = await fetch(qodUrl);
    const body = await warm.text();
    if (warm.headers.get("x-cache") !== "hit") throw new Error(`cache not warm: x-cache ${warm.headers.get("x-cache")}`);

    const barePort = await freePort();
    const bare = bareServer(barePort, body);
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    await waitUntilServing(bare, bareUrl);

    // A short warm-up of each (JIT, connection pools), then the measured runs.
    await load(qodUrl, 2, connections);
    await load(bareUrl, 2, connections);
    const qod = await load(qodUrl, seconds, connections);
    const node = await load(bareUrl, seconds, connections);
    const ratio = qod.requestsPerSecond / node.requestsPerSecond;

    // autocannon reports whole milliseconds: 0 means under one.
    const ms = (value: number) => (value === 0 ? "<1 ms" : `${value} ms`).padStart(6);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(28)} ${String(f.requestsPerSecond).padStart(8)} req/s   p50 ${ms(f.p50Ms)}   p99 ${ms(f.p99Ms)}   (${f.requests} requests, ${f.non2xx} non-2xx, ${f.errors} errors)`;
    process.stdout.write(
      [
        "",
        row("GET /qod (warm cache)", qod),
        row("bare node:http (constant)", node),
        `ratio /qod ÷ bare: ${(ratio * 100).toFixed(1)}% of the bare server's throughput; p99 ${ms(qod.p99Ms).trim()} vs ${ms(node.p99Ms).trim()}`,
        "",
      ].join("\n"),
    );
    mkdirSync(join(REPO_ROOT, ".out"), { recursive: true });
    writeFileSync(
      join(REPO_ROOT, ".out/bench-api.json"),
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, seconds, connections, qod, bare: node, ratio }, null, 2)}\n`,
    );
    if (qod.non2xx + qod.errors + node.non2xx + node.errors > 0) throw new Error("some requests failed during the benchmark");
  } finally {
    for (const child of children) await child.kill();
    await redis.stop();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
