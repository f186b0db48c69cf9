import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { platform } from "../apps/platform";
import { CdktfIo, cdktfEnvironment, runCdktf } from "../scripts/cdktf";
import { freshShellEnvironment, readmeCommands, systemPath, whyNotRun } from "../scripts/readme-commands-lib";

const REPO = resolve(__dirname, "..");
const README = readFileSync(join(REPO, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));

describe("the commands the README names", () => {
  it("are found in sh blocks (indented too, comments dropped) and in inline code, once each", () => {
    const markdown = [
      "Run `npm run synth` or `npm test`; the output is in `cdktf.out` (not a command), see `node:http`.",
      "```sh",
      "npm run setup && npm test   # the tests",
      "# a comment line",
      "```",
      "- In a list:",
      "  ```sh",
      "  npm run build:services",
      "  ```",
      "```",
      "Synthesized 7 stacks (output, not a command block)",
      "```",
      "Again: `npm test`, and a placeholder `npm run cdktf -- <command>`.",
    ].join("\n");
    expect(readmeCommands(markdown)).toEqual(["npm run setup && npm test", "npm run build:services", "npm run synth", "npm test"]);
  });

  it("are each either run by CI or excused with a reason, and CI runs the quick start, the tests and the synth", () => {
    const commands = readmeCommands(README);
    const run = commands.filter((c) => whyNotRun(c) === undefined);
    for (const command of ["npm run setup && npm run synth", "npm run setup && npm test", "npm run test:infra", "npm run scan", "npm run bench"]) {
      expect(run, command).toContain(command);
    }
    for (const command of commands.filter((c) => whyNotRun(c) !== undefined)) {
      expect(command, whyNotRun(command)).toMatch(/\b(deploy|diff|destroy|terraform|aws|kubectl|docker|POSTGRES_URL|serve$|go install|pnpm deploy --prod)\b/);
    }
  });

  it("that CI runs need nothing on the PATH but Node.js and npm (pinned tools come through npm run or npx)", () => {
    for (const command of readmeCommands(README).filter((c) => whyNotRun(c) === undefined)) {
      for (const part of command.split("&&").map((p) => p.trim().replace(/^([A-Z_]+=\S+ )+/, ""))) {
        expect(part, command).toMatch(/^(npm|npx|node|cd) /);
      }
    }
  });
});

describe("a fresh shell", () => {
  it("keeps HOME and CI, and drops node_modules/.bin, scanner caches and everything else", () => {
    const path = systemPath("/repo/node_modules/.bin:/root/.cache/qod-scanners/tflint-v0.64.0:/usr/local/bin:/usr/bin:/bin");
    expect(path).toBe("/usr/local/bin:/usr/bin:/bin");
    expect(freshShellEnvironment({ HOME: "/root", CI: "true", CHECKPOINT_DISABLE: "1", npm_config_x: "y" }, path)).toEqual({
      HOME: "/root",
      CI: "true",
      PATH: path,
      TERM: "dumb",
    });
  });
});

describe("the pinned pnpm", () => {
  it("is the same version in packageManager, npm run setup and the dev dependency npx runs", () => {
    const version = /^pnpm@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager)![1];
    expect(pkg.scripts.setup).toContain(`pnpm@${version} install --frozen-lockfile`);
    expect(pkg.devDependencies.pnpm).toBe("catalog:");
    expect(String(parse(readFileSync(join(REPO, "pnpm-workspace.yaml"), "utf8")).catalog.pnpm)).toBe(version);
  });
});

describe("npm run cdktf -- <command>", () => {
  const calls: { args: readonly string[]; env: NodeJS.ProcessEnv }[] = [];
  let printed = "";
  const io: CdktfIo = {
    stderr: (text) => void (printed += text),
    cdktf: (args, env) => (calls.push({ args, env }), { status: 0 }),
  };

  it("prints each config problem once and never starts cdktf on bad config", () => {
    const [first, ...rest] = platform.environments;
    const broken = { ...platform, environments: [{ ...first, vpcCidr: "8.8.0.0/16" }, ...rest] };
    expect(runCdktf(["synth"], broken, io)).toBe(1);
    expect(printed.split(`${first.name}.vpcCidr: got "8.8.0.0/16"`)).toHaveLength(2);
    expect(printed).toContain("cdktf was not run");
    expect(calls).toEqual([]);
  });

  it("runs cdktf with the arguments and the checkpoint call off, unless the caller set it", () => {
    expect(runCdktf(["deploy", "dev-infra"], platform, io)).toBe(0);
    expect(calls[0].args).toEqual(["deploy", "dev-infra"]);
    expect(calls[0].env.CHECKPOINT_DISABLE).toBe("1");
    expect(cdktfEnvironment({ CHECKPOINT_DISABLE: "" }).CHECKPOINT_DISABLE).toBe("");
  });
});
