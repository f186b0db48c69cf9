/**
 * The ui image's entry point: `node dist/server/main.js <command>`.
 *   serve        serve the page on $PORT with /config.js from $API_BASE_URL (default)
 *   config       print the /config.js for $API_BASE_URL (for hosting the files elsewhere)
 *   healthcheck  exit 0 when GET http://127.0.0.1:$PORT/healthz answers 200 (Docker HEALTHCHECK)
 */
import { request } from "node:http";
import { join } from "node:path";
import { UiConfigError, loadUiConfig, renderConfigJs } from "./config";
import { createUiServer } from "./static";

export const UI_COMMANDS = ["serve", "config", "healthcheck"] as const;

/** `dist/server/` → the package root, where `public/` and `dist/web/` are. */
const PACKAGE_ROOT = join(__dirname, "..", "..");

function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: "qod-ui", msg: message, ...fields })}\n`);
}

function serve(): void {
  const config = loadUiConfig(process.env);
  const server = createUiServer({ config, roots: [join(PACKAGE_ROOT, "public"), join(PACKAGE_ROOT, "dist", "web")] });
  server.listen(config.port, config.host, () => log("qod-ui listening", { port: config.port, apiBaseUrl: config.apiBaseUrl }));
  const stop = (signal: string) => {
    log("shutdown", { signal });
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function healthcheck(): void {
  const { port } = loadUiConfig({ PORT: process.env.PORT });
  const req = request({ host: "127.0.0.1", port, path: "/healthz", timeout: 2_000 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  req.on("timeout", () => req.destroy(new Error("no answer within 2 s")));
  req.on("error", (error) => {
    process.stderr.write(`qod-ui healthcheck: ${error.message}\n`);
    process.exit(1);
  });
  req.end();
}

try {
  const command = process.argv[2] ?? "serve";
  if (command === "serve") serve();
  else if (command === "config") process.stdout.write(renderConfigJs(loadUiConfig(process.env)));
  else if (command === "healthcheck") healthcheck();
  else throw new UiConfigError([`command: got ${JSON.stringify(command)}; allowed: ${UI_COMMANDS.join(", ")}`]);
} catch (error) {
  process.stderr.write(`qod-ui: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
