import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesizedPlatform } from "../apps/test/synthesized";

/**
 * docs/adr: the records' names, numbers, titles and sections, the index in docs/adr/README.md,
 * and the claims a record can get wrong without anyone noticing: every Terraform resource type it
 * names as built (in inline code, outside the sections that describe options not taken) must be
 * in the synthesized stacks, every `npm run` script in package.json, every "ADR NNNN" a record.
 */
const ROOT = resolve(__dirname, "..");
const ADR_DIR = join(ROOT, "docs/adr");
const FILE_NAME = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/;
const STATUS_LINE = /^Date: \d{4}-\d{2}-\d{2}\. Status: (accepted|proposed|deprecated|superseded by ADR \d{4})\.$/m;
const REQUIRED_SECTIONS = ["Context", "Decision", "Consequences"];
/** Records from this number on also weigh the alternatives in a section of their own. */
const ALTERNATIVES_FROM = 7;
/** Sections that describe options not taken or not yet built: the types they name need not exist. */
const isHypothetical = (heading: string) => heading === "Context" || heading.startsWith("Alternatives") || heading.startsWith("When ");
const RESOURCE_TYPE = /\b(aws_[a-z0-9_]+|kubernetes_[a-z0-9_]+|helm_release)\b/g;

interface AdrFile {
  readonly file: string;
  readonly number: number;
  readonly text: string;
}

interface ParsedAdr {
  readonly title?: string;
  readonly status?: string;
  /** Level-2 headings in order, each with its text. */
  readonly sections: readonly { heading: string; body: string }[];
  /** Everything before the first section (title and status line). */
  readonly preamble: string;
}

function parseAdr(text: string, number: number): ParsedAdr {
  const title = new RegExp(`^# ${number}\\. (.+)$`).exec(text.split("\n")[0])?.[1];
  const status = STATUS_LINE.exec(text)?.[1];
  const parts = text.split(/^## /m);
  const sections = parts.slice(1).map((part) => {
    const newline = part.indexOf("\n");
    return { heading: part.slice(0, newline).trim(), body: part.slice(newline + 1) };
  });
  return { title, status, sections, preamble: parts[0] };
}

/** The problems of one record's form, as readable strings (empty when it is well formed). */
function formProblems(adr: AdrFile): string[] {
  const parsed = parseAdr(adr.text, adr.number);
  const problems: string[] = [];
  if (!parsed.title) problems.push(`${adr.file}: the first line must be "# ${adr.number}. <title>"`);
  if (!parsed.status) problems.push(`${adr.file}: needs a line "Date: YYYY-MM-DD. Status: accepted." (or proposed, deprecated, superseded by ADR NNNN)`);
  const headings = parsed.sections.map((s) => s.heading);
  const required = adr.number >= ALTERNATIVES_FROM ? [...REQUIRED_SECTIONS, "Alternatives considered"] : REQUIRED_SECTIONS;
  for (const section of required) {
    if (!headings.includes(section)) problems.push(`${adr.file}: no "## ${section}" section (has: ${headings.join(", ") || "none"})`);
  }
  const order = REQUIRED_SECTIONS.map((s) => headings.indexOf(s));
  if (order.every((i) => i >= 0) && !order.every((i, k) => k === 0 || i > order[k - 1])) {
    problems.push(`${adr.file}: sections must come in the order ${REQUIRED_SECTIONS.join(", ")} (has: ${headings.join(", ")})`);
  }
  return problems;
}

/** The resource types a record names in inline code where it describes what is built. */
function namedResourceTypes(text: string, number: number): string[] {
  const parsed = parseAdr(text, number);
  const checked = [parsed.preamble, ...parsed.sections.filter((s) => !isHypothetical(s.heading)).map((s) => s.body)].join("\n");
  const code = [...checked.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return [...new Set(code.flatMap((c) => [...c.matchAll(RESOURCE_TYPE)].map((m) => m[1])))];
}

/** `npm run <script>` anywhere in the text. */
const namedScripts = (text: string): string[] => [...new Set([...text.matchAll(/npm run ([a-z0-9:_-]+)/g)].map((m) => m[1]))];

/** Rows of the index table: number (as written), link target, title, status. */
function indexRows(index: string): { number: string; target: string; title: string; status: string }[] {
  return [...index.matchAll(/^\| \[(\d{4})\]\(([^)]+)\) \| (.+?) \| ([^|]+?) \| .+ \|$/gm)].map((m) => ({
    number: m[1],
    target: m[2],
    title: m[3],
    status: m[4],
  }));
}

function readAdrs(): { adrs: AdrFile[]; badNames: string[] } {
  const names = readdirSync(ADR_DIR).filter((f) => f.endsWith(".md") && f !== "README.md").sort();
  const badNames = names.filter((f) => !FILE_NAME.test(f));
  const adrs = names
    .filter((f) => FILE_NAME.test(f))
    .map((file) => ({ file, number: Number(FILE_NAME.exec(file)![1]), text: readFileSync(join(ADR_DIR, file), "utf8") }));
  return { adrs, badNames };
}

describe("docs/adr", () => {
  const { adrs, badNames } = readAdrs();
  const index = readFileSync(join(ADR_DIR, "README.md"), "utf8");

  it("names every record NNNN-kebab-title.md, numbered from 0001 without gaps", () => {
    expect(badNames, "files in docs/adr that are not NNNN-kebab-title.md").toEqual([]);
    expect(adrs.length).toBeGreaterThanOrEqual(13);
    expect(adrs.map((a) => a.number)).toEqual(adrs.map((_, i) => i + 1));
  });

  it("gives every record its numbered title, a status line and the sections a decision needs", () => {
    expect(adrs.flatMap(formProblems)).toEqual([]);
  });

  it("lists every record in the index exactly once, with its title and status", () => {
    const rows = indexRows(index);
    for (const adr of adrs) {
      const parsed = parseAdr(adr.text, adr.number);
      const matching = rows.filter((r) => r.target === adr.file);
      expect(matching.length, `${adr.file}: index rows linking it`).toBe(1);
      expect(matching[0]).toEqual({ number: adr.file.slice(0, 4), target: adr.file, title: parsed.title, status: parsed.status });
    }
    expect(rows.length, "index rows for records that do not exist").toBe(adrs.length);
  });

  it("names only resource types that the synthesized stacks contain", () => {
    const present = new Set(synthesizedPlatform().stacks.flatMap((s) => [...Object.keys(s.json.resource ?? {}), ...Object.keys(s.json.data ?? {})]));
    const named = adrs.flatMap((adr) => namedResourceTypes(adr.text, adr.number).map((type) => ({ file: adr.file, type })));
    expect(named.length, "resource types named across the records").toBeGreaterThan(20);
    expect(named.filter((n) => !present.has(n.type)).map((n) => `${n.file}: ${n.type}`)).toEqual([]);
  });

  it("names only npm scripts that package.json defines", () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const named = [index, ...adrs.map((a) => a.text)].flatMap(namedScripts);
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((s) => !(s in scripts))).toEqual([]);
  });

  it("refers only to records that exist", () => {
    const numbers = new Set(adrs.map((a) => a.file.slice(0, 4)));
    const refs = [index, ...adrs.map((a) => a.text)].flatMap((text) => [...text.matchAll(/\bADR (\d{4})\b/g)].map((m) => m[1]));
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((n) => !numbers.has(n))).toEqual([]);
  });
});

describe("the ADR checks themselves", () => {
  const good = ["# 7. A title", "", "Date: 2026-11-23. Status: accepted.", "", "## Context", "x `aws_nope`", "## Decision", "`aws_vpc` and `helm_release`", "## Consequences", "`kubernetes_ingress_v1`", "## Alternatives considered", "`kubernetes_manifest`"].join("\n");

  it("accepts a well-formed record", () => {
    expect(formProblems({ file: "0007-a-title.md", number: 7, text: good })).toEqual([]);
  });

  it("fails when the title's number, the status line, a section or the order is wrong", () => {
    expect(formProblems({ file: "0007-a-title.md", number: 8, text: good })[0]).toMatch(/"# 8\. <title>"/);
    expect(formProblems({ file: "0007-a-title.md", number: 7, text: good.replace("Status: accepted.", "Status: maybe.") })[0]).toMatch(/Status/);
    expect(formProblems({ file: "0007-a-title.md", number: 7, text: good.replace("## Consequences", "## Results") })[0]).toMatch(/no "## Consequences"/);
    expect(formProblems({ file: "0007-a-title.md", number: 7, text: good.replace("## Alternatives considered", "## Others") })[0]).toMatch(/Alternatives considered/);
    const swapped = good.replace("## Context", "## TMP").replace("## Decision", "## Context").replace("## TMP", "## Decision");
    expect(formProblems({ file: "0007-a-title.md", number: 7, text: swapped })[0]).toMatch(/order/);
  });

  it("checks resource types where the record describes what is built, not the options it weighs", () => {
    expect(namedResourceTypes(good, 7).sort()).toEqual(["aws_vpc", "helm_release", "kubernetes_ingress_v1"]);
  });

  it("reads the index table's rows", () => {
    expect(indexRows("| [0007](0007-a-title.md) | A `title` | accepted | one line |\n| 0008 | not a row |")).toEqual([
      { number: "0007", target: "0007-a-title.md", title: "A `title`", status: "accepted" },
    ]);
  });
});
