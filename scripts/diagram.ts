/**
 * `npm run diagram`: draws one architecture diagram per environment of `apps/platform.ts` from its
 * synthesized stacks (an in-process synth into a temporary folder: cdktf.out is neither needed
 * nor touched) into docs/architecture/: `<env>.dot` (Graphviz source), `<env>.svg` and `<env>.png`
 * rendered by Graphviz's `dot` (Debian's `graphviz`, which `npm run setup` installs), and README.md
 * with every picture and a Mermaid version. What is drawn comes from the Terraform JSON, see
 * scripts/diagram-lib.ts.
 *
 * `npm run diagram:check` (CI) regenerates in memory and fails on drift, naming each file. Graphviz
 * builds differ (layout details, fonts, cairo's PNG encoder), so the check does not trust image
 * bytes across builds:
 *   - the DOT files and README.md (with the Mermaid) are compared exactly: they are the source
 *     and come from TypeScript only, so they are the same on every machine;
 *   - every SVG carries the sha256 of its DOT in an XML comment, every PNG in a tEXt chunk (written
 *     here with a CRC-32 of our own: Node 20 has no zlib.crc32), both with the `dot -V` line that
 *     rendered it; the hash must be the new DOT's, so a picture cannot lag behind its source;
 *   - only when the local `dot -V` line equals the recorded one is the image re-rendered and
 *     compared byte for byte (Graphviz output is deterministic within one build). Without Graphviz,
 *     or with another build, the check says it compared hashes only.
 * `npm run diagram` likewise re-renders only images whose stamp does not match their DOT (or all
 * with `--force`), so running it on another Graphviz build leaves unchanged pictures alone and
 * `.ci/run` can require that it changed nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { platform } from "../apps/platform";
import { environmentStackNames, PlatformDefinition } from "../apps/shared/platform";
import { synthPlatform } from "../apps/shared/synth";
import { DiagramFiles, diagramDrift, diagramFiles, imagesToRender, Renderer, renderStamped, TfJson } from "./diagram-lib";

const REPO = resolve(__dirname, "..");
export const ARCHITECTURE_DIR = "docs/architecture";

function fail(message: string): never {
  process.stderr.write(`diagram: ${message}\n`);
  process.exit(1);
}

/** The local Graphviz `dot`, or undefined when there is none on PATH. */
export function graphviz(command = "dot"): Renderer | undefined {
  const probe = spawnSync(command, ["-V"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return undefined;
  const version = `${probe.stderr}${probe.stdout}`.trim().split("\n")[0];
  return {
    version,
    render(dot, format) {
      const r = spawnSync(command, [`-T${format}`], { input: dot, maxBuffer: 64 * 1024 * 1024 });
      if (r.error || r.status !== 0) throw new Error(`${command} -T${format} failed (exit ${r.status}): ${r.error?.message ?? r.stderr.toString()}`);
      return r.stdout;
    },
  };
}

/** Every file of docs/architecture for `definition`, from an in-process synth into a temporary folder. */
export function generate(definition: PlatformDefinition = platform): DiagramFiles {
  const dir = mkdtempSync(join(tmpdir(), "qod-diagram-"));
  try {
    const outdir = join(dir, "cdktf.out");
    // No release inputs: the diagram does not draw image tags, and must not depend on IMAGE_TAG.
    const result = synthPlatform(definition, outdir, undefined, {});
    if (!result.ok) fail(result.message ?? "synth failed");
    const read = (name: string) => ({ name, json: JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson });
    return diagramFiles(definition.environments.map((e) => ({ name: e.name, production: e.production, stacks: environmentStackNames(e).map(read) })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const listFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

function write(files: DiagramFiles, dir: string, force: boolean): void {
  mkdirSync(dir, { recursive: true });
  const existing = new Set(listFiles(dir));
  const read = (rel: string) => readFileSync(join(dir, rel));
  const toRender = imagesToRender(files, existing, read, force);
  const renderer = toRender.length > 0 ? graphviz() : undefined;
  if (toRender.length > 0 && !renderer) fail(`Graphviz's dot is not on PATH, needed to render ${toRender.join(", ")}: run npm run setup (it installs Debian's graphviz) or apt-get install graphviz`);
  const generated = new Set([...Object.keys(files.text), ...Object.keys(files.rendered)]);
  for (const rel of existing) if (!generated.has(rel)) rmSync(join(dir, rel));
  const changed: string[] = [];
  for (const [rel, content] of Object.entries(files.text)) {
    if (!existing.has(rel) || read(rel).toString("utf8") !== content) changed.push(rel);
    writeFileSync(join(dir, rel), content);
  }
  for (const rel of toRender) {
    writeFileSync(join(dir, rel), renderStamped(renderer!, files.rendered[rel], rel.endsWith(".png") ? "png" : "svg"));
    changed.push(rel);
  }
  const kept = Object.keys(files.rendered).length - toRender.length;
  process.stdout.write(
    `diagram: ${ARCHITECTURE_DIR}/: ${changed.length === 0 ? "nothing changed" : `wrote ${changed.sort().join(", ")}`}` +
      `${kept > 0 ? ` (${kept} images already match their DOT${renderer ? "" : ", not re-rendered"})` : ""}${renderer ? ` with ${renderer.version}` : ""}\n`,
  );
}

function check(files: DiagramFiles, dir: string): void {
  const report = diagramDrift(files, { existing: listFiles(dir), read: (rel) => readFileSync(join(dir, rel)), renderer: graphviz() });
  for (const note of report.notes) process.stdout.write(`diagram: note: ${note}\n`);
  if (report.problems.length > 0) {
    fail(`${ARCHITECTURE_DIR}/ drifted from the synthesized stacks:\n${report.problems.map((p) => `  - ${ARCHITECTURE_DIR}/${p}`).join("\n")}\nRun npm run diagram and commit the result.`);
  }
  const count = Object.keys(files.text).length + Object.keys(files.rendered).length;
  process.stdout.write(`diagram: ${count} files in ${ARCHITECTURE_DIR}/ match the synthesized stacks\n`);
}

function main(args: readonly string[]): void {
  const dir = join(REPO, ARCHITECTURE_DIR);
  let files: DiagramFiles;
  try {
    files = generate();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (args.includes("--check")) check(files, dir);
  else write(files, dir, args.includes("--force"));
}

if (require.main === module) main(process.argv.slice(2));
