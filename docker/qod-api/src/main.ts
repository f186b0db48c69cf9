/**
 * The one entry point of the image: `node dist/main.js <command>`.
 *   serve        start the API (default)
 *   migrate      apply schema migrations and the seed quotes, then exit
 *   healthcheck  exit 0 when GET http://127.0.0.1:$PORT/healthz answers 200 (Docker HEALTHCHECK)
 */
import { request } from "node:http";
import { COMMANDS } from "./commands";
import { ConfigError, loadConfig, loadHealthcheckConfig, loadMigrateConfig } from "./config";
import { migrate } from "./migrations";
import { createLogger, createPool, startService } from "./server";

async function serve(): Promise<void> {
  await startService(loadConfig(process.env), { handleSignals: true });
}

async function runMigrations(): Promise<void> {
  const config = loadMigrateConfig(process.env);
  const logger = createLogger(config.logLevel);
  const pool = createPool(config.postgresUrl, 1);
  try {
    const result = await migrate(pool);
    logger.info(result, result.applied.length > 0 ? "migrations applied" : "migrations: already up to date");
  } finally {
    await pool.end();
  }
}

function healthcheck(): Promise<void> {
  const { port } = loadHealthcheckConfig(process.env);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", timeout: 2_000 }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`healthcheck: /healthz answered ${res.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error("healthcheck: /healthz did not answer within 2 s")));
    req.on("error", reject);
    req.end();
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const command = argv[0] ?? "serve";
  if (command === "serve") return serve();
  if (command === "migrate") return runMigrations();
  if (command === "healthcheck") return healthcheck();
  throw new ConfigError([`command: got ${JSON.stringify(command)}; allowed: ${COMMANDS.join(", ")}`]);
}

main(process.argv.slice(2)).then(
  () => {
    // `serve` keeps running until a signal; the others are done.
    if ((process.argv[2] ?? "serve") !== "serve") process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`qod-api: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
