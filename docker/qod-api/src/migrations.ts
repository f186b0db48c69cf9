/**
 * Schema migrations and the seed data, applied in order, each once, each in its own transaction,
 * under an advisory lock so replicas migrating at the same time do not race.
 */
import type { Pool, PoolClient } from "pg";
import { SEED_QUOTES } from "./seed-quotes";

export interface Migration {
  readonly id: string;
  readonly up: (client: PoolClient) => Promise<void>;
}

/** Seed quotes count as written long ago, so they are eligible as the quote of any day. */
export const SEED_CREATED_AT = "2000-01-01T00:00:00Z";

export const MIGRATIONS: readonly Migration[] = [
  {
    id: "001_create_quotes",
    up: async (client) => {
      await client.query(`
        CREATE TABLE quotes (
          id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 500),
          author text NOT NULL CHECK (char_length(author) BETWEEN 1 AND 100),
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT quotes_text_author_key UNIQUE (text, author)
        )`);
      await client.query("CREATE INDEX quotes_created_at_idx ON quotes (created_at)");
    },
  },
  {
    id: "002_seed_quotes",
    up: async (client) => {
      for (const quote of SEED_QUOTES) {
        await client.query(
          "INSERT INTO quotes (text, author, created_at) VALUES ($1, $2, $3) ON CONFLICT (text, author) DO NOTHING",
          [quote.text, quote.author, SEED_CREATED_AT],
        );
      }
    },
  },
];

const LOCK_KEY = 7_361_002; // arbitrary, constant: pg_advisory_lock key of the qod-api migrations

export interface MigrateResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      await client.query(`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          id text PRIMARY KEY,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
      const done = new Set((await client.query<{ id: string }>("SELECT id FROM schema_migrations")).rows.map((r) => r.id));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.id)) continue;
        await client.query("BEGIN");
        try {
          await migration.up(client);
          await client.query("INSERT INTO schema_migrations (id) VALUES ($1)", [migration.id]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`migration ${migration.id} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        applied.push(migration.id);
      }
      return { applied, alreadyApplied: migrations.map((m) => m.id).filter((id) => done.has(id)) };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
