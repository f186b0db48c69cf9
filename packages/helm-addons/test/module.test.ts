import { exampleInputs, ModuleStack, recordDeferredChecks, ValidationError, VERSIONS } from "@qod/core";
import { serviceAccountRoleName } from "@qod/eks";
import { TerraformVariable, Testing } from "cdktf";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ClusterAutoscaler,
  HELM_ADDONS_MODULE_MAX_CLUSTER_NAME,
  helmAddOnsModule,
  HelmAddOnsModuleInputs,
  KubePrometheusStack,
  KubePrometheusStackProps,
  PlatformAddOns,
  StorageClasses,
} from "../src";
import { context, releaseOf } from "./fixtures";
import { TfJson } from "../../../test/helpers";

/** The module as `npm run modules` builds it (inputs are Terraform variables), and the rules it left to Terraform. */
function synthModule(): { json: TfJson; deferred: string[] } {
  const { result, deferred } = recordDeferredChecks(() => new ModuleStack(Testing.app(), helmAddOnsModule));
  return { json: JSON.parse(Testing.synth(result)), deferred: deferred.map((p) => p.field) };
}

/** kube-prometheus-stack and the storage classes it needs. */
const prometheusWith = (props: KubePrometheusStackProps) => [new StorageClasses({ backupTag: { key: "backup", value: "qod-dev" } }), new KubePrometheusStack(props)];

/** The module built from literal inputs (the example inputs with `overrides`). */
function buildWith(overrides: Partial<HelmAddOnsModuleInputs>): void {
  const stack = new ModuleStack(Testing.app(), { ...helmAddOnsModule, build: () => ({}) });
  helmAddOnsModule.build(stack, { ...exampleInputs(helmAddOnsModule), ...overrides });
}

describe("the helm-addons module", () => {
  let json: TfJson;
  let deferred: string[];
  let releases: { name: string; values: string[] }[];
  beforeAll(() => {
    ({ json, deferred } = synthModule());
    releases = Object.values(json.resource?.helm_release ?? {});
  });

  it("installs every add-on of the package with production rules", () => {
    expect(releases.map((r) => r.name).sort()).toEqual(
      [
        "aws-load-balancer-controller",
        "cluster-autoscaler",
        "cluster-secret-store",
        "external-dns",
        "external-secrets",
        "fluent-bit",
        "kube-prometheus-stack",
        "metrics-server",
        "vertical-pod-autoscaler",
      ].sort(),
    );
    expect(releaseOf(json, "external-dns").values.policy).toBe("upsert-only");
    const classes = Object.values(json.resource?.kubernetes_storage_class_v1 ?? {}) as { reclaim_policy: string }[];
    expect(classes.map((c) => c.reclaim_policy)).toEqual(["Retain", "Retain"]);
  });

  it("leaves the kubernetes and helm providers unconfigured: the caller configures them", () => {
    expect(json.provider?.kubernetes).toEqual([{}]);
    expect(json.provider?.helm).toEqual([{}]);
  });

  it("renders values whose variables are Terraform expressions, never token placeholders or token numbers", () => {
    for (const release of releases) {
      expect(release.values[0], release.name).not.toMatch(/TfToken|e\+\d{3}/);
      expect(() => parse(release.values[0]), release.name).not.toThrow();
    }
    const prometheus = releaseOf(json, "kube-prometheus-stack").values.prometheus.prometheusSpec;
    expect(prometheus.retention).toBe("${var.prometheus_retention_days}d");
    expect(prometheus.retentionSize).toBe("${floor((var.prometheus_storage_gib * 0.85))}GB");
    expect(prometheus.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe("${var.prometheus_storage_gib}Gi");
    expect(releaseOf(json, "cluster-autoscaler").values.image.tag).toMatch(/^\$\{local\.[a-z_]+\[var\.kubernetes_version\]\}$/);
    expect(releaseOf(json, "external-dns").values.extraArgs).toContain("--zone-id-filter=${var.hosted_zone_id}");
  });

  it("looks the Cluster Autoscaler image up in a local of the pinned images", () => {
    const locals = Object.values((json as { locals?: Record<string, unknown> }).locals ?? {});
    const images = Object.fromEntries(Object.entries(VERSIONS.clusterAutoscalerImage).map(([minor, pin]) => [minor, pin.version]));
    expect(locals).toContainEqual(images);
  });

  it("names the IRSA roles after the cluster_name variable", () => {
    const names = Object.values(json.resource?.aws_iam_role ?? {}).map((r) => (r as { name: string }).name);
    expect(names).toContain("${var.cluster_name}-kube-system-aws-load-balancer-controller");
    expect(names).toContain("${var.cluster_name}-monitoring-alertmanager");
    expect(names).toHaveLength(6);
  });

  it("outputs every release, every IRSA role and the storage classes, from the resources", () => {
    const outputs = json.output ?? {};
    expect(Object.keys(outputs.releases.value).sort()).toEqual(releases.map((r) => r.name).sort());
    expect(outputs.releases.value["external-dns"].version).toMatch(/^\$\{helm_release\.add_ons_external_dns_release\.version\}$/);
    expect(Object.keys(outputs.irsa_role_arns.value).sort()).toEqual([
      "aws-load-balancer-controller",
      "cluster-autoscaler",
      "external-dns",
      "external-secrets",
      "fluent-bit",
      "kube-prometheus-stack",
    ]);
    expect(outputs.alerts_topic_arn.value).toMatch(/^\$\{aws_sns_topic\.[\w-]+\.arn\}$/);
    expect(outputs.alerts_kms_key_arn.value).toMatch(/^\$\{aws_kms_key\.[\w-]+_alerts_key[\w-]*\.arn\}$/i);
    expect(outputs.storage_class_names.value).toEqual([
      "${kubernetes_storage_class_v1.add_ons_storage_classes.metadata[0].name}",
      "${kubernetes_storage_class_v1.add_ons_storage_classes_backed_up.metadata[0].name}",
    ]);
  });

  it("leaves to Terraform the rules on values only Terraform knows", () => {
    expect(new Set(deferred)).toEqual(
      new Set(["clusterName", "kubernetesVersion", "hostedZoneId", "retentionDays", "storageGiB", "logRetentionDays", "logGroupName", "alertEmails"]),
    );
  });

  it("subscribes every address of the alert_emails variable to the alerts topic, one subscription each (for_each)", () => {
    const [subscription] = Object.values(json.resource?.aws_sns_topic_subscription ?? {}) as any[];
    expect(Object.keys(json.resource?.aws_sns_topic_subscription ?? {})).toHaveLength(1);
    expect(subscription).toMatchObject({ for_each: "${toset(var.alert_emails)}", protocol: "email", endpoint: "${each.value}" });
    expect(subscription.topic_arn).toBe(json.output!.alerts_topic_arn.value);
  });

  it("takes a cluster name of the longest length every role name fits with, and refuses one longer", () => {
    expect(HELM_ADDONS_MODULE_MAX_CLUSTER_NAME).toBe(64 - "-kube-system-aws-load-balancer-controller".length);
    expect(() => buildWith({ cluster_name: "c".repeat(HELM_ADDONS_MODULE_MAX_CLUSTER_NAME) })).not.toThrow();
    expect(() => buildWith({ cluster_name: "c".repeat(HELM_ADDONS_MODULE_MAX_CLUSTER_NAME + 1) })).toThrow(ValidationError);
  });
});

describe("add-ons given Terraform values (tokens)", () => {
  it("ClusterAutoscaler: looks the image up in Terraform for a minor only Terraform knows, and defers the rule", () => {
    const { result, deferred } = recordDeferredChecks(() =>
      Testing.synthScope((scope) => {
        const minor = new TerraformVariable(scope, "minor", { type: "string" }).stringValue;
        new PlatformAddOns(scope, "AddOns", { context: { ...context, kubernetesVersion: minor }, addOns: [new ClusterAutoscaler()] });
      }),
    );
    expect(releaseOf(JSON.parse(result), "cluster-autoscaler").values.image.tag).toMatch(/^\$\{local\.[\w-]+\[var\.minor\]\}$/);
    expect(deferred.map((p) => p.field)).toEqual(["kubernetesVersion"]);
  });

  it("KubePrometheusStack: computes the size-based retention in Terraform for a volume size only Terraform knows", () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const gib = new TerraformVariable(scope, "gib", { type: "number" }).numberValue;
        const days = new TerraformVariable(scope, "days", { type: "number" }).numberValue;
        new PlatformAddOns(scope, "AddOns", { context, addOns: prometheusWith({ retentionDays: days, storageGiB: gib }) });
      }),
    );
    const spec = releaseOf(json, "kube-prometheus-stack").values.prometheus.prometheusSpec;
    expect(spec.retention).toBe("${var.days}d");
    expect(spec.retentionSize).toBe("${floor((var.gib * 0.85))}GB");
  });

  it("KubePrometheusStack: keeps literal values as they were", () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        new PlatformAddOns(scope, "AddOns", { context, addOns: prometheusWith({ retentionDays: 30, storageGiB: 100 }) });
      }),
    );
    const spec = releaseOf(json, "kube-prometheus-stack").values.prometheus.prometheusSpec;
    expect([spec.retention, spec.retentionSize, spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage]).toEqual(["30d", "85GB", "100Gi"]);
  });

  it("serviceAccountRoleName: defers the role-name length rule when the cluster name is a token", () => {
    const { result, deferred } = recordDeferredChecks(() =>
      Testing.synthScope((scope) => {
        const name = new TerraformVariable(scope, "cluster", { type: "string" }).stringValue;
        serviceAccountRoleName(name, "kube-system", "aws-load-balancer-controller");
      }),
    );
    expect(result).toBeDefined();
    expect(deferred.map((p) => p.field)).toEqual(["clusterName"]);
  });
});
