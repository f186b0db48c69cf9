/**
 * Replays a Dockerfile without a Docker engine: the build stage's COPY and RUN steps run in a temp
 * dir standing in for the image filesystem (pnpm offline, from the store `npm run setup` filled),
 * and the runtime stage's `COPY --from=build` lays out the final `/app`. Tests then run the image's
 * CMD and HEALTHCHECK in that directory, so they exercise the files the image would really hold.
 */
import { execFile } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { lastInstruction, parseDockerfile, type Stage } from "./dockerfile";
import { REPO_ROOT } from "./build";

const exec = promisify(execFile);

export interface ReplayedImage {
  /** The runtime stage's WORKDIR, as a directory on this machine. */
  readonly appDir: string;
  readonly runtime: Stage;
  remove(): void;
}

/** The pnpm version pinned for the repository (`packageManager` of the root package.json). */
export function pinnedPnpm(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { packageManager: string };
  return pkg.packageManager.replace(/^pnpm@/, "");
}

// The build stage's `node` is the one running the tests (npx and the tools it starts find it first);
// npm and pnpm stay offline (the store `npm run setup` filled has everything).
const REPLAY_ENV = { npm_config_offline: "true", CI: "true" };
let pnpmBin: Promise<string> | undefined;

/**
 * The pinned pnpm's executable as npx installs it (offline, in npx's cache), looked up once per
 * process: the replay's RUN steps call it directly instead of paying npx's start-up on every step.
 */
function pinnedPnpmBin(): Promise<string> {
  pnpmBin ??= exec("npx", ["--yes", "--package", `pnpm@${pinnedPnpm()}`, "-c", "command -v pnpm"], {
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, ...REPLAY_ENV },
  }).then(({ stdout }) => {
    const bin = stdout.trim().split("\n").pop() ?? "";
    if (!isAbsolute(bin)) throw new Error(`npx did not give the path of pnpm@${pinnedPnpm()}: ${JSON.stringify(stdout)}`);
    return bin;
  });
  return pnpmBin;
}

export async function replayImage(dockerfile: string): Promise<ReplayedImage> {
  const stages = parseDockerfile(readFileSync(dockerfile, "utf8"));
  const build = stages.find((s) => s.name === "build");
  const runtime = stages[stages.length - 1];
  if (!build || build === runtime) throw new Error(`${dockerfile}: needs a "build" stage before the runtime stage`);
  const root = mkdtempSync(join(tmpdir(), "qod-image-"));
  const inImage = (path: string, cwd: string) => join(root, isAbsolute(path) ? path : join(cwd, path));

  // `pnpm` inside the replay: the pinned version through npx, offline (no registry needed).
  const shims = join(root, ".shims");
  mkdirSync(shims);
  writeFileSync(join(shims, "pnpm"), `#!/bin/sh\nexec "${await pinnedPnpmBin()}" "$@"\n`);
  chmodSync(join(shims, "pnpm"), 0o755);
  const env = { ...process.env, PATH: `${shims}:${dirname(process.execPath)}:${process.env.PATH}`, ...REPLAY_ENV };

  let cwd = "/";
  for (const { keyword, args, line } of build.instructions) {
    if (keyword === "WORKDIR") {
      cwd = args;
      mkdirSync(inImage(cwd, "/"), { recursive: true });
    } else if (keyword === "COPY") {
      const parts = args.split(/\s+/);
      const dest = parts.pop() ?? ".";
      for (const source of parts) {
        const target = dest.endsWith("/") || parts.length > 1 ? join(inImage(dest, cwd), source.split("/").pop() ?? "") : inImage(dest, cwd);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(REPO_ROOT, source), target, { recursive: true });
      }
    } else if (keyword === "RUN") {
      if (/^npm install -g pnpm@\S+$/.test(args)) continue; // the shim stands in for the global pnpm
      // Absolute paths of the image (/out, /repo) live under the replay root.
      const command = args.replace(/(^|\s)\/(?=[a-z])/g, `$1${root}/`);
      try {
        await exec("sh", ["-c", command], { cwd: inImage(cwd, "/"), env, maxBuffer: 16 * 1024 * 1024 });
      } catch (error) {
        const out = typeof error === "object" && error !== null && "stdout" in error && "stderr" in error ? `${error.stdout}${error.stderr}` : String(error);
        throw new Error(`${dockerfile}:${line}: RUN ${args} failed:\n${out}`);
      }
    } else if (keyword !== "ENV" && keyword !== "ARG") {
      throw new Error(`${dockerfile}:${line}: the replay does not know ${keyword} in the build stage`);
    }
  }

  const workdir = lastInstruction(runtime, "WORKDIR")?.args ?? "/";
  const appDir = inImage(workdir, "/");
  mkdirSync(appDir, { recursive: true });
  for (const { keyword, args } of runtime.instructions) {
    if (keyword !== "COPY") continue;
    const match = /^--from=build\s+(\S+)\s+(\S+)$/.exec(args);
    if (!match) throw new Error(`${dockerfile}: runtime COPY must be "--from=build <path> <dest>", got ${args}`);
    cpSync(join(root, match[1]), inImage(match[2], workdir), { recursive: true });
  }
  return { appDir, runtime, remove: () => rmSync(root, { recursive: true, force: true }) };
}
