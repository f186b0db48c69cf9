/** A fresh database per test file on the shared private PostgreSQL of the globalSetup. */
import { Client } from "pg";
import { inject } from "vitest";

let counter = 0;

/** Creates a database on the shared server of the globalSetup and returns its URL. */
export function freshDatabase(prefix = "qod_test"): Promise<string> {
  return createDatabase(inject("postgresAdminUrl"), prefix);
}

/** Creates a database on the server of `admin` (an admin URL) and returns its URL. */
export async function createDatabase(admin: string, prefix = "qod_test"): Promise<string> {
  const name = `${prefix}_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
