import { GRAFANA_DASHBOARD_LABEL, PROMETHEUS_DATASOURCE_UID } from "@qod/helm-addons";
import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_THRESHOLDS, grafanaDashboard, metricNames, ProductionService, QodServices, selector, ServiceAlerts, ServiceDashboard, serviceDashboardSpec, serviceRules } from "../src";
import { byName, manifestsOf, scaffold, serviceProps, servicesProps, synth } from "./fixtures";
import { apiMetricNames, unknownMetrics } from "./metric-names";

const json = synth((scope) => new QodServices(scope, "Services", servicesProps()));
const [rule] = manifestsOf(json, "qod-services-alerts");
const groups: Record<string, any[]> = Object.fromEntries(rule.spec.groups.map((g: any) => [g.name, g.rules]));
const alerts = groups["qod-services.alerts"];
const recorded = groups["qod-services.recording"].map((r: any) => r.record as string);
const configMap = byName(json, "kubernetes_config_map_v1")["qod-services-dashboard"];
const dashboard = JSON.parse(configMap.data["qod-services.json"]);
const panels = dashboard.panels.filter((p: any) => p.type !== "row");

/** A service with metrics, in a scaffolded namespace, for the constructs' failure cases. */
function withApi(build: (s: { api: ProductionService; namespace: ReturnType<typeof scaffold>["namespace"] }) => void, metrics = true) {
  return () =>
    synth((scope) => {
      const { namespace } = scaffold(scope);
      const api = new ProductionService(scope, "Api", serviceProps({ namespace: namespace.name, name: "api", ...(metrics ? { metrics: { path: "/metrics", port: 9464, scraper: { namespace: "monitoring", podLabels: { app: "prometheus" } } } } : {}) }));
      build({ api, namespace });
    });
}

describe("metricNames", () => {
  it("returns the metrics, not functions, PromQL words, labels, strings or durations", () => {
    const expr = 'histogram_quantile(0.99, sum by (namespace, le) (rate(a_bucket{job="x", route!~"/healthz"}[5m]))) / ignoring(state) b > 1e3 and on (pod) c:rec:rate5m offset 5m';
    expect(metricNames(expr)).toEqual(["a_bucket", "b", "c:rec:rate5m"]);
    expect(metricNames("sum(rate(x_total[$__rate_interval])) by (le)")).toEqual(["x_total"]);
  });

  it("writes selectors with the operator a value starts with", () => {
    expect(selector({ job: "api", route: "!~/healthz", code: "=~5..", container: "!=" })).toBe('{job="api", route!~"/healthz", code=~"5..", container!=""}');
  });
});

describe("ServiceAlerts", () => {
  it("ships one PrometheusRule in the services' namespace through the raw chart", () => {
    expect(rule).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "qod-services" } });
    expect(rule.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\./);
  });

  it("gives every alert a severity, a for, a summary, a description and a runbook hint", () => {
    expect(alerts.length).toBeGreaterThanOrEqual(12);
    for (const a of alerts) {
      expect(["critical", "warning"], a.alert).toContain(a.labels.severity);
      expect(a.for, a.alert).toMatch(/^[1-9]\d*m$/);
      for (const key of ["summary", "description", "runbook"]) expect(a.annotations[key]?.length, `${a.alert} ${key}`).toBeGreaterThan(10);
      expect(a.alert).toMatch(/^Qod[A-Z][A-Za-z]+$/);
    }
    expect(new Set(alerts.map((a: any) => a.alert)).size).toBe(alerts.length);
  });

  it("covers the golden signals, the dependencies and the pods' health", () => {
    const expr = (name: string) => alerts.find((a: any) => a.alert === name)?.expr as string;
    expect(expr("QodApiDown")).toBe('absent(up{namespace="apps", job="api"} == 1)');
    expect(expr("QodApiHighErrorRatio")).toContain("namespace:qod_api_http_errors:ratio_rate5m");
    expect(expr("QodApiHighLatency")).toContain("namespace:qod_api_http_request_duration_seconds:p99_5m");
    expect(expr("QodApiDependencyFailing")).toContain("qod_api_dependency_failures_total");
    expect(expr("QodApiCacheUnavailable")).toContain("namespace:qod_api_cache_unavailable:ratio_rate5m");
    expect(expr("QodApiDbPoolSaturated")).toMatch(/state="active".*state="max"/);
    expect(expr("QodPodCrashLooping")).toContain('reason="CrashLoopBackOff"');
    expect(expr("QodPodRestartingOften")).toContain("kube_pod_container_status_restarts_total");
    expect(expr("QodHpaAtMaxReplicas")).toMatch(/kube_horizontalpodautoscaler_status_current_replicas.*>=.*kube_horizontalpodautoscaler_spec_max_replicas/);
    expect(expr("QodPodsPending")).toContain('phase="Pending"');
    expect(expr("QodDeploymentReplicasUnavailable")).toContain("kube_deployment_status_replicas_unavailable");
    expect(expr("QodDeploymentDown")).toContain("kube_deployment_status_replicas_available");
  });

  it("excludes health checks from the api's request signals", () => {
    for (const r of groups["qod-services.recording"].filter((r: any) => r.expr.includes("http_request"))) expect(r.expr).toContain('route!~"/healthz|/readyz"');
  });

  it("reads only metrics the api exports, the rules record, or kube-prometheus-stack's exporters provide", async () => {
    const { series } = await apiMetricNames();
    const exprs = [...alerts, ...groups["qod-services.recording"]].map((r: any) => r.expr as string);
    expect(unknownMetrics(exprs, series, recorded)).toEqual([]);
    // and the check can fail: a typo is caught
    expect(unknownMetrics(["rate(qod_api_http_requests_total[5m])"], series, recorded)).toEqual(["qod_api_http_requests_total"]);
  });

  it("records every series an alert reads before reading it", () => {
    const used = alerts.flatMap((a: any) => metricNames(a.expr)).filter((n: string) => n.includes(":"));
    for (const name of used) expect(recorded, name).toContain(name);
  });

  it("takes threshold overrides into the expressions and the for", () => {
    const { alerts: custom } = serviceRules({ namespace: "apps", job: "api" }, { ...DEFAULT_ALERT_THRESHOLDS, apiErrorRatio: 0.02, hpaAtMaxMinutes: 60 });
    expect(custom.find((a) => a.alert === "QodApiHighErrorRatio")?.expr).toContain("> 0.02 and");
    expect(custom.find((a) => a.alert === "QodHpaAtMaxReplicas")?.forMinutes).toBe(60);
  });

  it("fails when a threshold is out of range", () => {
    expect(withApi(({ api, namespace }) => new ServiceAlerts(namespace, "Alerts", { api, namespace, thresholds: { apiErrorRatio: 5, restartsPerHour: 0.5 } }))).toThrow(
      /thresholds\.apiErrorRatio: got 5; allowed: a ratio above 0 and at most 1[\s\S]*thresholds\.restartsPerHour: got 0\.5/,
    );
  });

  it("fails when the api has no metrics", () => {
    expect(withApi(({ api, namespace }) => new ServiceAlerts(namespace, "Alerts", { api, namespace }), false)).toThrow(/api: got "api"; allowed: a ProductionService with `metrics`/);
  });
});

describe("ServiceDashboard", () => {
  it("is a ConfigMap in the services' namespace labelled for Grafana's sidecar", () => {
    expect(configMap.metadata.labels[GRAFANA_DASHBOARD_LABEL.key]).toBe(GRAFANA_DASHBOARD_LABEL.value);
    expect(configMap.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\./);
  });

  it("has a stable uid and the same JSON on every build", () => {
    expect(dashboard.uid).toBe("qod-services");
    const again = synth((scope) => new QodServices(scope, "Services", servicesProps()));
    expect(byName(again, "kubernetes_config_map_v1")["qod-services-dashboard"].data).toEqual(configMap.data);
  });

  it("shows the golden signals, the dependencies and the pods", () => {
    const titles = panels.map((p: any) => p.title);
    for (const title of ["api request rate", "api 5xx ratio", "api latency p50 / p95 / p99", "cache hit ratio", "dependency failures", "db pool connections", "replicas vs HPA bounds", "CPU per pod", "memory per pod", "container restarts (1h)"]) {
      expect(titles).toContain(title);
    }
    const latency = panels.find((p: any) => p.title === "api latency p50 / p95 / p99");
    expect(latency.targets.map((t: any) => t.legendFormat)).toEqual(["p50", "p95", "p99"]);
    expect(latency.fieldConfig.defaults.thresholds.steps[1].value).toBe(DEFAULT_ALERT_THRESHOLDS.apiLatencyP99Seconds);
  });

  it("queries only known metrics, through the Prometheus datasource", async () => {
    const { series } = await apiMetricNames();
    const targets = panels.flatMap((p: any) => p.targets);
    expect(unknownMetrics(targets.map((t: any) => t.expr), series, recorded)).toEqual([]);
    for (const t of targets) expect(t.datasource.uid).toBe(PROMETHEUS_DATASOURCE_UID);
  });

  it("lays panels out without overlap, with unique ids", () => {
    expect(new Set(dashboard.panels.map((p: any) => p.id)).size).toBe(dashboard.panels.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it("builds the same dashboard from the same spec", () => {
    const spec = serviceDashboardSpec({ namespace: "apps", job: "api" });
    expect(JSON.stringify(grafanaDashboard(spec))).toBe(JSON.stringify(grafanaDashboard(spec)));
  });

  it("fails when the api has no metrics", () => {
    expect(withApi(({ api, namespace }) => new ServiceDashboard(namespace, "Dashboard", { api, namespace }), false)).toThrow(/api: got "api"; allowed: a ProductionService with `metrics`/);
  });
});
