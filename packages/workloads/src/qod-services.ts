import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS, PROMETHEUS_URL } from "@qod/helm-addons";
import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { ServiceAlerts } from "./alert-rules";
import { AppNamespace } from "./app-namespace";
import { API_METRICS_PATH, DEFAULT_NAMESPACE, WorkloadsConfig } from "./config";
import { CustomResources } from "./custom-resources";
import { ServiceDashboard } from "./dashboard";
import { ImageConfig, imageReference, isRegistryRepository } from "./images";
import { LoadBalancer } from "./load-balancer";
import { CLUSTER_DNS, jobPodSpec, NAME_LABEL, ProductionService, ProductionServiceProps } from "./production-service";
import { memoryBytes } from "./quantities";
import { DEFAULT_SHUTDOWN, shutdownEnvironment, ShutdownTiming } from "./shutdown";

/** What the services need from the rest of the environment (mostly the infra stack's outputs). */
export interface QodServicesProps {
  readonly config: WorkloadsConfig;
  readonly production: boolean;
  /** The environment's domain (hosts are under it). */
  readonly domain: string;
  /** The ALB's IngressGroup name, e.g. `qod-dev`. */
  readonly groupName: string;
  /** The URL of one of the environment's ECR repositories, by name. */
  readonly repositoryUrl: (repository: string) => string;
  /** The issued ACM certificate for the domain and `*.domain`. */
  readonly certificateArn: string;
  /** The public subnets' CIDRs (where the ALB runs). */
  readonly publicSubnetCidrs: readonly string[];
  /** The database subnets' CIDRs (where RDS runs). */
  readonly databaseSubnetCidrs: readonly string[];
  /** The PostgreSQL instance and the Secrets Manager secret RDS keeps its credentials in. */
  readonly database: { readonly host: string; readonly port: string; readonly name: string; readonly secretArn: string };
  /** The ClusterSecretStore that reads Secrets Manager. */
  readonly secretStore: string;
  /** The bucket for ALB access logs, when they are on. */
  readonly accessLogsBucket?: string;
  /** Tags on the ALB. */
  readonly tags?: Record<string, string>;
}

/** The api listens here (the image's `PORT`); so does the ui. */
export const HTTP_PORT = 8080;
/** The api serves `GET /metrics` here (the image's `METRICS_PORT`), for Prometheus only. */
export const API_METRICS_PORT = 9464;
export const REDIS_PORT = 6379;
export const POSTGRES_PORT = 5432;
/** uid of the `node` user in both Node images (their `USER 1000:1000`). */
export const NODE_UID = 1000;
/** uid of the `redis` user in the official Redis image. */
export const REDIS_UID = 999;
/** The api's shutdown: the same numbers reach its environment, its pod and the ALB. */
export const API_SHUTDOWN: ShutdownTiming = DEFAULT_SHUTDOWN;
/** The cache is not behind the ALB: a short stop. */
export const REDIS_SHUTDOWN: ShutdownTiming = { preStopSeconds: 5, drainSeconds: 0, inFlightSeconds: 5, deregistrationDelaySeconds: 0 };
/**
 * How long the api's `/readyz` may take, even with PostgreSQL or Redis hung: the service's
 * `READINESS_TIMEOUT_MS` (docker/qod-api/src/readiness.ts). The service cannot import this package,
 * so the number lives in both places and a test compares them.
 */
export const API_READINESS_TIMEOUT_MS = 300;
/** The api's readiness probe timeout: well above {@link API_READINESS_TIMEOUT_MS}, which its test checks. */
export const API_READINESS_PROBE_TIMEOUT_SECONDS = 2;
/** Where the api image keeps the Amazon RDS CA bundle (docker/qod-api/Dockerfile), for `sslmode=verify-full`. */
export const RDS_CA_BUNDLE = "/etc/ssl/certs/rds-global-bundle.pem";
/** The Kubernetes Secret the ExternalSecret writes `POSTGRES_URL` into. */
export const DATABASE_SECRET = "api-database";
/**
 * The Kubernetes Secret with the api's `WRITE_TOKEN`: generated in the cluster by External
 * Secrets' Password generator, once, so no Terraform state or plan ever holds it.
 */
export const WRITE_TOKEN_SECRET = "api-write-token";

/**
 * The quote-of-the-day services of one environment: the namespace, redis (cache, api only), the
 * api (public paths on the ALB, PostgreSQL through an ExternalSecret with TLS required,
 * migrations as a Job per image that the Deployment waits for, scraped by Prometheus) and the ui
 * (public at `www.`). Every relation between them is a method call, so the NetworkPolicies
 * admit exactly these paths and nothing else. Alerts on their golden signals and a Grafana
 * dashboard go with them.
 */
export class QodServices extends Construct {
  public readonly namespace: AppNamespace;
  public readonly loadBalancer: LoadBalancer;
  public readonly databaseSecret: CustomResources;
  public readonly writeTokenSecret: CustomResources;
  public readonly migration: JobV1;
  public readonly redis: ProductionService;
  public readonly api: ProductionService;
  public readonly ui: ProductionService;
  /** The services' alerts and recording rules (a PrometheusRule). */
  public readonly alerts: ServiceAlerts;
  /** The services' Grafana dashboard (a ConfigMap for Grafana's sidecar). */
  public readonly dashboard: ServiceDashboard;

  constructor(scope: Construct, id: string, props: QodServicesProps) {
    super(scope, id);
    const c = props.config;
    const image = (i: ImageConfig) => imageReference(isRegistryRepository(i.repository) ? props.repositoryUrl(i.repository) : i.repository, i);
    this.namespace = new AppNamespace(this, "Namespace", { name: c.namespace ?? DEFAULT_NAMESPACE, quota: c.quota });
    const ns = this.namespace.name;

    this.loadBalancer = new LoadBalancer(this, "LoadBalancer", {
      groupName: props.groupName,
      domain: props.domain,
      certificateArn: props.certificateArn,
      subnetCidrs: props.publicSubnetCidrs,
      deletionProtection: c.loadBalancer?.deletionProtection ?? props.production,
      accessLogsBucket: (c.loadBalancer?.accessLogs ?? props.production) ? props.accessLogsBucket : undefined,
      tags: props.tags,
    });

    // POSTGRES_URL from the secret RDS manages (user, password) and the instance's address;
    // verify-full: TLS required and the server's certificate checked (the image trusts the RDS CAs).
    const db = props.database;
    this.databaseSecret = new CustomResources(this, "DatabaseSecret", {
      releaseName: "api-database-secret",
      namespace: ns,
      manifests: [
        {
          apiVersion: "external-secrets.io/v1",
          kind: "ExternalSecret",
          metadata: { name: DATABASE_SECRET, namespace: ns },
          spec: {
            refreshInterval: "1h",
            secretStoreRef: { kind: "ClusterSecretStore", name: props.secretStore },
            target: {
              name: DATABASE_SECRET,
              creationPolicy: "Owner",
              template: {
                engineVersion: "v2",
                type: "Opaque",
                data: {
                  POSTGRES_URL: `postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@${db.host}:${db.port}/${db.name}?sslmode=verify-full`,
                },
              },
            },
            data: [
              { secretKey: "username", remoteRef: { key: db.secretArn, property: "username" } },
              { secretKey: "password", remoteRef: { key: db.secretArn, property: "password" } },
            ],
          },
        },
      ],
      dependsOn: [this.namespace.namespace],
    });
    const postgresUrl = { POSTGRES_URL: { secretName: DATABASE_SECRET, key: "POSTGRES_URL" } };

    // WRITE_TOKEN (POST /quotes): 48 random letters and digits, generated by the operator in the
    // cluster. CreatedOnce: never regenerated on a schedule, so it does not change under the
    // people using it; rotate by deleting the Secret (docker/qod-api/README.md, "Operating").
    const generator = { apiVersion: "generators.external-secrets.io/v1alpha1", kind: "Password", name: WRITE_TOKEN_SECRET };
    this.writeTokenSecret = new CustomResources(this, "WriteTokenSecret", {
      releaseName: WRITE_TOKEN_SECRET,
      namespace: ns,
      manifests: [
        {
          apiVersion: generator.apiVersion,
          kind: generator.kind,
          metadata: { name: generator.name, namespace: ns },
          spec: { length: 48, digits: 12, symbols: 0, noUpper: false, allowRepeat: true },
        },
        {
          apiVersion: "external-secrets.io/v1",
          kind: "ExternalSecret",
          metadata: { name: WRITE_TOKEN_SECRET, namespace: ns },
          spec: {
            refreshPolicy: "CreatedOnce",
            refreshInterval: "0s",
            target: {
              name: WRITE_TOKEN_SECRET,
              creationPolicy: "Owner",
              template: { engineVersion: "v2", type: "Opaque", data: { WRITE_TOKEN: "{{ .password }}" } },
            },
            dataFrom: [{ sourceRef: { generatorRef: generator } }],
          },
        },
      ],
      dependsOn: [this.namespace.namespace],
    });
    const writeToken = { WRITE_TOKEN: { secretName: WRITE_TOKEN_SECRET, key: "WRITE_TOKEN" } };

    // --- redis: a cache, no persistence, reachable from the api only ---
    const redisMemory = memoryBytes(c.redis.resources.memoryLimit) ?? 2 ** 27;
    this.redis = new ProductionService(this, "Redis", {
      namespace: ns,
      name: "redis",
      image: image(c.redis.image),
      port: REDIS_PORT,
      args: [
        "redis-server",
        "--save", "",
        "--appendonly", "no",
        // Evict before the container's memory limit is reached (80 %).
        "--maxmemory", `${Math.floor((redisMemory * 0.8) / 2 ** 20)}mb`,
        "--maxmemory-policy", "allkeys-lru",
        // Isolation comes from the NetworkPolicies (api only), not from loopback binding.
        "--protected-mode", "no",
      ],
      probes: {
        startup: { tcp: true },
        readiness: { exec: ["redis-cli", "-p", String(REDIS_PORT), "ping"] },
        liveness: { tcp: true },
      },
      resources: c.redis.resources,
      runAsUser: REDIS_UID,
      writablePaths: ["/data", "/tmp"],
      shutdown: REDIS_SHUTDOWN,
    });

    // --- api migrations: a Job per image, which the Deployment waits for ---
    const apiImage = image(c.api.image);
    const release = createHash("sha256").update(`${c.api.image.repository}:${c.api.image.tag ?? ""}@${c.api.image.digest ?? ""}`).digest("hex").slice(0, 10);
    const migrationLabels = { [NAME_LABEL]: "api-migrate", "app.kubernetes.io/managed-by": "terraform" };

    const apiProps: ProductionServiceProps = {
      namespace: ns,
      name: "api",
      image: apiImage,
      port: HTTP_PORT,
      env: {
        PORT: String(HTTP_PORT),
        METRICS_PORT: String(API_METRICS_PORT),
        REDIS_URL: `redis://redis.${c.namespace ?? DEFAULT_NAMESPACE}.svc:${REDIS_PORT}`,
        METRICS_URL: PROMETHEUS_URL,
        CORS_ORIGINS: [...new Set(c.ui.routes.map((r) => `https://${r.host}`))].join(","),
        LOG_LEVEL: "info",
        // Node trusts the RDS CAs too, so verify-full can check the database's certificate.
        NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
        // The ALB connects from these subnets and appends the client's address to X-Forwarded-For:
        // the api's per-client write limit counts that address, not the ALB's.
        TRUST_PROXY: props.publicSubnetCidrs.join(","),
        ...shutdownEnvironment(API_SHUTDOWN),
      },
      secretEnv: postgresUrl,
      probes: {
        startup: { httpGet: "/healthz" },
        readiness: { httpGet: "/readyz", timeoutSeconds: API_READINESS_PROBE_TIMEOUT_SECONDS },
        liveness: { httpGet: "/healthz", timeoutSeconds: 2 },
      },
      resources: c.api.resources,
      scaling: c.api.scaling,
      runAsUser: NODE_UID,
      shutdown: API_SHUTDOWN,
      zoneSpread: props.production ? "required" : "preferred",
      metrics: { path: API_METRICS_PATH, port: API_METRICS_PORT, scraper: { namespace: MONITORING_NAMESPACE, podLabels: { ...PROMETHEUS_POD_LABELS } } },
    };

    const jobSpec = jobPodSpec(apiProps, ["node", "dist/main.js", "migrate"]);
    this.migration = new JobV1(this, "Migration", {
      metadata: { name: `api-migrate-${release}`, namespace: ns, labels: migrationLabels },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 600,
        template: { metadata: { labels: migrationLabels }, spec: jobSpec },
      },
      // Apply waits for the migration to succeed; the api's rollout starts only then.
      waitForCompletion: true,
      timeouts: { create: "10m", update: "10m" },
      dependsOn: [this.databaseSecret.release],
    });
    // The new version takes traffic only after its migration succeeded and its secret exists.
    // Only the api gets the write token; the migration Job has no use for it.
    this.api = new ProductionService(this, "Api", {
      ...apiProps,
      secretEnv: { ...postgresUrl, ...writeToken },
      dependsOn: [this.migration, this.databaseSecret.release, this.writeTokenSecret.release],
    });
    new NetworkPolicyV1(this, "MigrationPolicy", {
      metadata: { name: "api-migrate", namespace: ns, labels: migrationLabels },
      spec: {
        podSelector: { matchLabels: { [NAME_LABEL]: "api-migrate" } },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": CLUSTER_DNS.namespace } }, podSelector: { matchLabels: CLUSTER_DNS.podLabels } }],
            ports: [
              { port: String(CLUSTER_DNS.port), protocol: "UDP" },
              { port: String(CLUSTER_DNS.port), protocol: "TCP" },
            ],
          },
          { to: props.databaseSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: String(POSTGRES_PORT), protocol: "TCP" }] },
        ],
      },
    });
    this.api.allowEgressToCidrs("database", props.databaseSubnetCidrs, POSTGRES_PORT);
    this.redis.allowFrom(this.api);

    // --- ui: static, public at www. ---
    const uiHosts = new Set(c.ui.routes.map((r) => r.host));
    const apiOnUiHost = c.api.routes.some((r) => uiHosts.has(r.host));
    this.ui = new ProductionService(this, "Ui", {
      namespace: ns,
      name: "ui",
      image: image(c.ui.image),
      port: HTTP_PORT,
      env: {
        PORT: String(HTTP_PORT),
        // Empty: the page calls its own origin, where the ALB routes /qod to the api.
        API_BASE_URL: apiOnUiHost ? "" : `https://${c.api.routes[0].host}`,
      },
      probes: {
        startup: { httpGet: "/healthz" },
        readiness: { httpGet: "/healthz" },
        liveness: { httpGet: "/healthz" },
      },
      resources: c.ui.resources,
      scaling: c.ui.scaling,
      runAsUser: NODE_UID,
      zoneSpread: props.production ? "required" : "preferred",
    });

    for (const route of c.api.routes) this.api.exposeViaIngress(this.loadBalancer, route);
    for (const route of c.ui.routes) this.ui.exposeViaIngress(this.loadBalancer, route);

    // --- what Prometheus alerts on and Grafana shows (docs/metrics.md) ---
    this.alerts = new ServiceAlerts(this, "Alerts", { api: this.api, namespace: this.namespace });
    this.dashboard = new ServiceDashboard(this, "Dashboard", { api: this.api, namespace: this.namespace });
  }
}
