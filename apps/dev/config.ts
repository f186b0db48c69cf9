import { VERSIONS } from "@qod/core";
import type { EnvironmentConfig } from "../shared/environment-config";
import { bootstrap } from "../bootstrap/config";
import { stateBackendOf } from "../bootstrap/state-bucket-stack";

/** Development: two zones, one NAT gateway, short retention. Cheap, not zone-fault-tolerant. */
export const dev: EnvironmentConfig = {
  project: "qod",
  name: "dev",
  production: false,
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  vpcCidr: "10.10.0.0/16",
  natGateways: "single",
  domain: "dev.qod.example.com",
  // The environment's public zone (placeholder id): the certificate is validated there and
  // ExternalDNS writes www./api. records there, nowhere else.
  hostedZone: { id: "Z0DEVQOD0EXAMPLE00001", name: "dev.qod.example.com" },
  flowLogRetentionDays: 30,
  tags: { owner: "platform-team", "cost-center": "qod-dev" },
  state: stateBackendOf(bootstrap),
  cluster: {
    kubernetesVersion: VERSIONS.eks.kubernetes.version,
    // The office/VPN egress range (documentation range as a placeholder): kubectl from there.
    endpointPublicAccessCidrs: ["203.0.113.0/24"],
    adminPrincipalArns: ["arn:aws:iam::111111111111:role/platform-admin"],
    logRetentionDays: 30,
    nodeGroups: {
      general: { instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 2, maxSize: 4, diskSizeGiB: 50 },
    },
  },
  registry: {
    // redis: a mirror of the official image (Docker Hub tags move; ours are immutable).
    repositories: ["qod-api", "ui", "redis"],
    untaggedImageExpiryDays: 3,
    keepReleaseImages: 10,
    replicateToDr: false,
  },
  database: {
    instanceClass: "db.t4g.micro",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    backupRetentionDays: 7,
    multiAz: false,
    deletionProtection: false,
    skipFinalSnapshot: false,
    performanceInsightsRetentionDays: 7,
  },
  backup: {
    rules: [{ name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 7 }],
    restoreTesting: false,
    notificationEmails: ["platform-team@example.com"],
  },
  addons: {
    storageClasses: {},
    awsLoadBalancerController: {},
    // sync: records of deleted Ingresses are removed too (dev is rebuilt often).
    externalDns: { policy: "sync" },
    clusterAutoscaler: {},
    metricsServer: {},
    // Critical and warning alerts to the dev alerts topic (SNS mails each address a confirmation link).
    kubePrometheusStack: { retentionDays: 7, storageGiB: 20, alertEmails: ["platform-team@example.com"] },
    externalSecrets: {},
    fluentBit: { logRetentionDays: 30 },
    verticalPodAutoscaler: {},
  },
  workloads: {
    // Release tags; never latest. The release pipeline overrides the tag of the images this
    // repository builds (delivery.images: qod-api, ui) with IMAGE_TAG=<commit sha>, the tag it
    // pushed them under; redis keeps this tag. By hand: IMAGE_TAG=<sha> npm run synth (README,
    // "The release tag"). Without IMAGE_TAG these tags are deployed.
    ui: {
      image: { repository: "ui", tag: "0.1.0" },
      scaling: { minReplicas: 1, maxReplicas: 4 },
      resources: { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
      routes: [{ host: "www.dev.qod.example.com", path: "/" }],
    },
    api: {
      image: { repository: "qod-api", tag: "0.1.0" },
      scaling: { minReplicas: 2, maxReplicas: 4 },
      resources: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
      // The public paths only: /healthz and /readyz stay inside the cluster (/metrics is on the
      // api's metrics port, which no Ingress routes to).
      routes: [
        { host: "api.dev.qod.example.com", path: "/qod" },
        { host: "api.dev.qod.example.com", path: "/quotes" },
        { host: "www.dev.qod.example.com", path: "/qod" },
      ],
    },
    redis: {
      image: { repository: "redis", tag: "7.4.2-bookworm" },
      resources: { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
    },
    quota: { cpu: "2", memory: "4Gi", pods: 20 },
  },
};
