import { ProblemCollector } from "@qod/core";
import { Construct } from "constructs";
import { CustomResources } from "./custom-resources";
import { AppNamespace } from "./app-namespace";
import { NAME_LABEL, ProductionService } from "./production-service";
import { selector } from "./promql";

/**
 * The alerts' thresholds: one table, each number with the reason it is what it is. The
 * construct takes overrides (`thresholds`), checked like config; the environments use these.
 */
export interface AlertThresholds {
  /** The share of the api's requests (health checks excluded) answered 5xx over 5 minutes (0-1). */
  readonly apiErrorRatio: number;
  /** Requests per second below which the error ratio is not judged. */
  readonly apiMinRequestsPerSecond: number;
  /** The p99 of the api's request duration (health checks excluded) over 5 minutes, in seconds. */
  readonly apiLatencyP99Seconds: number;
  /** Failed calls per second to one dependency (postgres or redis), all api pods together. */
  readonly dependencyFailuresPerSecond: number;
  /** The share of quote lookups PostgreSQL answered because Redis was unavailable (0-1). */
  readonly cacheUnavailableRatio: number;
  /** Active connections over the pool's maximum, in one pod (0-1). */
  readonly dbPoolUsageRatio: number;
  /** Restarts of one container within an hour. */
  readonly restartsPerHour: number;
  /** Minutes an HPA may stay at its maximum. */
  readonly hpaAtMaxMinutes: number;
  /** Minutes a pod may stay Pending. */
  readonly podPendingMinutes: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  // 5 %: far above a healthy api's noise (it answers 5xx only when PostgreSQL fails and no cache
  // holds the day), low enough to page while most requests still succeed.
  apiErrorRatio: 0.05,
  // One request every 10 s: below that a single failure is a 100 % ratio.
  apiMinRequestsPerSecond: 0.1,
  // GET /qod is a memory or Redis read; a p99 of 1 s means PostgreSQL or Redis is slow, or the
  // pods are starved of CPU (the ALB's idle timeout is 60 s, so clients wait, they are not cut).
  apiLatencyP99Seconds: 1,
  // 3 a minute, sustained: a dead dependency makes every pod's readiness probe fail every 5 s
  // (0.2/s per pod), so this fires on an outage, not on one dropped connection.
  dependencyFailuresPerSecond: 0.05,
  // A quarter of lookups going to PostgreSQL: Redis is down or refusing, and the database takes
  // the read load the cache exists to absorb.
  cacheUnavailableRatio: 0.25,
  // Above 90 % of the pool in use, requests start to queue for a connection (state="waiting").
  dbPoolUsageRatio: 0.9,
  // More than a restart every 20 minutes is not a one-off OOM or a node drain.
  restartsPerHour: 3,
  // The HPA scales up within a minute; half an hour at the ceiling is a capacity problem (raise
  // maxReplicas, the quota and the node group's max), not a burst.
  hpaAtMaxMinutes: 30,
  // The Cluster Autoscaler adds a node in 2-5 minutes; 10 means it cannot (node group at its
  // max, no capacity in the zones, a pod that fits no node).
  podPendingMinutes: 10,
};

export type AlertSeverity = "critical" | "warning";

/** One alerting rule, as the PrometheusRule carries it. */
export interface AlertRule {
  readonly alert: string;
  /** The PromQL condition: the alert fires for every series it returns. */
  readonly expr: string;
  /** How long the condition must hold before the alert fires. */
  readonly forMinutes: number;
  readonly severity: AlertSeverity;
  readonly summary: string;
  /** May use `{{ $labels.x }}` and `{{ $value }}`: the raw chart passes them through untouched. */
  readonly description: string;
  /** What to look at first. */
  readonly runbook: string;
}

/** One recording rule: a precomputed series the alerts and the dashboard read. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** The api's request series the golden signals are computed from: health checks excluded. */
const HEALTH_ROUTES = "!~/healthz|/readyz";

/** Recording rules and alerts for the services of one namespace, the api's signals from its job. */
export function serviceRules(api: { namespace: string; job: string }, t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS): { recording: RecordingRule[]; alerts: AlertRule[] } {
  const ns = { namespace: api.namespace };
  const job = { ...ns, job: api.job };
  const requests = selector({ ...job, route: HEALTH_ROUTES });
  const errors = selector({ ...job, route: HEALTH_ROUTES, status_code: "=~5.." });
  const rec = {
    requests: "namespace:qod_api_http_requests:rate5m",
    errorRatio: "namespace:qod_api_http_errors:ratio_rate5m",
    p99: "namespace:qod_api_http_request_duration_seconds:p99_5m",
    cacheUnavailable: "namespace:qod_api_cache_unavailable:ratio_rate5m",
  };
  const recording: RecordingRule[] = [
    { record: rec.requests, expr: `sum by (namespace) (rate(qod_api_http_request_duration_seconds_count${requests}[5m]))` },
    {
      record: rec.errorRatio,
      expr: `sum by (namespace) (rate(qod_api_http_request_duration_seconds_count${errors}[5m])) / sum by (namespace) (rate(qod_api_http_request_duration_seconds_count${requests}[5m]))`,
    },
    { record: rec.p99, expr: `histogram_quantile(0.99, sum by (namespace, le) (rate(qod_api_http_request_duration_seconds_bucket${requests}[5m])))` },
    {
      record: rec.cacheUnavailable,
      expr:
        `sum by (namespace) (rate(qod_api_cache_misses_total${selector({ ...job, reason: "unavailable" })}[5m])) / ` +
        `(sum by (namespace) (rate(qod_api_cache_hits_total${selector(job)}[5m])) + sum by (namespace) (rate(qod_api_cache_misses_total${selector(job)}[5m])))`,
    },
  ];
  const pct = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`;
  const pods = `kubectl -n ${api.namespace} get pods -l ${NAME_LABEL}=${api.job}`;
  const alerts: AlertRule[] = [
    {
      alert: "QodApiDown",
      expr: `absent(up${selector(job)} == 1)`,
      forMinutes: 5,
      severity: "critical",
      summary: "No api pod is being scraped successfully",
      description: `Prometheus has no api target up in ${api.namespace}: every pod is down, none exists, or the ServiceMonitor finds none.`,
      runbook: `${pods}; describe a pod for events; Prometheus' /targets page for the scrape error`,
    },
    {
      alert: "QodApiHighErrorRatio",
      expr: `${rec.errorRatio}${selector(ns)} > ${t.apiErrorRatio} and ${rec.requests}${selector(ns)} > ${t.apiMinRequestsPerSecond}`,
      forMinutes: 5,
      severity: "critical",
      summary: `More than ${pct(t.apiErrorRatio)} of api requests fail with 5xx`,
      description: "{{ $value | humanizePercentage }} of the api's requests (health checks excluded) answered 5xx over 5 minutes.",
      runbook: `the api's logs (CloudWatch, or kubectl -n ${api.namespace} logs -l ${NAME_LABEL}=${api.job}); QodApiDependencyFailing tells which dependency; roll back a fresh release`,
    },
    {
      alert: "QodApiHighLatency",
      expr: `${rec.p99}${selector(ns)} > ${t.apiLatencyP99Seconds}`,
      forMinutes: 10,
      severity: "warning",
      summary: `api p99 latency above ${t.apiLatencyP99Seconds} s`,
      description: "The api's p99 request duration (health checks excluded) is {{ $value | humanizeDuration }} over 5 minutes.",
      runbook: "the dashboard's latency, CPU and db pool panels; RDS Performance Insights for slow statements; cache hit ratio",
    },
    {
      alert: "QodApiDependencyFailing",
      expr: `sum by (namespace, dependency) (rate(qod_api_dependency_failures_total${selector(job)}[5m])) > ${t.dependencyFailuresPerSecond}`,
      forMinutes: 5,
      severity: "warning",
      summary: "The api's calls to {{ $labels.dependency }} fail",
      description: "{{ $value | humanize }} failed calls per second to {{ $labels.dependency }} over 5 minutes (requests and readiness checks).",
      runbook: "postgres: the RDS instance's events, CloudWatch metrics and the api-database Secret; redis: the redis pod and its NetworkPolicies",
    },
    {
      alert: "QodApiCacheUnavailable",
      expr: `${rec.cacheUnavailable}${selector(ns)} > ${t.cacheUnavailableRatio}`,
      forMinutes: 10,
      severity: "warning",
      summary: `More than ${pct(t.cacheUnavailableRatio)} of quote lookups bypass an unavailable Redis`,
      description: "{{ $value | humanizePercentage }} of quote lookups went to PostgreSQL because Redis was unavailable.",
      runbook: `kubectl -n ${api.namespace} get pods -l ${NAME_LABEL}=redis; its restarts and memory (maxmemory is 80 % of the limit)`,
    },
    {
      alert: "QodApiDbPoolSaturated",
      expr:
        `max by (namespace, pod) (qod_api_db_pool_connections${selector({ ...job, state: "active" })}) / ` +
        `max by (namespace, pod) (qod_api_db_pool_connections${selector({ ...job, state: "max" })}) > ${t.dbPoolUsageRatio}`,
      forMinutes: 10,
      severity: "warning",
      summary: `An api pod uses more than ${pct(t.dbPoolUsageRatio)} of its PostgreSQL pool`,
      description: "{{ $labels.pod }} has {{ $value | humanizePercentage }} of its pool's connections in use; requests queue for a connection.",
      runbook: "slow statements in RDS Performance Insights; more replicas (each has its own pool) within the RDS max_connections",
    },
    {
      alert: "QodDeploymentDown",
      expr: `max by (namespace, deployment) (kube_deployment_status_replicas_available${selector(ns)}) < 1 and max by (namespace, deployment) (kube_deployment_spec_replicas${selector(ns)}) > 0`,
      forMinutes: 5,
      severity: "critical",
      summary: "Deployment {{ $labels.deployment }} has no available replica",
      description: "{{ $labels.namespace }}/{{ $labels.deployment }} wants replicas but none is available: the service is down.",
      runbook: `kubectl -n ${api.namespace} describe deploy/{{ $labels.deployment }}; the pods' events and logs`,
    },
    {
      alert: "QodDeploymentReplicasUnavailable",
      expr: `max by (namespace, deployment) (kube_deployment_status_replicas_unavailable${selector(ns)}) > 0`,
      forMinutes: 15,
      severity: "warning",
      summary: "Deployment {{ $labels.deployment }} is missing replicas",
      description: "{{ $value }} replicas of {{ $labels.namespace }}/{{ $labels.deployment }} have been unavailable for 15 minutes (a stuck rollout or unschedulable pods).",
      runbook: `kubectl -n ${api.namespace} rollout status deploy/{{ $labels.deployment }}; pending pods (QodPodsPending), failing probes`,
    },
    {
      alert: "QodPodCrashLooping",
      expr: `max by (namespace, pod, container) (kube_pod_container_status_waiting_reason${selector({ ...ns, reason: "CrashLoopBackOff" })}) >= 1`,
      forMinutes: 5,
      severity: "warning",
      summary: "{{ $labels.pod }} is crash-looping",
      description: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is in CrashLoopBackOff.",
      runbook: `kubectl -n ${api.namespace} logs {{ $labels.pod }} -c {{ $labels.container }} --previous; describe the pod (OOMKilled? a failing probe?)`,
    },
    {
      alert: "QodPodRestartingOften",
      expr: `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total${selector(ns)}[1h])) > ${t.restartsPerHour}`,
      forMinutes: 5,
      severity: "warning",
      summary: "{{ $labels.pod }} restarts often",
      description: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value | humanize }} times in the last hour.",
      runbook: "the last state's reason (kubectl describe pod): OOMKilled means the memory limit, Error the logs of the previous run, liveness failures the probe",
    },
    {
      alert: "QodHpaAtMaxReplicas",
      expr:
        `max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas${selector(ns)}) >= ` +
        `max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas${selector(ns)})`,
      forMinutes: t.hpaAtMaxMinutes,
      severity: "warning",
      summary: "HPA {{ $labels.horizontalpodautoscaler }} is at its maximum",
      description: `{{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at maxReplicas for ${t.hpaAtMaxMinutes} minutes: it cannot absorb more load.`,
      runbook: "raise workloads.<service>.scaling.maxReplicas (and the quota) in apps/<env>/config.ts, or find why each pod needs more CPU",
    },
    {
      alert: "QodPodsPending",
      expr: `sum by (namespace, pod) (kube_pod_status_phase${selector({ ...ns, phase: "Pending" })}) > 0`,
      forMinutes: t.podPendingMinutes,
      severity: "warning",
      summary: "{{ $labels.pod }} has been Pending for long",
      description: `{{ $labels.namespace }}/{{ $labels.pod }} has been Pending for ${t.podPendingMinutes} minutes: the Cluster Autoscaler is not adding the node it needs.`,
      runbook: "kubectl describe pod (FailedScheduling, quota); the Cluster Autoscaler's logs in kube-system; the node group's max size",
    },
  ];
  return { recording, alerts };
}

/** Checks threshold overrides: ratios in (0, 1], positive numbers, whole minutes and counts. */
export function checkAlertThresholds(p: ProblemCollector, field: string, t: Partial<AlertThresholds>): void {
  for (const key of ["apiErrorRatio", "cacheUnavailableRatio", "dbPoolUsageRatio"] as const) {
    const v = t[key];
    if (v !== undefined) p.check(typeof v === "number" && v > 0 && v <= 1, `${field}.${key}`, v, "a ratio above 0 and at most 1 (0.05 is 5 %)");
  }
  for (const key of ["apiMinRequestsPerSecond", "apiLatencyP99Seconds", "dependencyFailuresPerSecond"] as const) {
    const v = t[key];
    if (v !== undefined) p.check(typeof v === "number" && Number.isFinite(v) && v > 0, `${field}.${key}`, v, "a number above 0");
  }
  for (const key of ["restartsPerHour", "hpaAtMaxMinutes", "podPendingMinutes"] as const) {
    const v = t[key];
    if (v !== undefined) p.check(Number.isInteger(v) && v >= 1, `${field}.${key}`, v, "a whole number, 1 or more");
  }
}

export interface ServiceAlertsProps {
  /** The service whose metrics the golden-signal alerts read: it must have `metrics` (a ServiceMonitor). */
  readonly api: ProductionService;
  /** The namespace the services run in: the alerts cover all of it, and the object goes in it. */
  readonly namespace: AppNamespace;
  /** Overrides of {@link DEFAULT_ALERT_THRESHOLDS}. @default - the table's values */
  readonly thresholds?: Partial<AlertThresholds>;
}

/**
 * The services' alerts and recording rules: one PrometheusRule (a release of the `raw` chart,
 * like the ServiceMonitor) in the api's namespace. Prometheus selects rules in every namespace,
 * so nothing else is needed for it to load them. The api's golden signals come from its own
 * metrics; the pods, Deployments and HPAs of the whole namespace from kube-state-metrics.
 */
export class ServiceAlerts extends Construct {
  public readonly resource: CustomResources;
  public readonly alerts: readonly AlertRule[];
  public readonly recordingRules: readonly RecordingRule[];
  public readonly thresholds: AlertThresholds;

  constructor(scope: Construct, id: string, props: ServiceAlertsProps) {
    super(scope, id);
    const p = new ProblemCollector(`ServiceAlerts ${this.node.path}`);
    p.check(props.api.metricsPort !== undefined, "api", props.api.name, "a ProductionService with `metrics` (the alerts read what its ServiceMonitor scrapes)");
    p.check(props.api.namespace === props.namespace.name, "api", props.api.name, `a service in the namespace ${props.namespace.plainName}`);
    checkAlertThresholds(p, "thresholds", props.thresholds ?? {});
    p.throwIfAny();
    this.thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...props.thresholds };
    const { recording, alerts } = serviceRules({ namespace: props.namespace.plainName, job: props.api.name }, this.thresholds);
    this.alerts = alerts;
    this.recordingRules = recording;
    const namespace = props.namespace.name;
    this.resource = new CustomResources(this, "Resource", {
      releaseName: "qod-services-alerts",
      namespace,
      manifests: [
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: "qod-services", namespace, labels: { "app.kubernetes.io/part-of": "qod", "app.kubernetes.io/managed-by": "terraform" } },
          spec: {
            groups: [
              { name: "qod-services.recording", rules: recording.map((r) => ({ record: r.record, expr: r.expr })) },
              {
                name: "qod-services.alerts",
                rules: alerts.map((a) => ({
                  alert: a.alert,
                  expr: a.expr,
                  for: `${a.forMinutes}m`,
                  labels: { severity: a.severity },
                  annotations: { summary: a.summary, description: a.description, runbook: a.runbook },
                })),
              },
            ],
          },
        },
      ],
    });
  }
}

/**
 * The Prometheus metrics the rules and the dashboard may read besides the api's own, by
 * exporter: all come with kube-prometheus-stack (kube-state-metrics, the kubelet's cAdvisor,
 * node-exporter, Prometheus itself). Tests refuse any other name in an expression, so a typo
 * (`qod_api_http_requests_total`) fails before it reaches a cluster.
 */
export const EXTERNAL_METRICS: Readonly<Record<string, string>> = {
  up: "Prometheus (one series per scrape target)",
  kube_deployment_spec_replicas: "kube-state-metrics",
  kube_deployment_status_replicas_available: "kube-state-metrics",
  kube_deployment_status_replicas_unavailable: "kube-state-metrics",
  kube_horizontalpodautoscaler_spec_min_replicas: "kube-state-metrics",
  kube_horizontalpodautoscaler_spec_max_replicas: "kube-state-metrics",
  kube_horizontalpodautoscaler_status_current_replicas: "kube-state-metrics",
  kube_horizontalpodautoscaler_status_desired_replicas: "kube-state-metrics",
  kube_pod_container_status_restarts_total: "kube-state-metrics",
  kube_pod_container_status_waiting_reason: "kube-state-metrics",
  kube_pod_container_resource_requests: "kube-state-metrics",
  kube_pod_container_resource_limits: "kube-state-metrics",
  kube_pod_status_phase: "kube-state-metrics",
  container_cpu_usage_seconds_total: "cAdvisor (kubelet)",
  container_memory_working_set_bytes: "cAdvisor (kubelet)",
  node_cpu_seconds_total: "node-exporter",
  node_memory_MemAvailable_bytes: "node-exporter",
  node_filesystem_avail_bytes: "node-exporter",
};

/**
 * The CloudWatch metrics docs/metrics.md names, by namespace: the ALB's (the ui's golden signals,
 * and the api's as the client sees them) and RDS'. They are in CloudWatch, not Prometheus.
 */
export const CLOUDWATCH_METRICS: Readonly<Record<string, readonly string[]>> = {
  "AWS/ApplicationELB": [
    "RequestCount",
    "TargetResponseTime",
    "HTTPCode_Target_5XX_Count",
    "HTTPCode_Target_4XX_Count",
    "HTTPCode_ELB_5XX_Count",
    "HealthyHostCount",
    "UnHealthyHostCount",
    "TargetConnectionErrorCount",
  ],
  "AWS/RDS": ["CPUUtilization", "DatabaseConnections", "FreeableMemory", "FreeStorageSpace", "ReadLatency", "WriteLatency", "DBLoad"],
};
