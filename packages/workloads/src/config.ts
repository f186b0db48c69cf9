import { checkSectionObject, isInZone, ProblemCollector, SectionContext } from "@qod/core";
import { checkImage, ImageConfig } from "./images";
import { cpuMillis, CPU_QUANTITY, memoryBytes, MEMORY_QUANTITY } from "./quantities";

/**
 * The workloads section of an environment's config (`workloads`) and its rules. The same rule
 * functions check the config at the edge (`checkWorkloadsConfig`) and the constructs' props, so
 * both reject the same input with the same words.
 */

/** CPU and memory of one container: what the scheduler reserves, and the ceiling. */
export interface ResourcesConfig {
  /** CPU request, e.g. `"100m"`. */
  readonly cpu: string;
  /** Memory request, e.g. `"128Mi"`. */
  readonly memory: string;
  /** CPU limit (at least the request). */
  readonly cpuLimit: string;
  /** Memory limit (at least the request; the container is OOM-killed above it). */
  readonly memoryLimit: string;
}

/** How many pods run, what the HorizontalPodAutoscaler aims for, and what a voluntary disruption may take. */
export interface ScalingConfig {
  /** The HPA's floor (1-100; 2+ in production, so a node drain or a zone loss keeps the service up). */
  readonly minReplicas: number;
  /** The HPA's ceiling (minReplicas-100). */
  readonly maxReplicas: number;
  /** Average CPU utilisation (of the request) the HPA keeps (10-100). @default 70 */
  readonly targetCpuPercent?: number;
  /** Average memory utilisation (of the request) the HPA keeps (10-100). @default 80 */
  readonly targetMemoryPercent?: number;
  /**
   * The PodDisruptionBudget's `minAvailable`: below minReplicas, or every node drain blocks.
   * @default minReplicas - 1 (no PDB when minReplicas is 1)
   */
  readonly minAvailable?: number;
}

/** One public route: a host (under the environment's domain) and a path prefix. */
export interface RouteConfig {
  /** e.g. `www.example.com` */
  readonly host: string;
  /** A path prefix starting with `/`, e.g. `/qod`. */
  readonly path: string;
}

/** A stateless HTTP service with public routes: the ui and the api. */
export interface WebServiceConfig {
  readonly image: ImageConfig;
  readonly scaling: ScalingConfig;
  readonly resources: ResourcesConfig;
  /** Where the ALB routes to it. */
  readonly routes: readonly RouteConfig[];
}

/** The in-cluster cache: one replica, no persistence, reachable from the api only. */
export interface CacheConfig {
  readonly image: ImageConfig;
  readonly resources: ResourcesConfig;
}

/** What the whole namespace may request: its ResourceQuota. */
export interface QuotaConfig {
  /** Total CPU requests, e.g. `"8"`. */
  readonly cpu: string;
  /** Total memory requests, e.g. `"16Gi"` (memory limits may total twice this). */
  readonly memory: string;
  /** Pods at most. */
  readonly pods: number;
}

/** The `<env>-apps` stack: the namespace, the three services and their load balancer. */
export interface WorkloadsConfig {
  /** The namespace of the services (a DNS label). @default "apps" */
  readonly namespace?: string;
  readonly ui: WebServiceConfig;
  readonly api: WebServiceConfig;
  readonly redis: CacheConfig;
  readonly quota: QuotaConfig;
  /** The shared ALB. */
  readonly loadBalancer?: {
    /** Deletion protection on the ALB. @default true in production */
    readonly deletionProtection?: boolean;
    /** Access logs to the environment's log bucket (the infra stack creates it when this is on). @default true in production */
    readonly accessLogs?: boolean;
  };
}

/** What the section's rules need from the rest of the environment. */
export interface WorkloadsContext extends SectionContext {
  /** The environment's domain: every host is under it. */
  readonly domain?: string;
  /** The environment's ECR repositories (images in them may use a release tag). */
  readonly repositories?: readonly string[];
}

export const DEFAULT_NAMESPACE = "apps";
export const DEFAULT_TARGET_CPU_PERCENT = 70;
export const DEFAULT_TARGET_MEMORY_PERCENT = 80;
export const MAX_REPLICAS = 100;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_PATTERN = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PATH_PATTERN = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
/** The reserved namespaces a workload never goes into. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** A port number (1-65535). */
export function checkPort(p: ProblemCollector, field: string, port: unknown): boolean {
  return p.check(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535, field, port, "a port number from 1 to 65535");
}

/** A URL path (a probe's, a route's): starts with `/`. */
export function checkPath(p: ProblemCollector, field: string, path: unknown): boolean {
  return p.check(typeof path === "string" && PATH_PATTERN.test(path), field, path, 'a path starting with "/" (e.g. "/healthz"), without spaces or query');
}

/** Requests and limits: valid quantities, each limit at least its request. */
export function checkResources(p: ProblemCollector, field: string, r: ResourcesConfig | undefined): void {
  if (!checkSectionObject(p, field, r, '{ cpu, memory, cpuLimit, memoryLimit }, e.g. { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" }')) return;
  const cpu = cpuMillis(r.cpu);
  const cpuLimit = cpuMillis(r.cpuLimit);
  const memory = memoryBytes(r.memory);
  const memoryLimit = memoryBytes(r.memoryLimit);
  p.check(cpu !== undefined, `${field}.cpu`, r.cpu, CPU_QUANTITY);
  p.check(cpuLimit !== undefined, `${field}.cpuLimit`, r.cpuLimit, CPU_QUANTITY);
  p.check(memory !== undefined, `${field}.memory`, r.memory, MEMORY_QUANTITY);
  p.check(memoryLimit !== undefined, `${field}.memoryLimit`, r.memoryLimit, MEMORY_QUANTITY);
  if (cpu !== undefined && cpuLimit !== undefined) p.check(cpuLimit >= cpu, `${field}.cpuLimit`, r.cpuLimit, `at least the CPU request (${r.cpu})`);
  if (memory !== undefined && memoryLimit !== undefined) {
    p.check(memoryLimit >= memory, `${field}.memoryLimit`, r.memoryLimit, `at least the memory request (${r.memory}): a limit below the request cannot be scheduled sensibly`);
  }
}

/** The HPA's bounds and targets and the PDB that goes with them. */
export function checkScaling(p: ProblemCollector, field: string, s: ScalingConfig | undefined, production: boolean): void {
  if (!checkSectionObject(p, field, s, "{ minReplicas, maxReplicas }, e.g. { minReplicas: 2, maxReplicas: 4 }")) return;
  const minOk = p.check(Number.isInteger(s.minReplicas) && s.minReplicas >= 1 && s.minReplicas <= MAX_REPLICAS, `${field}.minReplicas`, s.minReplicas, `a whole number from 1 to ${MAX_REPLICAS}`);
  const maxOk = p.check(Number.isInteger(s.maxReplicas) && s.maxReplicas >= 1 && s.maxReplicas <= MAX_REPLICAS, `${field}.maxReplicas`, s.maxReplicas, `a whole number from 1 to ${MAX_REPLICAS}`);
  if (minOk && maxOk) p.check(s.minReplicas <= s.maxReplicas, `${field}.minReplicas`, s.minReplicas, `at most maxReplicas (${s.maxReplicas}): the HPA's floor above its ceiling`);
  if (minOk && production) p.check(s.minReplicas >= 2, `${field}.minReplicas`, s.minReplicas, "2 or more in production: one pod is a single point of failure for every node drain and zone loss");
  for (const key of ["targetCpuPercent", "targetMemoryPercent"] as const) {
    const v = s[key];
    if (v !== undefined) p.check(Number.isInteger(v) && v >= 10 && v <= 100, `${field}.${key}`, v, "a whole percentage from 10 to 100");
  }
  if (s.minAvailable !== undefined && minOk) {
    if (p.check(Number.isInteger(s.minAvailable) && s.minAvailable >= 1, `${field}.minAvailable`, s.minAvailable, "a whole number of pods, 1 or more")) {
      p.check(
        s.minAvailable < s.minReplicas,
        `${field}.minAvailable`,
        s.minAvailable,
        `fewer than minReplicas (${s.minReplicas}): a PodDisruptionBudget that allows no disruption at the HPA's minimum blocks every node drain`,
      );
    }
  }
}

/** The PDB's `minAvailable` for a scaling config, or undefined when there is no PDB (one replica). */
export function pdbMinAvailable(s: ScalingConfig): number | undefined {
  if (s.minAvailable !== undefined) return s.minAvailable;
  return s.minReplicas > 1 ? s.minReplicas - 1 : undefined;
}

/** One route: a host under the domain, a path. */
export function checkRoute(p: ProblemCollector, field: string, route: RouteConfig | undefined, domain: string | undefined): void {
  if (!checkSectionObject(p, field, route, '{ host, path }, e.g. { host: "www.example.com", path: "/" }')) return;
  if (p.check(typeof route.host === "string" && HOST_PATTERN.test(route.host), `${field}.host`, route.host, "a lowercase DNS name (www.example.com)")) {
    if (domain !== undefined) p.check(isInZone(route.host, domain) && route.host !== domain, `${field}.host`, route.host, `a name under the environment's domain (${domain}): the certificate and the hosted zone cover nothing else`);
  }
  checkPath(p, `${field}.path`, route.path);
}

function checkWebService(p: ProblemCollector, field: string, s: WebServiceConfig | undefined, context: WorkloadsContext): void {
  if (!checkSectionObject(p, field, s, "{ image, scaling, resources, routes }")) return;
  checkImage(p, `${field}.image`, s.image, context.repositories);
  checkScaling(p, `${field}.scaling`, s.scaling, context.production);
  checkResources(p, `${field}.resources`, s.resources);
  if (!p.check(Array.isArray(s.routes) && s.routes.length > 0, `${field}.routes`, s.routes, 'one or more { host, path } routes, e.g. [{ host: "www.example.com", path: "/" }]')) return;
  s.routes.forEach((route, i) => checkRoute(p, `${field}.routes[${i}]`, route, context.domain));
}

/**
 * The api's metrics path. No route rule guards it: the api serves it on its own port
 * (`API_METRICS_PORT`), which no Ingress routes to, so no path can make it public.
 */
export const API_METRICS_PATH = "/metrics";

/** Checks the workloads section of an environment (`field` is e.g. `dev.workloads`). */
export function checkWorkloadsConfig(p: ProblemCollector, field: string, w: WorkloadsConfig | undefined, context: WorkloadsContext): void {
  if (!checkSectionObject(p, field, w, "{ ui, api, redis, quota } (see WorkloadsConfig in @qod/workloads)")) return;
  if (w.namespace !== undefined) {
    if (p.check(typeof w.namespace === "string" && DNS_LABEL.test(w.namespace), `${field}.namespace`, w.namespace, "a DNS label (lowercase letters, digits, -; up to 63)")) {
      p.check(!RESERVED_NAMESPACES.includes(w.namespace) && !w.namespace.startsWith("kube-"), `${field}.namespace`, w.namespace, `a namespace of its own, not ${RESERVED_NAMESPACES.join(", ")} or kube-*`);
    }
  }
  checkWebService(p, `${field}.ui`, w.ui, context);
  checkWebService(p, `${field}.api`, w.api, context);
  if (checkSectionObject(p, `${field}.redis`, w.redis, "{ image, resources }")) {
    checkImage(p, `${field}.redis.image`, w.redis.image, context.repositories);
    checkResources(p, `${field}.redis.resources`, w.redis.resources);
  }
  // Two services on one host and path: the ALB would send the path to whichever rule came first.
  const claimed = new Map<string, string>();
  for (const service of ["ui", "api"] as const) {
    const routes = w[service]?.routes;
    if (!Array.isArray(routes)) continue;
    routes.forEach((route, i) => {
      if (typeof route?.host !== "string" || typeof route?.path !== "string") return;
      const key = `${route.host}${route.path.replace(/\/+$/, "") || "/"}`;
      const owner = claimed.get(key);
      const f = `${field}.${service}.routes[${i}]`;
      if (owner !== undefined) p.add(f, route, `a host and path no other route claims (${owner} already routes ${key})`);
      else claimed.set(key, f);
    });
  }
  if (checkSectionObject(p, `${field}.quota`, w.quota, '{ cpu, memory, pods }, e.g. { cpu: "4", memory: "8Gi", pods: 40 }')) {
    checkQuota(p, `${field}.quota`, w);
  }
  if (w.loadBalancer !== undefined && checkSectionObject(p, `${field}.loadBalancer`, w.loadBalancer, "{ deletionProtection?, accessLogs? }")) {
    for (const key of ["deletionProtection", "accessLogs"] as const) {
      const v = w.loadBalancer[key];
      if (v === undefined) continue;
      if (p.check(typeof v === "boolean", `${field}.loadBalancer.${key}`, v, "true or false")) {
        if (context.production) p.check(v, `${field}.loadBalancer.${key}`, v, "true in production (or leave it out)");
      }
    }
  }
}

/**
 * What the services may request at their peak: every service at its maximum plus one surge pod
 * (a rolling update with `maxUnavailable: 0` runs one extra), plus the api's migration Job.
 */
export function peakRequests(w: WorkloadsConfig): { cpuMillis: number; memoryBytes: number; pods: number } | undefined {
  const parts: { resources: ResourcesConfig; pods: number }[] = [
    { resources: w.ui.resources, pods: w.ui.scaling.maxReplicas + 1 },
    { resources: w.api.resources, pods: w.api.scaling.maxReplicas + 1 + 1 },
    { resources: w.redis.resources, pods: 2 },
  ];
  let cpu = 0;
  let memory = 0;
  let pods = 0;
  for (const part of parts) {
    const c = cpuMillis(part.resources?.cpu);
    const m = memoryBytes(part.resources?.memory);
    if (c === undefined || m === undefined || !Number.isInteger(part.pods)) return undefined;
    cpu += c * part.pods;
    memory += m * part.pods;
    pods += part.pods;
  }
  return { cpuMillis: cpu, memoryBytes: memory, pods };
}

function checkQuota(p: ProblemCollector, field: string, w: WorkloadsConfig): void {
  const q = w.quota;
  const cpu = cpuMillis(q.cpu);
  const memory = memoryBytes(q.memory);
  p.check(cpu !== undefined, `${field}.cpu`, q.cpu, CPU_QUANTITY);
  p.check(memory !== undefined, `${field}.memory`, q.memory, MEMORY_QUANTITY);
  p.check(Number.isInteger(q.pods) && q.pods >= 1 && q.pods <= 1000, `${field}.pods`, q.pods, "a whole number from 1 to 1000");
  let peak: ReturnType<typeof peakRequests>;
  try {
    peak = peakRequests(w);
  } catch {
    peak = undefined; // a service section is malformed; its own problem is reported above
  }
  if (peak === undefined) return;
  const explain = "every service at maxReplicas plus one surge pod, and the migration Job";
  if (cpu !== undefined) p.check(cpu >= peak.cpuMillis, `${field}.cpu`, q.cpu, `at least ${peak.cpuMillis}m, what the services request at their peak (${explain})`);
  if (memory !== undefined) {
    p.check(memory >= peak.memoryBytes, `${field}.memory`, q.memory, `at least ${Math.ceil(peak.memoryBytes / 2 ** 20)}Mi, what the services request at their peak (${explain})`);
  }
  if (Number.isInteger(q.pods)) p.check(q.pods >= peak.pods, `${field}.pods`, q.pods, `at least ${peak.pods} (${explain})`);
}
