/**
 * The metrics listener: `GET /metrics` (Prometheus text) on its own port (`METRICS_PORT`), apart
 * from the API's, so the runtime and version details it carries reach Prometheus only (the
 * Kubernetes Service names this port `metrics`; the Ingress routes only the API's). Nothing else
 * is served here: other paths 404, other methods 405, malformed requests 400/431, all as the
 * documented JSON errors.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { JSON_TYPE, SECURITY_HEADERS, answerClientError, quoted, type HttpError } from "./http-errors";
import type { Metrics } from "./metrics";

export const METRICS_PATH = "/metrics";

export interface MetricsServer {
  readonly server: Server;
  /** `http://host:port` it listens on (the real port when started on 0). */
  readonly url: string;
  /** Stops accepting, waits for a scrape in progress, closes idle keep-alive connections. */
  close(): Promise<void>;
}

function sendError(res: ServerResponse, answer: HttpError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...SECURITY_HEADERS, ...headers, "content-type": JSON_TYPE, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

export function createMetricsServer(metrics: Metrics, onError: (error: unknown) => void): Server {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    if (path !== METRICS_PATH) {
      return sendError(res, { status: 404, body: { error: "not_found", message: `no route ${method} ${quoted(path)}; this port serves only GET ${METRICS_PATH}` } });
    }
    if (method !== "GET" && method !== "HEAD") {
      return sendError(res, { status: 405, body: { error: "method_not_allowed", message: `method: got ${quoted(method)}; allowed: GET, HEAD` } }, { allow: "GET, HEAD" });
    }
    try {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { ...SECURITY_HEADERS, "content-type": metrics.registry.contentType, "cache-control": "no-store" });
      res.end(method === "HEAD" ? undefined : text);
    } catch (error) {
      onError(error);
      sendError(res, { status: 500, body: { error: "internal", message: "internal error" } });
    }
  });
  server.on("clientError", answerClientError);
  // Scrapes are small and quick: a client that dawdles gets 408, and cannot hold shutdown.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  return server;
}

/** Starts the metrics listener on `host:port`. */
export function listenMetrics(metrics: Metrics, options: { port: number; host: string; onError: (error: unknown) => void }): Promise<MetricsServer> {
  const server = createMetricsServer(metrics, options.onError);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host === "0.0.0.0" ? "127.0.0.1" : options.host;
      resolve({
        server,
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
