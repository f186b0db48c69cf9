import { PROMETHEUS_URL } from "@qod/helm-addons";
import { describe, expect, it } from "vitest";
import { READINESS_TIMEOUT_MS } from "../../../docker/qod-api/src/readiness";
import {
  API_READINESS_TIMEOUT_MS,
  API_SHUTDOWN,
  DATABASE_SECRET,
  HTTP_PORT,
  NAME_LABEL,
  POSTGRES_PORT,
  QodServices,
  REDIS_PORT,
  servingSeconds,
  terminationGracePeriodSeconds,
  WRITE_TOKEN_SECRET,
} from "../src";
import { byName, manifestsOf, servicesProps, synth, workloads } from "./fixtures";

const build = (overrides: Parameters<typeof servicesProps>[0] = {}) => synth((scope) => new QodServices(scope, "Services", servicesProps(overrides)));
const json = build();
const deployments = byName(json, "kubernetes_deployment_v1");
const policies = byName(json, "kubernetes_network_policy_v1");
const env = (name: string) => Object.fromEntries(deployments[name].spec.template.spec.container[0].env.map((e: any) => [e.name, e.value ?? e.value_from]));
const ingresses = Object.values(byName(json, "kubernetes_ingress_v1")) as any[];
/** The peers a service's policies admit in (ingress) or let out to (egress), as text. */
const peers = (service: string, direction: "ingress" | "egress") =>
  Object.values(policies)
    .filter((p: any) => p.spec.pod_selector?.match_labels?.[NAME_LABEL] === service && p.spec[direction])
    .flatMap((p: any) => p.spec[direction].flatMap((rule: any) => (rule.from ?? rule.to).map((peer: any) => `${JSON.stringify(peer)}:${rule.ports.map((x: any) => x.port).join("/")}`)));

describe("QodServices", () => {
  it("runs ui, api and redis from the environment's registry at the configured tags", () => {
    expect(Object.keys(deployments).sort()).toEqual(["api", "redis", "ui"]);
    const image = (name: string) => deployments[name].spec.template.spec.container[0].image;
    expect(image("api")).toBe(`${servicesProps().repositoryUrl("qod-api")}:${workloads.api.image.tag}`);
    expect(image("ui")).toBe(`${servicesProps().repositoryUrl("ui")}:${workloads.ui.image.tag}`);
    expect(image("redis")).toBe(`${servicesProps().repositoryUrl("redis")}:${workloads.redis.image.tag}`);
  });

  it("scales api and ui between their configured bounds; redis is one pod", () => {
    const hpas = byName(json, "kubernetes_horizontal_pod_autoscaler_v2");
    expect(Object.keys(hpas).sort()).toEqual(["api", "ui"]);
    for (const name of ["api", "ui"] as const) {
      expect([hpas[name].spec.min_replicas, hpas[name].spec.max_replicas]).toEqual([workloads[name].scaling.minReplicas, workloads[name].scaling.maxReplicas]);
    }
    expect(deployments.redis.spec.replicas).toBe("1");
  });

  it("lets only the api reach redis, on 6379", () => {
    const into = peers("redis", "ingress");
    expect(into).toEqual([`${JSON.stringify({ pod_selector: { match_labels: { [NAME_LABEL]: "api" } } })}:${REDIS_PORT}`]);
    expect(peers("ui", "egress").some((p) => p.includes('"redis"'))).toBe(false);
  });

  it("lets the api out to DNS, redis and the database subnets on 5432 only", () => {
    const out = peers("api", "egress");
    expect(out.filter((p) => p.includes("kube-dns"))).toHaveLength(1);
    expect(out.filter((p) => p.includes('"redis"'))).toEqual([expect.stringMatching(`:${REDIS_PORT}$`)]);
    const cidrs = out.filter((p) => p.includes("ip_block"));
    expect(cidrs).toEqual(servicesProps().databaseSubnetCidrs.map((cidr) => `${JSON.stringify({ ip_block: { cidr } })}:${POSTGRES_PORT}`));
    expect(out).toHaveLength(1 + 1 + cidrs.length);
  });

  it("admits the ALB's subnets to api and ui only, and Prometheus to the api", () => {
    for (const name of ["api", "ui"]) expect(peers(name, "ingress").filter((p) => p.includes("ip_block")).length, name).toBe(servicesProps().publicSubnetCidrs.length);
    expect(peers("redis", "ingress").some((p) => p.includes("ip_block"))).toBe(false);
    expect(peers("api", "ingress").some((p) => p.includes("monitoring"))).toBe(true);
  });

  it("builds POSTGRES_URL from the RDS-managed secret and the instance, with TLS verified", () => {
    const [secret] = manifestsOf(json, "api-database-secret");
    const db = servicesProps().database;
    expect(secret.kind).toBe("ExternalSecret");
    expect(secret.spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: "aws-secrets-manager" });
    expect(secret.spec.data.map((d: any) => [d.remoteRef.key, d.remoteRef.property])).toEqual([[db.secretArn, "username"], [db.secretArn, "password"]]);
    const url = secret.spec.target.template.data.POSTGRES_URL;
    expect(url).toBe(`postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@${db.host}:${db.port}/${db.name}?sslmode=verify-full`);
    expect(env("api").POSTGRES_URL).toEqual({ secret_key_ref: { name: DATABASE_SECRET, key: "POSTGRES_URL" } });
  });

  it("gives the api WRITE_TOKEN from a Secret that a Password generator fills in the cluster, never a literal", () => {
    expect(env("api").WRITE_TOKEN).toEqual({ secret_key_ref: { name: WRITE_TOKEN_SECRET, key: "WRITE_TOKEN" } });
    const manifests = manifestsOf(json, WRITE_TOKEN_SECRET);
    const generator = manifests.find((m) => m.kind === "Password");
    const secret = manifests.find((m) => m.kind === "ExternalSecret");
    // The generator: generators.external-secrets.io/v1alpha1 (ESO 2.9), alphanumeric, long enough for the api's check.
    expect(generator.apiVersion).toBe("generators.external-secrets.io/v1alpha1");
    expect(generator.spec.length).toBeGreaterThanOrEqual(32);
    expect(generator.spec.symbols).toBe(0);
    expect(secret.apiVersion).toBe("external-secrets.io/v1");
    expect(secret.spec.dataFrom).toEqual([
      { sourceRef: { generatorRef: { apiVersion: generator.apiVersion, kind: "Password", name: generator.metadata.name } } },
    ]);
    expect(secret.spec.target).toMatchObject({ name: WRITE_TOKEN_SECRET, template: { data: { WRITE_TOKEN: "{{ .password }}" } } });
    // Generated once: it never rotates under the operators who hold it.
    expect(secret.spec.refreshPolicy).toBe("CreatedOnce");
    // No WRITE_TOKEN anywhere as a literal value (not in the Deployment, not in Terraform state).
    const literal = JSON.stringify(json).match(/"name":"WRITE_TOKEN","value":/);
    expect(literal).toBeNull();
    // The api waits for the Secret; the migration Job does not get the token.
    const release = Object.entries(json.resource!.helm_release).find(([, r]: [string, any]) => r.name === WRITE_TOKEN_SECRET)![0];
    expect(deployments.api.depends_on).toContain(`helm_release.${release}`);
    const job: any = Object.values(json.resource!.kubernetes_job_v1)[0];
    expect(job.spec.template.spec.container[0].env.map((e: any) => e.name)).not.toContain("WRITE_TOKEN");
  });

  it("lets the api believe X-Forwarded-For only from the ALB's subnets", () => {
    expect(env("api").TRUST_PROXY).toBe(servicesProps().publicSubnetCidrs.join(","));
  });

  it("points the api at redis and the in-cluster Prometheus, and the ui at its own origin when the api shares its host", () => {
    expect(env("api").REDIS_URL).toBe(`redis://redis.apps.svc:${REDIS_PORT}`);
    expect(env("api").METRICS_URL).toBe(PROMETHEUS_URL);
    expect(env("api").CORS_ORIGINS).toBe("https://www.example.com");
    expect(env("ui").API_BASE_URL).toBe("");
    const apart = synth((scope) => new QodServices(scope, "S", servicesProps({ config: { ...workloads, api: { ...workloads.api, routes: [{ host: "api.example.com", path: "/qod" }] } } })));
    const uiEnv = byName(apart, "kubernetes_deployment_v1").ui.spec.template.spec.container[0].env;
    expect(uiEnv.find((e: any) => e.name === "API_BASE_URL").value).toBe("https://api.example.com");
  });

  it("migrates in a Job named after the image, which the api's Deployment waits for", () => {
    const [id, job] = Object.entries(json.resource!.kubernetes_job_v1)[0] as [string, any];
    expect(job.wait_for_completion).toBe(true);
    expect(job.spec.template.spec.container[0].command).toEqual(["node", "dist/main.js", "migrate"]);
    expect(job.spec.template.spec.container[0].image).toBe(deployments.api.spec.template.spec.container[0].image);
    expect(job.spec.template.spec.restart_policy).toBe("Never");
    expect(deployments.api.depends_on).toContain(`kubernetes_job_v1.${id}`);
    const next = synth((scope) => new QodServices(scope, "Services", servicesProps({ config: { ...workloads, api: { ...workloads.api, image: { repository: "qod-api", tag: "1.2.4" } } } })));
    expect((Object.values(next.resource!.kubernetes_job_v1)[0] as any).metadata.name).not.toBe(job.metadata.name);
    // Its pods are locked down and reach only DNS and the database.
    expect(job.spec.template.spec.container[0].security_context.read_only_root_filesystem).toBe(true);
    expect(policies["api-migrate"].spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual(["53", "53", String(POSTGRES_PORT)]);
  });

  it("routes only the configured paths, each to its service's http port, never to a metrics port", () => {
    const services = byName(json, "kubernetes_service_v1");
    const paths = ingresses.map((i) => `${i.spec.rule[0].host}${i.spec.rule[0].http.path[0].path}`);
    expect(paths.sort()).toEqual([...workloads.api.routes, ...workloads.ui.routes].map((r) => `${r.host}${r.path}`).sort());
    for (const i of ingresses) {
      for (const path of i.spec.rule.flatMap((r: any) => r.http.path)) {
        const ports = services[path.backend.service.name].spec.port;
        expect(path.backend.service.port.number).toBe(ports.find((p: any) => p.name === "http").port);
        expect(ports.filter((p: any) => p.name === "metrics").map((p: any) => p.port)).not.toContain(path.backend.service.port.number);
      }
    }
  });

  it("serves the api's metrics on their own port: its env, its Service, the ServiceMonitor and Prometheus' policy agree", () => {
    const metricsPort = byName(json, "kubernetes_service_v1").api.spec.port.find((p: any) => p.name === "metrics");
    const [monitor] = manifestsOf(json, "api-monitoring");
    expect(metricsPort.port).not.toBe(HTTP_PORT);
    expect(env("api").METRICS_PORT).toBe(String(metricsPort.port));
    expect(monitor.spec.endpoints.map((e: any) => e.port)).toEqual([metricsPort.name]);
    expect(policies["api-from-prometheus"].spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([String(metricsPort.port)]);
  });

  it("lets an api route cover / without making /metrics public: it is not on the routed port", () => {
    const all = synth((scope) => new QodServices(scope, "S", servicesProps({ config: { ...workloads, api: { ...workloads.api, routes: [{ host: "api.example.com", path: "/" }] } } })));
    const apiIngress = (Object.values(byName(all, "kubernetes_ingress_v1")) as any[]).find((i) => i.spec.rule[0].host === "api.example.com");
    expect(apiIngress.spec.rule[0].http.path[0]).toMatchObject({ path: "/", backend: { service: { name: "api", port: { number: HTTP_PORT } } } });
  });

  it("puts every route on one internet-facing HTTPS ALB: certificate, HTTP redirected, TLS 1.2+, target type ip", () => {
    const groups = new Set(ingresses.map((i) => i.metadata.annotations["alb.ingress.kubernetes.io/group.name"]));
    expect(groups).toEqual(new Set(["qod-test"]));
    for (const i of ingresses) {
      expect(i.metadata.annotations).toMatchObject({
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/certificate-arn": servicesProps().certificateArn,
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
        "alb.ingress.kubernetes.io/ssl-policy": expect.stringMatching(/^ELBSecurityPolicy-TLS13-1-2/),
      });
      expect(i.spec.ingress_class_name).toBe("alb");
    }
  });

  it("drains the api from the ALB before the pod stops serving", () => {
    const api = ingresses.filter((i) => i.spec.rule[0].http.path[0].backend.service.name === "api");
    const delay = Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(api[0].metadata.annotations["alb.ingress.kubernetes.io/target-group-attributes"])![1]);
    const pod = deployments.api.spec.template.spec;
    const preStop = Number(pod.container[0].lifecycle.pre_stop[0].exec.command[1]);
    const drain = Number(env("api").SHUTDOWN_DRAIN_MS) / 1000;
    const timeout = Number(env("api").SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(delay).toBeLessThan(preStop + timeout);
    expect(drain).toBeLessThan(timeout);
    expect(pod.termination_grace_period_seconds).toBeGreaterThan(preStop + timeout);
    expect([delay, preStop + timeout, pod.termination_grace_period_seconds]).toEqual([API_SHUTDOWN.deregistrationDelaySeconds, servingSeconds(API_SHUTDOWN), terminationGracePeriodSeconds(API_SHUTDOWN)]);
  });

  it("gives the api's readiness probe at least twice the time /readyz may take, even with a dependency hung", () => {
    const probe = deployments.api.spec.template.spec.container[0].readiness_probe;
    expect(probe.http_get.path).toBe("/readyz");
    expect(API_READINESS_TIMEOUT_MS).toBe(READINESS_TIMEOUT_MS);
    expect(probe.timeout_seconds * 1000).toBeGreaterThanOrEqual(2 * READINESS_TIMEOUT_MS);
  });

  it("turns on deletion protection and access logs in production", () => {
    const attributes = (j: any) => (Object.values(j.resource!.kubernetes_ingress_v1)[0] as any).metadata.annotations["alb.ingress.kubernetes.io/load-balancer-attributes"];
    expect(attributes(json)).toMatch(/deletion_protection\.enabled=false.*access_logs\.s3\.enabled=false/);
    expect(attributes(build({ production: true }))).toMatch(/deletion_protection\.enabled=true.*access_logs\.s3\.enabled=true,access_logs\.s3\.bucket=qod-test-alb-logs/);
  });

  it("requires zone spread in production", () => {
    const prod = byName(build({ production: true }), "kubernetes_deployment_v1");
    for (const name of ["api", "ui"]) expect(prod[name].spec.template.spec.topology_spread_constraint[0].when_unsatisfiable, name).toBe("DoNotSchedule");
  });
});
