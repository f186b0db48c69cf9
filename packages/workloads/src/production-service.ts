import { DeploymentV1, DeploymentV1SpecTemplateSpec, DeploymentV1SpecTemplateSpecContainer } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { JobV1SpecTemplateSpec } from "@cdktf/provider-kubernetes/lib/job-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { NetworkPolicyV1, NetworkPolicyV1SpecEgress, NetworkPolicyV1SpecIngress } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { ProblemCollector } from "@qod/core";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import {
  checkPath,
  checkPort,
  checkResources,
  checkRoute,
  checkScaling,
  DEFAULT_TARGET_CPU_PERCENT,
  DEFAULT_TARGET_MEMORY_PERCENT,
  pdbMinAvailable,
  ResourcesConfig,
  RouteConfig,
  ScalingConfig,
} from "./config";
import { CustomResources } from "./custom-resources";
import { imagePinning } from "./images";
import { LoadBalancer } from "./load-balancer";
import { checkShutdownTiming, DEFAULT_SHUTDOWN, ShutdownTiming, terminationGracePeriodSeconds } from "./shutdown";

/** A probe: an HTTP GET on the service's port, a TCP connect, or a command in the container. */
export type ProbeAction = { readonly httpGet: string } | { readonly tcp: true } | { readonly exec: readonly string[] };

/** A probe's action and timing. */
export type Probe = ProbeAction & {
  /** @default 10 (startup: 2) */
  readonly periodSeconds?: number;
  /** Seconds one check may take. @default 1 */
  readonly timeoutSeconds?: number;
  /** @default 3 (startup: 30, i.e. 60 s to start) */
  readonly failureThreshold?: number;
};

/** A secret key as an environment variable. */
export interface SecretEnv {
  readonly secretName: string;
  readonly key: string;
}

/** The pods Prometheus runs as, for the scrape path through the NetworkPolicy. */
export interface ScraperSelector {
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
}

/** Prometheus metrics on a port of their own, which only the scraper reaches. */
export interface MetricsConfig {
  /** The path the metrics are served at, e.g. `/metrics`. */
  readonly path: string;
  /**
   * The port the container serves them on, not `port`: the Service names it `metrics`, the
   * ServiceMonitor scrapes it, Prometheus' pods are admitted on it alone, and no Ingress routes to
   * it (they target the `http` port), so the metrics cannot become public by a route's path.
   */
  readonly port: number;
  readonly scraper: ScraperSelector;
  /** @default 30 */
  readonly intervalSeconds?: number;
}

export interface ProductionServiceProps {
  /** Namespace of every object. */
  readonly namespace: string;
  /** The service's name (a DNS label): the Deployment, Service, HPA, PDB and policies carry it. */
  readonly name: string;
  /** The image reference, pinned by a release tag or a digest (`latest` and untagged are refused). */
  readonly image: string;
  /** The port the container listens on; the Service exposes the same port. */
  readonly port: number;
  /** The container's command (the image's entry point when unset). */
  readonly command?: readonly string[];
  /** The container's arguments (the image's CMD when unset). */
  readonly args?: readonly string[];
  /** Plain environment variables. */
  readonly env?: Record<string, string>;
  /** Environment variables from Secret keys. */
  readonly secretEnv?: Record<string, SecretEnv>;
  /** Startup, readiness and liveness probes: all three are required. */
  readonly probes: { readonly startup: Probe; readonly readiness: Probe; readonly liveness: Probe };
  /** CPU and memory requests and limits. */
  readonly resources: ResourcesConfig;
  /**
   * Replicas between a floor and a ceiling, scaled by an HPA on CPU and memory, with a
   * PodDisruptionBudget below the floor. Unset: one replica, no HPA, no PDB (a cache).
   */
  readonly scaling?: ScalingConfig;
  /** The numeric uid the container runs as (never 0; the image's `USER`). */
  readonly runAsUser: number;
  /** @default runAsUser */
  readonly runAsGroup?: number;
  /** Paths the container writes to, each an emptyDir (the root filesystem is read-only). @default ["/tmp"] */
  readonly writablePaths?: readonly string[];
  /** How the pod leaves the load balancer. @default DEFAULT_SHUTDOWN */
  readonly shutdown?: ShutdownTiming;
  /** The service's Prometheus metrics on their own port, scraped through a ServiceMonitor. @default - none */
  readonly metrics?: MetricsConfig;
  /** Mount a Kubernetes API token (only for services that call the API). @default false */
  readonly serviceAccountToken?: boolean;
  /**
   * Spread across zones: `required` refuses to schedule a pod that would unbalance the zones by
   * more than one; `preferred` only tries. @default "preferred"
   */
  readonly zoneSpread?: "required" | "preferred";
  /** What the Deployment waits for (a migration Job, a Secret's source). */
  readonly dependsOn?: ITerraformDependable[];
}

/** The label every object of a service carries and every selector matches on. */
export const NAME_LABEL = "app.kubernetes.io/name";
const ZONE_KEY = "topology.kubernetes.io/zone";
const HOST_KEY = "kubernetes.io/hostname";
/** The Service's and the container's port names: `http` is what Ingresses and peers reach, `metrics` only Prometheus. */
export const PORT_NAMES = { http: "http", metrics: "metrics" } as const;
/** The scale-down stabilization window: an HPA that just scaled up does not flap back. */
export const SCALE_DOWN_STABILIZATION_SECONDS = 300;

/** The pods of CoreDNS, every pod's DNS egress target. */
export const CLUSTER_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53 } as const;

/**
 * One stateless service run the way production needs it: a Deployment that rolls with
 * `maxUnavailable: 0`, probes, requests and limits, a locked-down security context, zone spread
 * and a graceful stop; a ClusterIP Service; an HPA and a PDB consistent with it; NetworkPolicies
 * that admit only what the service declares (through {@link allowFrom}, {@link allowFromCidrs},
 * {@link allowEgressToCidrs}, {@link exposeViaIngress}); a ServiceMonitor when it has metrics.
 */
export class ProductionService extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly port: number;
  /** The metrics port, when the service has metrics. */
  public readonly metricsPort?: number;
  public readonly labels: Record<string, string>;
  public readonly deployment: DeploymentV1;
  public readonly service: ServiceV1;
  public readonly autoscaler?: HorizontalPodAutoscalerV2;
  public readonly disruptionBudget?: PodDisruptionBudgetV1;
  public readonly monitor?: CustomResources;
  public readonly shutdown: ShutdownTiming;
  /** Every NetworkPolicy that selects this service's pods, by purpose. */
  public readonly policies: Record<string, NetworkPolicyV1> = {};
  /** The Ingresses that route to it, one per route. */
  public readonly ingresses: IngressV1[] = [];
  private readonly props: ProductionServiceProps;

  constructor(scope: Construct, id: string, props: ProductionServiceProps) {
    super(scope, id);
    ProductionService.validate(props, this.node.path);
    this.props = props;
    this.name = props.name;
    this.namespace = props.namespace;
    this.port = props.port;
    this.metricsPort = props.metrics?.port;
    this.shutdown = props.shutdown ?? DEFAULT_SHUTDOWN;
    this.labels = { [NAME_LABEL]: props.name, "app.kubernetes.io/managed-by": "terraform" };
    const selector = { [NAME_LABEL]: props.name };
    const metadata = { name: props.name, namespace: props.namespace, labels: this.labels };
    const minReplicas = props.scaling?.minReplicas ?? 1;

    this.deployment = new DeploymentV1(this, "Deployment", {
      metadata,
      spec: {
        replicas: String(minReplicas),
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        // A new pod must stay ready this long before the next old one goes.
        minReadySeconds: 5,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "0", maxSurge: "1" } },
        template: { metadata: { labels: this.labels }, spec: podSpec(props, selector) },
      },
      // Apply returns once the new pods are ready (or fails and reports the rollout).
      waitForRollout: true,
      timeouts: { create: "10m", update: "10m" },
      dependsOn: props.dependsOn,
      // The HPA owns the replica count once it exists: an apply must not reset it.
      lifecycle: props.scaling ? { ignoreChanges: ["spec[0].replicas"] } : undefined,
    });

    this.service = new ServiceV1(this, "Service", {
      metadata,
      spec: {
        type: "ClusterIP",
        selector,
        port: [
          { name: PORT_NAMES.http, port: props.port, targetPort: String(props.port), protocol: "TCP" },
          ...(props.metrics ? [{ name: PORT_NAMES.metrics, port: props.metrics.port, targetPort: String(props.metrics.port), protocol: "TCP" }] : []),
        ],
      },
    });

    if (props.scaling) {
      const s = props.scaling;
      this.autoscaler = new HorizontalPodAutoscalerV2(this, "Autoscaler", {
        metadata,
        spec: {
          minReplicas: s.minReplicas,
          maxReplicas: s.maxReplicas,
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: props.name },
          metric: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT } } },
            { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: s.targetMemoryPercent ?? DEFAULT_TARGET_MEMORY_PERCENT } } },
          ],
          behavior: {
            scaleUp: [{ stabilizationWindowSeconds: 0, selectPolicy: "Max", policy: [{ type: "Percent", value: 100, periodSeconds: 30 }, { type: "Pods", value: 4, periodSeconds: 30 }] }],
            scaleDown: [{ stabilizationWindowSeconds: SCALE_DOWN_STABILIZATION_SECONDS, selectPolicy: "Min", policy: [{ type: "Percent", value: 50, periodSeconds: 60 }] }],
          },
        },
        dependsOn: [this.deployment],
      });
      const minAvailable = pdbMinAvailable(s);
      if (minAvailable !== undefined) {
        this.disruptionBudget = new PodDisruptionBudgetV1(this, "DisruptionBudget", {
          metadata,
          spec: { minAvailable: String(minAvailable), selector: { matchLabels: selector } },
        });
      }
    }

    // Every pod resolves names: DNS to CoreDNS, nothing else until a method allows it.
    this.addPolicy("dns", {
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": CLUSTER_DNS.namespace } }, podSelector: { matchLabels: CLUSTER_DNS.podLabels } }],
          ports: [
            { port: String(CLUSTER_DNS.port), protocol: "UDP" },
            { port: String(CLUSTER_DNS.port), protocol: "TCP" },
          ],
        },
      ],
    });

    if (props.metrics) {
      const m = props.metrics;
      this.monitor = new CustomResources(this, "Monitor", {
        releaseName: `${props.name}-monitoring`,
        namespace: props.namespace,
        manifests: [
          {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: props.name, namespace: props.namespace, labels: this.labels },
            spec: {
              selector: { matchLabels: selector },
              namespaceSelector: { matchNames: [props.namespace] },
              endpoints: [{ port: PORT_NAMES.metrics, path: m.path, interval: `${m.intervalSeconds ?? 30}s`, scrapeTimeout: "10s" }],
            },
          },
        ],
        dependsOn: [this.service],
      });
      this.addPolicy("from-prometheus", {
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": m.scraper.namespace } }, podSelector: { matchLabels: m.scraper.podLabels } }],
            ports: [{ port: String(m.port), protocol: "TCP" }],
          },
        ],
      });
    }
  }

  /** Checks the props; throws one ValidationError naming every problem. */
  static validate(props: ProductionServiceProps, path = "ProductionService"): void {
    const p = new ProblemCollector(`ProductionService ${path}`);
    p.check(typeof props.name === "string" && /^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/.test(props.name), "name", props.name, "a DNS label starting with a letter (up to 52 characters)");
    checkPort(p, "port", props.port);
    if (typeof props.image === "string") {
      const pinning = imagePinning(props.image);
      p.check(pinning === "tag" || pinning === "digest", "image", props.image, "an image pinned by a release tag or a digest (not untagged, not latest)");
    } else p.add("image", props.image, "an image reference");
    for (const kind of ["startup", "readiness", "liveness"] as const) {
      const probe = props.probes?.[kind];
      if (!p.check(probe !== undefined, `probes.${kind}`, probe, "a probe: { httpGet: \"/path\" }, { tcp: true } or { exec: [...] }")) continue;
      if ("httpGet" in probe) checkPath(p, `probes.${kind}.httpGet`, probe.httpGet);
    }
    checkResources(p, "resources", props.resources);
    if (props.scaling) checkScaling(p, "scaling", props.scaling, false);
    p.check(Number.isInteger(props.runAsUser) && props.runAsUser > 0, "runAsUser", props.runAsUser, "a numeric uid above 0 (runAsNonRoot can only verify a number)");
    if (props.runAsGroup !== undefined) p.check(Number.isInteger(props.runAsGroup) && props.runAsGroup > 0, "runAsGroup", props.runAsGroup, "a numeric gid above 0");
    (props.writablePaths ?? []).forEach((path, i) => checkPath(p, `writablePaths[${i}]`, path));
    checkShutdownTiming(p, "shutdown", props.shutdown ?? DEFAULT_SHUTDOWN);
    if (props.metrics) {
      checkPath(p, "metrics.path", props.metrics.path);
      if (checkPort(p, "metrics.port", props.metrics.port)) {
        p.check(props.metrics.port !== props.port, "metrics.port", props.metrics.port, `a port other than port (${props.port}): the metrics are never on the port the Ingress routes to`);
      }
    }
    p.throwIfAny();
  }

  /** Admits `other`'s pods on this service's port (and lets them out to it). */
  public allowFrom(other: ProductionService): this {
    this.addPolicy(`from-${other.name}`, {
      ingress: [{ from: [{ podSelector: { matchLabels: { [NAME_LABEL]: other.name } } }], ports: [{ port: String(this.port), protocol: "TCP" }] }],
    });
    other.addPolicy(`to-${this.name}`, {
      egress: [{ to: [{ podSelector: { matchLabels: { [NAME_LABEL]: this.name } } }], ports: [{ port: String(this.port), protocol: "TCP" }] }],
    });
    return this;
  }

  /** Admits connections from address ranges (e.g. the load balancer's subnets) on this service's port. */
  public allowFromCidrs(purpose: string, cidrs: readonly string[]): this {
    this.addPolicy(`from-${purpose}`, {
      ingress: [{ from: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: String(this.port), protocol: "TCP" }] }],
    });
    return this;
  }

  /** Lets the pods out to address ranges on one port (e.g. the database subnets on 5432). */
  public allowEgressToCidrs(purpose: string, cidrs: readonly string[], port: number): this {
    this.addPolicy(`to-${purpose}`, {
      egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: String(port), protocol: "TCP" }] }],
    });
    return this;
  }

  /**
   * Routes `route.host` + `route.path` (a prefix) on the shared ALB to this service: an Ingress in
   * the load balancer's IngressGroup, health-checked on the readiness path and deregistered with
   * the service's delay; and a NetworkPolicy admitting the load balancer's subnets.
   */
  public exposeViaIngress(loadBalancer: LoadBalancer, route: RouteConfig): IngressV1 {
    const p = new ProblemCollector(`ProductionService ${this.node.path}`);
    checkRoute(p, "route", route, loadBalancer.domain);
    p.throwIfAny();
    const readiness = this.props.probes.readiness;
    const ingress = loadBalancer.addRoute(this, route.host, route.path, {
      namespace: this.namespace,
      service: this.name,
      // The http port, never the metrics port: whatever the path, /metrics is not reachable here.
      port: this.port,
      healthCheckPath: "httpGet" in readiness ? readiness.httpGet : "/",
      deregistrationDelaySeconds: this.shutdown.deregistrationDelaySeconds,
    });
    this.ingresses.push(ingress);
    this.allowFromCidrs("load-balancer", loadBalancer.subnetCidrs);
    return ingress;
  }

  private addPolicy(purpose: string, rules: { ingress?: NetworkPolicyV1SpecIngress[]; egress?: NetworkPolicyV1SpecEgress[] }): NetworkPolicyV1 {
    if (this.policies[purpose]) return this.policies[purpose];
    const policyTypes = [...(rules.ingress ? ["Ingress"] : []), ...(rules.egress ? ["Egress"] : [])];
    const policy = new NetworkPolicyV1(this, `Policy-${purpose}`, {
      metadata: { name: `${this.name}-${purpose}`, namespace: this.namespace, labels: this.labels },
      spec: { podSelector: { matchLabels: { [NAME_LABEL]: this.name } }, policyTypes, ingress: rules.ingress, egress: rules.egress },
    });
    this.policies[purpose] = policy;
    return policy;
  }
}

/** The pod of a service: one container, locked down, spread over zones, stopping gracefully. */
function podSpec(p: ProductionServiceProps, selector: Record<string, string>): DeploymentV1SpecTemplateSpec {
  const shutdown = p.shutdown ?? DEFAULT_SHUTDOWN;
  const uid = String(p.runAsUser);
  const gid = String(p.runAsGroup ?? p.runAsUser);
  const writable = p.writablePaths ?? ["/tmp"];
  const volumeName = (i: number) => `writable-${i}`;
  const probe = (probe: Probe, defaults: { period: number; failures: number }) => ({
    periodSeconds: probe.periodSeconds ?? defaults.period,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    failureThreshold: probe.failureThreshold ?? defaults.failures,
    ...("httpGet" in probe ? { httpGet: { path: probe.httpGet, port: String(p.port) } } : {}),
    ...("tcp" in probe ? { tcpSocket: [{ port: String(p.port) }] } : {}),
    ...("exec" in probe ? { exec: { command: [...probe.exec] } } : {}),
  });
  const mainContainer: DeploymentV1SpecTemplateSpecContainer = {
    name: p.name,
    image: p.image,
    // Tags in the environment's registry are immutable: a present image is the right one.
    imagePullPolicy: "IfNotPresent",
    command: p.command ? [...p.command] : undefined,
    args: p.args ? [...p.args] : undefined,
    port: [
      { name: PORT_NAMES.http, containerPort: p.port, protocol: "TCP" },
      ...(p.metrics ? [{ name: PORT_NAMES.metrics, containerPort: p.metrics.port, protocol: "TCP" }] : []),
    ],
    env: [
      ...Object.entries(p.env ?? {}).map(([name, value]) => ({ name, value })),
      ...Object.entries(p.secretEnv ?? {}).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } })),
    ],
    resources: {
      requests: { cpu: p.resources.cpu, memory: p.resources.memory },
      limits: { cpu: p.resources.cpuLimit, memory: p.resources.memoryLimit },
    },
    startupProbe: probe(p.probes.startup, { period: 2, failures: 30 }),
    readinessProbe: probe(p.probes.readiness, { period: 5, failures: 2 }),
    livenessProbe: probe(p.probes.liveness, { period: 10, failures: 3 }),
    // The load balancer deregisters the pod while it sleeps; SIGTERM comes after.
    lifecycle: { preStop: [{ exec: { command: ["sleep", String(shutdown.preStopSeconds)] } }] },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: gid,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMount: writable.map((mountPath, i) => ({ name: volumeName(i), mountPath })),
  };
  return {
    automountServiceAccountToken: p.serviceAccountToken ?? false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: terminationGracePeriodSeconds(shutdown),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: gid,
      fsGroup: gid,
      seccompProfile: { type: "RuntimeDefault" },
    },
    topologySpreadConstraint: [
      { maxSkew: 1, topologyKey: ZONE_KEY, whenUnsatisfiable: p.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway", labelSelector: [{ matchLabels: selector }] },
      { maxSkew: 1, topologyKey: HOST_KEY, whenUnsatisfiable: "ScheduleAnyway", labelSelector: [{ matchLabels: selector }] },
    ],
    container: [mainContainer],
    volume: writable.map((_, i) => ({ name: volumeName(i), emptyDir: { sizeLimit: "64Mi" } })),
  };
}

/**
 * The pod spec of a Job that runs a service's image the way the service runs (same user,
 * locked-down context, resources, secrets): the api's migrations. No probes, no preStop, never
 * restarted in place.
 */
export function jobPodSpec(props: ProductionServiceProps, command: readonly string[]): JobV1SpecTemplateSpec {
  const { container, topologySpreadConstraint: _t, ...spec } = podSpec(props, {});
  const [main] = container as DeploymentV1SpecTemplateSpecContainer[];
  const { lifecycle: _l, startupProbe: _s, readinessProbe: _r, livenessProbe: _v, port: _p, ...rest } = main;
  return { ...spec, restartPolicy: "Never", terminationGracePeriodSeconds: 30, container: [{ ...rest, command: [...command], args: undefined }] };
}
