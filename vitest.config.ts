import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globals: true,
    include: ["packages/*/test/**/*.test.ts", "apps/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // Synth-heavy files share one module graph per worker: the provider bindings load once.
    pool: "forks",
    isolate: false,
    testTimeout: 60_000,
    reporters: ["default"],
  },
});
