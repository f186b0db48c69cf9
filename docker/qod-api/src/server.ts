/** Wires the real dependencies (pg pool, Redis client, metrics, logger) into the app and starts it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { Pool } from "pg";
import pino from "pino";
import { buildApp, type Lifecycle } from "./app";
import { RedisQodCache } from "./cache";
import { BreakerQodCache, dependencyHealth } from "./dependencies";
import type { Clock } from "./clock";
import { redact, type Config, type LogLevel } from "./config";
import { createMetrics } from "./metrics";
import { listenMetrics } from "./metrics-server";
import { QuoteStore } from "./quotes";
import { createShutdown, requestTimeouts } from "./shutdown";

/** The service's logger: JSON lines to stdout, or to `destination` (tests capture them). */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream) {
  return pino({ level, base: { service: "qod-api" }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

export function createPool(postgresUrl: string, max = 10): Pool {
  return new Pool({
    connectionString: postgresUrl,
    max,
    application_name: "qod-api",
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 5_000,
    query_timeout: 6_000,
  });
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    if (typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string") return pkg.version;
  } catch {
    // fall through
  }
  return "unknown";
}

export interface RunningService {
  readonly app: FastifyInstance;
  /** `http://host:port` the service listens on. */
  readonly url: string;
  /** `http://host:port` of the metrics listener (`GET /metrics` only). */
  readonly metricsUrl: string;
  readonly lifecycle: Lifecycle;
  readonly shutdown: (signal: string) => Promise<void>;
}

export interface StartOptions {
  /** @default - the system clock */
  readonly clock?: Clock;
  /** Called once shutdown has finished (0) or failed/timed out (1). @default process.exit */
  readonly exit?: (code: number) => void;
  /** Install SIGTERM/SIGINT handlers. @default false */
  readonly handleSignals?: boolean;
  /** Where the JSON log lines go. @default - stdout */
  readonly logDestination?: pino.DestinationStream;
}

export async function startService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const pool = createPool(config.postgresUrl, config.dbPoolMax);
  const metrics = createMetrics({ pool, poolMax: config.dbPoolMax, metricsUrl: config.metricsUrl, version: packageVersion() });
  // Each outage is logged once when it starts and once when it ends (src/dependencies.ts).
  const dependencies = dependencyHealth(logger, metrics.dependencyFailures);
  pool.on("error", (error) => dependencies.postgres.unavailable(error));

  const redis = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 500,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on("error", (error) => dependencies.redis.unavailable(error));
  redis.on("ready", () => dependencies.redis.succeeded());

  const lifecycle: Lifecycle = { shuttingDown: false };
  const app = buildApp({
    store: new QuoteStore(pool),
    cache: new BreakerQodCache(
      new RedisQodCache(redis, (error) => dependencies.redis.failed(error)),
      dependencies.redis,
    ),
    dependencies,
    metrics,
    logger,
    lifecycle,
    clock: options.clock,
    corsOrigins: config.corsOrigins,
    writeToken: config.writeToken,
    writeLimit: config.writeLimit,
    trustProxy: config.trustProxy,
    requestTimeouts: requestTimeouts(config.shutdownDrainMs, config.shutdownTimeoutMs),
  });

  const closeResources = async () => {
    await pool.end();
    if (redis.status === "ready") await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  };
  const shutdown = createShutdown({
    app,
    lifecycle,
    logger,
    drainMs: config.shutdownDrainMs,
    timeoutMs: config.shutdownTimeoutMs,
    closeResources,
    exit: options.exit ?? ((code) => process.exit(code)),
  });
  if (options.handleSignals) {
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
  }

  // The metrics listener starts first and closes last (after the API's in-flight requests), so
  // Prometheus can watch the whole drain.
  let metricsServer: Awaited<ReturnType<typeof listenMetrics>>;
  try {
    metricsServer = await listenMetrics(metrics, {
      port: config.metricsPort,
      host: config.host,
      onError: (error) => logger.error({ err: error }, "metrics: collection failed"),
    });
  } catch (error) {
    await closeResources();
    throw error;
  }
  app.addHook("onClose", () => metricsServer.close());
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await metricsServer.close();
    await closeResources();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  logger.info(
    {
      port,
      metricsPort: Number(new URL(metricsServer.url).port),
      postgres: redact(config.postgresUrl),
      redis: redact(config.redisUrl),
      metricsUrl: config.metricsUrl,
      corsOrigins: config.corsOrigins,
      // Whether writes are on, never the token.
      writes: config.writeToken === undefined ? "disabled (no WRITE_TOKEN)" : "token required",
      writeLimit: config.writeLimit,
      trustProxy: config.trustProxy,
    },
    "qod-api listening",
  );
  return { app, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, metricsUrl: metricsServer.url, lifecycle, shutdown };
}
