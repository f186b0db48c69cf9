/** Prometheus metrics of the service, in their own registry. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What the pool gauge reads: `pg.Pool` has these counters. */
export interface PoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<"method" | "route" | "status_code">;
  readonly cacheHits: Counter<"layer">;
  readonly cacheMisses: Counter<"reason">;
  readonly dependencyFailures: Counter<"dependency">;
}

export function createMetrics(options: { pool: PoolStats; poolMax: number; metricsUrl?: string; version: string }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "qod_api_" });
  const httpDuration = new Histogram({
    name: "qod_api_http_request_duration_seconds",
    help: "HTTP request duration by method, route (the route pattern, `unmatched` for 404s) and status code",
    labelNames: ["method", "route", "status_code"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: "qod_api_cache_hits_total",
    help: "Quote-of-the-day lookups answered from a cache: layer=memory (this process's copy of what Redis holds) or redis",
    labelNames: ["layer"],
    registers: [registry],
  });
  for (const layer of ["memory", "redis"]) cacheHits.inc({ layer }, 0);
  const cacheMisses = new Counter({
    name: "qod_api_cache_misses_total",
    help: "Quote-of-the-day lookups answered by PostgreSQL: reason=absent (not in Redis yet) or unavailable (Redis down or failing, and no local copy of the day)",
    labelNames: ["reason"],
    registers: [registry],
  });
  const dependencyFailures = new Counter({
    name: "qod_api_dependency_failures_total",
    help: "Calls to a dependency that failed or timed out (requests and readiness checks), by dependency: postgres, redis",
    labelNames: ["dependency"],
    registers: [registry],
  });
  for (const dependency of ["postgres", "redis"]) dependencyFailures.inc({ dependency }, 0);
  const { pool, poolMax } = options;
  new Gauge({
    name: "qod_api_db_pool_connections",
    help: "PostgreSQL pool: state=total (open), idle, active (in use), waiting (requests queued for a connection), max",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "active" }, pool.totalCount - pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
      this.set({ state: "max" }, poolMax);
    },
  });
  const info = new Gauge({
    name: "qod_api_info",
    help: "Constant 1; labels carry the version and the METRICS_URL of the Prometheus meant to scrape this instance",
    labelNames: ["version", "metrics_url"],
    registers: [registry],
  });
  info.set({ version: options.version, metrics_url: options.metricsUrl ?? "" }, 1);
  return { registry, httpDuration, cacheHits, cacheMisses, dependencyFailures };
}
