import { checkEmailList, checkLogRetention, checkSectionObject, ProblemCollector, SectionContext } from "@qod/core";
import { ADDON_CATALOG, ADDON_KEYS, AddOnKey, AddOnSpec } from "./catalog";
import { findAddOnSetProblems } from "./platform-addons";
import { HelmValues, isPlainObject, valueAt } from "./values";

/**
 * The add-ons section of an environment's config and its rules. The same rule functions check
 * the config at the edge (`checkAddOnsConfig`) and the add-on classes' props, so both reject the
 * same input with the same words.
 */

/** Options every Helm add-on takes in config. */
export interface AddOnOptions {
  /** Exact chart version overriding the pin in `VERSIONS.charts`. @default the pin */
  readonly version?: string;
  /** Helm values deep-merged over the add-on's defaults, last. @default {} */
  readonly values?: HelmValues;
  /** Seconds Helm waits before rolling the release back (60-3600). @default 600 */
  readonly timeoutSeconds?: number;
}

/** How ExternalDNS treats records it owns whose source is gone. */
export type ExternalDnsPolicy = "sync" | "upsert-only";
export const EXTERNAL_DNS_POLICIES: readonly ExternalDnsPolicy[] = ["sync", "upsert-only"];

/**
 * The platform add-ons of an environment: an add-on is installed when its key is present.
 * Dependencies: `kubePrometheusStack` needs `storageClasses`, `verticalPodAutoscaler` needs
 * `metricsServer`; `externalDns` needs the environment's `hostedZone`.
 */
export interface AddOnsConfig {
  /** The default encrypted gp3 class and the backed-up `gp3-backup` class. */
  readonly storageClasses?: Record<string, never>;
  /** ALBs for Ingresses, pod readiness gates. */
  readonly awsLoadBalancerController?: AddOnOptions;
  /** Route 53 records for Ingress hosts, in the environment's hosted zone only. */
  readonly externalDns?: AddOnOptions & {
    /** @default "upsert-only" in production (where `sync` is refused), "sync" otherwise */
    readonly policy?: ExternalDnsPolicy;
  };
  /** Node groups grow and shrink with pending pods. */
  readonly clusterAutoscaler?: AddOnOptions;
  /** The resource metrics API (HPA, VPA, `kubectl top`). */
  readonly metricsServer?: AddOnOptions;
  /** Prometheus, Alertmanager, Grafana. */
  readonly kubePrometheusStack?: AddOnOptions & {
    /** Days Prometheus keeps samples (1-365). @default 15 */
    readonly retentionDays?: number;
    /** Prometheus volume size in GiB (10-16384). @default 50 */
    readonly storageGiB?: number;
    /**
     * Email addresses subscribed to the alerts topic Alertmanager publishes to (each confirms
     * its subscription): each an address, listed once; at least one in production.
     * @default []
     */
    readonly alertEmails?: readonly string[];
  };
  /** Secrets Manager -> Kubernetes Secrets (the database credentials). */
  readonly externalSecrets?: AddOnOptions;
  /** Container logs to CloudWatch Logs. */
  readonly fluentBit?: AddOnOptions & {
    /** Days container logs are kept (a CloudWatch Logs retention value; 365+ in production). */
    readonly logRetentionDays: number;
  };
  /** Request recommendations from usage (no evictions). */
  readonly verticalPodAutoscaler?: AddOnOptions;
}

/** In production ExternalDNS may not delete records (`sync`): a wrong Ingress would take a live name down. */
export function checkPolicyForEnvironment(p: ProblemCollector, field: string, policy: ExternalDnsPolicy, production: boolean): void {
  if (production && policy === "sync") p.add(field, policy, '"upsert-only" in production (ExternalDNS never deletes a record there)');
}

export function checkPrometheusRetention(p: ProblemCollector, field: string, days: unknown): void {
  p.check(typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 365, field, days, "whole days from 1 to 365");
}

export function checkPrometheusStorage(p: ProblemCollector, field: string, gib: unknown): void {
  p.check(typeof gib === "number" && Number.isInteger(gib) && gib >= 10 && gib <= 16384, field, gib, "whole GiB from 10 to 16384");
}

/**
 * Checks the addresses subscribed to the alerts topic (core's email list rule): in production at
 * least one, since a firing alert must reach someone.
 */
export function checkAlertEmails(p: ProblemCollector, field: string, emails: unknown, production: boolean): void {
  checkEmailList(p, field, emails, production ? "a firing alert must reach someone (Alertmanager publishes to the alerts topic, its subscribers get the email)" : undefined);
}

/** Exact semantic versions only: no ranges (`^1.2`, `~1`, `>=1`), no `x`, no `latest`. */
export const EXACT_CHART_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Checks a chart version: exact, as `helm install --version` pins it. */
export function checkChartVersion(p: ProblemCollector, field: string, version: unknown): void {
  p.check(
    typeof version === "string" && EXACT_CHART_VERSION.test(version),
    field,
    version,
    "an exact chart version such as 1.14.0 (no ranges such as ^1.2 or ~1, no 1.x, no latest)",
  );
}

/** Checks a release timeout: whole seconds from 60 to 3600. */
export function checkTimeout(p: ProblemCollector, field: string, seconds: unknown): void {
  p.check(
    typeof seconds === "number" && Number.isInteger(seconds) && seconds >= 60 && seconds <= 3600,
    field,
    seconds,
    "whole seconds from 60 to 3600",
  );
}

/**
 * Checks user values against the service account the add-on's role trusts: values may not
 * rename it, stop the chart from creating it, or move the release with `namespaceOverride`.
 */
export function checkServiceAccountValues(
  p: ProblemCollector,
  field: string,
  values: unknown,
  namespace: string,
  serviceAccount: { readonly name: string; readonly valuesPath: readonly string[] } | undefined,
): void {
  if (values === undefined) return;
  if (!p.check(isPlainObject(values), field, values, "a mapping of Helm values, e.g. { replicaCount: 2 }")) return;
  const given = values as HelmValues;
  const override = given.namespaceOverride;
  if (override !== undefined && override !== namespace) {
    p.add(`${field}.namespaceOverride`, override, `nothing, or "${namespace}": the add-on's role and wiring assume the release namespace`);
  }
  if (!serviceAccount) return;
  const path = serviceAccount.valuesPath;
  const name = valueAt(given, [...path, "name"]);
  if (name !== undefined && name !== serviceAccount.name) {
    p.add(
      `${field}.${[...path, "name"].join(".")}`,
      name,
      `"${serviceAccount.name}" (or leave it out): the add-on's IAM role trusts only system:serviceaccount:${namespace}:${serviceAccount.name}`,
    );
  }
  const create = valueAt(given, [...path, "create"]);
  if (create !== undefined && create !== true) {
    p.add(`${field}.${[...path, "create"].join(".")}`, create, "true (or leave it out): the chart creates the service account the role trusts");
  }
}

const COMMON_OPTIONS = ["version", "values", "timeoutSeconds"];
/** The options each add-on takes in config. */
const OPTIONS: Record<AddOnKey, readonly string[]> = {
  storageClasses: [],
  awsLoadBalancerController: COMMON_OPTIONS,
  externalDns: [...COMMON_OPTIONS, "policy"],
  clusterAutoscaler: COMMON_OPTIONS,
  metricsServer: COMMON_OPTIONS,
  kubePrometheusStack: [...COMMON_OPTIONS, "retentionDays", "storageGiB", "alertEmails"],
  externalSecrets: COMMON_OPTIONS,
  fluentBit: [...COMMON_OPTIONS, "logRetentionDays"],
  verticalPodAutoscaler: COMMON_OPTIONS,
};

/** Grafana's admin password is generated in the cluster; a password in values would sit in the Terraform JSON and state. */
export function checkNoGrafanaPassword(p: ProblemCollector, field: string, values: HelmValues | undefined): void {
  const password = isPlainObject(values) ? valueAt(values, ["grafana", "adminPassword"]) : undefined;
  if (password !== undefined && password !== "") {
    p.add(`${field}.grafana.adminPassword`, "(a password)", "no password in config: it would sit in the Terraform JSON and state; Grafana generates one into its Secret");
  }
}

/**
 * Validates the add-ons section of an environment (`field` is e.g. `dev.addons`): known keys
 * only, each add-on's options, and the set as a whole (conflicts, missing dependencies). Whether
 * ExternalDNS has a hosted zone is a relation to the environment's DNS: the composition layer
 * checks it.
 */
export function checkAddOnsConfig(p: ProblemCollector, field: string, addons: AddOnsConfig | undefined, context: SectionContext): void {
  if (!checkSectionObject(p, field, addons, `an object naming the add-ons to install (${ADDON_KEYS.join(", ")}), e.g. { metricsServer: {} }`)) return;
  const present: AddOnKey[] = [];
  for (const [key, options] of Object.entries(addons)) {
    const f = `${field}.${key}`;
    if (!(ADDON_KEYS as string[]).includes(key)) {
      p.add(f, key, `one of the add-ons this package ships: ${ADDON_KEYS.join(", ")}`);
      continue;
    }
    const addOn = key as AddOnKey;
    present.push(addOn);
    if (!checkSectionObject(p, f, options as object | undefined, "an object of options ({} for the defaults)")) continue;
    const o = options as AddOnOptions & Record<string, unknown>;
    const allowed = OPTIONS[addOn];
    for (const option of Object.keys(o)) {
      if (!allowed.includes(option)) p.add(`${f}.${option}`, o[option], allowed.length ? `one of the options ${allowed.join(", ")}` : "no options: use {}");
    }
    if (o.version !== undefined) checkChartVersion(p, `${f}.version`, o.version);
    if (o.timeoutSeconds !== undefined) checkTimeout(p, `${f}.timeoutSeconds`, o.timeoutSeconds);
    const spec: AddOnSpec = ADDON_CATALOG[addOn];
    checkServiceAccountValues(p, `${f}.values`, o.values, spec.namespace ?? "", spec.serviceAccount);
  }
  const dns = addons.externalDns;
  if (dns?.policy !== undefined) {
    if (p.check(EXTERNAL_DNS_POLICIES.includes(dns.policy), `${field}.externalDns.policy`, dns.policy, EXTERNAL_DNS_POLICIES.join(" or "))) {
      checkPolicyForEnvironment(p, `${field}.externalDns.policy`, dns.policy, context.production);
    }
  }
  const prometheus = addons.kubePrometheusStack;
  if (prometheus?.retentionDays !== undefined) checkPrometheusRetention(p, `${field}.kubePrometheusStack.retentionDays`, prometheus.retentionDays);
  if (prometheus?.storageGiB !== undefined) checkPrometheusStorage(p, `${field}.kubePrometheusStack.storageGiB`, prometheus.storageGiB);
  if (prometheus !== undefined && isPlainObject(prometheus)) {
    checkAlertEmails(p, `${field}.kubePrometheusStack.alertEmails`, prometheus.alertEmails ?? [], context.production);
  }
  checkNoGrafanaPassword(p, `${field}.kubePrometheusStack.values`, prometheus?.values);
  if (addons.fluentBit !== undefined && isPlainObject(addons.fluentBit)) {
    checkLogRetention(p, `${field}.fluentBit.logRetentionDays`, addons.fluentBit.logRetentionDays, context.production);
  }
  // The set: the same check PlatformAddOns runs, on the catalog's relations, named by config key.
  const keyOf = (name: string) => ADDON_KEYS.find((k) => ADDON_CATALOG[k].name === name) ?? name;
  const relations = present.map((k) => ({
    name: k as string,
    dependsOn: ADDON_CATALOG[k].dependsOn.map(keyOf),
    conflictsWith: ADDON_CATALOG[k].conflictsWith.map(keyOf),
  }));
  p.merge(findAddOnSetProblems(relations, (key) => `${field}.${key}`));
}
