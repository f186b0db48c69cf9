/** Child processes for tests: the services started exactly as their images start them. */
import { spawn, type ChildProcess } from "node:child_process";
import { answers, waitFor } from "./net";

export interface Child {
  readonly process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGKILL if still running; waits for the exit. */
  kill(): Promise<void>;
}

const running = new Set<Child>();

/**
 * Starts `command` (an exec-form array, as in a Dockerfile CMD) in `cwd` with only `env` (and PATH).
 * `quiet` discards the output instead of keeping it (for long, chatty runs like the benchmark).
 */
export function startChild(command: readonly string[], cwd: string, env: Record<string, string>, quiet = false): Child {
  const [file, ...args] = command;
  const child = spawn(file === "node" ? process.execPath : file, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", quiet ? "ignore" : "pipe", quiet ? "ignore" : "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(handle);
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const handle: Child = {
    process: child,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  running.add(handle);
  return handle;
}

/** Runs `command` to completion (bounded by `timeoutMs`); resolves with its exit code and output. */
export async function runChild(
  command: readonly string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | string; output: string }> {
  const child = startChild(command, cwd, env);
  const timer = setTimeout(() => void child.kill(), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** Waits until `url` answers 200, failing early (with the child's output) if the child exits. */
export async function waitUntilServing(child: Child, url: string): Promise<void> {
  try {
    await waitFor(`${url} to answer 200`, async () => {
      if (child.process.exitCode !== null) throw new Error(`process exited ${child.process.exitCode}`);
      return answers(url);
    });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- output of the process ---\n${child.output()}`);
  }
}

/** Kills every child a test file left running. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill()));
}
