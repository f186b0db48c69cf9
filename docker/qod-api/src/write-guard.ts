/**
 * The guard in front of every write: a bearer token compared in constant time, and token buckets
 * per client and per instance. Reads never pass through it.
 *
 * Order, and why:
 *   1. no token configured → 403 `writes_disabled` (the instance takes no writes at all);
 *   2. the client's bucket → 429: every attempt counts, with or without a valid token, so guessing
 *      tokens is as slow as writing;
 *   3. the token → 401 with `WWW-Authenticate: Bearer`;
 *   4. the instance's bucket → 429: only authenticated writes draw from it, so anonymous traffic
 *      from many addresses cannot lock the token holder out.
 * It runs as the route's `onRequest` hook: a refused request's body is never parsed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIPv6 } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * The write token. Only its SHA-256 digest is kept; it never prints (JSON, `util.inspect`,
 * `String()` all show `[not shown]`).
 */
export class WriteToken {
  readonly #digest: Buffer;

  constructor(value: string) {
    this.#digest = sha256(value);
  }

  /** Constant time in the candidate's content and length (both sides are hashed first). */
  matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.#digest);
  }

  toJSON(): string {
    return "[not shown]";
  }

  toString(): string {
    return "[not shown]";
  }

  [INSPECT](): string {
    return "WriteToken [not shown]";
  }
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** A token bucket: `capacity` at once, refilled at `perMinute`. */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    readonly capacity: number,
    readonly perMinute: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.updatedMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perMinute) / 60_000);
    this.updatedMs = nowMs;
  }

  /** Takes one token; when none is left, the seconds until one is (at least 1). */
  take(nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - this.tokens) * 60) / this.perMinute)) };
  }

  /** Full again: the same as no bucket at all, so it can be forgotten. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.capacity;
  }
}

export interface WriteLimit {
  /** `WRITE_BURST`: writes one client may make at once. */
  readonly clientBurst: number;
  /** `WRITE_RATE_PER_MINUTE`: a client's sustained rate. */
  readonly clientPerMinute: number;
  /** `WRITE_GLOBAL_BURST`: writes this instance accepts at once, from all clients. */
  readonly globalBurst: number;
  /** `WRITE_GLOBAL_RATE_PER_MINUTE`: this instance's sustained rate. */
  readonly globalPerMinute: number;
}

export const DEFAULT_WRITE_LIMIT: WriteLimit = { clientBurst: 5, clientPerMinute: 10, globalBurst: 20, globalPerMinute: 60 };

/** Clients remembered at most; past it, full buckets are forgotten, then the oldest. */
const MAX_CLIENTS = 10_000;

/**
 * The key of a client's bucket: the IPv4 address, or the /64 of an IPv6 address (one host
 * usually owns a whole /64, so per-address buckets would be free to multiply).
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail = ""] = ip.toLowerCase().split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = ip.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

export interface WriteGuardOptions {
  /** @default - none: writes are disabled (403) */
  readonly token?: WriteToken;
  /** @default DEFAULT_WRITE_LIMIT */
  readonly limit?: WriteLimit;
  /** @default Date.now */
  readonly nowMs?: () => number;
}

interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

const REALM = 'Bearer realm="qod-api"';

/** The `onRequest` hook for write routes. */
export function createWriteGuard(options: WriteGuardOptions) {
  const { token } = options;
  const limit = options.limit ?? DEFAULT_WRITE_LIMIT;
  const nowMs = options.nowMs ?? Date.now;
  const global = new TokenBucket(limit.globalBurst, limit.globalPerMinute, nowMs());
  const clients = new Map<string, TokenBucket>();

  const clientBucket = (key: string, now: number): TokenBucket => {
    let bucket = clients.get(key);
    if (bucket !== undefined) return bucket;
    if (clients.size >= MAX_CLIENTS) {
      for (const [k, b] of clients) if (b.isFull(now)) clients.delete(k);
      // Still full: forget the oldest (it starts afresh; the instance's bucket still bounds it).
      if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value ?? "");
    }
    bucket = new TokenBucket(limit.clientBurst, limit.clientPerMinute, now);
    clients.set(key, bucket);
    return bucket;
  };

  const refuse = (reply: FastifyReply, status: number, body: ErrorBody): FastifyReply =>
    reply.code(status).type("application/json; charset=utf-8").send(body);

  return async function writeGuard(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (token === undefined) {
      return refuse(reply, 403, {
        error: "writes_disabled",
        message: "writes are disabled on this instance: it was started without WRITE_TOKEN",
      });
    }
    const now = nowMs();
    const perClient = clientBucket(clientKey(request.ip), now).take(now);
    if (!perClient.ok) {
      reply.header("retry-after", String(perClient.retryAfterSeconds));
      return refuse(reply, 429, {
        error: "rate_limited",
        message: `too many writes from this client: at most ${limit.clientBurst} writes at once and ${limit.clientPerMinute} per minute; retry in ${perClient.retryAfterSeconds} s`,
      });
    }
    const problem = credentialProblem(request.headers.authorization, token);
    if (problem !== undefined) {
      reply.header("www-authenticate", problem.invalid ? `${REALM}, error="invalid_token"` : REALM);
      return refuse(reply, 401, { error: "unauthorized", field: "authorization", message: problem.message });
    }
    const instance = global.take(now);
    if (!instance.ok) {
      reply.header("retry-after", String(instance.retryAfterSeconds));
      return refuse(reply, 429, {
        error: "rate_limited",
        message: `too many writes: this instance accepts at most ${limit.globalBurst} writes at once and ${limit.globalPerMinute} per minute; retry in ${instance.retryAfterSeconds} s`,
      });
    }
    return undefined;
  };
}

const ALLOWED = "allowed: Authorization: Bearer <token>";

/** Why the header does not authorize a write (never repeating the credential), or undefined when it does. */
function credentialProblem(header: string | undefined, token: WriteToken): { message: string; invalid: boolean } | undefined {
  if (header === undefined || header.trim() === "") return { message: `authorization: missing; ${ALLOWED}`, invalid: false };
  const match = /^(\S+)(?:\s+(.*))?$/.exec(header.trim());
  const scheme = match?.[1] ?? "";
  const credential = match?.[2]?.trim() ?? "";
  if (scheme.toLowerCase() !== "bearer") {
    return { message: `authorization: got the scheme ${JSON.stringify(scheme.slice(0, 20))}; ${ALLOWED}`, invalid: true };
  }
  if (credential === "") return { message: `authorization: got a Bearer scheme without a token; ${ALLOWED}`, invalid: true };
  if (!token.matches(credential)) return { message: `authorization: got a bearer token that is not this service's write token; ${ALLOWED}`, invalid: true };
  return undefined;
}
