/**
 * Where `GET /qod`'s answer comes from, cheapest first:
 *   1. memory: this process's copy of what Redis held for the day; it answers without any I/O,
 *      is compared with Redis again once it is `recheckMs` old, and is dropped when the UTC day
 *      (of the injected clock) ends;
 *   2. redis: the day's quote shared by every replica;
 *   3. database: PostgreSQL's pick for the day, stored in Redis unless another replica stored the
 *      day first, in which case that replica's quote is served (and copied) instead.
 * The copy is filled only from what Redis holds (a hit, or the quote Redis kept after SET NX), so
 * replicas agree, and a change in Redis reaches every replica within `recheckMs`. While Redis is
 * unavailable, a copy of today keeps answering; without one, PostgreSQL answers every request and
 * nothing is copied.
 */
import type { QodCache } from "./cache";
import { endOfUtcDay, startOfUtcDay, utcDay } from "./clock";
import type { Quote } from "./quotes";

/** The day's answer, its JSON body serialized once. */
export interface DayQuote {
  readonly date: string;
  readonly quote: Quote;
  /** `{"date":…,"quote":{…}}`, exactly the bytes `GET /qod` sends. */
  readonly body: string;
}

export type QodAnswer =
  | { readonly source: "memory" | "redis"; readonly day: DayQuote }
  /** `day` is null when there are no quotes at all. */
  | { readonly source: "database"; readonly day: DayQuote | null };

/** What a lookup found, reported before PostgreSQL is asked (so a failing database still counts). */
export type QodLookupOutcome = "memory" | "redis" | "absent" | "unavailable";

export interface QuoteOfTheDayProps {
  readonly cache: QodCache;
  /** PostgreSQL's quote for the day of `now`; null when there are no quotes. Errors propagate. */
  readonly load: (now: Date) => Promise<Quote | null>;
  /** Called once per lookup with where the answer comes from (for metrics). @default - nothing */
  readonly record?: (outcome: QodLookupOutcome) => void;
  /**
   * How long the local copy answers before it is compared with Redis again: the longest time a
   * replica can serve something other than what Redis holds.
   * @default 1000
   */
  readonly recheckMs?: number;
}

interface LocalCopy {
  readonly day: DayQuote;
  /** The UTC day the copy is valid for, [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  /** When Redis was last asked (or found unavailable) about this day. */
  checkedAtMs: number;
}

const nothing = () => undefined;

export class QuoteOfTheDay {
  private local: LocalCopy | undefined;
  private readonly recheckMs: number;
  private readonly record: (outcome: QodLookupOutcome) => void;

  constructor(private readonly props: QuoteOfTheDayProps) {
    this.recheckMs = props.recheckMs ?? 1_000;
    this.record = props.record ?? nothing;
  }

  async get(now: Date): Promise<QodAnswer> {
    const at = now.getTime();
    const local = this.local;
    const sameDay = local !== undefined && at >= local.startMs && at < local.endMs;
    if (sameDay && at - local.checkedAtMs < this.recheckMs) {
      this.record("memory");
      return { source: "memory", day: local.day };
    }

    const { cache, load } = this.props;
    const date = utcDay(now);
    const cached = await cache.get(date);
    if (cached.status === "hit") {
      this.record("redis");
      return { source: "redis", day: this.remember(now, date, cached.quote) };
    }
    if (cached.status === "unavailable" && sameDay) {
      // Redis held this day when it was last asked: keep serving that, and ask again in recheckMs.
      local.checkedAtMs = at;
      this.record("memory");
      return { source: "memory", day: local.day };
    }

    this.record(cached.status);
    const quote = await load(now);
    if (quote === null) return { source: "database", day: null };
    if (cached.status === "unavailable") return { source: "database", day: dayQuote(date, quote) };
    const stored = await cache.set(date, quote, endOfUtcDay(now).getTime() - at);
    // Not stored (Redis failed in between): serve PostgreSQL's pick, copy nothing.
    if (stored === null) return { source: "database", day: dayQuote(date, quote) };
    return { source: "database", day: this.remember(now, date, stored) };
  }

  /** Keeps `quote` (what Redis holds for `date`) as the local copy; reuses the body if unchanged. */
  private remember(now: Date, date: string, quote: Quote): DayQuote {
    const previous = this.local?.day;
    const day = previous !== undefined && previous.date === date && sameQuote(previous.quote, quote) ? previous : dayQuote(date, quote);
    const startMs = startOfUtcDay(now).getTime();
    this.local = { day, startMs, endMs: endOfUtcDay(now).getTime(), checkedAtMs: now.getTime() };
    return day;
  }
}

function dayQuote(date: string, quote: Quote): DayQuote {
  return { date, quote, body: JSON.stringify({ date, quote }) };
}

function sameQuote(a: Quote, b: Quote): boolean {
  return a.id === b.id && a.text === b.text && a.author === b.author && a.createdAt === b.createdAt;
}
