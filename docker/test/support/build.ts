/**
 * Builds the services the way their images do (each package's `build` script: tsc), so tests run
 * the same `dist/` commands the Dockerfiles and compose file run.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export const REPO_ROOT = resolve(__dirname, "../../..");
export const API_DIR = join(REPO_ROOT, "docker/qod-api");
export const UI_DIR = join(REPO_ROOT, "docker/ui");

const run = promisify(execFile);
const TSC = join(REPO_ROOT, "node_modules/typescript/bin/tsc");

/** The `tsc -p <config>` invocations of a package's `build` script (the only form it may take). */
export function buildSteps(packageDir: string): string[][] {
  const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.build ?? "";
  return script.split("&&").map((step) => {
    const words = step.trim().split(/\s+/);
    if (words[0] !== "tsc") throw new Error(`${packageDir}/package.json build: got step ${JSON.stringify(step.trim())}; allowed: tsc -p <tsconfig>`);
    return words.slice(1);
  });
}

/** Runs every package's build script (tsc) and fails with the compiler output on error. */
export async function buildServices(): Promise<void> {
  await Promise.all(
    [API_DIR, UI_DIR].flatMap((dir) =>
      buildSteps(dir).map(async (args) => {
        try {
          await run(process.execPath, [TSC, ...args], { cwd: dir });
        } catch (error) {
          const output = typeof error === "object" && error !== null && "stdout" in error ? String(error.stdout) : "";
          throw new Error(`build of ${dir} (tsc ${args.join(" ")}) failed:\n${output}`);
        }
      }),
    ),
  );
}
