/**
 * The quote-of-the-day cache in Redis, shared by every replica: the first replica to store a day's
 * quote decides it for all. Never throws: an unreachable Redis is a cache miss.
 */
import type { Redis } from "ioredis";
import type { Quote } from "./quotes";

export type CacheLookup =
  | { readonly status: "hit"; readonly quote: Quote }
  | { readonly status: "absent" }
  | { readonly status: "unavailable"; readonly reason: string };

export interface QodCache {
  get(day: string): Promise<CacheLookup>;
  /**
   * Stores `quote` as the day's quote unless one is stored already (the first writer wins, so every
   * replica serves the same answer), and answers the quote Redis holds afterwards: `quote` itself,
   * or the one another replica stored first. Null when Redis could not be asked (a failure is
   * logged by the caller's `onError`, never thrown): nothing is known to be shared then.
   */
  set(day: string, quote: Quote, ttlMs: number): Promise<Quote | null>;
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

function parseQuote(raw: string | null): Quote | null {
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isQuote(parsed) ? parsed : null;
  } catch {
    return null;
  }
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
      const quote = parseQuote(await this.redis.get(this.keyPrefix + day));
      return quote === null ? { status: "absent" } : { status: "hit", quote };
    } catch (error) {
      this.onError(error, "get");
      return { status: "unavailable", reason: error instanceof Error ? error.message : String(error) };
    }
  }

  async ping(): Promise<void> {
    if (!this.available) throw new Error(`redis ${this.redis.status}`);
    await this.redis.ping();
  }

  async set(day: string, quote: Quote, ttlMs: number): Promise<Quote | null> {
    if (!this.available || ttlMs <= 0) return null;
    try {
      // One atomic command: store unless present (NX), and answer what was there before (GET).
      const before = await this.redis.set(this.keyPrefix + day, JSON.stringify(quote), "PX", Math.ceil(ttlMs), "NX", "GET");
      if (before === null) return quote;
      // Another replica stored the day first; an unreadable value is replaced, as `get` treats it as absent.
      const stored = parseQuote(before);
      if (stored !== null) return stored;
      await this.redis.set(this.keyPrefix + day, JSON.stringify(quote), "PX", Math.ceil(ttlMs));
      return quote;
    } catch (error) {
      this.onError(error, "set");
      return null;
    }
  }
}
