import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { Release } from "@cdktf/provider-helm/lib/release";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { EncryptedLogGroup, HOSTED_ZONE_ID_PATTERN, LOG_RETENTION_DAYS, MAX_ROLE_NAME_LENGTH, MIN_PRODUCTION_LOG_DAYS, ModuleDefinition, sharedValidations, VERSIONS } from "@qod/core";
import { ADDON_CATALOG, ADDON_KEYS } from "./catalog";
import { AddOnsConfig } from "./config";
import { addOnsFromConfig } from "./from-config";
import { PlatformAddOns } from "./platform-addons";
import { DEFAULT_SECRET_STORE } from "./addons/external-secrets";
import { AlertsTopic } from "./addons/kube-prometheus-stack";

/** The inputs of the `helm-addons` module, by variable name. */
export interface HelmAddOnsModuleInputs {
  readonly cluster_name: string;
  readonly cluster_oidc_provider_arn: string;
  readonly cluster_oidc_issuer_url: string;
  readonly kubernetes_version: string;
  readonly vpc_id: string;
  readonly domain: string;
  readonly hosted_zone_id: string;
  readonly database_secret_arn: string;
  readonly database_secret_kms_key_arn: string;
  readonly backup_tag_key: string;
  readonly backup_tag_value: string;
  readonly container_log_retention_days: number;
  readonly prometheus_retention_days: number;
  readonly prometheus_storage_gib: number;
  readonly alert_emails: readonly string[];
}

/**
 * The longest `-<namespace>-<service account>` an add-on's IRSA role name appends to the cluster
 * name (`<cluster>-<namespace>-<serviceAccount>`, at most {@link MAX_ROLE_NAME_LENGTH} characters).
 */
const LONGEST_ROLE_SUFFIX = Math.max(
  ...Object.values(ADDON_CATALOG).map((spec) =>
    "serviceAccount" in spec ? `-${spec.namespace}-${spec.serviceAccount.name}`.length : 0,
  ),
);
/** The longest cluster name every add-on's role name fits with. */
export const HELM_ADDONS_MODULE_MAX_CLUSTER_NAME = MAX_ROLE_NAME_LENGTH - LONGEST_ROLE_SUFFIX;

/**
 * The `PlatformAddOns` construct as a Terraform module: every add-on this package ships, with
 * production rules, on a cluster the caller names. The caller configures the kubernetes and helm
 * providers (exec auth against the cluster, e.g. from the eks module's outputs).
 */
export const helmAddOnsModule: ModuleDefinition<HelmAddOnsModuleInputs> = {
  name: "helm-addons",
  source: "packages/helm-addons/src/module.ts",
  description:
    "The platform layer of an EKS cluster, from the `PlatformAddOns` construct of `@qod/helm-addons`, with production rules: the `gp3` (default) and `gp3-backup` storage classes (encrypted, `Retain`), and as Helm releases at pinned chart versions the AWS Load Balancer Controller, ExternalDNS (`upsert-only`, one hosted zone), Cluster Autoscaler, metrics-server, kube-prometheus-stack (Prometheus on a backed-up gp3 volume; Alertmanager publishes critical and warning alerts to a KMS-encrypted SNS topic with email subscriptions), External Secrets (with a `ClusterSecretStore` for Secrets Manager), Fluent Bit (container logs to a KMS-encrypted log group it creates) and the Vertical Pod Autoscaler (recommender only). Each add-on that calls AWS gets an IRSA role trusted by exactly its service account, with least-privilege permissions. The caller configures the `kubernetes` and `helm` providers (endpoint, CA and `aws eks get-token` exec auth of the cluster): the module has no provider configuration.",
  variables: {
    cluster_name: {
      type: "string",
      description: `Name of the EKS cluster: role names (\`<cluster>-<namespace>-<serviceAccount>\`), the container log group \`/aws/eks/<cluster>/containers\`, the Cluster Autoscaler's discovery tags and ExternalDNS's TXT owner id derive from it. At most ${HELM_ADDONS_MODULE_MAX_CLUSTER_NAME} characters.`,
      example: "qod-prod-eks",
      validations: [
        {
          condition: `length(var.cluster_name) <= ${HELM_ADDONS_MODULE_MAX_CLUSTER_NAME}`,
          errorMessage: `cluster_name must be at most ${HELM_ADDONS_MODULE_MAX_CLUSTER_NAME} characters: the longest IRSA role name, <cluster>-kube-system-aws-load-balancer-controller, must fit IAM's ${MAX_ROLE_NAME_LENGTH} characters.`,
          enforces: ["namespace/serviceAccount", "clusterName"],
          rejects: ["qod-production-eks-cluster", "a".repeat(HELM_ADDONS_MODULE_MAX_CLUSTER_NAME + 1)],
        },
        {
          condition: `can(regex("^[A-Za-z0-9_./#-]+$", var.cluster_name))`,
          errorMessage: "cluster_name must be 1 or more of a-z A-Z 0-9 _ - / . # (it is part of the container log group name /aws/eks/<cluster>/containers).",
          enforces: ["logGroupName"],
          rejects: ["qod prod", "qod:prod"],
        },
      ],
    },
    cluster_oidc_provider_arn: {
      type: "string",
      description: "ARN of the cluster's IAM OIDC provider: every add-on role trusts it (IRSA).",
      example: "arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    },
    cluster_oidc_issuer_url: {
      type: "string",
      description: "The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`): the roles' trust conditions pin its `sub` and `aud`.",
      example: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    },
    kubernetes_version: {
      type: "string",
      description: `The cluster's Kubernetes minor: picks the Cluster Autoscaler image of the same minor (${Object.entries(VERSIONS.clusterAutoscalerImage)
        .map(([minor, pin]) => `${minor}: ${pin.version}`)
        .join(", ")}).`,
      default: VERSIONS.eks.kubernetes.version,
      validations: [
        {
          condition: `contains([${Object.keys(VERSIONS.clusterAutoscalerImage)
            .map((minor) => `"${minor}"`)
            .join(", ")}], var.kubernetes_version)`,
          errorMessage: `kubernetes_version must be a minor with a pinned Cluster Autoscaler image: ${Object.keys(VERSIONS.clusterAutoscalerImage).join(", ")}.`,
          enforces: ["kubernetesVersion"],
          rejects: ["1.20", "1.35.0", "latest"],
        },
      ],
    },
    vpc_id: {
      type: "string",
      description: "ID of the cluster's VPC: the AWS Load Balancer Controller is given it (its pods cannot ask instance metadata).",
      example: "vpc-0123456789abcdef0",
    },
    domain: {
      type: "string",
      description: "The environment's domain: ExternalDNS manages only names under it (`domainFilters`).",
      example: "qod.example.com",
    },
    hosted_zone_id: {
      type: "string",
      description: "ID of the public Route 53 hosted zone of `domain`: the only zone ExternalDNS (and its role) may change.",
      example: "Z0PRODQOD0EXAMPLE0001",
      validations: [
        {
          condition: `can(regex("${HOSTED_ZONE_ID_PATTERN.source}", var.hosted_zone_id))`,
          errorMessage: "hosted_zone_id must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (Z and uppercase letters or digits, no /hostedzone/ prefix).",
          enforces: ["hostedZoneId"],
          rejects: ["/hostedzone/Z0123", "z0123", "Z-0123", ""],
        },
      ],
    },
    database_secret_arn: {
      type: "string",
      description: "ARN of the Secrets Manager secret of the database credentials: the one secret External Secrets may read.",
      example: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123abcd-EXAMPLE",
    },
    database_secret_kms_key_arn: {
      type: "string",
      description: "ARN of the KMS key that encrypts the database secret: External Secrets may decrypt with it, through Secrets Manager only.",
      example: "arn:aws:kms:eu-west-1:111111111111:key/0123abcd-0123-0123-0123-0123456789ab",
    },
    backup_tag_key: {
      type: "string",
      description: "Key of the tag that puts a resource into the AWS Backup plan (the backup module's selection tag): volumes of the `gp3-backup` storage class carry it.",
      default: "backup",
    },
    backup_tag_value: {
      type: "string",
      description: "Value of the backup selection tag (the backup module's selection tag value).",
      example: "qod-prod",
    },
    container_log_retention_days: {
      type: "number",
      description: `Days the container log group keeps events: a CloudWatch Logs retention value of at least ${MIN_PRODUCTION_LOG_DAYS} (production).`,
      default: 365,
      validations: [
        sharedValidations.logRetention("container_log_retention_days", ["logRetentionDays", "retentionDays"]),
        {
          condition: `var.container_log_retention_days >= ${MIN_PRODUCTION_LOG_DAYS}`,
          errorMessage: `container_log_retention_days must be at least ${MIN_PRODUCTION_LOG_DAYS} days in production.`,
          enforces: ["logRetentionDays"],
          rejects: LOG_RETENTION_DAYS.filter((days) => days < MIN_PRODUCTION_LOG_DAYS).slice(-2),
        },
      ],
    },
    prometheus_retention_days: {
      type: "number",
      description: "Days Prometheus keeps samples: whole days from 1 to 365.",
      default: 30,
      validations: [
        {
          condition: "var.prometheus_retention_days >= 1 && var.prometheus_retention_days <= 365 && floor(var.prometheus_retention_days) == var.prometheus_retention_days",
          errorMessage: "prometheus_retention_days must be whole days from 1 to 365.",
          enforces: ["retentionDays"],
          rejects: [0, 366, 7.5],
        },
      ],
    },
    prometheus_storage_gib: {
      type: "number",
      description: "Size of Prometheus' volume (`gp3-backup` class) in GiB: whole GiB from 10 to 16384; retention by size stops at 85 % of it.",
      default: 100,
      validations: [
        {
          condition: "var.prometheus_storage_gib >= 10 && var.prometheus_storage_gib <= 16384 && floor(var.prometheus_storage_gib) == var.prometheus_storage_gib",
          errorMessage: "prometheus_storage_gib must be whole GiB from 10 to 16384.",
          enforces: ["storageGiB"],
          rejects: [5, 20000, 50.5],
        },
      ],
    },
    alert_emails: {
      type: "list(string)",
      description:
        "Email addresses subscribed to the alerts topic `<cluster>-alerts` (KMS-encrypted) that Alertmanager publishes critical and warning alerts to (each confirms its subscription): at least one, each listed once.",
      example: ["platform-team@example.com"],
      validations: [
        {
          condition: `alltrue([for email in var.alert_emails : can(regex("^[^@[:space:]]+@[^@[:space:]]+[.][A-Za-z]{2,}$", email))])`,
          errorMessage: "alert_emails must each be an email address.",
          enforces: ["alertEmails[0]", "alertEmails"],
          rejects: [["not-an-email"], ["ops@example"], ["ops team@example.com"]],
        },
        {
          condition: "length(distinct(var.alert_emails)) == length(var.alert_emails)",
          errorMessage: "alert_emails must list each address once (each is one subscription, keyed by the address).",
          enforces: ["alertEmails[1]", "alertEmails"],
          rejects: [["ops@example.com", "ops@example.com"]],
        },
        {
          condition: "length(var.alert_emails) > 0",
          errorMessage: "alert_emails must hold at least one email address: a firing alert must reach someone.",
          enforces: ["alertEmails"],
          rejects: [[]],
        },
      ],
    },
  },
  build: (scope, inputs) => {
    // Unconfigured: the caller configures both against the cluster (the generator drops the empty blocks).
    new KubernetesProvider(scope, "kubernetes", {});
    new HelmProvider(scope, "helm", {});
    const region = new DataAwsRegion(scope, "Region");
    const partition = new DataAwsPartition(scope, "Partition");
    const caller = new DataAwsCallerIdentity(scope, "CallerIdentity");
    const config: Required<AddOnsConfig> = {
      storageClasses: {},
      awsLoadBalancerController: {},
      externalDns: { policy: "upsert-only" },
      clusterAutoscaler: {},
      metricsServer: {},
      kubePrometheusStack: { retentionDays: inputs.prometheus_retention_days, storageGiB: inputs.prometheus_storage_gib, alertEmails: inputs.alert_emails },
      externalSecrets: {},
      fluentBit: { logRetentionDays: inputs.container_log_retention_days },
      verticalPodAutoscaler: {},
    };
    const addOns = new PlatformAddOns(scope, "AddOns", {
      context: {
        cluster: {
          clusterName: inputs.cluster_name,
          oidcProviderArn: inputs.cluster_oidc_provider_arn,
          oidcIssuerUrl: inputs.cluster_oidc_issuer_url,
        },
        region: region.region,
        partition: partition.partition,
        accountId: caller.accountId,
        vpcId: inputs.vpc_id,
        kubernetesVersion: inputs.kubernetes_version,
        production: true,
      },
      addOns: addOnsFromConfig(config, {
        production: true,
        domain: inputs.domain,
        hostedZoneId: inputs.hosted_zone_id,
        databaseSecretArn: inputs.database_secret_arn,
        databaseSecretKeyArn: inputs.database_secret_kms_key_arn,
        backupTag: { key: inputs.backup_tag_key, value: inputs.backup_tag_value },
      }),
    });
    const releases: Record<string, { name: string; namespace: string; chart: string; version: string }> = {};
    const roleArns: Record<string, string> = {};
    const roleNames: Record<string, string> = {};
    for (const [name, installation] of Object.entries(addOns.installations)) {
      for (const release of installation.resources.filter((r): r is Release => r instanceof Release)) {
        releases[release.nameInput ?? name] = { name: release.name, namespace: release.namespace, chart: release.chart, version: release.version };
      }
      if (installation.role) {
        roleArns[name] = installation.role.roleArn;
        roleNames[name] = installation.role.role.name;
      }
    }
    const storageClasses = addOns.installation(ADDON_CATALOG.storageClasses.name).resources.filter((r): r is StorageClassV1 => r instanceof StorageClassV1);
    const logs = addOns.node.findChild(ADDON_CATALOG.fluentBit.name).node.findChild("Logs");
    if (!(logs instanceof EncryptedLogGroup)) throw new Error("helm-addons module: fluent-bit made no log group");
    const alerts = addOns.node.findChild(ADDON_CATALOG.kubePrometheusStack.name).node.findChild("Alerts");
    if (!(alerts instanceof AlertsTopic)) throw new Error("helm-addons module: kube-prometheus-stack made no alerts topic");
    return {
      releases: { value: releases, description: "The Helm releases by add-on: name, namespace, chart and version of each" },
      irsa_role_arns: { value: roleArns, description: "ARNs of the add-ons' IRSA roles, by add-on name" },
      irsa_role_names: { value: roleNames, description: "Names of the add-ons' IRSA roles, by add-on name" },
      storage_class_names: {
        value: storageClasses.map((c) => c.metadata.name),
        description: "The storage classes, once they exist: the default encrypted gp3 one (gp3), and the one whose volumes AWS Backup selects (gp3-backup)",
      },
      cluster_secret_store_name: { value: DEFAULT_SECRET_STORE, description: "The ClusterSecretStore ExternalSecrets reference to read from Secrets Manager" },
      container_log_group_name: { value: logs.logGroup.name, description: "CloudWatch log group of the container logs (Fluent Bit writes there)" },
      container_log_kms_key_arn: { value: logs.key.arn, description: "KMS key that encrypts the container log group" },
      alerts_topic_arn: {
        value: alerts.topicArn,
        description: "SNS topic Alertmanager publishes critical and warning alerts to: subscribe more endpoints (HTTPS, AWS Chatbot) here",
      },
      alerts_kms_key_arn: { value: alerts.keyArn, description: "KMS key that encrypts the alerts topic (a service publishing to the topic needs its use in the key policy)" },
    };
  },
  typescriptOnly: {},
  fixed: [
    {
      setting: "add-ons",
      value: ADDON_KEYS.map((key) => ADDON_CATALOG[key].name).join(", "),
      why: "every add-on the package ships, the set the production platform installs: an add-on's presence decides which releases, roles and log groups exist",
    },
    {
      setting: "production",
      value: "true",
      why: "production rules: two replicas and PDBs for the controllers that take them, `Retain` storage classes, ExternalDNS never deleting records, at least a year of container logs, at least one alert email",
    },
    { setting: "externalDns.policy", value: "upsert-only", why: "ExternalDNS never deletes a record: a wrong Ingress cannot take a live name down (`sync` is refused in production)" },
    {
      setting: "charts",
      value: "the pins of `VERSIONS.charts` (exact versions), the add-ons' default values",
      why: "chart versions and values are the construct's tested defaults; the TypeScript construct takes per-add-on `version` and `values` overrides",
    },
    {
      setting: "providers",
      value: "aws, kubernetes, helm (unconfigured)",
      why: "the caller configures the kubernetes and helm providers against the cluster (endpoint, CA, `aws eks get-token` exec auth), from state the module does not create",
    },
  ],
  providers: ["aws", "kubernetes", "helm"],
};
