import { ProblemCollector, SectionContext } from "@qod/core";
import { describe, expect, it } from "vitest";
import { ADDON_CATALOG, ADDON_KEYS, AddOnSpec, AddOnsConfig, checkAddOnsConfig } from "../src";

const dev: SectionContext = { production: false, region: "eu-west-1" };
const prod: SectionContext = { production: true, region: "eu-west-1" };
const problems = (addons: unknown, context = dev) => {
  const p = new ProblemCollector("test");
  checkAddOnsConfig(p, "dev.addons", addons as AddOnsConfig, context);
  return p.problems.map((x) => `${x.field}: ${JSON.stringify(x.given)} -> ${x.allowed}`);
};
/** Every add-on with the options it requires and nothing else. */
const full = Object.fromEntries(ADDON_KEYS.map((key) => [key, key === "fluentBit" ? { logRetentionDays: 30 } : {}])) as AddOnsConfig;

describe("checkAddOnsConfig", () => {
  it("accepts every add-on with its defaults, and none at all", () => {
    expect(problems(full)).toEqual([]);
    expect(problems({})).toEqual([]);
  });

  it("fails when the section is missing", () => {
    expect(problems(undefined)).toEqual([expect.stringMatching(/^dev\.addons: undefined -> an object naming the add-ons to install/)]);
  });

  it("fails on an add-on it does not ship, listing the ones it does", () => {
    expect(problems({ karpenter: {} })).toEqual([expect.stringMatching(/^dev\.addons\.karpenter: "karpenter" -> one of the add-ons this package ships: storageClasses, /)]);
  });

  it.each(["^1.2.0", "latest", "1.x", "~2.9", "2.9"])("fails when a chart version is %s", (version) => {
    expect(problems({ metricsServer: { version } })).toEqual([
      `dev.addons.metricsServer.version: ${JSON.stringify(version)} -> an exact chart version such as 1.14.0 (no ranges such as ^1.2 or ~1, no 1.x, no latest)`,
    ]);
  });

  it("fails on an option the add-on does not take", () => {
    expect(problems({ metricsServer: { replicas: 2 } })).toEqual([expect.stringMatching(/^dev\.addons\.metricsServer\.replicas: 2 -> one of the options version, values, timeoutSeconds$/)]);
  });

  it("fails when an add-on's dependency is missing, naming both by config key", () => {
    expect(problems({ verticalPodAutoscaler: {} })).toEqual([
      'dev.addons.verticalPodAutoscaler: "verticalPodAutoscaler without metricsServer" -> metricsServer as well: verticalPodAutoscaler needs it (or leave verticalPodAutoscaler out)',
    ]);
    expect(problems({ kubePrometheusStack: {} })).toEqual([expect.stringMatching(/kubePrometheusStack without storageClasses/)]);
  });

  const withRoles = Object.entries(ADDON_CATALOG as Record<string, AddOnSpec>).filter(([, s]) => s.serviceAccount !== undefined);
  it.each(withRoles)(
    "fails when %s's values rename the service account its role trusts",
    (key, spec) => {
      const path = spec.serviceAccount!.valuesPath;
      const values = path.reduceRight<Record<string, unknown>>((inner, k) => ({ [k]: inner }), { name: "renamed" });
      const options = key === "fluentBit" ? { logRetentionDays: 30, values } : { values };
      const found = problems({ ...full, [key]: options });
      expect(found).toEqual([expect.stringContaining(`dev.addons.${key}.values.${path.join(".")}.name: "renamed" -> "${spec.serviceAccount!.name}" (or leave it out)`)]);
    },
  );

  it("fails when ExternalDNS would sync (delete records) in production", () => {
    expect(problems({ externalDns: { policy: "sync" } }, prod)).toEqual([
      'dev.addons.externalDns.policy: "sync" -> "upsert-only" in production (ExternalDNS never deletes a record there)',
    ]);
    expect(problems({ externalDns: { policy: "delete-all" } })).toEqual(['dev.addons.externalDns.policy: "delete-all" -> sync or upsert-only']);
  });

  it("fails when config carries a Grafana password", () => {
    expect(problems({ ...full, kubePrometheusStack: { values: { grafana: { adminPassword: "hunter2" } } } })).toEqual([
      expect.stringMatching(/^dev\.addons\.kubePrometheusStack\.values\.grafana\.adminPassword: "\(a password\)" -> no password in config/),
    ]);
  });

  it("fails when container logs are kept less than a year in production, or an invalid retention", () => {
    expect(problems({ fluentBit: { logRetentionDays: 30 } }, prod)).toEqual(["dev.addons.fluentBit.logRetentionDays: 30 -> at least 365 days in production"]);
    expect(problems({ fluentBit: { logRetentionDays: 31 } })).toEqual([expect.stringMatching(/^dev\.addons\.fluentBit\.logRetentionDays: 31 -> one of 1, 3, 5/)]);
  });

  it("fails when an alert email is not an address or is listed twice, naming the entry", () => {
    expect(problems({ ...full, kubePrometheusStack: { alertEmails: ["oncall@example.com", "oncall", "oncall@example.com"] } })).toEqual([
      'dev.addons.kubePrometheusStack.alertEmails[1]: "oncall" -> an email address such as platform-team@example.com',
      'dev.addons.kubePrometheusStack.alertEmails[2]: "oncall@example.com" -> an address not listed before (dev.addons.kubePrometheusStack.alertEmails[0]): each address is one subscription',
    ]);
    expect(problems({ ...full, kubePrometheusStack: { alertEmails: "oncall@example.com" } })).toEqual([
      expect.stringMatching(/^dev\.addons\.kubePrometheusStack\.alertEmails: "oncall@example\.com" -> a list of email addresses, each listed once/),
    ]);
  });

  it("fails when production has Prometheus but no alert email; takes none outside production", () => {
    expect(problems({ ...full, fluentBit: { logRetentionDays: 365 } }, prod)).toEqual([
      expect.stringMatching(/^dev\.addons\.kubePrometheusStack\.alertEmails: \[\] -> at least one email address in production: a firing alert must reach someone/),
    ]);
    expect(problems({ ...full, fluentBit: { logRetentionDays: 365 }, kubePrometheusStack: { alertEmails: ["oncall@example.com"] } }, prod)).toEqual([]);
    expect(problems(full)).toEqual([]);
  });

  it("fails when Prometheus retention or storage are out of range", () => {
    expect(problems({ ...full, kubePrometheusStack: { retentionDays: 400, storageGiB: 1 } })).toEqual([
      "dev.addons.kubePrometheusStack.retentionDays: 400 -> whole days from 1 to 365",
      "dev.addons.kubePrometheusStack.storageGiB: 1 -> whole GiB from 10 to 16384",
    ]);
  });
});
