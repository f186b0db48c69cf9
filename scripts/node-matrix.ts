/**
 * `npm run test:node`: the Node.js matrix, each release fetched once from the npm registry
 * (scripts/node-runtime.ts):
 *   - the synth and the infrastructure tests on the oldest and the newest Node the tooling
 *     supports (TOOLING_NODE in scripts/service-node.ts);
 *   - the services' tests on the services' own release (SERVICE_NODE_VERSION, the Dockerfiles' base).
 * The machine's own Node runs everything through `npm test`. Stops at the first failure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureNodeRuntime, envFor } from "./node-runtime";
import { SERVICE_NODE_VERSION, TOOLING_NODE } from "./service-node";

const REPO = resolve(__dirname, "..");
const VITEST = join(REPO, "node_modules/vitest/vitest.mjs");
const TSX = join(REPO, "node_modules/tsx/dist/cli.mjs");

/** What runs on which release, in order. */
export function matrix(): { version: string; what: string; args: string[] }[] {
  const tooling = [...new Set([TOOLING_NODE.oldest, TOOLING_NODE.newest])];
  return [
    ...tooling.flatMap((version) => [
      { version, what: "synth", args: [TSX, "apps/main.ts"] },
      { version, what: "infrastructure tests", args: [VITEST, "run", "--project", "infra"] },
    ]),
    { version: SERVICE_NODE_VERSION, what: "services tests", args: [VITEST, "run", "--project", "services"] },
  ];
}

function main(): number {
  const outdir = mkdtempSync(join(tmpdir(), "qod-node-matrix-"));
  const results: string[] = [];
  try {
    for (const { version, what, args } of matrix()) {
      const node = ensureNodeRuntime(version);
      process.stdout.write(`\n--- node ${version}: ${what}\n`);
      const started = Date.now();
      const run = spawnSync(node, args, {
        cwd: REPO,
        stdio: "inherit",
        env: { ...envFor(node), SYNTH_OUTDIR: join(outdir, `cdktf.out-${version}`) },
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      results.push(`  node ${version.padEnd(8)} ${what.padEnd(22)} ${run.status === 0 ? "ok" : "FAILED"} (${seconds} s)`);
      if (run.status !== 0) break;
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  process.stdout.write(`\nNode matrix:\n${results.join("\n")}\n`);
  return results.every((r) => r.includes(" ok ")) && results.length === matrix().length ? 0 : 1;
}

if (require.main === module) process.exit(main());
