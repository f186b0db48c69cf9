/**
 * `npm run setup`, second step: installs the Debian packages the service tests run for real
 * (PostgreSQL, Redis, Chromium) and the checks need (shellcheck, python3-venv) when they are
 * missing. Skips what is installed; does nothing on a machine without apt-get or dpkg (it says
 * what to install instead). Non-interactive.
 */
import { spawnSync } from "node:child_process";

/** Debian package → why the tests need it. */
export const SYSTEM_PACKAGES: Readonly<Record<string, string>> = {
  postgresql: "qod-api tests run a private PostgreSQL (initdb + pg_ctl) on loopback",
  "redis-server": "qod-api tests run private redis-server processes on loopback",
  "fonts-dejavu-core": "the browser test's screenshot needs a font to render text",
  chromium: "the ui browser test drives Debian's Chromium with playwright-core",
  shellcheck: "npm run workflows:check: actionlint checks the workflows' run: scripts with it",
  "python3-venv": "npm run scan installs checkov into a virtual environment (python3 -m venv needs ensurepip)",
  graphviz: "npm run diagram renders docs/architecture/*.svg and *.png with its dot; npm run diagram:check re-renders them to compare",
};

function run(command: string, args: readonly string[], options: { quiet?: boolean } = {}) {
  return spawnSync(command, args, {
    stdio: options.quiet ? "pipe" : "inherit",
    encoding: "utf8",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** True when dpkg reports the package as installed. */
export function isInstalled(pkg: string): boolean {
  const r = run("dpkg-query", ["-W", "-f=${Status}", pkg], { quiet: true });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function hasCommand(command: string): boolean {
  return run("sh", ["-c", `command -v ${command}`], { quiet: true }).status === 0;
}

function main(): void {
  if (process.env.QOD_SKIP_SYSTEM_PACKAGES === "1") {
    process.stdout.write("setup-system: QOD_SKIP_SYSTEM_PACKAGES=1, not checking Debian packages\n");
    return;
  }
  const wanted = Object.keys(SYSTEM_PACKAGES);
  if (!hasCommand("dpkg-query") || !hasCommand("apt-get")) {
    process.stdout.write(
      `setup-system: no apt-get/dpkg here; install these yourself for the service tests: ${wanted.join(", ")}\n`,
    );
    return;
  }
  const missing = wanted.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) {
    process.stdout.write(`setup-system: already installed: ${wanted.join(", ")}\n`);
    return;
  }
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const sudo = isRoot ? [] : hasCommand("sudo") ? ["sudo", "-n"] : null;
  if (sudo === null) {
    process.stderr.write(
      `setup-system: missing ${missing.join(", ")} and not root (no sudo): run as root: apt-get install -y ${missing.join(" ")}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `setup-system: installing ${missing.map((p) => `${p} (${SYSTEM_PACKAGES[p]})`).join("; ")}\n`,
  );
  const apt = (args: string[]) => {
    const [command, ...rest] = [...sudo, "apt-get", ...args];
    const r = run(command, rest);
    if (r.status !== 0) {
      process.stderr.write(`setup-system: apt-get ${args.join(" ")} failed (exit ${r.status})\n`);
      process.exit(1);
    }
  };
  apt(["update", "-qq"]);
  apt(["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  const stillMissing = missing.filter((pkg) => !isInstalled(pkg));
  if (stillMissing.length > 0) {
    process.stderr.write(`setup-system: still missing after apt-get: ${stillMissing.join(", ")}\n`);
    process.exit(1);
  }
}

if (require.main === module) main();
