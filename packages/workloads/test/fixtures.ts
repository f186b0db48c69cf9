import { Testing } from "cdktf";
import { Construct } from "constructs";
import { parse } from "yaml";
import { TfJson } from "../../../test/helpers";
import { AppNamespace, LoadBalancer, ProductionServiceProps, QodServicesProps, WorkloadsConfig } from "../src";

/** A valid workloads section (dev-sized), for tests to break one field at a time. */
export const workloads: WorkloadsConfig = {
  ui: {
    image: { repository: "ui", tag: "1.2.3" },
    scaling: { minReplicas: 2, maxReplicas: 4 },
    resources: { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
    routes: [{ host: "www.example.com", path: "/" }],
  },
  api: {
    image: { repository: "qod-api", tag: "1.2.3" },
    scaling: { minReplicas: 2, maxReplicas: 6 },
    resources: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
    routes: [
      { host: "api.example.com", path: "/qod" },
      { host: "www.example.com", path: "/qod" },
    ],
  },
  redis: {
    image: { repository: "redis", tag: "7.4.2-bookworm" },
    resources: { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
  },
  quota: { cpu: "4", memory: "8Gi", pods: 40 },
};

export const context = { production: false, region: "eu-west-1", domain: "example.com", repositories: ["qod-api", "ui", "redis"] };

/** What QodServices gets from the infra stack, as literals. */
export function servicesProps(overrides: Partial<QodServicesProps> = {}): QodServicesProps {
  return {
    config: workloads,
    production: false,
    domain: "example.com",
    groupName: "qod-test",
    repositoryUrl: (r) => `111111111111.dkr.ecr.eu-west-1.amazonaws.com/qod-test/${r}`,
    certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
    publicSubnetCidrs: ["10.0.192.0/21", "10.0.200.0/21"],
    databaseSubnetCidrs: ["10.0.224.0/21", "10.0.232.0/21"],
    database: { host: "db.example.internal", port: "5432", name: "qod", secretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-1" },
    secretStore: "aws-secrets-manager",
    accessLogsBucket: "qod-test-alb-logs",
    ...overrides,
  };
}

/** Props of a valid standalone service. */
export function serviceProps(overrides: Partial<ProductionServiceProps> = {}): ProductionServiceProps {
  return {
    namespace: "apps",
    name: "web",
    image: "registry.example.com/web:2.0.1",
    port: 8080,
    probes: { startup: { httpGet: "/healthz" }, readiness: { httpGet: "/readyz" }, liveness: { httpGet: "/healthz" } },
    resources: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
    scaling: { minReplicas: 3, maxReplicas: 10 },
    runAsUser: 1000,
    ...overrides,
  };
}

/** A namespace (with its default-deny policy) and an ALB group to put services in. */
export function scaffold(scope: Construct): { namespace: AppNamespace; loadBalancer: LoadBalancer } {
  const namespace = new AppNamespace(scope, "Namespace", { name: "apps", quota: { cpu: "8", memory: "16Gi", pods: 50 } });
  const loadBalancer = new LoadBalancer(scope, "LoadBalancer", {
    groupName: "qod-test",
    domain: "example.com",
    certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
    subnetCidrs: ["10.0.192.0/21"],
    deletionProtection: false,
  });
  return { namespace, loadBalancer };
}

export function synth(build: (scope: Construct) => void): TfJson {
  return JSON.parse(Testing.synthScope((scope) => build(scope)));
}

/** Resources of one type, by their `metadata.name`. */
export function byName(json: TfJson, type: string): Record<string, any> {
  return Object.fromEntries(Object.values(json.resource?.[type] ?? {}).map((r: any) => [r.metadata.name, r]));
}

/** The manifests of a `raw` chart release, parsed. */
export function manifestsOf(json: TfJson, releaseName: string): any[] {
  const release: { values: string[] } | undefined = Object.values(json.resource?.helm_release ?? {}).find((r) => r.name === releaseName);
  if (!release) throw new Error(`no helm_release ${releaseName}`);
  return parse(release.values[0]).resources;
}
