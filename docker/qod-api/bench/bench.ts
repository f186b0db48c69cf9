/**
 * `npm run bench:api`: GET /qod with a warm cache vs a bare node:http server answering the same
 * bytes, on loopback, with autocannon. Starts its own PostgreSQL and Redis (as the tests do), runs
 * the api exactly as the image does (`node dist/main.js serve`, production log level), and measures
 * in rounds, each the api then the bare server for BENCH_SECONDS, so that both see the same load
 * from whatever else runs on the machine; the ratio is the median of the rounds' ratios. Prints
 * requests/second, p50/p99 latency, the ratio and the budget verdicts; writes .out/bench-api.json.
 * Budgets (`BUDGETS`, reported, never asserted by a test): ratio >= 0.5 and p99 < 20 ms at 100
 * connections. A missed budget exits 1 only with BENCH_STRICT=1; failed requests always do.
 * Env: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 100).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { Pool } from "pg";
import { migrate } from "../src/migrations";
import { API_DIR, REPO_ROOT, buildServices } from "../../test/support/build";
import { freePort } from "../../test/support/net";
import { createDatabase, startPostgres } from "../../test/support/postgres";
import { startChild, waitUntilServing, type Child } from "../../test/support/processes";
import { startRedis } from "../../test/support/redis";

/** What each run is judged against: the api's share of the bare server's throughput, and its p99. */
export const BUDGETS = { minRatio: 0.5, maxP99Ms: 20 } as const;

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

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The median of each figure over the rounds. */
function medianOf(rounds: readonly Figures[]): Figures {
  const of = (key: keyof Figures) => median(rounds.map((f) => f[key]));
  return {
    requestsPerSecond: Math.round(of("requestsPerSecond")),
    p99Ms: of("p99Ms"),
    p50Ms: of("p50Ms"),
    requests: rounds.reduce((sum, f) => sum + f.requests, 0),
    non2xx: rounds.reduce((sum, f) => sum + f.non2xx, 0),
    errors: rounds.reduce((sum, f) => sum + f.errors, 0),
  };
}

async function main(): Promise<void> {
  const seconds = positiveInt("BENCH_SECONDS", 5);
  const rounds = positiveInt("BENCH_ROUNDS", 3);
  const connections = positiveInt("BENCH_CONNECTIONS", 100);
  const strictRaw = process.env.BENCH_STRICT ?? "";
  if (!["", "0", "1"].includes(strictRaw)) throw new Error(`BENCH_STRICT: got ${JSON.stringify(strictRaw)}; allowed: 1 (a missed budget fails) or 0/unset (reported only)`);
  const strict = strictRaw === "1";
  process.stdout.write(`bench:api: building, starting PostgreSQL and Redis (${rounds} rounds of ${seconds} s each, ${connections} connections, ${cpus().length} cores)\n`);
  await buildServices();
  const postgres = await startPostgres();
  const redis = await startRedis();
  const children: Child[] = [];
  let missed: string[] = [];
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
    await fetch(qodUrl).then((r) => r.text()); // fills Redis and the process-local copy
    // The fill completes after the first response is sent, so a second request can still miss
    // (seen once in CI): ask again, up to 2 s, before calling the cache cold.
    let warm = await fetch(qodUrl);
    let body = await warm.text();
    let cache = warm.headers.get("x-cache");
    for (let attempt = 1; attempt < 20 && cache !== "local" && cache !== "hit"; attempt++) {
      await new Promise((done) => setTimeout(done, 100));
      warm = await fetch(qodUrl);
      body = await warm.text();
      cache = warm.headers.get("x-cache");
    }
    if (cache !== "local" && cache !== "hit") throw new Error(`cache not warm after 20 requests over 2 s: x-cache ${cache}`);

    const barePort = await freePort();
    const bare = bareServer(barePort, body);
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    await waitUntilServing(bare, bareUrl);

    // A short warm-up of each (JIT, connection pools), then the measured rounds.
    await load(qodUrl, 2, connections);
    await load(bareUrl, 2, connections);
    const qodRounds: Figures[] = [];
    const bareRounds: Figures[] = [];
    for (let i = 0; i < rounds; i++) {
      qodRounds.push(await load(qodUrl, seconds, connections));
      bareRounds.push(await load(bareUrl, seconds, connections));
      const r = qodRounds[i].requestsPerSecond / bareRounds[i].requestsPerSecond;
      process.stdout.write(`  round ${i + 1}/${rounds}: /qod ${qodRounds[i].requestsPerSecond} req/s, bare ${bareRounds[i].requestsPerSecond} req/s, ratio ${(r * 100).toFixed(1)}%\n`);
    }
    const ratios = qodRounds.map((q, i) => q.requestsPerSecond / bareRounds[i].requestsPerSecond);
    const ratio = median(ratios);
    const qod = medianOf(qodRounds);
    const node = medianOf(bareRounds);

    // The budgets are set for 100 connections; with another count they are reported, not judged.
    const judged = connections === 100;
    const budget = {
      ratio: { min: BUDGETS.minRatio, ok: ratio >= BUDGETS.minRatio },
      p99Ms: { max: BUDGETS.maxP99Ms, ok: qod.p99Ms < BUDGETS.maxP99Ms },
    };
    missed = judged
      ? [
          ...(budget.ratio.ok ? [] : [`ratio ${(ratio * 100).toFixed(1)}% < ${BUDGETS.minRatio * 100}%`]),
          ...(budget.p99Ms.ok ? [] : [`p99 ${qod.p99Ms} ms >= ${BUDGETS.maxP99Ms} ms`]),
        ]
      : [];
    const verdict = (ok: boolean) => (!judged ? "not judged (the budgets are for 100 connections)" : ok ? "ok" : "MISSED");

    // autocannon reports whole milliseconds: 0 means under one.
    const ms = (value: number) => (value === 0 ? "<1 ms" : `${value} ms`).padStart(6);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(28)} ${String(f.requestsPerSecond).padStart(8)} req/s   p50 ${ms(f.p50Ms)}   p99 ${ms(f.p99Ms)}   (${f.requests} requests, ${f.non2xx} non-2xx, ${f.errors} errors)`;
    process.stdout.write(
      [
        "",
        `medians of ${rounds} rounds, ${connections} connections:`,
        row("GET /qod (warm cache)", qod),
        row("bare node:http (constant)", node),
        `ratio /qod ÷ bare: ${(ratio * 100).toFixed(1)}% of the bare server's throughput (rounds: ${ratios.map((r) => `${(r * 100).toFixed(1)}%`).join(", ")}); budget >= ${BUDGETS.minRatio * 100}%: ${verdict(budget.ratio.ok)}`,
        `p99 /qod ${ms(qod.p99Ms).trim()} vs bare ${ms(node.p99Ms).trim()}; budget < ${BUDGETS.maxP99Ms} ms: ${verdict(budget.p99Ms.ok)}`,
        "",
      ].join("\n"),
    );
    mkdirSync(join(REPO_ROOT, ".out"), { recursive: true });
    writeFileSync(
      join(REPO_ROOT, ".out/bench-api.json"),
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, seconds, rounds, connections, qod, bare: node, ratio, ratios, budgets: judged ? budget : null, qodRounds, bareRounds }, null, 2)}\n`,
    );
    if (qod.non2xx + qod.errors + node.non2xx + node.errors > 0) throw new Error("some requests failed during the benchmark");
  } finally {
    for (const child of children) await child.kill();
    await redis.stop();
    await postgres.stop();
  }
  if (missed.length > 0) {
    process.stderr.write(`bench:api: budget missed: ${missed.join("; ")}${strict ? "" : " (reported only; BENCH_STRICT=1 makes this fail)"}\n`);
    if (strict) process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
