/**
 * Graceful shutdown: readiness fails first (load balancers stop sending), the listener stays open
 * for `drainMs` so requests already routed here still land, then it closes and waits for in-flight
 * requests, then the pools close. A hard timer exits 1 if that takes longer than `timeoutMs`.
 */
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Lifecycle } from "./app";

export interface ShutdownOptions {
  readonly app: FastifyInstance;
  readonly lifecycle: Lifecycle;
  readonly logger: FastifyBaseLogger;
  readonly drainMs: number;
  readonly timeoutMs: number;
  /** Closes the pools (PostgreSQL, Redis) once no request is in flight. */
  readonly closeResources: () => Promise<void>;
  readonly exit: (code: number) => void;
}

/** Returns the handler to call on SIGTERM/SIGINT; later calls return the first call's promise. */
export function createShutdown(options: ShutdownOptions): (signal: string) => Promise<void> {
  const { app, lifecycle, logger, drainMs, timeoutMs, closeResources, exit } = options;
  let running: Promise<void> | undefined;
  const sequence = async (signal: string) => {
    const started = Date.now();
    lifecycle.shuttingDown = true;
    logger.info({ signal, drainMs, timeoutMs }, "shutdown: readiness now fails; draining");
    const hardStop = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown: timed out; exiting with in-flight work abandoned");
      exit(1);
    }, timeoutMs);
    try {
      await new Promise((resolve) => setTimeout(resolve, drainMs));
      logger.info("shutdown: closing the listener; waiting for in-flight requests");
      await app.close();
      await closeResources();
      logger.info({ ms: Date.now() - started }, "shutdown: complete");
      clearTimeout(hardStop);
      exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown: failed");
      clearTimeout(hardStop);
      exit(1);
    }
  };
  return (signal) => (running ??= sequence(signal));
}
