import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `core` holds only what every package shares (naming, tags, versions, regions, CIDR math,
 * problems and errors, the backend, `EnvironmentStack`). What a package's section is about
 * belongs to that package: `core` never learns it.
 */
const SRC = resolve(__dirname, "../src");
const PACKAGE_VOCABULARY = /node ?groups?|databases?|backups?|repositor(?:y|ies)/i;

describe("core's scope", () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith(".ts"));

  it.each(files)("%s does not mention what a package's section is about", (file) => {
    const lines = readFileSync(join(SRC, file), "utf8").split("\n");
    const mentions = lines.map((line, i) => [i + 1, line.trim()] as const).filter(([, line]) => PACKAGE_VOCABULARY.test(line));
    expect(mentions).toEqual([]);
  });
});
