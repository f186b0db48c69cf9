/** The HTTP API: routes, errors as JSON, request metrics, CORS. Dependencies are injected. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { QodCache } from "./cache";
import { endOfUtcDay, type Clock } from "./clock";
import { CLIENT_ERROR_CODES, SECURITY_HEADERS, answerClientError, fastifyClientError, type ErrorBody } from "./http-errors";
import { dependencyHealth, type Dependency, type DependencyHealth } from "./dependencies";
import type { Metrics } from "./metrics";
import { addMethodRoutes, trackRoutes } from "./methods";
import { QuoteOfTheDay, type QodLookupOutcome } from "./quote-of-the-day";
import type { QuoteStore } from "./quotes";
import { boundedCheck, type CheckResult } from "./readiness";
import type { RequestTimeouts } from "./shutdown";
import { ValidationError, parseListQuery, parseNewQuote } from "./validation";
import { createWriteGuard, type WriteLimit, type WriteToken } from "./write-guard";

/** Shared between the app and the shutdown sequence: /readyz fails once `shuttingDown` is set. */
export interface Lifecycle {
  shuttingDown: boolean;
}

export interface AppDeps {
  readonly store: QuoteStore;
  readonly cache: QodCache;
  readonly metrics: Metrics;
  readonly logger: FastifyBaseLogger;
  readonly lifecycle: Lifecycle;
  /** @default - the system clock */
  readonly clock?: Clock;
  /** Origins allowed by CORS (`*` for any). @default - none */
  readonly corsOrigins?: readonly string[];
  /** The bearer token `POST /quotes` needs. @default - none: writes are refused with 403 */
  readonly writeToken?: WriteToken;
  /** @default - DEFAULT_WRITE_LIMIT */
  readonly writeLimit?: WriteLimit;
  /**
   * Proxies (addresses, CIDR blocks) whose `X-Forwarded-For` names the client, for the per-client
   * write limit. @default - none: the client is the connecting address
   */
  readonly trustProxy?: readonly string[];
  /** Outage state of PostgreSQL and Redis (logged once per change, failures counted). @default - new trackers on `logger` and `metrics` */
  readonly dependencies?: Readonly<Record<Dependency, DependencyHealth>>;
  /** How long a client may take to send a request. @default - fastify's: no request timeout, headers 60 s, checked every 30 s */
  readonly requestTimeouts?: RequestTimeouts;
}

export type { ErrorBody };

const QUIET_ROUTES = new Set(["/healthz", "/readyz"]);
const BODY_LIMIT_BYTES = 16 * 1024;
/** Methods whose quick successful requests are logged at debug only (the metrics count them). */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** A request that took this long or longer is logged at warn (probes excepted). */
export const SLOW_REQUEST_MS = 500;

/**
 * The level of a request's log line: probes at debug; a 503 (a dependency outage, logged once per
 * change by `dependencies`, or shutdown) at debug; other server errors at error; slow
 * requests at warn; writes and client errors at info; quick successful reads at debug (the
 * request histogram counts them, and the load balancer's access log has each one).
 */
export function requestLogLevel(route: string, method: string, status: number, ms: number): "debug" | "info" | "warn" | "error" {
  if (QUIET_ROUTES.has(route)) return "debug";
  if (status === 503) return "debug";
  if (status >= 500) return "error";
  if (ms >= SLOW_REQUEST_MS) return "warn";
  if (status >= 400 || !READ_METHODS.has(method)) return "info";
  return "debug";
}

function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  // Set here too: fastify's framework errors (a URL that does not decode) skip the hooks.
  return reply.code(status).headers(SECURITY_HEADERS).type("application/json; charset=utf-8").send(body);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A database call failed (unreachable, timed out): answered as 503, never as 500. */
class DatabaseUnavailableError extends Error {
  constructor(readonly dbError: unknown) {
    super(`database unavailable: ${errorMessage(dbError)}`);
  }
}

const SHUTTING_DOWN: ErrorBody = {
  error: "shutting_down",
  message: "this instance is shutting down; send the request again",
};

const DATABASE_UNAVAILABLE: ErrorBody = {
  error: "database_unavailable",
  message: "the database is unavailable; try again shortly",
};

export function buildApp(deps: AppDeps): FastifyInstance {
  const { store, cache, metrics, lifecycle } = deps;
  const clock = deps.clock ?? (() => new Date());
  const corsOrigins = deps.corsOrigins ?? [];
  const dependencies = deps.dependencies ?? dependencyHealth(deps.logger, metrics.dependencyFailures);

  // A failed call is counted and marks PostgreSQL down (logged once); the request gets a 503.
  async function fromDatabase<T>(call: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (error) {
      dependencies.postgres.failed(error);
      throw new DatabaseUnavailableError(error);
    }
    dependencies.postgres.succeeded();
    return result;
  }
  const app = Fastify({
    loggerInstance: deps.logger,
    // One log line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // JSON.parse keeps a `__proto__` or `constructor` key as an own property and pollutes
    // nothing; the body validators refuse it as an unknown field by name (400). fastify's
    // default ("error") would answer "Body is not valid JSON" instead.
    onProtoPoisoning: "ignore",
    onConstructorPoisoning: "ignore",
    trustProxy: deps.trustProxy !== undefined && deps.trustProxy.length > 0 ? [...deps.trustProxy] : false,
    // Our own 503 for requests completed once the listener closes (below), in the documented shape.
    return503OnClosing: false,
    // Node's parser errors (malformed request, headers over 16 KB, too slow) and fastify's
    // pre-routing errors, in the documented shape instead of the framework's.
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, request, reply) => {
      const known = fastifyClientError(error, request, BODY_LIMIT_BYTES);
      return sendError(reply, known?.status ?? 400, known?.body ?? { error: "bad_request", message: "the request could not be routed" });
    },
    ...(deps.requestTimeouts && {
      requestTimeout: deps.requestTimeouts.requestTimeoutMs,
      http: { headersTimeout: deps.requestTimeouts.headersTimeoutMs, connectionsCheckingInterval: deps.requestTimeouts.checkIntervalMs },
    }),
  });

  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  const routes = trackRoutes(app);

  // The per-request hooks are callback-style, not async: on the hot path (GET /qod from the local
  // copy) every promise counts (bench:api).
  // Every answer: nosniff and the other security headers; once the listener is closing, the
  // documented 503; CORS for the allowed origins.
  app.addHook("onRequest", (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    // Answered here: a callback hook that replies does not call `done`.
    if (closing) return void sendError(reply.header("connection", "close"), 503, SHUTTING_DOWN);
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (corsOrigins.includes("*")) reply.header("access-control-allow-origin", "*");
      else if (corsOrigins.includes(origin)) reply.header("access-control-allow-origin", origin).header("vary", "Origin");
    }
    done();
  });

  // Once shutdown starts, every response closes its connection: keep-alive clients reconnect
  // (through the load balancer, to another instance) and the listener can finish closing.
  // An error is never stored by a shared cache, whatever the route had set for a success.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (lifecycle.shuttingDown) reply.header("connection", "close");
    if (reply.statusCode >= 400) reply.header("cache-control", "no-store");
    done(null, payload);
  });

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(status) }, reply.elapsedTime / 1000);
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const level = requestLogLevel(route, request.method, status, ms);
    const message = level === "error" ? "request failed" : level === "warn" ? "slow request" : "request";
    request.log[level]({ method: request.method, url: request.url, status, ms }, message);
    done();
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, { error: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` }),
  );

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ValidationError) {
      return sendError(reply, 400, { error: "invalid_request", field: error.field, message: error.message });
    }
    // Logged once per outage by `dependencies.postgres`, not once per request.
    if (error instanceof DatabaseUnavailableError) return sendError(reply, 503, DATABASE_UNAVAILABLE);
    const known = fastifyClientError(error, request, BODY_LIMIT_BYTES);
    if (known !== undefined) return sendError(reply, known.status, known.body);
    const status = typeof error === "object" && error !== null && "statusCode" in error ? Number(error.statusCode) : 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, status, { error: CLIENT_ERROR_CODES[status] ?? "bad_request", message: errorMessage(error) });
    }
    request.log.error({ err: error }, "unhandled error");
    return sendError(reply, 500, { error: "internal", message: "internal error" });
  });

  app.get("/healthz", async () => ({ status: "ok" }));

  // Both checks at once, each within READINESS_TIMEOUT_MS: a hung dependency makes /readyz report
  // `timeout`, never wait. The reasons go to the log (once per outage), not to whoever can reach /readyz.
  const checkPostgres = boundedCheck(() => store.ping());
  const checkRedis = boundedCheck(() => cache.ping());
  const record = (health: DependencyHealth, result: CheckResult) => (result.state === "ok" ? health.succeeded() : health.failed(result.error));
  app.get("/readyz", async (_request, reply) => {
    if (lifecycle.shuttingDown) return reply.code(503).send({ status: "shutting_down" });
    const [postgres, redis] = await Promise.all([checkPostgres(), checkRedis()]);
    record(dependencies.postgres, postgres);
    record(dependencies.redis, redis);
    const checks = { postgres: postgres.state, redis: redis.state };
    if (postgres.state !== "ok") return reply.code(503).send({ status: "not_ready", checks });
    return { status: "ready", checks };
  });

  // x-cache: local (this process's copy of what Redis holds), hit (Redis), miss (PostgreSQL).
  const counters: Record<QodLookupOutcome, { inc(): void }> = {
    memory: metrics.cacheHits.labels({ layer: "memory" }),
    redis: metrics.cacheHits.labels({ layer: "redis" }),
    absent: metrics.cacheMisses.labels({ reason: "absent" }),
    unavailable: metrics.cacheMisses.labels({ reason: "unavailable" }),
  };
  const quoteOfTheDay = new QuoteOfTheDay({
    cache,
    load: (now) => fromDatabase(() => store.quoteOfTheDay(now)),
    record: (outcome) => counters[outcome].inc(),
  });
  const X_CACHE = { memory: "local", redis: "hit", database: "miss" } as const;

  app.get("/qod", async (_request, reply) => {
    const now = clock();
    const ttlMs = endOfUtcDay(now).getTime() - now.getTime();
    reply.header("cache-control", `public, max-age=${Math.min(60, Math.ceil(ttlMs / 1000))}`);
    const answer = await quoteOfTheDay.get(now);
    reply.header("x-cache", X_CACHE[answer.source]);
    if (answer.day === null) return sendError(reply, 404, { error: "no_quotes", message: "there are no quotes yet" });
    return reply.type("application/json; charset=utf-8").send(answer.day.body);
  });

  app.get("/quotes", async (request) => {
    const query = parseListQuery(request.query);
    return fromDatabase(() => store.list(query));
  });

  const writeGuard = createWriteGuard({ token: deps.writeToken, limit: deps.writeLimit });
  app.post("/quotes", { onRequest: writeGuard }, async (request, reply) => {
    const input = parseNewQuote(request.body);
    const created = await fromDatabase(() => store.create(input, clock()));
    if (created === null) {
      return sendError(reply, 409, { error: "duplicate", field: "text", message: "text: this quote by this author already exists" });
    }
    return reply.code(201).send(created);
  });

  // OPTIONS (CORS preflight) on the paths above, 405 + Allow for their other methods.
  addMethodRoutes(app, routes, { allowHeaders: ["authorization", "content-type"] });

  return app;
}
