import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/commands";
import { API_DIR } from "../../test/support/build";
import { freePort } from "../../test/support/net";
import { runChild } from "../../test/support/processes";

// The built entry point (`node dist/main.js`, as the image runs it) refusing bad input.
const main = (args: string[], env: Record<string, string>) => runChild(["node", "dist/main.js", ...args], API_DIR, env);

describe("node dist/main.js", () => {
  it("fails to start with bad configuration: exit 1, every bad variable named on stderr, passwords masked", async () => {
    const { code, output } = await main(["serve"], { POSTGRES_URL: "mysql://app:topsecret@db/qod", PORT: "80a" });
    expect(code).toBe(1);
    expect(output).toContain('POSTGRES_URL: got "mysql://app:***@db/qod"; allowed: a URL starting with postgres:// or postgresql://');
    expect(output).toContain("REDIS_URL: missing; allowed:");
    expect(output).toContain('PORT: got "80a"; allowed: an integer from 1 to 65535');
    expect(output).not.toContain("topsecret");
  });

  it("fails migrate without POSTGRES_URL, naming it", async () => {
    const { code, output } = await main(["migrate"], {});
    expect(code).toBe(1);
    expect(output).toContain("POSTGRES_URL: missing");
  });

  it("fails the healthcheck when nothing answers on PORT", async () => {
    const { code } = await main(["healthcheck"], { PORT: String(await freePort()) });
    expect(code).toBe(1);
  });

  it("refuses an unknown command, listing the allowed ones", async () => {
    const { code, output } = await main(["serv"], {});
    expect(code).toBe(1);
    expect(output).toContain(`command: got "serv"; allowed: ${COMMANDS.join(", ")}`);
  });
});
