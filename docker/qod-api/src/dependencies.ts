/**
 * The state of each dependency (PostgreSQL, Redis), seen from the calls the service makes: an
 * outage is logged once when it starts and once when it ends, never once per request, and every
 * failed call is counted in `qod_api_dependency_failures_total{dependency}`. For Redis the state
 * is also a circuit breaker: after a failed call the cache is skipped for {@link CACHE_RETRY_MS},
 * so a hung Redis costs one command timeout per interval, not one per request.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Counter } from "prom-client";
import type { CacheLookup, QodCache } from "./cache";
import type { Quote } from "./quotes";

export const DEPENDENCIES = ["postgres", "redis"] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** After a failed Redis call, how long the cache is skipped before one call tries it again. */
export const CACHE_RETRY_MS = 5_000;

const MESSAGES: Readonly<Record<Dependency, { readonly down: string; readonly up: string }>> = {
  postgres: { down: "postgres: unavailable", up: "postgres: available again" },
  redis: { down: "redis: unavailable; serving from PostgreSQL", up: "redis: available again" },
};

export class DependencyHealth {
  private down = false;
  /** When the last call failed (or the last retry started); undefined once a call succeeded. */
  private failedAt: number | undefined;

  constructor(
    readonly dependency: Dependency,
    private readonly logger: FastifyBaseLogger,
    private readonly failures: Counter<"dependency">,
    private readonly retryMs = CACHE_RETRY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A call failed or timed out: counted, and logged if the dependency was up until now. */
  failed(error: unknown): void {
    this.failures.inc({ dependency: this.dependency });
    this.failedAt = this.now();
    this.unavailable(error);
  }

  /** The dependency is gone without a failed call (a lost connection): logged on the change only. */
  unavailable(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn({ err: error, dependency: this.dependency }, MESSAGES[this.dependency].down);
  }

  /** A call succeeded (or the connection is back): logged if the dependency was down until now. */
  succeeded(): void {
    this.failedAt = undefined;
    if (!this.down) return;
    this.down = false;
    this.logger.info({ dependency: this.dependency }, MESSAGES[this.dependency].up);
  }

  /**
   * Whether a call should be made now: yes unless a call failed less than `retryMs` ago. Once the
   * interval is over, one caller gets to try (the interval restarts for the others until that
   * call succeeds or fails).
   */
  allowsCall(): boolean {
    if (this.failedAt === undefined) return true;
    const now = this.now();
    if (now - this.failedAt < this.retryMs) return false;
    this.failedAt = now;
    return true;
  }
}

/** Trackers for every dependency, on one logger and one counter. */
export function dependencyHealth(logger: FastifyBaseLogger, failures: Counter<"dependency">): Record<Dependency, DependencyHealth> {
  return { postgres: new DependencyHealth("postgres", logger, failures), redis: new DependencyHealth("redis", logger, failures) };
}

/**
 * The cache behind Redis's circuit breaker: while `health` allows no call, a lookup is a miss
 * (`unavailable`) at once and nothing is written. Failures reach `health` through the cache's
 * `onError`; successes are reported here.
 */
export class BreakerQodCache implements QodCache {
  constructor(
    private readonly inner: QodCache,
    private readonly health: DependencyHealth,
  ) {}

  get available(): boolean {
    return this.inner.available;
  }

  async get(day: string): Promise<CacheLookup> {
    if (!this.health.allowsCall()) return { status: "unavailable", reason: `${this.health.dependency} failed recently; retried every ${CACHE_RETRY_MS} ms` };
    const lookup = await this.inner.get(day);
    if (lookup.status !== "unavailable") this.health.succeeded();
    return lookup;
  }

  /** Null (nothing known to be shared) while the breaker is open, as when Redis could not be asked. */
  async set(day: string, quote: Quote, ttlMs: number): Promise<Quote | null> {
    if (!this.health.allowsCall()) return null;
    const stored = await this.inner.set(day, quote, ttlMs);
    if (stored !== null) this.health.succeeded();
    return stored;
  }

  /** Not behind the breaker: readiness always asks (bounded by its own deadline). */
  ping(): Promise<void> {
    return this.inner.ping();
  }
}
