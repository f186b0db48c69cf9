import { VERSIONS } from "@qod/core";
import type { EnvironmentConfig } from "../shared/environment-config";
import { bootstrap } from "../bootstrap/config";
import { stateBackendOf } from "../bootstrap/state-bucket-stack";

/** Production: three zones, a NAT gateway per zone, private API endpoint, a year of logs. */
export const prod: EnvironmentConfig = {
  project: "qod",
  name: "prod",
  production: true,
  accountId: "111111111111",
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  vpcCidr: "10.20.0.0/16",
  natGateways: "per-az",
  domain: "qod.example.com",
  // The environment's public zone (placeholder id): the certificate is validated there and
  // ExternalDNS writes www./api. records there, nowhere else.
  hostedZone: { id: "Z0PRODQOD0EXAMPLE0001", name: "qod.example.com" },
  flowLogRetentionDays: 365,
  tags: { owner: "platform-team", "cost-center": "qod-prod" },
  state: stateBackendOf(bootstrap),
  cluster: {
    kubernetesVersion: VERSIONS.eks.kubernetes.version,
    // Private endpoint only: kubectl and the platform stack run from the admin network below.
    endpointPublicAccessCidrs: [],
    // The admin network that may reach the private endpoint on 443 (placeholder: the VPN's client
    // range, where operators and the CI runners that apply prod-platform sit).
    privateEndpointAccess: { cidrs: ["10.200.0.0/22"] },
    adminPrincipalArns: ["arn:aws:iam::111111111111:role/platform-admin"],
    logRetentionDays: 365,
    nodeGroups: {
      general: { instanceTypes: ["m6i.large"], minSize: 3, desiredSize: 3, maxSize: 10, diskSizeGiB: 80 },
    },
  },
  registry: {
    // redis: a mirror of the official image (Docker Hub tags move; ours are immutable).
    repositories: ["qod-api", "ui", "redis"],
    untaggedImageExpiryDays: 7,
    keepReleaseImages: 30,
    replicateToDr: true,
  },
  database: {
    instanceClass: "db.m7g.large",
    allocatedStorageGiB: 50,
    maxAllocatedStorageGiB: 500,
    backupRetentionDays: 30,
    multiAz: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    performanceInsightsRetentionDays: 7,
  },
  backup: {
    drRegion: "eu-central-1",
    rules: [
      { name: "daily", schedule: "cron(0 3 * * ? *)", deleteAfterDays: 35, copyToDr: true },
      { name: "weekly", schedule: "cron(0 4 ? * SUN *)", deleteAfterDays: 90, copyToDr: true },
      { name: "monthly", schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 365, coldStorageAfterDays: 90, copyToDr: true },
    ],
    // Compliance mode three days after the first apply: from then on nobody, root included, can
    // delete a recovery point before 35 days or shorten the lock.
    vaultLock: { minRetentionDays: 35, maxRetentionDays: 400, changeableForDays: 3 },
    restoreTesting: true,
    notificationEmails: ["platform-team@example.com"],
  },
  addons: {
    storageClasses: {},
    awsLoadBalancerController: {},
    // upsert-only: ExternalDNS never deletes a live record in production.
    externalDns: { policy: "upsert-only" },
    clusterAutoscaler: {},
    metricsServer: {},
    // Critical and warning alerts to the prod alerts topic (SNS mails each address a confirmation link).
    kubePrometheusStack: { retentionDays: 30, storageGiB: 100, alertEmails: ["platform-team@example.com"] },
    externalSecrets: {},
    fluentBit: { logRetentionDays: 365 },
    verticalPodAutoscaler: {},
  },
  workloads: {
    // Release tags; never latest. The release pipeline overrides the tag of the images this
    // repository builds (delivery.images: qod-api, ui) with IMAGE_TAG=<commit sha>, the tag it
    // pushed them under; redis keeps this tag. By hand: IMAGE_TAG=<sha> npm run synth (README,
    // "The release tag"). Without IMAGE_TAG these tags are deployed.
    ui: {
      image: { repository: "ui", tag: "0.1.0" },
      scaling: { minReplicas: 3, maxReplicas: 20 },
      resources: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
      routes: [{ host: "www.qod.example.com", path: "/" }],
    },
    api: {
      image: { repository: "qod-api", tag: "0.1.0" },
      scaling: { minReplicas: 3, maxReplicas: 20 },
      resources: { cpu: "250m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
      // The public paths only: /healthz and /readyz stay inside the cluster (/metrics is on the
      // api's metrics port, which no Ingress routes to).
      routes: [
        { host: "api.qod.example.com", path: "/qod" },
        { host: "api.qod.example.com", path: "/quotes" },
        { host: "www.qod.example.com", path: "/qod" },
      ],
    },
    redis: {
      image: { repository: "redis", tag: "7.4.2-bookworm" },
      resources: { cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
    },
    quota: { cpu: "10", memory: "12Gi", pods: 60 },
    // Deletion protection and access logs are on by default in production.
  },
};
