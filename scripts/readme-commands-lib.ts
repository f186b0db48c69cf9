/**
 * The commands the README names, and which of them CI runs (`scripts/readme-commands.ts`): the
 * promise is that every command a reader copies works in a fresh shell after the quick start.
 */

/** How a README command line starts when it is one a reader would run. */
const COMMAND_START = /^(?:[A-Z_]+=\S+ )*(?:npm|npx|pnpm|node|tsx|cdktf|terraform|docker|corepack|cd|git|aws|kubectl|python3?|go) \S/;

/**
 * Every command in the README, in order, once each: the lines of ```sh blocks (comments dropped)
 * and inline code spans that read as commands.
 */
export function readmeCommands(markdown: string): string[] {
  const found: string[] = [];
  const fences = /^ *```(\w*)\n([\s\S]*?)^ *```/gm;
  for (const block of markdown.matchAll(fences)) {
    if (!["sh", "bash", "shell"].includes(block[1])) continue;
    for (const raw of block[2].split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      if (line && !line.startsWith("#")) found.push(line);
    }
  }
  const prose = markdown.replace(fences, "");
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) {
    const code = span[1].trim();
    if (COMMAND_START.test(code) && !code.includes("…") && !/<[a-z-]+>/.test(code)) found.push(code);
  }
  return [...new Set(found)];
}

/** A command CI does not run, and why (it needs what these machines do not have). */
export interface NotRun {
  readonly pattern: RegExp;
  readonly why: string;
}

export const NOT_RUN: readonly NotRun[] = [
  { pattern: /\bcdktf (-- )?(deploy|diff|destroy)\b/, why: "needs AWS credentials and an account" },
  { pattern: /(^|&& )(terraform (init|plan|apply)\b|aws |kubectl )/, why: "needs AWS credentials, an account or a cluster" },
  { pattern: /^go install /, why: "what `npm run scan` does to build the scanners (pinned, cached), quoted to explain it" },
  { pattern: /^pnpm deploy --prod/, why: "a step inside the image build, quoted to explain it (the Dockerfile replay test runs it)" },
  { pattern: /^docker\b/, why: "needs a Docker engine (the compose file and Dockerfiles are checked by the service tests)" },
  { pattern: /POSTGRES_URL=postgres:\/\/\.\.\./, why: "needs the reader's own PostgreSQL (the service tests start their own)" },
  { pattern: /dist\/server\/main\.js serve$/, why: "starts a server that runs until stopped (the service tests run it)" },
];

/** Why CI does not run `command`, or undefined when it does. */
export function whyNotRun(command: string): string | undefined {
  return NOT_RUN.find((n) => n.pattern.test(command))?.why;
}

/**
 * The environment of a fresh login shell on a machine with only Node.js and npm: HOME, the
 * system PATH (no node_modules/.bin, no tools a CI step put there), locale, CI itself so tests
 * keep their CI strictness (snapshots are never written), and the colour switches (log
 * readability only). Nothing else carries over.
 */
export function freshShellEnvironment(env: NodeJS.ProcessEnv, systemPath: string): NodeJS.ProcessEnv {
  const keep = ["HOME", "USER", "LANG", "TMPDIR", "CI", "NO_COLOR", "FORCE_COLOR"] as const;
  const fresh: NodeJS.ProcessEnv = { PATH: systemPath, TERM: "dumb" };
  for (const key of keep) if (env[key] !== undefined) fresh[key] = env[key];
  return fresh;
}

/** PATH without the entries a package manager or a build added (node_modules/.bin, caches). */
export function systemPath(path: string): string {
  return path
    .split(":")
    .filter((dir) => dir && !dir.includes("node_modules") && !dir.includes("qod-scanners") && !dir.includes("/.out/"))
    .join(":");
}
