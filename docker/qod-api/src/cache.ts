/** The quote-of-the-day cache in Redis. Never throws: an unreachable Redis is a cache miss. */
import type { Redis } from "ioredis";
import type { Quote } from "./quotes";

export type CacheLookup =
  | { readonly status: "hit"; readonly quote: Quote }
  | { readonly status: "absent" }
  | { readonly status: "unavailable"; readonly reason: string };

export interface QodCache {
  get(day: string): Promise<CacheLookup>;
  /** Best effort: a failure is logged by the caller's `onError`, never thrown. */
  set(day: string, quote: Quote, ttlMs: number): Promise<void>;
  /** Whether the client is connected right now. */
  readonly available: boolean;
  /** Resolves when the cache answers a PING (for /readyz, which reports it, never gating on it). */
  ping(): Promise<void>;
}

function isQuote(value: unknown): value is Quote {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === "number" && typeof v.text === "string" && typeof v.author === "string" && typeof v.createdAt === "string";
}

export class RedisQodCache implements QodCache {
  constructor(
    private readonly redis: Redis,
    private readonly onError: (error: unknown, operation: string) => void,
    private readonly keyPrefix = "qod:day:",
  ) {}

  get available(): boolean {
    return this.redis.status === "ready";
  }

  async get(day: string): Promise<CacheLookup> {
    // Not connected: answer at once instead of queueing behind a reconnect.
    if (!this.available) return { status: "unavailable", reason: `redis ${this.redis.status}` };
    try {
      const raw = await this.redis.get(this.keyPrefix + day);
      if (raw === null) return { status: "absent" };
      const parsed: unknown = JSON.parse(raw);
      if (!isQuote(parsed)) return { status: "absent" };
      return { status: "hit", quote: parsed };
    } catch (error) {
      this.onError(error, "get");
      return { status: "unavailable", reason: error instanceof Error ? error.message : String(error) };
    }
  }

  async ping(): Promise<void> {
    if (!this.available) throw new Error(`redis ${this.redis.status}`);
    await this.redis.ping();
  }

  async set(day: string, quote: Quote, ttlMs: number): Promise<void> {
    if (!this.available || ttlMs <= 0) return;
    try {
      await this.redis.set(this.keyPrefix + day, JSON.stringify(quote), "PX", Math.ceil(ttlMs));
    } catch (error) {
      this.onError(error, "set");
    }
  }
}
