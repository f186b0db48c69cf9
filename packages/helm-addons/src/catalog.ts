/**
 * The add-ons this package ships, by config key: the name each is installed under (release name,
 * construct id, key of its chart pin in `VERSIONS.charts`), its namespace, the service account
 * its IAM role trusts, and its relations to the others. The add-on classes and the config
 * validator both read this table, so they cannot disagree.
 */
export interface AddOnSpec {
  /** Name of the add-on and of its Helm release. */
  readonly name: string;
  /** Namespace it is installed in (none for cluster-scoped resources). */
  readonly namespace?: string;
  /** The service account its role trusts, and where the chart's values name it. */
  readonly serviceAccount?: { readonly name: string; readonly valuesPath: readonly string[] };
  /** Add-ons it needs installed first. */
  readonly dependsOn: readonly string[];
  /** Add-ons it cannot run next to. */
  readonly conflictsWith: readonly string[];
}

export const ADDON_CATALOG = {
  storageClasses: { name: "storage-classes", dependsOn: [], conflictsWith: [] },
  awsLoadBalancerController: {
    name: "aws-load-balancer-controller",
    namespace: "kube-system",
    serviceAccount: { name: "aws-load-balancer-controller", valuesPath: ["serviceAccount"] },
    dependsOn: [],
    conflictsWith: [],
  },
  externalDns: {
    name: "external-dns",
    namespace: "external-dns",
    serviceAccount: { name: "external-dns", valuesPath: ["serviceAccount"] },
    dependsOn: [],
    conflictsWith: [],
  },
  clusterAutoscaler: {
    name: "cluster-autoscaler",
    namespace: "kube-system",
    serviceAccount: { name: "cluster-autoscaler", valuesPath: ["rbac", "serviceAccount"] },
    dependsOn: [],
    // Both add and remove nodes; two autoscalers undo each other's decisions.
    conflictsWith: ["karpenter"],
  },
  metricsServer: { name: "metrics-server", namespace: "kube-system", dependsOn: [], conflictsWith: [] },
  kubePrometheusStack: {
    name: "kube-prometheus-stack",
    namespace: "monitoring",
    // Alertmanager's: its SNS receiver publishes to the alerts topic (`alertmanager.serviceAccount`
    // in the chart's values). Not the chart's default name (kube-prometheus-stack-alertmanager):
    // the short one keeps "<cluster>-monitoring-alertmanager" within IAM's 64 characters.
    serviceAccount: { name: "alertmanager", valuesPath: ["alertmanager", "serviceAccount"] },
    // Prometheus' volume uses the backed-up gp3 class.
    dependsOn: ["storage-classes"],
    conflictsWith: [],
  },
  externalSecrets: {
    name: "external-secrets",
    namespace: "external-secrets",
    serviceAccount: { name: "external-secrets", valuesPath: ["serviceAccount"] },
    dependsOn: [],
    conflictsWith: [],
  },
  fluentBit: {
    name: "fluent-bit",
    namespace: "logging",
    serviceAccount: { name: "fluent-bit", valuesPath: ["serviceAccount"] },
    dependsOn: [],
    conflictsWith: [],
  },
  verticalPodAutoscaler: {
    name: "vertical-pod-autoscaler",
    namespace: "vpa",
    // The recommender reads the resource metrics API.
    dependsOn: ["metrics-server"],
    conflictsWith: [],
  },
} as const satisfies Record<string, AddOnSpec>;

/** The config key of each add-on this package ships. */
export type AddOnKey = keyof typeof ADDON_CATALOG;
export const ADDON_KEYS = Object.keys(ADDON_CATALOG) as AddOnKey[];
