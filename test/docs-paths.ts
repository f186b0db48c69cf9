/**
 * What the hand-written Markdown points at: relative links (with their `#anchor`) and the repository
 * paths named in inline code. `test/docs-paths.test.ts` checks that each exists, so a doc cannot
 * keep naming a file that was moved or deleted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Top-level directories whose paths, written in inline code, must exist. */
export const CHECKED_PATH_ROOTS = ["apps/", "packages/", "modules/", "docker/", "scripts/", "docs/", "test/", "security/", ".github/", ".ci/"] as const;

/** The hand-written Markdown files: README.md, docs/, and each package's and service's README (modules/ is generated). */
export function handWrittenMarkdown(repo: string): string[] {
  const found: string[] = ["README.md"];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(repo, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) found.push(path);
    }
  };
  for (const dir of ["docs", "packages", "docker"]) if (existsSync(join(repo, dir))) walk(dir);
  return found;
}

/** Markdown without its fenced code blocks (their content is code or output, not links). */
export function withoutFences(markdown: string): string {
  return markdown.replace(/^\s*(```|~~~)[^\n]*\n[\s\S]*?^\s*\1[^\n]*$/gm, "");
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes; repeats get -1, -2… */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = match[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** Relative link targets `[text](target)` and `![alt](target)`, outside code; no URLs, no mailto. */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutFences(markdown)
    .split("\n")
    .forEach((text, index) => {
      const prose = text.replace(/`[^`]*`/g, "");
      for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(m[1])) continue;
        links.push({ target: m[1], line: index + 1 });
      }
    });
  return links;
}

/**
 * Repository paths in inline code: a span that starts with one of {@link CHECKED_PATH_ROOTS} and is
 * a plain path (no placeholder `<…>`, glob, brace, space or `…`). A trailing `:line` or `#anchor` is dropped.
 */
export function inlinePaths(markdown: string): string[] {
  const paths: string[] = [];
  for (const m of withoutFences(markdown).matchAll(/`([^`\n]+)`/g)) {
    const span = m[1].trim();
    if (!CHECKED_PATH_ROOTS.some((root) => span.startsWith(root))) continue;
    if (/[<>*{}\s…$|]/.test(span) || span.includes("...")) continue;
    paths.push(span.replace(/(#.*|:\d+(-\d+)?)$/, ""));
  }
  return paths;
}

export interface BrokenReference {
  readonly file: string;
  readonly reference: string;
  readonly why: string;
}

/** Every link and inline path of `file` (relative to `repo`) that points at nothing. */
export function brokenReferences(repo: string, file: string): BrokenReference[] {
  const markdown = readFileSync(join(repo, file), "utf8");
  const broken: BrokenReference[] = [];
  for (const { target, line } of relativeLinks(markdown)) {
    const [pathPart, anchor] = target.split("#", 2);
    const resolved = pathPart === "" ? join(repo, file) : resolve(join(repo, dirname(file)), decodeURIComponent(pathPart));
    const reference = `${target} (line ${line})`;
    if (relative(repo, resolved).startsWith("..")) {
      broken.push({ file, reference, why: "points outside the repository" });
    } else if (!existsSync(resolved)) {
      broken.push({ file, reference, why: `${relative(repo, resolved)} does not exist` });
    } else if (anchor !== undefined && anchor !== "" && resolved.endsWith(".md") && statSync(resolved).isFile()) {
      if (!headingAnchors(readFileSync(resolved, "utf8")).has(anchor)) {
        broken.push({ file, reference, why: `${relative(repo, resolved)} has no heading with anchor #${anchor}` });
      }
    }
  }
  for (const path of inlinePaths(markdown)) {
    // From the repository root, or (a package's or service's README) from the file's own directory.
    if (!existsSync(join(repo, path)) && !existsSync(join(repo, dirname(file), path))) broken.push({ file, reference: `\`${path}\``, why: "no such file or directory in the repository" });
  }
  return broken;
}
