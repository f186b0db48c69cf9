/**
 * vitest globalSetup of the `services` project: builds the services (as their images do) and
 * starts one private PostgreSQL that every test file gets its own database in.
 */
import type { TestProject } from "vitest/node";
import { buildServices } from "./support/build";
import { startPostgres } from "./support/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the shared private PostgreSQL (database `postgres`). */
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgres] = await Promise.all([startPostgres(), buildServices()]);
  project.provide("postgresAdminUrl", postgres.url());
  return () => postgres.stop();
}
