/** The quotes table: quote of the day, keyset pagination, inserts. */
import type { Pool } from "pg";
import { startOfUtcDay, utcDayNumber } from "./clock";
import type { ListQuery, NewQuote } from "./validation";

export interface Quote {
  readonly id: number;
  readonly text: string;
  readonly author: string;
  readonly createdAt: string;
}

export interface QuotePage {
  readonly items: readonly Quote[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}

interface QuoteRow {
  id: number;
  text: string;
  author: string;
  created_at: Date;
}

const COLUMNS = "id, text, author, created_at";

function toQuote(row: QuoteRow): Quote {
  return { id: row.id, text: row.text, author: row.author, createdAt: row.created_at.toISOString() };
}

/**
 * The quote of a UTC day: the quotes that existed before that day began, ordered by id, indexed
 * by the day number modulo their count. Quotes added during a day do not change that day's quote
 * (even without the cache); if no quote predates the day, all quotes are the candidates.
 */
const QUOTE_OF_THE_DAY = `
  WITH candidates AS (
    SELECT ${COLUMNS} FROM quotes
    WHERE created_at < $1 OR NOT EXISTS (SELECT 1 FROM quotes WHERE created_at < $1)
  ), numbered AS (
    SELECT ${COLUMNS}, row_number() OVER (ORDER BY id) - 1 AS idx, count(*) OVER () AS n FROM candidates
  )
  SELECT ${COLUMNS} FROM numbered WHERE idx = $2::bigint % n`;

export class QuoteStore {
  constructor(private readonly pool: Pool) {}

  async quoteOfTheDay(now: Date): Promise<Quote | null> {
    const { rows } = await this.pool.query<QuoteRow>(QUOTE_OF_THE_DAY, [startOfUtcDay(now), utcDayNumber(now)]);
    return rows[0] ? toQuote(rows[0]) : null;
  }

  async list(query: ListQuery): Promise<QuotePage> {
    const { rows } = await this.pool.query<QuoteRow>(
      `SELECT ${COLUMNS} FROM quotes WHERE id > $1 ORDER BY id LIMIT $2`,
      [query.after, query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(toQuote);
    const more = rows.length > query.limit;
    return { items, nextCursor: more ? String(items[items.length - 1].id) : null };
  }

  /** The new quote, or null when the same text by the same author already exists. */
  async create(quote: NewQuote, now: Date): Promise<Quote | null> {
    const { rows } = await this.pool.query<QuoteRow>(
      `INSERT INTO quotes (text, author, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (text, author) DO NOTHING RETURNING ${COLUMNS}`,
      [quote.text, quote.author, now],
    );
    return rows[0] ? toQuote(rows[0]) : null;
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }
}
