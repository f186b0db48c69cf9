import { VERSIONS } from "@qod/core";
import { describe, expect, it } from "vitest";
import {
  ADDON_CATALOG,
  ALERTS_RECEIVER,
  alertsTopicName,
  AwsLoadBalancerController,
  ClusterAutoscaler,
  clusterAutoscalerImageTag,
  containerLogGroupName,
  ExternalDns,
  ExternalSecrets,
  GRAFANA_DASHBOARD_LABEL,
  PROMETHEUS_DATASOURCE_UID,
  FluentBit,
  KubePrometheusStack,
  LOAD_BALANCER_CONTROLLER_POLICY_VERSION,
  MetricsServer,
  NULL_RECEIVER,
  StorageClasses,
  VerticalPodAutoscaler,
} from "../src";
import { isInhibited, receiversFor } from "./alertmanager-routing";
import { onlyResource, resources, TfJson } from "../../../test/helpers";
import { context, releaseOf, synthAddOns } from "./fixtures";

const ZONE = "Z0DEVQOD0EXAMPLE00001";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-123";
const KEY = "arn:aws:kms:eu-west-1:111111111111:key/0000";
const ALERT_EMAILS = ["oncall@example.com", "platform-team@example.com"];
const all = () => [
  new StorageClasses({ backupTag: { key: "backup", value: "qod-dev-backup" } }),
  new AwsLoadBalancerController(),
  new ExternalDns({ hostedZoneId: ZONE, domain: "dev.qod.example.com" }),
  new ClusterAutoscaler(),
  new MetricsServer(),
  new KubePrometheusStack({ alertEmails: ALERT_EMAILS }),
  new ExternalSecrets({ secretArn: SECRET, secretKeyArn: KEY }),
  new FluentBit({ logRetentionDays: 30 }),
  new VerticalPodAutoscaler(),
];
const json = synthAddOns(all());

/** The policy documents of the add-on named `name`: its trust and its permissions. */
function documentsOf(j: TfJson, name: string): { trust: any; permissions: any } {
  const docs = j.data!.aws_iam_policy_document;
  const find = (suffix: string) => Object.entries(docs).find(([id]) => id.startsWith(`AddOns_${name}_${suffix}`))?.[1];
  return { trust: find("Role_Trust"), permissions: find("Permissions") };
}
const statement = (doc: any, sid: string) => doc.statement.find((s: any) => s.sid === sid);

describe("every add-on that calls AWS", () => {
  const withRoles = Object.values(ADDON_CATALOG).filter((spec) => "serviceAccount" in spec);

  it("is in the set under test", () => {
    expect(withRoles.map((s) => s.name).sort()).toEqual(["aws-load-balancer-controller", "cluster-autoscaler", "external-dns", "external-secrets", "fluent-bit", "kube-prometheus-stack"]);
  });

  it.each(withRoles.map((s) => [s.name, s] as const))(
    "%s: the role trusts exactly the namespace and service account the chart values create, and the values name the role",
    (name, spec) => {
      const { release, values } = releaseOf(json, name);
      const path = spec.serviceAccount!.valuesPath;
      const block = path.reduce((v: any, k) => v?.[k], values);
      const { trust } = documentsOf(json, name);
      const sub = trust.statement[0].condition.find((c: any) => c.variable.endsWith(":sub"));
      expect(sub.values).toEqual([`system:serviceaccount:${release.namespace}:${block.name}`]);
      expect(block.create).toBe(true);
      const roleId = Object.keys(json.resource!.aws_iam_role).find((id) => id.startsWith(`AddOns_${name}_Role`));
      expect(block.annotations["eks.amazonaws.com/role-arn"]).toBe(`\${aws_iam_role.${roleId}.arn}`);
      expect(json.resource!.aws_iam_role[roleId!].name).toBe(`${context.cluster.clusterName}-${release.namespace}-${block.name}`);
    },
  );

  it("gets its permissions only after the role and its policy exist", () => {
    for (const spec of withRoles) {
      const { release } = releaseOf(json, spec.name);
      expect(release.depends_on.filter((d: string) => d.startsWith("aws_iam_role"))).toHaveLength(2);
    }
  });
});

describe("every release", () => {
  it.each(Object.values(ADDON_CATALOG).filter((s) => "namespace" in s).map((s) => [s.name, s] as const))(
    "%s: uses the pinned chart version and the catalog's namespace",
    (name, spec) => {
      const { release } = releaseOf(json, name);
      expect(release.version).toBe((VERSIONS.charts as Record<string, { version: string }>)[name].version);
      expect(release.namespace).toBe((spec as { namespace: string }).namespace);
    },
  );
});

describe("AwsLoadBalancerController", () => {
  const { values } = releaseOf(json, "aws-load-balancer-controller");

  it("gets cluster name, region and VPC explicitly (no IMDS) and keeps two replicas with a PDB", () => {
    expect(values).toMatchObject({ clusterName: "qod-dev-eks", region: "eu-west-1", vpcId: "vpc-0123", replicaCount: 2, podDisruptionBudget: { maxUnavailable: 1 } });
  });

  it("has the upstream policy of the controller version it installs, as a policy document", () => {
    expect(`v${VERSIONS.charts["aws-load-balancer-controller"].version}`).toBe(LOAD_BALANCER_CONTROLLER_POLICY_VERSION);
    const { permissions } = documentsOf(json, "aws-load-balancer-controller");
    expect(permissions.statement).toHaveLength(16);
    const actions = new Set(permissions.statement.flatMap((s: any) => s.actions));
    expect(actions).toContain("elasticloadbalancing:CreateLoadBalancer");
    expect(actions).toContain("ec2:AuthorizeSecurityGroupIngress");
  });
});

describe("ExternalDns", () => {
  const { values } = releaseOf(json, "external-dns");
  const { permissions } = documentsOf(json, "external-dns");

  it("changes records in the one hosted zone only", () => {
    expect(statement(permissions, "ChangeRecordsOfTheOneZone").resources).toEqual([`arn:aws:route53:::hostedzone/${ZONE}`]);
    const writes = permissions.statement.filter((s: any) => s.actions.some((a: string) => a.startsWith("route53:Change")));
    expect(writes.flatMap((s: any) => s.resources)).toEqual([`arn:aws:route53:::hostedzone/${ZONE}`]);
  });

  it("filters by domain and zone, owns its records by cluster and syncs outside production", () => {
    expect(values).toMatchObject({ domainFilters: ["dev.qod.example.com"], txtOwnerId: "qod-dev-eks", policy: "sync", provider: { name: "aws" } });
    expect(values.extraArgs).toContain(`--zone-id-filter=${ZONE}`);
  });

  it("is upsert-only in production by default and refuses sync there", () => {
    const prod = synthAddOns([new ExternalDns({ hostedZoneId: ZONE, domain: "qod.example.com", production: true })], { ...context, production: true });
    expect(releaseOf(prod, "external-dns").values.policy).toBe("upsert-only");
    expect(() => new ExternalDns({ hostedZoneId: ZONE, domain: "qod.example.com", production: true, policy: "sync" })).toThrow(/policy: got "sync"; allowed: "upsert-only" in production/);
  });

  it.each([["a lowercase id", "z0abc"], ["the /hostedzone/ prefix", `/hostedzone/${ZONE}`], ["nothing", ""]])("fails when the hosted zone id is %s", (_, id) => {
    expect(() => new ExternalDns({ hostedZoneId: id, domain: "qod.example.com" })).toThrow(/hostedZoneId: got .*allowed: a Route 53 hosted zone id/);
  });
});

describe("ClusterAutoscaler", () => {
  const { values } = releaseOf(json, "cluster-autoscaler");
  const { permissions } = documentsOf(json, "cluster-autoscaler");

  it("discovers node groups by this cluster's tags and balances them with least-waste", () => {
    expect(values.autoDiscovery).toEqual({ clusterName: "qod-dev-eks", tags: ["k8s.io/cluster-autoscaler/enabled", "k8s.io/cluster-autoscaler/qod-dev-eks"] });
    expect(values.extraArgs).toMatchObject({ "balance-similar-node-groups": true, expander: "least-waste" });
    expect(values.awsRegion).toBe("eu-west-1");
  });

  it("runs the image of the cluster's Kubernetes minor", () => {
    expect(values.image.tag).toMatch(new RegExp(`^v${context.kubernetesVersion.replace(".", "\\.")}\\.\\d+$`));
  });

  it.each(Object.keys(VERSIONS.clusterAutoscalerImage))("has an image whose minor is %s", (minor) => {
    expect(clusterAutoscalerImageTag(minor)).toMatch(new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+$`));
  });

  it("fails for a minor without an image", () => {
    expect(() => clusterAutoscalerImageTag("1.20")).toThrow(/kubernetesVersion: got "1.20"/);
  });

  it("may scale only groups tagged for this cluster", () => {
    const write = statement(permissions, "ScaleOnlyThisClustersGroups");
    expect(write.actions).toEqual(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
    expect(write.condition).toEqual([
      { test: "StringEquals", variable: "aws:ResourceTag/k8s.io/cluster-autoscaler/qod-dev-eks", values: ["owned"] },
      { test: "StringEquals", variable: "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled", values: ["true"] },
    ]);
    const unconditioned = permissions.statement.filter((s: any) => !s.condition);
    expect(unconditioned.flatMap((s: any) => s.actions).filter((a: string) => !/:(Describe|Get)/.test(a))).toEqual([]);
  });
});

describe("KubePrometheusStack", () => {
  const { values, release } = releaseOf(json, "kube-prometheus-stack");

  it("keeps Prometheus on a backed-up gp3 volume with bounded retention", () => {
    const spec = values.prometheus.prometheusSpec;
    expect(spec.retention).toBe("15d");
    expect(spec.storageSpec.volumeClaimTemplate.spec).toMatchObject({ storageClassName: "gp3-backup", resources: { requests: { storage: "50Gi" } } });
    expect(release.depends_on.some((d: string) => d.startsWith("kubernetes_storage_class_v1."))).toBe(true);
  });

  it("selects ServiceMonitors, PodMonitors and rules from every namespace", () => {
    const spec = values.prometheus.prometheusSpec;
    for (const key of ["serviceMonitorSelectorNilUsesHelmValues", "podMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues"]) expect(spec[key], key).toBe(false);
    expect(spec.serviceMonitorNamespaceSelector).toEqual({});
  });

  it("has Grafana load dashboards labelled grafana_dashboard from every namespace, with the Prometheus datasource's uid", () => {
    expect(values.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: GRAFANA_DASHBOARD_LABEL.key, labelValue: GRAFANA_DASHBOARD_LABEL.value, searchNamespace: "ALL" });
    expect(values.grafana.sidecar.datasources.uid).toBe(PROMETHEUS_DATASOURCE_UID);
  });

  it("puts no Grafana password in the JSON: the chart generates one", () => {
    expect(values.grafana.adminPassword).toBe("");
    expect(JSON.stringify(json)).not.toMatch(/prom-operator/);
  });

  it("fails when values carry a Grafana password", () => {
    expect(() => new KubePrometheusStack({ values: { grafana: { adminPassword: "hunter2" } } })).toThrow(/values\.grafana\.adminPassword: got "\(a password\)"; allowed: no password in config/);
  });

  it("fails when retention or storage are out of range", () => {
    expect(() => new KubePrometheusStack({ retentionDays: 0 })).toThrow(/retentionDays: got 0/);
    expect(() => new KubePrometheusStack({ storageGiB: 5 })).toThrow(/storageGiB: got 5/);
  });
});

describe("KubePrometheusStack alert delivery", () => {
  const { values, release } = releaseOf(json, "kube-prometheus-stack");
  const { trust, permissions } = documentsOf(json, "kube-prometheus-stack");
  const [topicId, topic] = Object.entries(json.resource!.aws_sns_topic).find(([id]) => id.startsWith("AddOns_kube-prometheus-stack_Alerts"))!;
  const topicArn = `\${aws_sns_topic.${topicId}.arn}`;
  const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(topic.kms_master_key_id)?.[1];
  const config = values.alertmanager.config;
  const sns = config.receivers.find((r: any) => r.name === ALERTS_RECEIVER).sns_configs;

  it("publishes to the cluster's own topic, encrypted with its own rotated KMS key", () => {
    expect(topic.name).toBe(alertsTopicName(context.cluster.clusterName));
    expect(keyId).toMatch(/^AddOns_kube-prometheus-stack_Alerts_Key/);
    expect(json.resource!.aws_kms_key[keyId!]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resources(json, "aws_kms_alias")).toContainEqual(expect.objectContaining({ name: "alias/qod-dev-eks-alerts", target_key_id: `\${aws_kms_key.${keyId}.key_id}` }));
    expect(release.depends_on).toContain(`aws_sns_topic.${topicId}`);
  });

  it("refuses publishing without TLS on the topic", () => {
    const policy = resources(json, "aws_sns_topic_policy").find((p) => p.arn === topicArn);
    const docId = /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(policy.policy)![1];
    expect(json.data!.aws_iam_policy_document[docId].statement).toEqual([
      expect.objectContaining({ effect: "Deny", actions: ["sns:Publish"], resources: [topicArn], condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] }),
    ]);
  });

  it("subscribes each alert email once, keyed by the address", () => {
    const subscriptions = Object.entries(json.resource!.aws_sns_topic_subscription).filter(([, s]: any) => s.topic_arn === topicArn);
    expect(subscriptions.map(([, s]: any) => [s.protocol, s.endpoint])).toEqual(ALERT_EMAILS.map((e) => ["email", e]));
    for (const [id, s] of subscriptions as [string, any][]) expect(id).toContain(`Email-${s.endpoint.replace(/[^\w-]/g, "")}`);
  });

  it("lets Alertmanager's role only publish to that topic and use its key through SNS", () => {
    expect(permissions.statement.map((s: any) => [s.effect, s.actions, s.resources])).toEqual([
      ["Allow", ["sns:Publish"], [topicArn]],
      ["Allow", ["kms:GenerateDataKey*", "kms:Decrypt"], [`\${aws_kms_key.${keyId}.arn}`]],
    ]);
    expect(permissions.statement[1].condition).toEqual([{ test: "StringEquals", variable: "kms:ViaService", values: ["sns.eu-west-1.amazonaws.com"] }]);
  });

  it("trusts exactly Alertmanager's service account, which the chart creates with the role's annotation", () => {
    expect(trust.statement[0].condition.find((c: any) => c.variable.endsWith(":sub")).values).toEqual(["system:serviceaccount:monitoring:alertmanager"]);
    const roleId = Object.keys(json.resource!.aws_iam_role).find((id) => id.startsWith("AddOns_kube-prometheus-stack_Role"));
    expect(values.alertmanager.serviceAccount).toEqual({ create: true, name: "alertmanager", annotations: { "eks.amazonaws.com/role-arn": `\${aws_iam_role.${roleId}.arn}` } });
  });

  it("sends to the topic in the cluster's region, signed by the default credential chain (IRSA), resolved alerts too", () => {
    expect(sns).toHaveLength(1);
    expect(sns[0]).toMatchObject({ topic_arn: topicArn, sigv4: { region: context.region }, send_resolved: true });
    // A role_arn or keys would replace the web identity credentials of the pod.
    expect(Object.keys(sns[0].sigv4)).toEqual(["region"]);
    expect(sns[0].attributes).toMatchObject({ cluster: context.cluster.clusterName });
  });

  it("routes critical and warning alerts to the topic, grouped by alert name and namespace; Watchdog, InfoInhibitor and info alerts nowhere", () => {
    expect(config.route.group_by).toEqual(["alertname", "namespace"]);
    const receiver = (labels: Record<string, string>) => receiversFor(config, labels);
    expect(receiver({ alertname: "QodApiDown", namespace: "apps", severity: "critical" })).toEqual([ALERTS_RECEIVER]);
    expect(receiver({ alertname: "QodApiHighLatency", namespace: "apps", severity: "warning" })).toEqual([ALERTS_RECEIVER]);
    expect(receiver({ alertname: "KubeNodeNotReady", severity: "warning" })).toEqual([ALERTS_RECEIVER]);
    expect(receiver({ alertname: "SomethingUnlabelled" })).toEqual([ALERTS_RECEIVER]);
    expect(receiver({ alertname: "Watchdog", severity: "none" })).toEqual([NULL_RECEIVER]);
    expect(receiver({ alertname: "InfoInhibitor", severity: "none", namespace: "apps" })).toEqual([NULL_RECEIVER]);
    expect(receiver({ alertname: "CPUThrottlingHigh", severity: "info", namespace: "apps" })).toEqual([NULL_RECEIVER]);
    expect(config.receivers.map((r: any) => r.name).sort()).toEqual([NULL_RECEIVER, ALERTS_RECEIVER].sort());
  });

  it("silences a warning while the critical alert of the same name and namespace fires, and nothing else", () => {
    const critical = { alertname: "KubePersistentVolumeFillingUp", namespace: "monitoring", severity: "critical" };
    const warning = { ...critical, severity: "warning" };
    expect(isInhibited(config, warning, [critical, warning])).toBe(true);
    expect(isInhibited(config, critical, [critical, warning])).toBe(false);
    expect(isInhibited(config, { ...warning, namespace: "apps" }, [critical])).toBe(false);
    expect(isInhibited(config, { ...warning, alertname: "QodApiHighLatency" }, [critical])).toBe(false);
  });

  it("keeps its notification templates short and free of Terraform template syntax", () => {
    // SNS refuses a subject of 100 characters or more; the template cuts it to 99.
    expect(sns[0].subject).toContain('reReplaceAll "^(.{96}).+$" "$1..."');
    // Terraform would interpolate ${…} and %{…} in the values string: only the topic and role references may use them.
    const raw: string = release.values[0];
    expect(raw).not.toContain("%{");
    expect([...raw.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1].replace(/\.[\w-]+\.arn$/, "")).sort()).toEqual(["aws_iam_role", "aws_sns_topic"]);
  });

  it("fails when an alert email is not an address or is listed twice", () => {
    expect(() => new KubePrometheusStack({ alertEmails: ["oncall@example.com", "not-an-email", "oncall@example.com"] })).toThrow(
      /alertEmails\[1\]: got "not-an-email"; allowed: an email address[\s\S]*alertEmails\[2\]: got "oncall@example.com"; allowed: an address not listed before \(alertEmails\[0\]\)/,
    );
  });

  it("fails in production without an alert email, and takes none outside production", () => {
    expect(() => new KubePrometheusStack({ production: true })).toThrow(/alertEmails: got \[\]; allowed: at least one email address in production/);
    expect(() => new KubePrometheusStack({ production: true, alertEmails: ["oncall@example.com"] })).not.toThrow();
    const quiet = synthAddOns([new StorageClasses({ backupTag: { key: "backup", value: "x" } }), new KubePrometheusStack()]);
    expect(resources(quiet, "aws_sns_topic")).toHaveLength(1);
    expect(resources(quiet, "aws_sns_topic_subscription")).toHaveLength(0);
  });

  it("fails when values rename Alertmanager's service account", () => {
    expect(() => new KubePrometheusStack({ values: { alertmanager: { serviceAccount: { name: "other" } } } })).toThrow(
      /values\.alertmanager\.serviceAccount\.name: got "other"; allowed: "alertmanager" \(or leave it out\)/,
    );
  });
});

describe("ExternalSecrets", () => {
  const { permissions } = documentsOf(json, "external-secrets");

  it("may read only the one secret and decrypt only through Secrets Manager", () => {
    expect(statement(permissions, "ReadTheDatabaseSecret").resources).toEqual([SECRET]);
    const decrypt = statement(permissions, "DecryptThroughSecretsManager");
    expect(decrypt).toMatchObject({ actions: ["kms:Decrypt"], resources: [KEY] });
    expect(decrypt.condition[0]).toMatchObject({ variable: "kms:ViaService", values: ["secretsmanager.eu-west-1.amazonaws.com"] });
  });

  it("installs a ClusterSecretStore after the operator, authenticated as the operator's service account", () => {
    const { release, values } = releaseOf(json, "cluster-secret-store");
    const operator = Object.entries(json.resource!.helm_release).find(([, r]: any) => r.name === "external-secrets")![0];
    expect(release.depends_on).toEqual([`helm_release.${operator}`]);
    expect(release.version).toBe(VERSIONS.charts.raw.version);
    const store = values.resources[0];
    expect(store).toMatchObject({ apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore" });
    expect(store.spec.provider.aws.auth.jwt.serviceAccountRef).toEqual({ name: "external-secrets", namespace: "external-secrets" });
  });
});

describe("FluentBit", () => {
  const { values, release } = releaseOf(json, "fluent-bit");
  const { permissions } = documentsOf(json, "fluent-bit");

  it("ships to a log group it creates first, with retention and its own KMS key", () => {
    const group = onlyResource(json, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: containerLogGroupName("qod-dev-eks"), retention_in_days: 30 });
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    expect(values.cloudWatchLogs).toMatchObject({ enabled: true, autoCreateGroup: false, region: "eu-west-1" });
    expect(release.depends_on.some((d: string) => d.startsWith("aws_cloudwatch_log_group."))).toBe(true);
  });

  it("may write only to that log group", () => {
    const logsGroup = Object.keys(json.resource!.aws_cloudwatch_log_group)[0];
    for (const s of permissions.statement) {
      for (const r of s.resources) expect(r).toMatch(new RegExp(`^\\$\\{aws_cloudwatch_log_group\\.${logsGroup}\\.arn\\}`));
    }
  });

  it("fails when production keeps logs less than a year", () => {
    expect(() => new FluentBit({ logRetentionDays: 30, production: true })).toThrow(/logRetentionDays: got 30; allowed: at least 365 days in production/);
  });
});

describe("VerticalPodAutoscaler", () => {
  it("runs the recommender only: nothing evicts or rewrites pods", () => {
    const { values } = releaseOf(json, "vertical-pod-autoscaler");
    expect(values).toMatchObject({ recommender: { enabled: true }, updater: { enabled: false }, admissionController: { enabled: false } });
  });
});

describe("StorageClasses", () => {
  const classes = resources(json, "kubernetes_storage_class_v1");

  it("makes encrypted gp3 the only default, binding when the pod is scheduled", () => {
    const defaults = classes.filter((c) => c.metadata.annotations["storageclass.kubernetes.io/is-default-class"] === "true");
    expect(defaults.map((c) => c.metadata.name)).toEqual(["gp3"]);
    for (const c of classes) {
      expect(c).toMatchObject({ storage_provisioner: "ebs.csi.aws.com", volume_binding_mode: "WaitForFirstConsumer", allow_volume_expansion: true });
      expect(c.parameters).toMatchObject({ type: "gp3", encrypted: "true" });
    }
  });

  it("tags gp3-backup volumes for AWS Backup and retains released volumes in production", () => {
    const backup = classes.find((c) => c.metadata.name === "gp3-backup");
    expect(backup.parameters.tagSpecification_1).toBe("backup=qod-dev-backup");
    expect(backup.reclaim_policy).toBe("Delete");
    const prod = synthAddOns([new StorageClasses({ backupTag: { key: "backup", value: "v" } })], { ...context, production: true });
    expect(resources(prod, "kubernetes_storage_class_v1").map((c) => c.reclaim_policy)).toEqual(["Retain", "Retain"]);
  });
});

describe("the package README", () => {
  it("lists every chart pin with its version and date", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const rows = [...readme.matchAll(/^\| ([a-z-]+) \| [^|]+ \| ([^ |]+) \| (\d{4}-\d{2}-\d{2}) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual(Object.entries(VERSIONS.charts).map(([name, pin]) => [name, pin.version, pin.chosen]));
  });
});
