import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { GRAFANA_DASHBOARD_LABEL, PROMETHEUS_DATASOURCE_UID } from "@qod/helm-addons";
import { ProblemCollector } from "@qod/core";
import { Construct } from "constructs";
import { AlertThresholds, checkAlertThresholds, DEFAULT_ALERT_THRESHOLDS } from "./alert-rules";
import { AppNamespace } from "./app-namespace";
import { ProductionService } from "./production-service";
import { selector } from "./promql";

/** The Grafana units the panels use (Grafana's unit ids). */
export type GrafanaUnit = "reqps" | "ops" | "percentunit" | "s" | "bytes" | "short";

/** One query of a panel: a PromQL expression and its legend (`{{label}}` templates). */
export interface PanelTarget {
  readonly expr: string;
  readonly legend: string;
}

/** One time-series panel. */
export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: GrafanaUnit;
  readonly targets: readonly PanelTarget[];
  /** A red line at this value: the matching alert's threshold. @default - none */
  readonly threshold?: number;
}

/** A titled row of panels, laid out two per line. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  /** Grafana's stable id: links and bookmarks keep working across applies. */
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly datasourceUid: string;
  readonly rows: readonly RowSpec[];
}

interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The subset of Grafana's dashboard model this builder writes. */
export interface GrafanaPanel {
  readonly id: number;
  readonly type: "row" | "timeseries";
  readonly title: string;
  readonly gridPos: GridPos;
  readonly collapsed?: boolean;
  readonly panels?: readonly GrafanaPanel[];
  readonly description?: string;
  readonly datasource?: { readonly type: "prometheus"; readonly uid: string };
  readonly fieldConfig?: {
    readonly defaults: {
      readonly unit: GrafanaUnit;
      readonly min: number;
      readonly custom?: { readonly thresholdsStyle: { readonly mode: "line" } };
      readonly thresholds?: { readonly mode: "absolute"; readonly steps: readonly { readonly color: string; readonly value: number | null }[] };
    };
    readonly overrides: readonly never[];
  };
  readonly options?: { readonly legend: { readonly displayMode: "list"; readonly placement: "bottom"; readonly showLegend: true }; readonly tooltip: { readonly mode: "multi"; readonly sort: "desc" } };
  readonly targets?: readonly { readonly refId: string; readonly expr: string; readonly legendFormat: string; readonly datasource: { readonly type: "prometheus"; readonly uid: string } }[];
}

export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: "utc";
  readonly schemaVersion: number;
  readonly version: number;
  readonly editable: boolean;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: { readonly list: readonly never[] };
  readonly annotations: { readonly list: readonly never[] };
  readonly panels: readonly GrafanaPanel[];
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/**
 * A Grafana dashboard from rows of panels: ids in order, two panels per line, rows between. The
 * same spec always yields the same JSON (no timestamps, no random ids), so an apply changes the
 * ConfigMap only when a panel changed.
 */
export function grafanaDashboard(spec: DashboardSpec): GrafanaDashboard {
  const datasource = { type: "prometheus", uid: spec.datasourceUid } as const;
  const panels: GrafanaPanel[] = [];
  let id = 0;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: ++id, type: "row", title: row.title, collapsed: false, panels: [], gridPos: { x: 0, y, w: 24, h: 1 } });
    y += 1;
    row.panels.forEach((p, i) => {
      panels.push({
        id: ++id,
        type: "timeseries",
        title: p.title,
        description: p.description,
        datasource,
        gridPos: { x: (i % 2) * PANEL_WIDTH, y: y + Math.floor(i / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
        fieldConfig: {
          defaults: {
            unit: p.unit,
            min: 0,
            ...(p.threshold === undefined
              ? {}
              : {
                  custom: { thresholdsStyle: { mode: "line" } },
                  thresholds: { mode: "absolute", steps: [{ color: "green", value: null }, { color: "red", value: p.threshold }] },
                }),
          },
          overrides: [],
        },
        options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
        targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend, datasource })),
      });
    });
    y += Math.ceil(row.panels.length / 2) * PANEL_HEIGHT;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    tags: spec.tags,
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

/** The services' dashboard: the api's golden signals, its dependencies, and every pod's resources and scaling. */
export function serviceDashboardSpec(api: { namespace: string; job: string }, t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS): DashboardSpec {
  const ns = { namespace: api.namespace };
  const job = { ...ns, job: api.job };
  const requests = selector({ ...job, route: "!~/healthz|/readyz" });
  const errors = selector({ ...job, route: "!~/healthz|/readyz", status_code: "=~5.." });
  const rate = (metric: string, sel: string) => `rate(${metric}${sel}[$__rate_interval])`;
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (${rate("qod_api_http_request_duration_seconds_bucket", requests)}))`;
  const lookups = `(sum(${rate("qod_api_cache_hits_total", selector(job))}) + sum(${rate("qod_api_cache_misses_total", selector(job))}))`;
  const containers = selector({ ...ns, container: "!=" });
  return {
    uid: "qod-services",
    title: "qod services",
    tags: ["qod", api.namespace],
    datasourceUid: PROMETHEUS_DATASOURCE_UID,
    rows: [
      {
        title: "api: traffic, errors, latency",
        panels: [
          {
            title: "api request rate",
            description: "Requests per second by method and route, health checks excluded (traffic).",
            unit: "reqps",
            targets: [{ expr: `sum by (method, route) (${rate("qod_api_http_request_duration_seconds_count", requests)})`, legend: "{{method}} {{route}}" }],
          },
          {
            title: "api 5xx ratio",
            description: "The share of requests answered 5xx (errors); the line is QodApiHighErrorRatio's threshold.",
            unit: "percentunit",
            threshold: t.apiErrorRatio,
            targets: [{ expr: `sum(${rate("qod_api_http_request_duration_seconds_count", errors)}) / sum(${rate("qod_api_http_request_duration_seconds_count", requests)})`, legend: "5xx ratio" }],
          },
          {
            title: "api latency p50 / p95 / p99",
            description: "Request duration quantiles from the histogram (latency); the line is QodApiHighLatency's p99 threshold.",
            unit: "s",
            threshold: t.apiLatencyP99Seconds,
            targets: [
              { expr: quantile(0.5), legend: "p50" },
              { expr: quantile(0.95), legend: "p95" },
              { expr: quantile(0.99), legend: "p99" },
            ],
          },
          {
            title: "api targets up",
            description: "Scrape targets (api pods) found and up; none up is QodApiDown.",
            unit: "short",
            targets: [
              { expr: `sum(up${selector(job)})`, legend: "up" },
              { expr: `count(up${selector(job)})`, legend: "targets" },
            ],
          },
        ],
      },
      {
        title: "api: cache and database",
        panels: [
          {
            title: "cache hit ratio",
            description: "Quote lookups answered from memory or Redis, and those sent to PostgreSQL because Redis was unavailable (the line is QodApiCacheUnavailable's threshold).",
            unit: "percentunit",
            threshold: t.cacheUnavailableRatio,
            targets: [
              { expr: `sum(${rate("qod_api_cache_hits_total", selector(job))}) / ${lookups}`, legend: "hits" },
              { expr: `sum(${rate("qod_api_cache_misses_total", selector({ ...job, reason: "unavailable" }))}) / ${lookups}`, legend: "redis unavailable" },
            ],
          },
          {
            title: "dependency failures",
            description: "Failed or timed-out calls per second to PostgreSQL and Redis (requests and readiness checks); the line is QodApiDependencyFailing's threshold.",
            unit: "ops",
            threshold: t.dependencyFailuresPerSecond,
            targets: [{ expr: `sum by (dependency) (${rate("qod_api_dependency_failures_total", selector(job))})`, legend: "{{dependency}}" }],
          },
          {
            title: "db pool connections",
            description: "Each api pod's PostgreSQL pool: connections in use, requests waiting for one, and the pool's maximum (saturation).",
            unit: "short",
            targets: [{ expr: `sum by (pod, state) (qod_api_db_pool_connections${selector({ ...job, state: "=~active|waiting|max" })})`, legend: "{{pod}} {{state}}" }],
          },
        ],
      },
      {
        title: "pods and scaling",
        panels: [
          {
            title: "replicas vs HPA bounds",
            description: "Each HPA's current and desired replicas against its min and max; a long stretch at max is QodHpaAtMaxReplicas.",
            unit: "short",
            targets: [
              { expr: `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas${selector(ns)})`, legend: "{{horizontalpodautoscaler}} current" },
              { expr: `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas${selector(ns)})`, legend: "{{horizontalpodautoscaler}} desired" },
              { expr: `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_min_replicas${selector(ns)})`, legend: "{{horizontalpodautoscaler}} min" },
              { expr: `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas${selector(ns)})`, legend: "{{horizontalpodautoscaler}} max" },
            ],
          },
          {
            title: "deployment replicas available / unavailable",
            description: "Available and unavailable replicas per Deployment (ui, api, redis).",
            unit: "short",
            targets: [
              { expr: `sum by (deployment) (kube_deployment_status_replicas_available${selector(ns)})`, legend: "{{deployment}} available" },
              { expr: `sum by (deployment) (kube_deployment_status_replicas_unavailable${selector(ns)})`, legend: "{{deployment}} unavailable" },
            ],
          },
          {
            title: "CPU per pod",
            description: "CPU cores used per pod (cAdvisor) and requested (the HPA's utilisation is usage over request).",
            unit: "short",
            targets: [
              { expr: `sum by (pod) (${rate("container_cpu_usage_seconds_total", containers)})`, legend: "{{pod}}" },
              { expr: `sum by (pod) (kube_pod_container_resource_requests${selector({ ...ns, resource: "cpu" })})`, legend: "{{pod}} request" },
            ],
          },
          {
            title: "memory per pod",
            description: "Working-set memory per pod (what the OOM killer compares) and its limit.",
            unit: "bytes",
            targets: [
              { expr: `sum by (pod) (container_memory_working_set_bytes${containers})`, legend: "{{pod}}" },
              { expr: `sum by (pod) (kube_pod_container_resource_limits${selector({ ...ns, resource: "memory" })})`, legend: "{{pod}} limit" },
            ],
          },
          {
            title: "container restarts (1h)",
            description: "Restarts per container over the last hour; the line is QodPodRestartingOften's threshold.",
            unit: "short",
            threshold: t.restartsPerHour,
            targets: [{ expr: `sum by (pod, container) (increase(kube_pod_container_status_restarts_total${selector(ns)}[1h]))`, legend: "{{pod}} {{container}}" }],
          },
          {
            title: "pending pods",
            description: "Pods waiting for a node; more than a few minutes means the Cluster Autoscaler cannot add one (QodPodsPending).",
            unit: "short",
            targets: [{ expr: `sum(kube_pod_status_phase${selector({ ...ns, phase: "Pending" })})`, legend: "pending" }],
          },
        ],
      },
    ],
  };
}

export interface ServiceDashboardProps {
  /** The service with metrics whose signals the dashboard shows; its namespace is the one every panel covers. */
  readonly api: ProductionService;
  /** The namespace the services run in: the panels cover all of it, and the object goes in it. */
  readonly namespace: AppNamespace;
  /** The thresholds drawn as lines (the alerts'). @default DEFAULT_ALERT_THRESHOLDS */
  readonly thresholds?: Partial<AlertThresholds>;
}

/**
 * The services' Grafana dashboard as a ConfigMap labelled for Grafana's dashboard sidecar
 * (`grafana_dashboard: "1"`), which loads it from any namespace (kube-prometheus-stack's
 * `grafana.sidecar.dashboards.searchNamespace: ALL`). A built-in kind, so a typed resource.
 */
export class ServiceDashboard extends Construct {
  public readonly configMap: ConfigMapV1;
  public readonly dashboard: GrafanaDashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const p = new ProblemCollector(`ServiceDashboard ${this.node.path}`);
    p.check(props.api.metricsPort !== undefined, "api", props.api.name, "a ProductionService with `metrics` (the panels read what its ServiceMonitor scrapes)");
    p.check(props.api.namespace === props.namespace.name, "api", props.api.name, `a service in the namespace ${props.namespace.plainName}`);
    checkAlertThresholds(p, "thresholds", props.thresholds ?? {});
    p.throwIfAny();
    const thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...props.thresholds };
    this.dashboard = grafanaDashboard(serviceDashboardSpec({ namespace: props.namespace.plainName, job: props.api.name }, thresholds));
    this.configMap = new ConfigMapV1(this, "Resource", {
      metadata: {
        name: `${this.dashboard.uid}-dashboard`,
        namespace: props.namespace.name,
        labels: { [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value, "app.kubernetes.io/part-of": "qod", "app.kubernetes.io/managed-by": "terraform" },
      },
      data: { [`${this.dashboard.uid}.json`]: JSON.stringify(this.dashboard) },
    });
  }
}
