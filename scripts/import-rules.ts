import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";

/**
 * Import rules of the repository:
 * - provider bindings only by deep path (`@cdktf/provider-aws/lib/vpc`): one barrel import
 *   loads every resource module of the provider (2,212 for aws, ~20 s per process);
 * - `cdktf` and `constructs` only from the package root (plus the jest adapter in test setup),
 *   so a move to the community fork is a mechanical rename.
 */
// Every form that loads a provider's index: `from`, a side-effect `import "…"`, `import()`,
// `require()`, of the package root or of its `lib` directory (`lib`, `lib/index`, `lib/index.js`).
const BARREL = /(?:from\s+|import\s+|import\s*\(\s*|require\s*\(\s*)["']((@cdktf\/provider-(?:aws|kubernetes|helm))(?:\/lib(?:\/index(?:\.js)?)?)?\/?)["']/g;
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
      rule: `barrel import of ${match[1]}: import the resource from ${match[2]}/lib/<resource>`,
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
  return [
    ...sourceFiles(repo, ["apps", "packages", "docker", "scripts", "test"]).flatMap((file) =>
      findImportViolations(relative(repo, file), readFileSync(file, "utf8")),
    ),
    ...checkPackageBoundaries(repo),
  ];
}

/**
 * Package boundaries (ARCHITECTURE.md): a package depends only on `core` and on packages before
 * it in `core → vpc → eks → ecr, rds, backup → helm-addons → workloads` (`state` sits beside
 * `vpc`: it needs only `core`); `core` imports no package; a package never reaches into another
 * package's files, and never uses another package's config section (`src/config.ts`): each
 * package validates its own section and `apps/shared` composes them.
 */
export const PACKAGE_LAYERS: Readonly<Record<string, number>> = {
  core: 0,
  state: 1,
  vpc: 1,
  eks: 2,
  ecr: 3,
  rds: 3,
  backup: 3,
  "helm-addons": 4,
  delivery: 4,
  workloads: 5,
};

const IMPORT_FROM = /(?:import|export)\s+(type\s+)?([\w*\s{},]*?)\s*from\s+["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|require\s*\(\s*["']([^"']+)["']\s*\)/g;
const EXPORTED_NAME = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|const|let|var|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;

/** The names a module exports by declaration (`export function x`, `export interface Y`, …). */
export function exportedNames(text: string): Set<string> {
  return new Set([...text.matchAll(EXPORTED_NAME)].map((m) => m[1]));
}

/** The names an import clause brings in: `{ a, b as c, type D }` gives a, b, D. */
function importedNames(clause: string): string[] {
  const braces = clause.match(/\{([^}]*)\}/);
  if (!braces) return [];
  return braces[1]
    .split(",")
    .map((part) => part.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0].trim())
    .filter((name) => name.length > 0);
}

/**
 * Boundary violations of one source file of package `pkg` (`file` relative to the repository).
 * `configExports` gives, per package, the names its `src/config.ts` exports.
 */
export function findBoundaryViolations(
  pkg: string,
  file: string,
  text: string,
  configExports: (pkg: string) => ReadonlySet<string>,
): ImportViolation[] {
  const found: ImportViolation[] = [];
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  const layer = PACKAGE_LAYERS[pkg];
  const violation = (index: number, specifier: string, rule: string) =>
    found.push({ file, line: lineOf(index), specifier, rule });
  if (layer === undefined) {
    violation(0, pkg, `package ${pkg} has no place in PACKAGE_LAYERS (scripts/import-rules.ts): add it where it belongs in the dependency order`);
  }
  for (const match of text.matchAll(IMPORT_FROM)) {
    const specifier = match[3] ?? match[4] ?? match[5];
    const clause = match[2] ?? "";
    if (specifier.startsWith(".")) {
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (!target.startsWith(`packages/${pkg}/`)) {
        violation(match.index!, specifier, `relative import leaves packages/${pkg}: import another package by its name (@qod/<package>), never by path`);
      }
      continue;
    }
    const qod = specifier.match(/^@qod\/([^/]+)(\/.*)?$/);
    if (!qod) continue;
    const [, dep, deepPath] = qod;
    if (dep === pkg) {
      violation(match.index!, specifier, `package ${pkg} imports itself by name: use a relative import`);
      continue;
    }
    if (pkg === "core") {
      violation(match.index!, specifier, "core imports no package: it holds only what every package shares");
      continue;
    }
    if (deepPath) {
      violation(match.index!, specifier, `deep import into @qod/${dep}: import the package root`);
    }
    const depLayer = PACKAGE_LAYERS[dep];
    if (dep !== "core" && (depLayer === undefined || layer === undefined || depLayer >= layer)) {
      violation(
        match.index!,
        specifier,
        `${pkg} may depend only on core and packages before it in core → vpc → eks → ecr, rds, backup → helm-addons → workloads`,
      );
    }
    const own = configExports(dep);
    const borrowed = importedNames(clause).filter((name) => own.has(name));
    if (dep !== "core" && borrowed.length > 0) {
      violation(
        match.index!,
        specifier,
        `uses ${borrowed.join(", ")} from @qod/${dep}'s config section: a package validates only its own section; relate sections in apps/shared`,
      );
    }
  }
  return found;
}

/** Boundary violations of every package's sources under `packages/<pkg>/src`. */
export function checkPackageBoundaries(repo: string): ImportViolation[] {
  const packages = readdirSync(join(repo, "packages")).filter((name) => statSync(join(repo, "packages", name)).isDirectory());
  const cache = new Map<string, ReadonlySet<string>>();
  const configExports = (pkg: string) => {
    if (!cache.has(pkg)) {
      let text = "";
      try {
        text = readFileSync(join(repo, "packages", pkg, "src", "config.ts"), "utf8");
      } catch {
        // A package without a config section exports no config names.
      }
      cache.set(pkg, exportedNames(text));
    }
    return cache.get(pkg)!;
  };
  return packages.flatMap((pkg) =>
    sourceFiles(repo, [`packages/${pkg}/src`]).flatMap((file) =>
      findBoundaryViolations(pkg, relative(repo, file).split(sep).join("/"), readFileSync(file, "utf8"), configExports),
    ),
  );
}
