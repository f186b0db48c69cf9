import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Import rules of the repository:
 * - provider bindings only by deep path (`@cdktf/provider-aws/lib/vpc`): one barrel import
 *   loads every resource module of the provider (2,212 for aws, ~20 s per process);
 * - `cdktf` and `constructs` only from the package root (plus the jest adapter in test setup),
 *   so a move to the community fork is a mechanical rename.
 */
const BARREL = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)["'](@cdktf\/provider-(?:aws|kubernetes|helm))["']/g;
const CDKTF_DEEP = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)["']((?:cdktf|constructs)\/[^"']+)["']/g;
const ALLOWED_DEEP = new Set(["cdktf/lib/testing/adapters/jest"]);

export interface ImportViolation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly rule: string;
}

/** Violations in one file's text. */
export function findImportViolations(file: string, text: string): ImportViolation[] {
  const found: ImportViolation[] = [];
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  for (const match of text.matchAll(BARREL)) {
    found.push({
      file,
      line: lineOf(match.index!),
      specifier: match[1],
      rule: `barrel import of ${match[1]}: import the resource from ${match[1]}/lib/<resource>`,
    });
  }
  for (const match of text.matchAll(CDKTF_DEEP)) {
    if (ALLOWED_DEEP.has(match[1])) continue;
    found.push({
      file,
      line: lineOf(match.index!),
      specifier: match[1],
      rule: `deep import ${match[1]}: import cdktf and constructs from the package root`,
    });
  }
  return found;
}

const SKIP_DIRS = new Set(["node_modules", "cdktf.out", ".git", "dist", ".out"]);

/** Every TypeScript/JavaScript source file under `roots`. */
export function sourceFiles(repo: string, roots: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (SKIP_DIRS.has(entry)) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry)) files.push(path);
    }
  };
  roots.forEach((root) => walk(join(repo, root)));
  return files;
}

export function checkRepository(repo: string): ImportViolation[] {
  return sourceFiles(repo, ["apps", "packages", "docker", "scripts", "test"]).flatMap((file) =>
    findImportViolations(relative(repo, file), readFileSync(file, "utf8")),
  );
}
