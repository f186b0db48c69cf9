/** A fresh database per test file on the shared private PostgreSQL of the globalSetup. */
import { inject } from "vitest";
import { createDatabase } from "./postgres";

/** Creates a database on the shared server of the globalSetup and returns its URL. */
export function freshDatabase(prefix = "qod_test"): Promise<string> {
  return createDatabase(inject("postgresAdminUrl"), prefix);
}
