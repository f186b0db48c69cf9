/**
 * Pinned Go tools built from the Go module proxy (`go install <module>@v<version>`) into a cache
 * folder of their own (`<cache>/<name>-v<version>`, GOBIN), rebuilt only when the binary there does
 * not report the pinned version. `npm run scan` builds tflint this way, `npm run workflows:check`
 * actionlint. GOTOOLCHAIN=local: the Go on PATH builds, nothing downloads another toolchain.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface GoTool {
  /** The binary's name, also the cache folder's prefix. */
  readonly name: string;
  /** The package `go install` builds, e.g. `github.com/rhysd/actionlint/cmd/actionlint`. */
  readonly pkg: string;
  /** The pinned version without `v`. */
  readonly version: string;
  /** The arguments that make the binary print its version. */
  readonly versionArgs: readonly string[];
  /** The text that version output holds when the binary is the pinned one. */
  readonly expect: string;
}

export const goEnv = (gobin: string): NodeJS.ProcessEnv => ({ ...process.env, GOBIN: gobin, GOTOOLCHAIN: "local" });

/** The output of `binary args` when it ran and exited 0, else undefined. */
export function versionOutput(binary: string, args: readonly string[], env?: NodeJS.ProcessEnv): string | undefined {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, [...args], { encoding: "utf8", env });
  return result.status === 0 ? `${result.stdout}${result.stderr}` : undefined;
}

/**
 * The path of `tool`'s binary in `cache`, built first when it is missing or another version.
 * Throws with go's output when the build fails or the built binary reports another version.
 */
export function ensureGoTool(tool: GoTool, cache: string, say: (line: string) => void): string {
  const dir = join(cache, `${tool.name}-v${tool.version}`);
  const binary = join(dir, tool.name);
  if (versionOutput(binary, tool.versionArgs)?.includes(tool.expect)) return binary;
  say(`building ${tool.name} ${tool.version} into ${dir} (go install, Go module proxy)`);
  mkdirSync(dir, { recursive: true });
  const built = spawnSync("go", ["install", `${tool.pkg}@v${tool.version}`], { encoding: "utf8", env: goEnv(dir), cwd: cache });
  if (built.error) throw new Error(`go install ${tool.pkg}: cannot run go: ${built.error.message}`);
  if (built.status !== 0) throw new Error(`go install ${tool.pkg}@v${tool.version} failed (exit ${built.status}):\n${built.stderr}${built.stdout}`);
  const reported = versionOutput(binary, tool.versionArgs);
  if (!reported?.includes(tool.expect)) throw new Error(`${binary} reports ${JSON.stringify(reported)}, expected ${JSON.stringify(tool.expect)}`);
  return binary;
}
