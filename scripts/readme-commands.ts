/**
 * CI's "every README command works" step: runs each command README.md names, in README order,
 * each in a fresh shell (`bash -c` with the environment of a new login: system PATH, HOME, no
 * node_modules/.bin), from the repository root, and fails if one fails. Commands that need AWS,
 * Docker or the reader's own database are listed with the reason (`NOT_RUN` in
 * readme-commands-lib.ts) and skipped.
 *
 *   tsx scripts/readme-commands.ts          run them
 *   tsx scripts/readme-commands.ts --list   only print what would run and what would not
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freshShellEnvironment, readmeCommands, systemPath, whyNotRun } from "./readme-commands-lib";

const REPO = resolve(__dirname, "..");

function main(listOnly: boolean): number {
  const commands = readmeCommands(readFileSync(join(REPO, "README.md"), "utf8"));
  const env = freshShellEnvironment(process.env, systemPath(process.env.PATH ?? ""));
  const results: string[] = [];
  let failed = 0;
  for (const command of commands) {
    const why = whyNotRun(command);
    if (why) {
      results.push(`  not run  ${command}  (${why})`);
      continue;
    }
    if (listOnly) {
      results.push(`  run      ${command}`);
      continue;
    }
    process.stdout.write(`\n--- README: ${command}\n`);
    const started = Date.now();
    const run = spawnSync("bash", ["-c", command], { cwd: REPO, env, stdio: "inherit" });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const ok = run.status === 0;
    if (!ok) failed += 1;
    results.push(`  ${ok ? "ok     " : "FAILED "}  ${command}  (${seconds} s${ok ? "" : `, exit ${run.status ?? run.signal}`})`);
  }
  process.stdout.write(`\nREADME commands (${commands.length}), each in a fresh shell:\n${results.join("\n")}\n`);
  if (failed > 0) process.stderr.write(`${failed} README command(s) failed\n`);
  return failed > 0 ? 1 : 0;
}

process.exit(main(process.argv.includes("--list")));
