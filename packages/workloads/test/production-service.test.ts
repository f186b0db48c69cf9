import { describe, expect, it } from "vitest";
import {
  DEFAULT_SHUTDOWN,
  NAME_LABEL,
  ProductionService,
  ProductionServiceProps,
  READINESS_GATE_LABEL,
  SCALE_DOWN_STABILIZATION_SECONDS,
  servingSeconds,
} from "../src";
import { byName, manifestsOf, scaffold, serviceProps, synth } from "./fixtures";

/** One service in a scaffold; `wire` adds relations. */
const build = (props: Partial<ProductionServiceProps> = {}, wire: (s: ProductionService, scope: any, lb: any) => void = () => {}) =>
  synth((scope) => {
    const { loadBalancer } = scaffold(scope);
    const service = new ProductionService(scope, "Web", serviceProps(props));
    wire(service, scope, loadBalancer);
  });

const container = (json: any, name = "web") => byName(json, "kubernetes_deployment_v1")[name].spec.template.spec.container[0];
const policies = (json: any) => byName(json, "kubernetes_network_policy_v1");

describe("ProductionService: the Deployment", () => {
  const json = build();
  const deployment = byName(json, "kubernetes_deployment_v1").web;
  const pod = deployment.spec.template.spec;
  const c = container(json);

  it("rolls with maxUnavailable 0 and waits for the rollout", () => {
    expect(deployment.spec.strategy).toEqual({ type: "RollingUpdate", rolling_update: { max_unavailable: "0", max_surge: "1" } });
    expect(deployment.wait_for_rollout).toBe(true);
    expect(deployment.spec.min_ready_seconds).toBeGreaterThan(0);
  });

  it("has startup, readiness and liveness probes on the service's port", () => {
    for (const probe of ["startup_probe", "readiness_probe", "liveness_probe"]) expect(c[probe].http_get.port, probe).toBe("8080");
    expect([c.startup_probe, c.readiness_probe, c.liveness_probe].map((p) => p.http_get.path)).toEqual(["/healthz", "/readyz", "/healthz"]);
  });

  it("sets the requests and limits of its config", () => {
    const r = serviceProps().resources;
    expect(c.resources).toEqual({ requests: { cpu: r.cpu, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } });
  });

  it("runs non-root with a numeric uid, read-only, without capabilities or privilege escalation, under RuntimeDefault seccomp", () => {
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "1000", seccomp_profile: { type: "RuntimeDefault" } });
    expect(c.security_context).toMatchObject({
      run_as_non_root: true,
      run_as_user: "1000",
      allow_privilege_escalation: false,
      privileged: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    // Writable paths are emptyDirs, one per path.
    expect(c.volume_mount.map((m: any) => m.mount_path)).toEqual(["/tmp"]);
    expect(pod.volume.every((v: any) => v.empty_dir)).toBe(true);
  });

  it("mounts no service-account token unless asked to", () => {
    expect(pod.automount_service_account_token).toBe(false);
    expect(byName(build({ serviceAccountToken: true }), "kubernetes_deployment_v1").web.spec.template.spec.automount_service_account_token).toBe(true);
  });

  it("spreads over zones (required when asked) and hosts", () => {
    expect(pod.topology_spread_constraint.map((t: any) => [t.topology_key, t.when_unsatisfiable])).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
      ["kubernetes.io/hostname", "ScheduleAnyway"],
    ]);
    const required = byName(build({ zoneSpread: "required" }), "kubernetes_deployment_v1").web.spec.template.spec;
    expect(required.topology_spread_constraint[0].when_unsatisfiable).toBe("DoNotSchedule");
  });

  it("pauses in preStop and gives the pod a grace period longer than preStop + drain + in-flight", () => {
    expect(c.lifecycle.pre_stop[0].exec.command).toEqual(["sleep", String(DEFAULT_SHUTDOWN.preStopSeconds)]);
    expect(pod.termination_grace_period_seconds).toBeGreaterThan(servingSeconds(DEFAULT_SHUTDOWN));
  });

  it("leaves the replica count to the HPA once it exists", () => {
    expect(deployment.lifecycle.ignore_changes).toEqual(["spec[0].replicas"]);
    expect(deployment.spec.replicas).toBe(String(serviceProps().scaling!.minReplicas));
  });
});

describe("ProductionService: Service, HPA, PDB", () => {
  const json = build();

  it("exposes the port on a ClusterIP Service selecting the pods", () => {
    const svc = byName(json, "kubernetes_service_v1").web;
    expect(svc.spec).toMatchObject({ type: "ClusterIP", selector: { [NAME_LABEL]: "web" }, port: [{ port: 8080, target_port: "8080" }] });
  });

  it("scales on CPU and memory between the config's bounds, scaling down slowly", () => {
    const hpa = byName(json, "kubernetes_horizontal_pod_autoscaler_v2").web.spec;
    expect([hpa.min_replicas, hpa.max_replicas]).toEqual([3, 10]);
    expect(hpa.scale_target_ref).toEqual({ api_version: "apps/v1", kind: "Deployment", name: "web" });
    expect(hpa.metric.map((m: any) => m.resource.name)).toEqual(["cpu", "memory"]);
    expect(hpa.behavior.scale_down[0].stabilization_window_seconds).toBe(SCALE_DOWN_STABILIZATION_SECONDS);
  });

  it("has a PDB that allows one disruption below the HPA's minimum", () => {
    const pdb = byName(json, "kubernetes_pod_disruption_budget_v1").web.spec;
    const hpa = byName(json, "kubernetes_horizontal_pod_autoscaler_v2").web.spec;
    expect(Number(pdb.min_available)).toBe(hpa.min_replicas - 1);
    expect(pdb.selector.match_labels).toEqual({ [NAME_LABEL]: "web" });
  });

  it("has neither HPA nor PDB without scaling (one replica)", () => {
    const single = build({ scaling: undefined });
    expect(single.resource?.kubernetes_horizontal_pod_autoscaler_v2).toBeUndefined();
    expect(single.resource?.kubernetes_pod_disruption_budget_v1).toBeUndefined();
    expect(byName(single, "kubernetes_deployment_v1").web.spec.replicas).toBe("1");
  });
});

describe("ProductionService: NetworkPolicies", () => {
  it("lets every pod resolve names, and nothing else by default", () => {
    const json = build();
    expect(Object.keys(policies(json)).sort()).toEqual(["default-deny", "web-dns"]);
    const dns = policies(json)["web-dns"].spec;
    expect(dns.policy_types).toEqual(["Egress"]);
    expect(dns.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(["UDP/53", "TCP/53"]);
  });

  it("allowFrom admits the other service's pods on this port and lets them out to it", () => {
    const json = synth((scope) => {
      scaffold(scope);
      const cache = new ProductionService(scope, "Cache", serviceProps({ name: "cache", port: 6379, scaling: undefined }));
      const web = new ProductionService(scope, "Web", serviceProps());
      cache.allowFrom(web);
    });
    const p = policies(json);
    expect(p["cache-from-web"].spec).toMatchObject({
      pod_selector: { match_labels: { [NAME_LABEL]: "cache" } },
      policy_types: ["Ingress"],
      ingress: [{ from: [{ pod_selector: { match_labels: { [NAME_LABEL]: "web" } } }], ports: [{ port: "6379", protocol: "TCP" }] }],
    });
    expect(p["web-to-cache"].spec).toMatchObject({
      pod_selector: { match_labels: { [NAME_LABEL]: "web" } },
      policy_types: ["Egress"],
      egress: [{ to: [{ pod_selector: { match_labels: { [NAME_LABEL]: "cache" } } }], ports: [{ port: "6379" }] }],
    });
  });

  it("allowEgressToCidrs opens one port to those ranges only", () => {
    const json = build({}, (s) => s.allowEgressToCidrs("database", ["10.0.224.0/21"], 5432));
    expect(policies(json)["web-to-database"].spec.egress).toEqual([{ to: [{ ip_block: { cidr: "10.0.224.0/21" } }], ports: [{ port: "5432", protocol: "TCP" }] }]);
  });
});

const METRICS = { path: "/metrics", port: 9464, scraper: { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } } };

describe("ProductionService: exposeViaIngress and metrics", () => {
  const json = build({ metrics: METRICS }, (s, _scope, lb) => {
    s.exposeViaIngress(lb, { host: "www.example.com", path: "/qod" });
    s.exposeViaIngress(lb, { host: "www.example.com", path: "/qod/archive" });
    s.exposeViaIngress(lb, { host: "api.example.com", path: "/" });
  });
  const service = byName(json, "kubernetes_service_v1").web;
  const portNamed = (name: string) => service.spec.port.find((p: any) => p.name === name);

  it("adds one Ingress per route to the ALB group, health-checked on the readiness path", () => {
    const ingresses = Object.values(byName(json, "kubernetes_ingress_v1"));
    expect(ingresses.map((i: any) => i.spec.rule[0].http.path[0].path).sort()).toEqual(["/", "/qod", "/qod/archive"]);
    for (const i of ingresses as any[]) {
      expect(i.metadata.annotations["alb.ingress.kubernetes.io/group.name"]).toBe("qod-test");
      expect(i.metadata.annotations["alb.ingress.kubernetes.io/healthcheck-path"]).toBe("/readyz");
      expect(i.spec.rule[0].http.path[0].backend.service).toEqual({ name: "web", port: { number: 8080 } });
    }
    // The more specific path is matched first.
    const order = Object.fromEntries((ingresses as any[]).map((i) => [i.spec.rule[0].http.path[0].path, Number(i.metadata.annotations["alb.ingress.kubernetes.io/group.order"])]));
    expect(order["/qod/archive"]).toBeLessThan(order["/qod"]);
  });

  it("admits the load balancer's subnets, once", () => {
    expect(policies(json)["web-from-load-balancer"].spec.ingress[0].from).toEqual([{ ip_block: { cidr: "10.0.192.0/21" } }]);
  });

  it("exposes the metrics port as a second named port of the Service and the container", () => {
    expect(service.spec.port.map((p: any) => [p.name, p.port, p.target_port])).toEqual([
      ["http", 8080, "8080"],
      ["metrics", METRICS.port, String(METRICS.port)],
    ]);
    expect(container(json).port.map((p: any) => [p.name, p.container_port])).toEqual([
      ["http", 8080],
      ["metrics", METRICS.port],
    ]);
  });

  it("creates a ServiceMonitor that scrapes the Service's metrics port by its name", () => {
    const [monitor] = manifestsOf(json, "web-monitoring");
    expect(monitor).toMatchObject({ kind: "ServiceMonitor", spec: { selector: { matchLabels: { [NAME_LABEL]: "web" } }, endpoints: [{ path: "/metrics" }] } });
    expect(portNamed(monitor.spec.endpoints[0].port)?.port).toBe(METRICS.port);
  });

  it("admits Prometheus' pods on the metrics port only", () => {
    const rules = policies(json)["web-from-prometheus"].spec.ingress;
    expect(rules[0].from[0]).toEqual({
      namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } },
      pod_selector: { match_labels: { "app.kubernetes.io/name": "prometheus" } },
    });
    expect(rules.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([String(METRICS.port)]);
  });

  it("never points an Ingress at the metrics port: every backend is the http port, a route at / included", () => {
    const ingresses = Object.values(byName(json, "kubernetes_ingress_v1")) as any[];
    const backends = ingresses.flatMap((i) => i.spec.rule.flatMap((r: any) => r.http.path.map((p: any) => p.backend.service.port.number)));
    expect(backends.length).toBe(3);
    for (const port of backends) {
      expect(port).toBe(portNamed("http").port);
      expect(port).not.toBe(METRICS.port);
    }
    // The load balancer's subnets are admitted on the http port only.
    expect(policies(json)["web-from-load-balancer"].spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual(["8080"]);
  });

  it("refuses a host outside the load balancer's domain", () => {
    expect(() => build({}, (s, _scope, lb) => s.exposeViaIngress(lb, { host: "www.example.org", path: "/" }))).toThrow(/route\.host: got "www\.example\.org"; allowed: a name under/);
  });
});

describe("ProductionService: bad props", () => {
  it.each<[string, Partial<ProductionServiceProps>, RegExp]>([
    ["a probe path without a leading slash", { probes: { startup: { httpGet: "healthz" }, readiness: { httpGet: "/readyz" }, liveness: { httpGet: "/healthz" } } }, /probes\.startup\.httpGet: got "healthz"; allowed: a path starting with "\/"/],
    ["a port outside 1-65535", { port: 70000 }, /port: got 70000; allowed: a port number from 1 to 65535/],
    ["a metrics port outside 1-65535", { metrics: { ...METRICS, port: 0 } }, /metrics\.port: got 0; allowed: a port number from 1 to 65535/],
    ["the metrics on the service's port", { metrics: { ...METRICS, port: 8080 } }, /metrics\.port: got 8080; allowed: a port other than port \(8080\): the metrics are never on the port the Ingress routes to/],
    ["the latest tag", { image: "registry.example.com/web:latest" }, /image: got ".*:latest"; allowed: an image pinned by a release tag or a digest/],
    ["an untagged image", { image: "registry.example.com/web" }, /image: got "registry\.example\.com\/web"; allowed: an image pinned/],
    ["uid 0", { runAsUser: 0 }, /runAsUser: got 0; allowed: a numeric uid above 0/],
    ["a memory limit below the request", { resources: { cpu: "100m", memory: "512Mi", cpuLimit: "1", memoryLimit: "256Mi" } }, /resources\.memoryLimit: got "256Mi"; allowed: at least the memory request/],
    ["an HPA floor above its ceiling", { scaling: { minReplicas: 5, maxReplicas: 2 } }, /scaling\.minReplicas: got 5; allowed: at most maxReplicas \(2\)/],
    ["a PDB at the HPA floor", { scaling: { minReplicas: 2, maxReplicas: 5, minAvailable: 2 } }, /scaling\.minAvailable: got 2; allowed: fewer than minReplicas \(2\)/],
    ["a deregistration delay past the pod's serving time", { shutdown: { preStopSeconds: 10, drainSeconds: 5, inFlightSeconds: 5, deregistrationDelaySeconds: 30 } }, /shutdown\.deregistrationDelaySeconds: got 30; allowed: less than preStop \+ drain \+ in-flight \(20 s\)/],
  ])("fails on %s, naming the construct and the field", (_, props, message) => {
    expect(() => build(props)).toThrow(message);
    expect(() => build(props)).toThrow(/ProductionService .*Web/);
  });
});

describe("AppNamespace", () => {
  const json = synth((scope) => scaffold(scope));

  it("enforces the restricted pod security standard and injects the ALB's readiness gates", () => {
    const ns = Object.values(json.resource!.kubernetes_namespace_v1)[0] as any;
    expect(ns.metadata.labels).toMatchObject({ [READINESS_GATE_LABEL]: "enabled", "pod-security.kubernetes.io/enforce": "restricted" });
  });

  it("has defaults for containers, a quota without LoadBalancer or NodePort Services, and a default deny both ways", () => {
    const limits = (Object.values(json.resource!.kubernetes_limit_range_v1)[0] as any).spec.limit[0];
    expect(Object.keys(limits.default_request).sort()).toEqual(["cpu", "memory"]);
    const hard = (Object.values(json.resource!.kubernetes_resource_quota_v1)[0] as any).spec.hard;
    expect(hard).toMatchObject({ "services.loadbalancers": "0", "services.nodeports": "0", "requests.cpu": "8", pods: "50" });
    expect(byName(json, "kubernetes_network_policy_v1")["default-deny"].spec).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
  });
});
