import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as workloads from "@qod/workloads";
import { CLOUDWATCH_METRICS, EXTERNAL_METRICS, metricNames } from "@qod/workloads";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { apiMetricNames, unknownMetrics } from "../../packages/workloads/test/metric-names";
import { platform } from "../platform";
import { stackName, synthesizedPlatform } from "./synthesized";
import { inlineCode, settings } from "./doc-claims";

/**
 * docs/metrics.md may only describe what ships: its alert table is exactly the synthesized
 * PrometheusRule's alerts (name, for, severity), its panel table exactly the dashboard's panels,
 * its retention table each environment's Prometheus, every `key = value` setting it cites is in a
 * stack, and every metric name it puts in backticks exists (the api's registry, the rules, the
 * dashboard, or the external names in EXTERNAL_METRICS / CLOUDWATCH_METRICS). Every PromQL
 * expression the stacks ship reads only such metrics.
 */
const DOC = readFileSync(resolve(__dirname, "../../docs/metrics.md"), "utf8");

/** The rows of the first Markdown table after `heading`, as cells without backticks. */
function tableAfter(heading: string): string[][] {
  const start = DOC.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/metrics.md has no "${heading}"`);
  const lines = DOC.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split("|").map((c) => c.trim().replace(/^`|`$/g, "")));
  }
  return rows;
}


const synthesized = synthesizedPlatform();
const releaseValues = (stack: string, name: string): any => {
  const release = Object.values(synthesized.stack(stack).resource?.helm_release ?? {}).find((r: any) => r.name === name) as { values: string[] } | undefined;
  if (!release) throw new Error(`no helm_release ${name} in ${stack}`);
  return parse(release.values[0]);
};

/** Each environment's PrometheusRule and dashboard, from its apps stack. */
const shipped = platform.environments.map((env) => {
  const apps = stackName(env, "apps");
  const [rule] = releaseValues(apps, "qod-services-alerts").resources;
  const configMap = Object.values(synthesized.stack(apps).resource?.kubernetes_config_map_v1 ?? {}).find((c: any) => c.metadata.name === "qod-services-dashboard") as any;
  const dashboard = JSON.parse(configMap.data["qod-services.json"]);
  const groups = rule.spec.groups as { name: string; rules: any[] }[];
  return {
    env,
    alerts: groups.flatMap((g) => g.rules.filter((r) => r.alert)),
    recording: groups.flatMap((g) => g.rules.filter((r) => r.record)),
    dashboard,
    panels: dashboard.panels as any[],
  };
});

let api: { families: Set<string>; series: Set<string> };
beforeAll(async () => {
  api = await apiMetricNames();
});

describe("docs/metrics.md matches the synthesized stacks", () => {
  it("has the sections an operator needs", () => {
    for (const heading of ["## Golden signals per component", "## Alerts", "## Dashboard", "## Retention and storage", "## Opening Grafana and Prometheus"]) expect(DOC).toContain(`\n${heading}\n`);
    for (const component of ["api", "ui", "redis", "PostgreSQL (RDS)", "nodes and pods"]) expect(DOC).toMatch(new RegExp(`^\\| ${component.replace(/[()]/g, "\\$&")} \\|`, "m"));
  });

  it("lists exactly the alerts of every environment's PrometheusRule, with their for and severity", () => {
    const documented = tableAfter("## Alerts").map(([name, , forDuration, severity]) => `${name} for ${forDuration} ${severity}`).sort();
    expect(documented.length).toBeGreaterThan(10);
    for (const s of shipped) {
      expect(documented, s.env.name).toEqual(s.alerts.map((a) => `${a.alert} for ${a.for} ${a.labels.severity}`).sort());
    }
  });

  it("lists exactly the dashboard's panels, row by row", () => {
    const documented = tableAfter("## Dashboard").map(([row, panel]) => `${row} / ${panel}`);
    for (const s of shipped) {
      const actual: string[] = [];
      let row = "";
      for (const p of s.panels) {
        if (p.type === "row") row = p.title;
        else actual.push(`${row} / ${p.title}`);
      }
      expect(documented, s.env.name).toEqual(actual);
    }
    expect(DOC).toContain(`uid \`${shipped[0].dashboard.uid}\``);
  });

  it("ships PromQL that reads only the api's metrics, recorded series and the documented external metrics", () => {
    for (const s of shipped) {
      const exprs = [...s.alerts, ...s.recording].map((r) => r.expr as string).concat(s.panels.flatMap((p) => (p.targets ?? []).map((t: any) => t.expr as string)));
      expect(exprs.length).toBeGreaterThan(20);
      expect(unknownMetrics(exprs, api.series, s.recording.map((r) => r.record)), s.env.name).toEqual([]);
    }
  });

  it("names in backticks only metrics, settings and code that exist", () => {
    const expressions = shipped.flatMap((s) => [...s.alerts, ...s.recording].map((r) => r.expr as string).concat(s.panels.flatMap((p) => (p.targets ?? []).map((t: any) => t.expr as string))));
    const metrics = new Set([
      ...api.families,
      ...api.series,
      ...shipped.flatMap((s) => s.recording.map((r) => r.record as string)),
      ...expressions.flatMap(metricNames),
      ...Object.keys(EXTERNAL_METRICS),
      ...Object.values(CLOUDWATCH_METRICS).flat(),
    ]);
    const terraform = new Set(synthesized.stacks.flatMap((s) => [...settings(s.json.resource)].flatMap(([k, v]) => (typeof v === "string" ? [k, v] : [k]))));
    const alertNames = new Set(shipped.flatMap((s) => s.alerts.map((a) => a.alert as string)));
    const checked: string[] = [];
    for (const code of inlineCode(DOC)) {
      const name = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?$/.exec(code)?.[1];
      if (!name || /^[A-Z0-9_]+$/.test(name)) continue; // not an identifier, or a constant (checked below)
      if (/^[A-Z]/.test(name)) {
        // CamelCase: a CloudWatch metric, an alert, or an export of @qod/workloads
        expect(metrics.has(name) || alertNames.has(name) || name in workloads, `\`${code}\`: not a CloudWatch metric, an alert or an export of @qod/workloads`).toBe(true);
        checked.push(name);
      } else if (/[_:]/.test(name)) {
        expect(metrics.has(name) || terraform.has(name), `\`${code}\`: neither a metric (api registry, rules, dashboard, EXTERNAL_METRICS) nor a Terraform setting of the stacks`).toBe(true);
        checked.push(name);
      }
    }
    expect(checked.length).toBeGreaterThan(40);
    for (const constant of inlineCode(DOC).filter((c) => /^[A-Z][A-Z0-9_]+$/.test(c))) expect(constant in workloads, constant).toBe(true);
  });

  it("states only Terraform settings the stacks have", () => {
    const claims = inlineCode(DOC)
      .map((code) => /^([a-z_]+) = (.+)$/.exec(code))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(claims.length).toBeGreaterThanOrEqual(3);
    const all = synthesized.stacks.flatMap((s) => [...settings(s.json.resource)]);
    for (const [, key, value] of claims) expect(all.some(([k, v]) => k === key && String(v) === value), `${key} = ${value}`).toBe(true);
  });

  it("gives every environment's Prometheus retention, volume and size limit", () => {
    const rows = new Map(tableAfter("## Retention and storage").map(([env, ...cells]) => [env, cells]));
    for (const env of platform.environments) {
      const spec = releaseValues(stackName(env, "platform"), "kube-prometheus-stack").prometheus.prometheusSpec;
      expect(rows.get(env.name), env.name).toEqual([spec.retention, spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, spec.retentionSize]);
    }
    expect(rows.size).toBe(platform.environments.length);
  });

  it("describes Grafana's sidecar as every platform stack configures it", () => {
    expect(DOC).toContain("`grafana.sidecar.dashboards.searchNamespace: ALL`");
    for (const env of platform.environments) {
      const sidecar = releaseValues(stackName(env, "platform"), "kube-prometheus-stack").grafana.sidecar.dashboards;
      expect(sidecar.searchNamespace, env.name).toBe("ALL");
      expect(DOC).toContain(`\`${sidecar.label}: "${sidecar.labelValue}"\``);
    }
  });
});
