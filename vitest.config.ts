import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// In CI every run also writes a JSON report named after the npm script that ran it
// (.out/vitest-test.json for `npm test`), which .ci/run reads for the counts.
const jsonReport = `.out/vitest-${(process.env.npm_lifecycle_event ?? "run").replace(/[^\w-]/g, "-")}.json`;

export default defineConfig({
  test: {
    reporters: process.env.CI ? ["default", ["json", { outputFile: jsonReport }]] : ["default"],
    // Both projects run their files in shared workers (`isolate: false` on each project: vitest 4
    // removed `poolOptions` and reads isolation per project). Without it every infra test file
    // re-loaded the provider bindings (measured: the infra project took 45 s instead of 13 s). Each
    // service test starts its own servers and ports, so none depends on a fresh module graph.
    // At least two workers, also on 2 cores (vitest's default there is one): infra's synth-heavy
    // files split over both cores (each worker loads the provider bindings once), and the service
    // files, which mostly wait on their child processes, PostgreSQL and Chromium, run two at a time.
    // Measured on 2 cores (medians of 3): npm test 34.9 s -> 21.5 s, infra alone 16.2 s -> 9.6 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: "infra",
          globals: true,
          include: ["packages/*/test/**/*.test.ts", "apps/**/*.test.ts", "test/**/*.test.ts"],
          setupFiles: ["./test/setup.ts"],
          // Synth-heavy files share one module graph per worker: the provider bindings load once.
          pool: "forks",
          isolate: false,
          testTimeout: 60_000,
        },
      },
      {
        // docker/: the services against real PostgreSQL, Redis and Chromium (see docker/test/global-setup.ts).
        test: {
          name: "services",
          globals: true,
          include: ["docker/*/test/**/*.test.ts", "docker/test/**/*.test.ts"],
          globalSetup: ["./docker/test/global-setup.ts"],
          pool: "forks",
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
