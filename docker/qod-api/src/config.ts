/**
 * Configuration from environment variables, validated once at start-up. Every problem is
 * reported at once as `NAME: got <value>; allowed: <what is allowed>`; secrets in URLs are masked.
 */

import { isIP } from "node:net";
import { DEFAULT_WRITE_LIMIT, WriteToken, type WriteLimit } from "./write-guard";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** `POSTGRES_URL`: where the quotes live. */
  readonly postgresUrl: string;
  /** `REDIS_URL`: the quote-of-the-day cache. */
  readonly redisUrl: string;
  /** `METRICS_URL`: the Prometheus that scrapes this service (informational: logged, exported as `qod_api_info`). */
  readonly metricsUrl: string | undefined;
  /** `PORT` @default 8080 */
  readonly port: number;
  /** `METRICS_PORT`: the listener that serves only `GET /metrics`, never routed publicly; not PORT. @default 9464 */
  readonly metricsPort: number;
  /** `HOST` @default "0.0.0.0" */
  readonly host: string;
  /** `LOG_LEVEL` @default "info" */
  readonly logLevel: LogLevel;
  /** `CORS_ORIGINS`: browser origins allowed to call the API, comma-separated, or `*`. @default - none (same origin only) */
  readonly corsOrigins: readonly string[];
  /** `DB_POOL_MAX` @default 10 */
  readonly dbPoolMax: number;
  /** `SHUTDOWN_DRAIN_MS`: how long /readyz fails before the listener closes. @default 5000 */
  readonly shutdownDrainMs: number;
  /** `SHUTDOWN_TIMEOUT_MS`: hard limit for the whole shutdown, below the orchestrator's grace period. @default 25000 */
  readonly shutdownTimeoutMs: number;
  /** `WRITE_TOKEN`: the bearer token `POST /quotes` needs. @default - none: writes are disabled (403) */
  readonly writeToken: WriteToken | undefined;
  /** `WRITE_BURST`, `WRITE_RATE_PER_MINUTE`, `WRITE_GLOBAL_BURST`, `WRITE_GLOBAL_RATE_PER_MINUTE` @default DEFAULT_WRITE_LIMIT */
  readonly writeLimit: WriteLimit;
  /** `TRUST_PROXY`: proxies (addresses, CIDR blocks) whose X-Forwarded-For names the client. @default - none */
  readonly trustProxy: readonly string[];
}

/** Every variable the service reads, with what it means: the single list compose and the docs are checked against. */
export const CONFIG_VARIABLES = {
  POSTGRES_URL: { required: true, description: "postgres:// URL of the quotes database" },
  REDIS_URL: { required: true, description: "redis:// URL of the cache" },
  METRICS_URL: { required: false, description: "http(s) URL of the Prometheus that scrapes /metrics (informational)" },
  PORT: { required: false, description: "listen port, default 8080" },
  METRICS_PORT: { required: false, description: "listen port of GET /metrics (Prometheus only; not PORT), default 9464" },
  HOST: { required: false, description: "listen address, default 0.0.0.0" },
  LOG_LEVEL: { required: false, description: `one of ${LOG_LEVELS.join(", ")}; default info` },
  CORS_ORIGINS: { required: false, description: "comma-separated browser origins allowed to call the API, or *" },
  DB_POOL_MAX: { required: false, description: "PostgreSQL pool size, default 10" },
  SHUTDOWN_DRAIN_MS: { required: false, description: "ms /readyz fails before the listener closes, default 5000" },
  SHUTDOWN_TIMEOUT_MS: { required: false, description: "ms the whole shutdown may take, default 25000" },
  WRITE_TOKEN: { required: false, description: "bearer token POST /quotes needs (32+ characters, 128+ bits); unset: writes disabled" },
  WRITE_BURST: { required: false, description: `writes one client may make at once, default ${DEFAULT_WRITE_LIMIT.clientBurst}` },
  WRITE_RATE_PER_MINUTE: { required: false, description: `a client's sustained writes per minute, default ${DEFAULT_WRITE_LIMIT.clientPerMinute}` },
  WRITE_GLOBAL_BURST: { required: false, description: `writes this instance accepts at once, default ${DEFAULT_WRITE_LIMIT.globalBurst}` },
  WRITE_GLOBAL_RATE_PER_MINUTE: { required: false, description: `this instance's sustained writes per minute, default ${DEFAULT_WRITE_LIMIT.globalPerMinute}` },
  TRUST_PROXY: { required: false, description: "comma-separated proxy addresses/CIDR blocks whose X-Forwarded-For is believed; default none" },
} as const;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** The value with any password in it replaced by `***`. */
export function redact(value: string): string {
  let masked = value.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, "$1***@");
  try {
    const url = new URL(value);
    if (url.password) {
      url.password = "***";
      masked = url.toString();
    }
  } catch {
    // not a URL: the regular expression above already masked anything that looks like credentials
  }
  return masked;
}

/** The value, password masked, quoted for a message. */
export function shown(value: string): string {
  return JSON.stringify(redact(value));
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  private fail(name: string, value: string | undefined, allowed: string): void {
    this.problems.push(`${name}: ${value === undefined ? "missing" : `got ${shown(value)}`}; allowed: ${allowed}`);
  }

  url(name: string, protocols: readonly string[], required: true): string;
  url(name: string, protocols: readonly string[], required: false): string | undefined;
  url(name: string, protocols: readonly string[], required: boolean): string | undefined {
    const value = this.raw(name);
    const allowed = `a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`;
    if (value === undefined) {
      if (required) this.fail(name, value, allowed);
      return undefined;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.fail(name, value, allowed);
      return undefined;
    }
    if (!protocols.includes(url.protocol) || url.hostname === "") {
      this.fail(name, value, `${allowed}, with a host`);
      return undefined;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.fail(name, value, `an integer from ${min} to ${max} (default ${fallback})`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, options: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const found = options.find((option) => option === value);
    if (found === undefined) this.fail(name, value, `one of ${options.join(", ")} (default ${fallback})`);
    return found ?? fallback;
  }

  host(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^[A-Za-z0-9.:-]+$/.test(value)) this.fail(name, value, `an IP address or host name (default ${fallback})`);
    return value;
  }

  origins(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const origins = value.split(",").map((o) => o.trim()).filter((o) => o !== "");
    for (const origin of origins) {
      if (origin === "*") continue;
      let ok = false;
      try {
        const url = new URL(origin);
        ok = (url.protocol === "http:" || url.protocol === "https:") && url.origin === origin;
      } catch {
        ok = false;
      }
      if (!ok) this.fail(name, origin, "`*` or comma-separated origins like https://www.example.com (scheme, host, optional port; no path)");
    }
    return origins;
  }

  /**
   * A secret: shown in no message, only its length. At least 32 characters of the bearer-token
   * alphabet, and at least 128 bits estimated as length × log2(distinct characters), which
   * refuses repetitive strings and accepts `openssl rand -base64 32` and `-hex 32`.
   */
  token(name: string): WriteToken | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const hidden = (allowed: string) => {
      this.problems.push(`${name}: got a value of ${[...value].length} characters (not shown); allowed: ${allowed}`);
      return undefined;
    };
    if (!/^[A-Za-z0-9\-._~+/=]+$/.test(value)) return hidden("only the characters A-Z a-z 0-9 - . _ ~ + / = (no spaces)");
    if (value.length < TOKEN_MIN_LENGTH) return hidden(`at least ${TOKEN_MIN_LENGTH} characters, e.g. from \`openssl rand -base64 32\``);
    const bits = value.length * Math.log2(new Set(value).size);
    if (bits < TOKEN_MIN_BITS) {
      return hidden(`at least ${TOKEN_MIN_BITS} bits (length × log2 of distinct characters; this one has ${Math.floor(bits)}): a random value, e.g. from \`openssl rand -base64 32\``);
    }
    return new WriteToken(value);
  }

  /** Comma-separated IP addresses or CIDR blocks (not everything: 0.0.0.0/0 and ::/0 are refused). */
  cidrs(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const entries = value.split(",").map((e) => e.trim()).filter((e) => e !== "");
    for (const entry of entries) {
      const [address, prefix, extra] = entry.split("/");
      const family = isIP(address);
      const bits = prefix !== undefined && /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      const ok = family !== 0 && extra === undefined && (prefix === undefined || (bits >= 1 && bits <= (family === 4 ? 32 : 128)));
      if (!ok) {
        this.fail(name, entry, "comma-separated IP addresses or CIDR blocks of the proxies in front, e.g. the load balancer's subnets 10.0.192.0/21 (prefix 1 to 32, or 128 for IPv6; never everyone)");
      }
    }
    return entries;
  }

  check(condition: boolean, name: string, value: string, allowed: string): void {
    if (!condition) this.fail(name, value, allowed);
  }

  done<T>(result: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return result;
  }
}

export const DEFAULT_PORT = 8080;
/** The Prometheus exporters' customary port (OpenTelemetry's); clear of Prometheus' own 9090. */
export const DEFAULT_METRICS_PORT = 9464;
const TOKEN_MIN_LENGTH = 32;
const TOKEN_MIN_BITS = 128;

/** The full configuration of `serve`. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const read = new Reader(env);
  const postgresUrl = read.url("POSTGRES_URL", ["postgres:", "postgresql:"], true);
  const redisUrl = read.url("REDIS_URL", ["redis:", "rediss:"], true);
  const metricsUrl = read.url("METRICS_URL", ["http:", "https:"], false);
  const port = read.integer("PORT", DEFAULT_PORT, 1, 65535);
  const metricsPort = read.integer("METRICS_PORT", DEFAULT_METRICS_PORT, 1, 65535);
  read.check(metricsPort !== port, "METRICS_PORT", String(metricsPort), `a port other than PORT (${port}): the metrics stay off the public port`);
  const host = read.host("HOST", "0.0.0.0");
  const logLevel = read.oneOf("LOG_LEVEL", LOG_LEVELS, "info");
  const corsOrigins = read.origins("CORS_ORIGINS");
  const dbPoolMax = read.integer("DB_POOL_MAX", 10, 1, 200);
  const shutdownDrainMs = read.integer("SHUTDOWN_DRAIN_MS", 5000, 0, 600_000);
  const shutdownTimeoutMs = read.integer("SHUTDOWN_TIMEOUT_MS", 25_000, 1, 3_600_000);
  read.check(
    shutdownTimeoutMs > shutdownDrainMs,
    "SHUTDOWN_TIMEOUT_MS",
    String(shutdownTimeoutMs),
    `more than SHUTDOWN_DRAIN_MS (${shutdownDrainMs}), leaving time for in-flight requests`,
  );
  const writeToken = read.token("WRITE_TOKEN");
  const d = DEFAULT_WRITE_LIMIT;
  const writeLimit: WriteLimit = {
    clientBurst: read.integer("WRITE_BURST", d.clientBurst, 1, 1_000_000),
    clientPerMinute: read.integer("WRITE_RATE_PER_MINUTE", d.clientPerMinute, 1, 1_000_000),
    globalBurst: read.integer("WRITE_GLOBAL_BURST", d.globalBurst, 1, 1_000_000),
    globalPerMinute: read.integer("WRITE_GLOBAL_RATE_PER_MINUTE", d.globalPerMinute, 1, 1_000_000),
  };
  // An instance limit below a client's would make the client's meaningless.
  read.check(writeLimit.globalBurst >= writeLimit.clientBurst, "WRITE_GLOBAL_BURST", String(writeLimit.globalBurst), `at least WRITE_BURST (${writeLimit.clientBurst})`);
  read.check(
    writeLimit.globalPerMinute >= writeLimit.clientPerMinute,
    "WRITE_GLOBAL_RATE_PER_MINUTE",
    String(writeLimit.globalPerMinute),
    `at least WRITE_RATE_PER_MINUTE (${writeLimit.clientPerMinute})`,
  );
  const trustProxy = read.cidrs("TRUST_PROXY");
  return read.done({
    postgresUrl: postgresUrl ?? "",
    redisUrl: redisUrl ?? "",
    metricsUrl,
    port,
    metricsPort,
    host,
    logLevel,
    corsOrigins,
    dbPoolMax,
    shutdownDrainMs,
    shutdownTimeoutMs,
    writeToken,
    writeLimit,
    trustProxy,
  });
}

/** What `migrate` needs: only the database. */
export function loadMigrateConfig(env: Env): { postgresUrl: string; logLevel: LogLevel } {
  const read = new Reader(env);
  const postgresUrl = read.url("POSTGRES_URL", ["postgres:", "postgresql:"], true);
  const logLevel = read.oneOf("LOG_LEVEL", LOG_LEVELS, "info");
  return read.done({ postgresUrl: postgresUrl ?? "", logLevel });
}

/** What `healthcheck` needs: only the port. */
export function loadHealthcheckConfig(env: Env): { port: number } {
  const read = new Reader(env);
  return read.done({ port: read.integer("PORT", DEFAULT_PORT, 1, 65535) });
}
