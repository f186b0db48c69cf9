import { createMetrics } from "../../../docker/qod-api/src/metrics";
import { EXTERNAL_METRICS, metricNames } from "../src";

/**
 * What the api's registry exports (docker/qod-api/src/metrics.ts, defaults included), built by the
 * service's own code, so a renamed metric changes these lists: `families` as the registry names
 * them (a histogram by its base name), `series` as PromQL reads them (a histogram's `_bucket`,
 * `_sum` and `_count`, never its base name).
 */
export async function apiMetricNames(): Promise<{ families: Set<string>; series: Set<string> }> {
  const { registry } = createMetrics({ pool: { totalCount: 0, idleCount: 0, waitingCount: 0 }, poolMax: 10, version: "test" });
  const families = new Set<string>();
  const series = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    families.add(m.name);
    const type = String(m.type);
    const suffixes = type === "histogram" ? ["_bucket", "_sum", "_count"] : type === "summary" ? ["", "_sum", "_count"] : [""];
    for (const suffix of suffixes) series.add(`${m.name}${suffix}`);
  }
  return { families, series };
}

/** The names in `exprs` that are neither the api's, nor recorded by `recorded`, nor in EXTERNAL_METRICS. */
export function unknownMetrics(exprs: readonly string[], api: ReadonlySet<string>, recorded: readonly string[] = []): string[] {
  const known = new Set([...api, ...recorded, ...Object.keys(EXTERNAL_METRICS)]);
  return [...new Set(exprs.flatMap(metricNames))].filter((name) => !known.has(name)).sort();
}
