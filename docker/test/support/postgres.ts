/**
 * A private PostgreSQL for tests: initdb into a temp dir, pg_ctl start on a free loopback port,
 * trust auth, no fsync. As root it runs the binaries as the `postgres` OS user (postgres refuses
 * to run as root). The Debian package's own cluster (port 5432) is never used.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { freePort } from "./net";

export interface PostgresServer {
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://qod@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  /** Stops the server (fast mode: every connection is cut at once), keeping its data. */
  halt(): void;
  /** Starts it again on the same port after `halt`. */
  restart(): void;
  /** Hangs the server (SIGSTOP to the postmaster and every backend): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

/** The newest PostgreSQL bin dir (`PG_BIN` overrides): /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `npm run setup` (installs the Debian package postgresql) or set PG_BIN");
  }
  return join(root, versions[0], "bin");
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

function runAsPostgres(binary: string, args: string[]): string {
  const [command, ...rest] = isRoot() ? ["runuser", "-u", "postgres", "--", binary, ...args] : [binary, ...args];
  return execFileSync(command, rest, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dataDir = mkdtempSync(join(tmpdir(), "qod-pg-"));
  if (isRoot()) {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dataDir, id("-u"), id("-g"));
  }
  runAsPostgres(join(bin, "initdb"), ["-D", dataDir, "-U", "qod", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dataDir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  const start = () =>
    runAsPostgres(join(bin, "pg_ctl"), ["start", "-D", dataDir, "-w", "-t", "60", "-l", join(dataDir, "server.log"), "-o", options]);
  // fast: clients are cut off at once, but committed data survives (commits here are asynchronous)
  const halt = (mode: "fast" | "immediate") => runAsPostgres(join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", mode, "-w", "-t", "30"]);
  start();
  const url = (database = "postgres") => `postgres://qod@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    dataDir,
    url,
    halt() {
      halt("fast");
    },
    restart() {
      start();
    },
    pause() {
      // the postmaster first, so it forks no new backend meanwhile
      for (const pid of serverProcesses(dataDir)) process.kill(pid, "SIGSTOP");
    },
    resume() {
      for (const pid of serverProcesses(dataDir).reverse()) process.kill(pid, "SIGCONT");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        if (existsSync(join(dataDir, "postmaster.pid"))) halt("immediate");
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The postmaster's pid and those of its children (backends, background workers), from /proc. */
function serverProcesses(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ")"
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

let counter = 0;

/** Creates a database on the server of `admin` (an admin URL) and returns its URL. */
export async function createDatabase(admin: string, prefix = "qod_test"): Promise<string> {
  const name = `${prefix}_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
