/**
 * Just enough PromQL for the rules and the dashboard: label selectors written once, and the
 * metric names an expression reads (so tests can check each one exists).
 */

/**
 * A label selector from matchers in order, values quoted for PromQL: `{ job: "api", route: "!~/healthz" }`
 * is `{job="api", route!~"/healthz"}` (a value starting with `=~`, `!~` or `!=` uses that operator).
 */
export function selector(matchers: Record<string, string>): string {
  const parts = Object.entries(matchers).map(([label, value]) => {
    const op = /^[!=]~/.test(value) ? value.slice(0, 2) : value.startsWith("!=") ? "!=" : "=";
    const literal = op === "=" ? value : value.slice(op.length);
    return `${label}${op}${JSON.stringify(literal)}`;
  });
  return `{${parts.join(", ")}}`;
}

/** Words that look like names but are PromQL's own: aggregations, set operators, modifiers. */
const PROMQL_WORDS = new Set([
  "sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
  "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan",
]);

/**
 * The metric names an expression reads, sorted: every name that is not a function, a PromQL
 * word, a label (inside `{}`, `by ()`, `on ()`, …), a string or a duration. Grafana's `$__…`
 * variables sit inside ranges or selectors and are dropped with them.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![A-Za-z0-9_:.$])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])(\s*\()?/g)) {
    if (m[2] !== undefined || PROMQL_WORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names].sort();
}
