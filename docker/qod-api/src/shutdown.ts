/**
 * Graceful shutdown: readiness fails first (load balancers stop sending), the listener stays open
 * for `drainMs` so requests already routed here still land, then it closes and waits for in-flight
 * requests, then the pools close. A hard timer exits 1 if that takes longer than `timeoutMs`.
 * Requests still being received are cut by the server's request timeouts ({@link requestTimeouts}).
 */
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Lifecycle } from "./app";

/** How long a client may take to send a request, enforced by the HTTP server (408 and the connection closed). */
export interface RequestTimeouts {
  /** The whole request, headers and body (Node's `requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** The headers (Node's `headersTimeout`), at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number;
  /** How often the server looks for requests past these limits (Node's `connectionsCheckingInterval`, 30 s by default). */
  readonly checkIntervalMs: number;
}

/** The longest a client may take to send a request; less when the shutdown budget is smaller. */
export const REQUEST_TIMEOUT_MAX_MS = 10_000;
/** The longest a client may take to send the headers. */
export const HEADERS_TIMEOUT_MAX_MS = 5_000;

/**
 * The request limits that fit the shutdown budget. A request still being received when the
 * listener closes (at `drainMs`) must end before `timeoutMs`, or a client that stalls mid-request
 * holds the shutdown until its hard timeout. So a request gets at most half of the time from the
 * end of the drain to the hard timeout, and the server checks four times within that limit: a
 * stalled request is cut by `drainMs + requestTimeoutMs * 1.25`, which leaves the rest of the
 * budget to the handlers of complete requests. Defaults (drain 5 s, timeout 25 s): 10 s, headers
 * 5 s, checked every second.
 */
export function requestTimeouts(drainMs: number, timeoutMs: number): RequestTimeouts {
  const requestTimeoutMs = Math.max(1, Math.min(REQUEST_TIMEOUT_MAX_MS, Math.floor((timeoutMs - drainMs) / 2)));
  return {
    requestTimeoutMs,
    headersTimeoutMs: Math.min(HEADERS_TIMEOUT_MAX_MS, requestTimeoutMs),
    checkIntervalMs: Math.max(1, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
  };
}

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

/**
 * Follows the server's connections and returns a function that ends those still receiving a
 * request (headers or body incomplete) the way the server's own request timeout does: a
 * `clientError` with `ERR_HTTP_REQUEST_TIMEOUT` (fastify answers 408 and closes the socket).
 * Needed because Node stops checking `requestTimeout` and `headersTimeout` once the server
 * closes, so without it a stalled client holds `app.close()` open until the hard timeout.
 */
export function stalledRequestCutter(server: Server): () => number {
  const open = new Set<Socket>();
  const current = new WeakMap<Socket, IncomingMessage>();
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  server.on("request", (request: IncomingMessage, response) => {
    current.set(request.socket, request);
    response.once("finish", () => {
      if (current.get(request.socket) === request) current.delete(request.socket);
    });
  });
  return () => {
    let cut = 0;
    for (const socket of open) {
      // A complete request is being handled: it gets until the hard timeout.
      if (current.get(socket)?.complete === true || socket.destroyed) continue;
      cut++;
      const error = Object.assign(new Error("request not received before the shutdown's request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
      if (server.listenerCount("clientError") > 0) server.emit("clientError", error, socket);
      else socket.destroy(error);
    }
    return cut;
  };
}

/** Returns the handler to call on SIGTERM/SIGINT; later calls return the first call's promise. */
export function createShutdown(options: ShutdownOptions): (signal: string) => Promise<void> {
  const { app, lifecycle, logger, drainMs, timeoutMs, closeResources, exit } = options;
  const { requestTimeoutMs } = requestTimeouts(drainMs, timeoutMs);
  const cutStalled = stalledRequestCutter(app.server);
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
      // Requests still arriving get requestTimeoutMs more, then they are cut (408).
      const cutter = setTimeout(() => {
        const cut = cutStalled();
        if (cut > 0) logger.warn({ cut, requestTimeoutMs }, "shutdown: cut requests still being received");
      }, requestTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(cutter);
      }
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
