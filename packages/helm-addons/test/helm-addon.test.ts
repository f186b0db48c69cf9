import { VERSIONS } from "@qod/core";
import { describe, expect, it } from "vitest";
import {
  AddOnContext,
  ClusterAutoscaler,
  deepMerge,
  ExternalDns,
  HelmAddOn,
  HelmAddOnOptions,
  HelmValues,
  installOrder,
  KubePrometheusStack,
  MetricsServer,
  StorageClasses,
  VerticalPodAutoscaler,
} from "../src";
import { context, releaseOf, synthAddOns } from "./fixtures";

/** A user-defined add-on, as a platform team would write one: Karpenter, here to conflict. */
class Karpenter extends HelmAddOn {
  constructor(props: HelmAddOnOptions = {}) {
    super({ name: "karpenter", chart: "karpenter", repository: "oci://public.ecr.aws/karpenter", namespace: "karpenter", version: "1.8.1", ...props });
  }
  protected defaultValues(c: AddOnContext): HelmValues {
    return { settings: { clusterName: c.cluster.clusterName } };
  }
}

describe("deepMerge", () => {
  it("merges mappings at every depth, lets the override win, replaces lists, and changes neither input", () => {
    const base = { a: { b: 1, c: [1, 2], d: { e: "x" } }, f: true };
    const override = { a: { c: [3], d: { g: "y" } } };
    expect(deepMerge(base, override)).toEqual({ a: { b: 1, c: [3], d: { e: "x", g: "y" } }, f: true });
    expect(base).toEqual({ a: { b: 1, c: [1, 2], d: { e: "x" } }, f: true });
    expect(override).toEqual({ a: { c: [3], d: { g: "y" } } });
  });
});

describe("a Helm add-on with defaults", () => {
  const json = synthAddOns([new MetricsServer()]);
  const { release, values } = releaseOf(json, "metrics-server");

  it("pins the chart, repository and exact version of VERSIONS.charts, in its namespace", () => {
    expect(release).toMatchObject({
      chart: "metrics-server",
      repository: "https://kubernetes-sigs.github.io/metrics-server/",
      version: VERSIONS.charts["metrics-server"].version,
      namespace: "kube-system",
    });
  });

  it("rolls back a failed release, waits for readiness and bounds its history and time", () => {
    expect(release).toMatchObject({ atomic: true, cleanup_on_fail: true, wait: true, wait_for_jobs: true, timeout: 600, max_history: 10 });
  });

  it("renders values as YAML the chart reads back as the defaults", () => {
    expect(values.replicas).toBe(1);
    expect(typeof release.values[0]).toBe("string");
  });
});

describe("user values", () => {
  it("are deep-merged over the defaults, last, and win on the keys they name", () => {
    const json = synthAddOns([new MetricsServer({ values: { replicas: 3, resources: { limits: { memory: "300Mi" } } } })]);
    const { values } = releaseOf(json, "metrics-server");
    expect(values.replicas).toBe(3);
    expect(values.resources).toEqual({ requests: { cpu: "50m", memory: "100Mi" }, limits: { memory: "300Mi" } });
  });

  it("cannot leak between stacks: props are cloned when the add-on is built", () => {
    const props = { values: { replicas: 2 } as Record<string, unknown> };
    const first = new MetricsServer(props as HelmAddOnOptions);
    props.values.replicas = 5;
    const second = new MetricsServer(props as HelmAddOnOptions);
    expect(releaseOf(synthAddOns([first]), "metrics-server").values.replicas).toBe(2);
    expect(releaseOf(synthAddOns([second]), "metrics-server").values.replicas).toBe(5);
  });

  it("can install one add-on object in two stacks, each with its own resources", () => {
    const external = new ExternalDns({ hostedZoneId: "Z0DEVQOD0EXAMPLE00001", domain: "dev.qod.example.com" });
    const a = synthAddOns([external]);
    const b = synthAddOns([external], { ...context, cluster: { ...context.cluster, clusterName: "qod-stg-eks" } });
    expect(releaseOf(a, "external-dns").values.txtOwnerId).toBe("qod-dev-eks");
    expect(releaseOf(b, "external-dns").values.txtOwnerId).toBe("qod-stg-eks");
  });
});

describe("the add-on set", () => {
  it("installs each add-on after its dependencies, and its release depends on theirs", () => {
    const json = synthAddOns([new VerticalPodAutoscaler(), new MetricsServer()]);
    const metrics = Object.entries(json.resource!.helm_release).find(([, r]: any) => r.name === "metrics-server")![0];
    expect(releaseOf(json, "vertical-pod-autoscaler").release.depends_on).toEqual([`helm_release.${metrics}`]);
    expect(releaseOf(json, "metrics-server").release.depends_on ?? []).toEqual([]);
  });

  it("orders a chain of dependencies and keeps the given order otherwise", () => {
    const relations = [
      { name: "c", dependsOn: ["b"], conflictsWith: [] },
      { name: "a", dependsOn: [], conflictsWith: [] },
      { name: "b", dependsOn: ["a"], conflictsWith: [] },
    ];
    expect(installOrder(relations).map((r) => r.name)).toEqual(["a", "b", "c"]);
  });

  it("fails when two add-ons conflict, naming both", () => {
    expect(() => synthAddOns([new ClusterAutoscaler(), new Karpenter()])).toThrow(
      /cluster-autoscaler together with karpenter.*one of the two: cluster-autoscaler and karpenter/s,
    );
  });

  it("fails when an add-on's dependency is missing", () => {
    expect(() => synthAddOns([new VerticalPodAutoscaler()])).toThrow(/vertical-pod-autoscaler without metrics-server.*metrics-server as well/s);
    expect(() => synthAddOns([new KubePrometheusStack()])).toThrow(/kube-prometheus-stack without storage-classes/);
  });

  it("fails when an add-on is listed twice", () => {
    expect(() => synthAddOns([new MetricsServer(), new MetricsServer()])).toThrow(/each add-on once/);
  });

  it("fails on a dependency cycle", () => {
    class A extends Karpenter {
      public readonly name = "karpenter";
      public readonly dependsOn = ["b"];
    }
    const b = new StorageClasses({ backupTag: { key: "backup", value: "x" } });
    Object.defineProperty(b, "name", { value: "b" });
    Object.defineProperty(b, "dependsOn", { value: ["karpenter"] });
    expect(() => synthAddOns([new A(), b])).toThrow(/dependency cycle karpenter -> b -> karpenter/);
  });
});

describe("bad add-on props", () => {
  it.each([
    ["a caret range", "^1.2.0"],
    ["a tilde range", "~3.5"],
    ["latest", "latest"],
    ["an x range", "3.x"],
    ["a partial version", "3.5"],
    ["a comparison", ">=3.5.0"],
  ])("fails when the chart version is %s", (_, version) => {
    expect(() => new MetricsServer({ version })).toThrow(/version: got "[^"]+"; allowed: an exact chart version such as 1\.14\.0/);
  });

  it("accepts an exact version over the pin", () => {
    expect(releaseOf(synthAddOns([new MetricsServer({ version: "3.12.2" })]), "metrics-server").release.version).toBe("3.12.2");
  });

  it("fails when user values rename the service account away from the one the role trusts", () => {
    expect(() => new ClusterAutoscaler({ values: { rbac: { serviceAccount: { name: "autoscaler" } } } })).toThrow(
      /values\.rbac\.serviceAccount\.name: got "autoscaler"; allowed: "cluster-autoscaler" \(or leave it out\): the add-on's IAM role trusts only system:serviceaccount:kube-system:cluster-autoscaler/,
    );
  });

  it("fails when user values stop the chart from creating the service account or move the namespace", () => {
    expect(() => new ExternalDns({ hostedZoneId: "Z0DEVQOD0EXAMPLE00001", domain: "d.example.com", values: { serviceAccount: { create: false } } })).toThrow(
      /serviceAccount\.create: got false/,
    );
    expect(() => new KubePrometheusStack({ values: { namespaceOverride: "observability" } })).toThrow(/namespaceOverride: got "observability"/);
  });

  it("fails when a timeout is out of range", () => {
    expect(() => new MetricsServer({ timeoutSeconds: 5 })).toThrow(/timeoutSeconds: got 5; allowed: whole seconds from 60 to 3600/);
  });

  it("fails when an add-on without a pin gets no version", () => {
    class Unpinned extends HelmAddOn {
      constructor() {
        super({ name: "unpinned", chart: "x", repository: "https://example.com", namespace: "x" });
      }
      protected defaultValues(): HelmValues {
        return {};
      }
    }
    expect(() => new Unpinned()).toThrow(/"unpinned" has no pin in VERSIONS.charts/);
  });
});

describe("a user-defined add-on", () => {
  it("installs through the same contract", () => {
    const json = synthAddOns([new Karpenter()]);
    expect(releaseOf(json, "karpenter").release).toMatchObject({ version: "1.8.1", namespace: "karpenter", atomic: true });
    expect(releaseOf(json, "karpenter").values).toEqual({ settings: { clusterName: "qod-dev-eks" } });
  });

});
