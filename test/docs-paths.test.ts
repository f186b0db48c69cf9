import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { brokenReferences, handWrittenMarkdown, headingAnchors, inlinePaths, relativeLinks, withoutFences } from "./docs-paths";

const REPO = resolve(__dirname, "..");

describe("the hand-written docs point only at what exists", () => {
  const files = handWrittenMarkdown(REPO);

  it("covers the README, docs/ and every package's README", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/disaster-recovery.md");
    expect(files.filter((f) => f.startsWith("docs/adr/")).length).toBeGreaterThanOrEqual(6);
    expect(files).toContain("packages/workloads/README.md");
    expect(files.some((f) => f.startsWith("modules/"))).toBe(false);
  });

  it.each(files)("%s: every relative link (and its #anchor) and every repository path in inline code exists", (file) => {
    expect(brokenReferences(REPO, file)).toEqual([]);
  });
});

describe("the reference finder", () => {
  it("computes GitHub's heading anchors, repeats numbered", () => {
    const anchors = headingAnchors(["# qod-platform: a typed EKS platform", "## Services (`docker/`)", "## Two ways: cdktf, or HCL", "### Notes", "### Notes", "```", "# not a heading", "```"].join("\n"));
    expect([...anchors]).toEqual(["qod-platform-a-typed-eks-platform", "services-docker", "two-ways-cdktf-or-hcl", "notes", "notes-1"]);
  });

  it("finds relative links and images outside code, never URLs", () => {
    const md = ["See [the runbook](docs/dr.md#restore) and ![diagram](docs/a.png).", "A URL [x](https://example.com), `[no](code.md)`.", "```", "[fenced](nope.md)", "```"].join("\n");
    expect(relativeLinks(md)).toEqual([
      { target: "docs/dr.md#restore", line: 1 },
      { target: "docs/a.png", line: 1 },
    ]);
    expect(withoutFences(md)).not.toContain("fenced");
  });

  it("takes inline code that starts at a checked root as a path, placeholders and globs excepted", () => {
    expect(inlinePaths("`apps/platform.ts`, `packages/<name>/src/config.ts`, `docs/adr/*.md`, `cdktf.out/stacks`, `scripts/x.ts:12`, `npm run synth`")).toEqual([
      "apps/platform.ts",
      "scripts/x.ts",
    ]);
  });

  it("reports a missing file, a missing anchor and a missing inline path, and accepts what exists", () => {
    const repo = mkdtempSync(join(tmpdir(), "docs-paths-"));
    mkdirSync(join(repo, "docs"));
    writeFileSync(join(repo, "docs/target.md"), "# Target\n## Restore procedures\n");
    writeFileSync(
      join(repo, "README.md"),
      "[ok](docs/target.md#restore-procedures) [gone](docs/gone.md) [anchor](docs/target.md#nope) [self](#missing) `docs/target.md` `apps/none.ts`\n",
    );
    expect(brokenReferences(repo, "README.md")).toEqual([
      { file: "README.md", reference: "docs/gone.md (line 1)", why: "docs/gone.md does not exist" },
      { file: "README.md", reference: "docs/target.md#nope (line 1)", why: "docs/target.md has no heading with anchor #nope" },
      { file: "README.md", reference: "#missing (line 1)", why: "README.md has no heading with anchor #missing" },
      { file: "README.md", reference: "`apps/none.ts`", why: "no such file or directory in the repository" },
    ]);
    // A package's README may name its own files relative to its directory.
    mkdirSync(join(repo, "packages/p/test"), { recursive: true });
    writeFileSync(join(repo, "packages/p/test/a.test.ts"), "");
    writeFileSync(join(repo, "packages/p/README.md"), "`test/a.test.ts` `test/b.test.ts` [root](../../docs/target.md)\n");
    expect(brokenReferences(repo, "packages/p/README.md").map((b) => b.reference)).toEqual(["`test/b.test.ts`"]);
  });
});
