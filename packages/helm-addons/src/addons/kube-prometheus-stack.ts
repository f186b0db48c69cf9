import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { accountAdministersKey, iamPolicyDocument, ProblemCollector } from "@qod/core";
import { Fn, ITerraformDependable, Op, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { checkAlertEmails, checkNoGrafanaPassword, checkPrometheusRetention, checkPrometheusStorage } from "../config";
import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { BACKED_UP_STORAGE_CLASS } from "./storage-classes";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.kubePrometheusStack;

export interface KubePrometheusStackProps extends HelmAddOnOptions {
  /**
   * Days Prometheus keeps samples.
   * @default 15
   */
  readonly retentionDays?: number;
  /**
   * Size of Prometheus' volume (gp3, tagged for AWS Backup), in GiB.
   * @default 50
   */
  readonly storageGiB?: number;
  /**
   * Email addresses subscribed to the alerts topic (each confirms its subscription by a link
   * SNS mails it): each an address, listed once; at least one in production.
   * @default []
   */
  readonly alertEmails?: readonly string[];
  /** Production rules: at least one alert email. @default false */
  readonly production?: boolean;
}

/** The namespace of the monitoring stack. */
export const MONITORING_NAMESPACE = "monitoring";

/** Where Prometheus answers inside the cluster: the chart's `<release>-prometheus` Service. */
export const PROMETHEUS_URL = `http://${SPEC.name}-prometheus.${SPEC.namespace}.svc:9090`;

/**
 * How Grafana's dashboard sidecar finds dashboards: ConfigMaps labelled
 * `grafana_dashboard: "1"`, in every namespace (`searchNamespace: ALL`), so a dashboard ships
 * next to the services it shows (the apps stack) instead of in the monitoring namespace.
 */
export const GRAFANA_DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;

/** The uid of Grafana's Prometheus datasource, which dashboards name in their queries. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";

/** Labels the Prometheus operator puts on Prometheus' pods: NetworkPolicies admit its scrapes by them. */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": "prometheus" };

/** The Alertmanager receiver that publishes to the alerts topic. */
export const ALERTS_RECEIVER = "sns-alerts";
/** The receiver that drops what it gets: Watchdog, InfoInhibitor and `severity=info`. */
export const NULL_RECEIVER = "null";
/** The labels Alertmanager groups notifications by: one message per alert name and namespace. */
export const ALERT_GROUP_BY = ["alertname", "namespace"] as const;

/** The alerts topic of a cluster: `<cluster>-alerts` (its key's alias is `alias/<cluster>-alerts`). */
export const alertsTopicName = (clusterName: string) => `${clusterName}-alerts`;

export interface AlertsTopicProps {
  /** Topic name; the key's alias is `alias/<name>`. */
  readonly name: string;
  /** The account and partition, for the key policy. */
  readonly accountId: string;
  readonly partition: string;
  /** Email addresses subscribed to the topic, keyed by address. */
  readonly emails: readonly string[];
}

/**
 * The SNS topic alerts are published to, encrypted with its own KMS key (rotation on), the
 * pattern of `@qod/backup`'s notification topic: the key policy lets the account administer the
 * key (IAM policies grant its use: the publisher's role may use it through SNS only), the topic
 * policy refuses publishing not sent over TLS, and each email address is one subscription keyed by
 * the address, so reordering the list replaces none (each would need confirming again).
 */
export class AlertsTopic extends Construct {
  public readonly key: KmsKey;
  public readonly topic: SnsTopic;
  public readonly topicArn: string;
  public readonly keyArn: string;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    this.key = new KmsKey(this, "Key", {
      description: `Encrypts the alerts of ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: iamPolicyDocument(this, "KeyPolicy", { Version: "2012-10-17", Statement: [accountAdministersKey(props.partition, props.accountId)] }).json,
    });
    new KmsAlias(this, "KeyAlias", { name: `alias/${props.name}`, targetKeyId: this.key.keyId });
    this.topic = new SnsTopic(this, "Resource", { name: props.name, kmsMasterKeyId: this.key.arn });
    new SnsTopicPolicy(this, "Policy", {
      arn: this.topic.arn,
      policy: iamPolicyDocument(this, "PolicyDocument", {
        Version: "2012-10-17",
        Statement: [
          {
            // AWS's "enforce encryption of data in transit" example (SNS security best practices).
            Sid: "PublishThroughTlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }).json,
    });
    if (Token.isUnresolved(props.emails)) {
      // A list only Terraform knows (a generated module's variable): Terraform keys them (for_each over the set).
      const each = TerraformIterator.fromList([...props.emails]);
      new SnsTopicSubscription(this, "Email", { forEach: each, topicArn: this.topic.arn, protocol: "email", endpoint: Token.asString(each.value) });
    } else {
      for (const email of props.emails) {
        new SnsTopicSubscription(this, `Email-${email}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email });
      }
    }
    this.topicArn = this.topic.arn;
    this.keyArn = this.key.arn;
  }
}

/**
 * The subject of an alert notification: status, cluster, alert name and namespace, cut to 99
 * characters (SNS refuses a subject of 100 or more, and Alertmanager does not cut it).
 */
export function snsSubject(clusterName: string): string {
  return `{{ printf "[%s] %s: %s" (.Status | toUpper) "${clusterName}" (.GroupLabels.SortedPairs.Values | join " ") | reReplaceAll "^(.{96}).+$" "$1..." }}`;
}

/** The body of an alert notification: per alert its status, severity, summary, description and runbook. */
export const SNS_MESSAGE = [
  "{{ range .Alerts }}[{{ .Status | toUpper }}] {{ .Labels.alertname }} ({{ .Labels.severity }}){{ with .Labels.namespace }} in {{ . }}{{ end }}",
  "{{ with .Annotations.summary }}{{ . }}",
  "{{ end }}{{ with .Annotations.description }}{{ . }}",
  "{{ end }}{{ with .Annotations.runbook }}What to do: {{ . }}",
  "{{ end }}{{ with .Annotations.runbook_url }}Runbook: {{ . }}",
  "{{ end }}Since: {{ .StartsAt }}",
  "",
  "{{ end }}Alertmanager: {{ .ExternalURL }}",
].join("\n");

/**
 * The Alertmanager configuration (`alertmanager.config` of the chart's values, which Helm merges
 * over the chart's default: mappings key by key, lists replaced, so `global.resolve_timeout` and
 * `templates` stay the chart's). Alerts are grouped by alert name and namespace; `critical` and
 * `warning` (and anything without a known severity) go to the SNS receiver, critical repeated
 * every 4 hours, warning every 12. Watchdog (always firing, the chart's dead man's switch) goes
 * to the `null` receiver: route it to a heartbeat service through `values` to be told when the
 * alerting pipeline itself is down. InfoInhibitor and `severity=info` go to `null` too (info
 * alerts are for dashboards). A critical alert silences the warning and info alerts of the same
 * name and namespace, a warning the info ones, InfoInhibitor the info alerts of its namespace
 * (the chart's inhibition rules).
 *
 * Alertmanager's SNS integration signs with the AWS SDK's default credential chain when
 * `sigv4` names only a region: in the pod that is IRSA's web identity token (the service
 * account's `eks.amazonaws.com/role-arn` annotation). A `sigv4.role_arn` would make it call
 * AssumeRole with those credentials instead, so it is left out.
 */
export function alertmanagerConfig(topicArn: string, region: string, clusterName: string): HelmValues {
  const sns = {
    topic_arn: topicArn,
    sigv4: { region },
    send_resolved: true,
    subject: snsSubject(clusterName),
    message: SNS_MESSAGE,
    // Message attributes: SNS subscription filter policies can route on them (critical only to a
    // pager). SNS refuses an empty attribute value, so a group without a common severity says so.
    attributes: { severity: '{{ or .CommonLabels.severity "mixed" }}', status: "{{ .Status }}", cluster: clusterName },
  };
  return {
    route: {
      receiver: ALERTS_RECEIVER,
      group_by: [...ALERT_GROUP_BY],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes: [
        { receiver: NULL_RECEIVER, matchers: ["alertname = Watchdog"] },
        { receiver: NULL_RECEIVER, matchers: ["alertname = InfoInhibitor"] },
        { receiver: NULL_RECEIVER, matchers: ["severity = info"] },
        { receiver: ALERTS_RECEIVER, matchers: ["severity = critical"], repeat_interval: "4h" },
        { receiver: ALERTS_RECEIVER, matchers: ["severity = warning"] },
      ],
    },
    receivers: [{ name: NULL_RECEIVER }, { name: ALERTS_RECEIVER, sns_configs: [sns] }],
    inhibit_rules: [
      { source_matchers: ["severity = critical"], target_matchers: ["severity =~ warning|info"], equal: ["namespace", "alertname"] },
      { source_matchers: ["severity = warning"], target_matchers: ["severity = info"], equal: ["namespace", "alertname"] },
      { source_matchers: ["alertname = InfoInhibitor"], target_matchers: ["severity = info"], equal: ["namespace"] },
    ],
  };
}

/** A number in a string: its digits, or Terraform's when the number is a token (a module variable). */
function numberText(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}

/** Prometheus' size-based retention, in GB: 85 % of the volume, rounded down (Terraform's `floor` for a token). */
export function retentionSizeGb(storageGiB: number): string {
  return Token.isUnresolved(storageGiB) ? Token.asString(Fn.floor(Op.mul(storageGiB, 0.85))) : String(Math.floor(storageGiB * 0.85));
}

/**
 * kube-prometheus-stack: the Prometheus operator, Prometheus (persistent gp3 volume tagged for
 * AWS Backup, bounded retention), Alertmanager, Grafana and the node/kube-state exporters.
 * Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules from every namespace, not
 * only the chart's own. Grafana's admin password is generated by the Grafana chart into a
 * Kubernetes Secret on first install and kept on upgrades: it is never in the Terraform JSON.
 * The EKS control plane (etcd, scheduler, controller manager) is not scrapeable, so those jobs
 * are off; kube-proxy binds its metrics to localhost on EKS, so that job is off too.
 *
 * Alerts reach people: the add-on creates the cluster's alerts topic (an {@link AlertsTopic},
 * KMS-encrypted, one email subscription per address of `alertEmails`) and Alertmanager publishes
 * to it ({@link alertmanagerConfig}) as its own service account, whose IRSA role may only
 * `sns:Publish` to that topic and use its key through SNS.
 */
export class KubePrometheusStack extends HelmAddOn {
  public readonly dependsOn = SPEC.dependsOn;
  private readonly retentionDays: number;
  private readonly storageGiB: number;
  private readonly alertEmails: readonly string[];
  /** One alerts topic per installation (an add-on object may be installed in several stacks). */
  private readonly topics = new WeakMap<Construct, AlertsTopic>();

  constructor(props: KubePrometheusStackProps = {}) {
    const p = new ProblemCollector("add-on kube-prometheus-stack");
    const retentionDays = props.retentionDays ?? 15;
    const storageGiB = props.storageGiB ?? 50;
    const alertEmails = props.alertEmails ?? [];
    checkPrometheusRetention(p, "retentionDays", retentionDays);
    checkPrometheusStorage(p, "storageGiB", storageGiB);
    checkAlertEmails(p, "alertEmails", alertEmails, props.production ?? false);
    checkNoGrafanaPassword(p, "values", props.values);
    p.throwIfAny();
    const { retentionDays: _r, storageGiB: _s, alertEmails: _e, production: _p, ...options } = props;
    super(
      {
        name: SPEC.name,
        chart: "kube-prometheus-stack",
        repository: "https://prometheus-community.github.io/helm-charts",
        namespace: SPEC.namespace,
        timeoutSeconds: 900,
        ...options,
      },
      SPEC.serviceAccount,
    );
    this.retentionDays = retentionDays;
    this.storageGiB = storageGiB;
    this.alertEmails = Token.isUnresolved(alertEmails) ? alertEmails : [...alertEmails];
  }

  /** The alerts topic of the installation under `scope`, made on first use. */
  private topicOf(context: AddOnContext, scope: Construct): AlertsTopic {
    let topic = this.topics.get(scope);
    if (!topic) {
      topic = new AlertsTopic(scope, "Alerts", {
        name: alertsTopicName(context.cluster.clusterName),
        accountId: context.accountId,
        partition: context.partition,
        emails: this.alertEmails,
      });
      this.topics.set(scope, topic);
    }
    return topic;
  }

  protected prerequisites(context: AddOnContext, scope: Construct): ITerraformDependable[] {
    return [this.topicOf(context, scope).topic];
  }

  protected policyStatements(context: AddOnContext, scope: Construct): DataAwsIamPolicyDocumentStatement[] {
    const alerts = this.topicOf(context, scope);
    return [
      {
        sid: "PublishToTheAlertsTopic",
        effect: "Allow",
        actions: ["sns:Publish"],
        resources: [alerts.topicArn],
      },
      {
        // A publisher to an encrypted topic needs the key's data keys; only through SNS.
        sid: "EncryptThroughSns",
        effect: "Allow",
        actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
        resources: [alerts.keyArn],
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`sns.${context.region}.amazonaws.com`] }],
      },
    ];
  }

  protected defaultValues(context: AddOnContext, scope: Construct): HelmValues {
    const replicas = context.production ? 2 : 1;
    return {
      // EKS runs these on the managed control plane; nothing in the cluster can scrape them.
      kubeEtcd: { enabled: false },
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeProxy: { enabled: false },
      prometheus: {
        prometheusSpec: {
          retention: `${numberText(this.retentionDays)}d`,
          // Keep a margin below the volume size so compaction never fills it.
          retentionSize: `${retentionSizeGb(this.storageGiB)}GB`,
          replicas: 1,
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          serviceMonitorNamespaceSelector: {},
          podMonitorNamespaceSelector: {},
          ruleNamespaceSelector: {},
          resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "2Gi" } },
          storageSpec: {
            volumeClaimTemplate: {
              spec: {
                storageClassName: BACKED_UP_STORAGE_CLASS,
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${numberText(this.storageGiB)}Gi` } },
              },
            },
          },
        },
      },
      alertmanager: {
        // The service account block (create, name, the role annotation) is written from the
        // add-on's identity: `alertmanager.serviceAccount` in the chart's values (88.5.3,
        // values.yaml; templates/alertmanager/serviceaccount.yaml puts `annotations` on the
        // ServiceAccount, and alertmanager.yaml runs the pods as it).
        config: alertmanagerConfig(this.topicOf(context, scope).topicArn, context.region, context.cluster.clusterName),
        alertmanagerSpec: {
          replicas,
          resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        },
      },
      grafana: {
        // Empty on purpose: the Grafana chart then generates a random password into its Secret
        // and keeps it on upgrade (lookup). Charts before 79.0.0 defaulted to the well-known
        // "prom-operator"; config validation refuses a password in values.
        adminPassword: "",
        persistence: { enabled: false },
        defaultDashboardsTimezone: "utc",
        // The chart's defaults (88.x), stated because the apps stack depends on them: its service
        // dashboard is a ConfigMap in the apps namespace, found by this label in ALL namespaces
        // (the Grafana chart alone would watch only its own), and its queries name this datasource.
        sidecar: {
          dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL.key, labelValue: GRAFANA_DASHBOARD_LABEL.value, searchNamespace: "ALL" },
          datasources: { uid: PROMETHEUS_DATASOURCE_UID },
        },
      },
    };
  }
}
