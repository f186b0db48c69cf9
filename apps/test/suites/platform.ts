/**
 * The `<env>-platform` stacks of a platform definition: providers, state, what they read from the
 * infra stack, and the add-ons' pins and identities, plus each infra stack's DNS and TLS. Every
 * environment given is checked; concrete values are left to the snapshots. `platform-stack.test.ts`
 * runs it over the real definition, `third-environment.test.ts` over one with an environment added.
 */
import { VERSIONS } from "@qod/core";
import { ADDON_CATALOG, ALERTS_RECEIVER } from "@qod/helm-addons";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { resources, TfJson } from "../../../test/helpers";
import type { EnvironmentConfig } from "../../shared/environment-config";
import type { PlatformDefinition } from "../../shared/platform";
import { INFRA_OUTPUTS_READ } from "../../shared/infra-outputs";
import { synthesizedPlatform } from "../synthesized";
import { receiversFor } from "../../../packages/helm-addons/test/alertmanager-routing";

const releases = (json: TfJson) =>
  Object.entries(json.resource?.helm_release ?? {}).map(([id, r]: [string, any]) => ({ id, ...r, parsed: parse(r.values[0]) }));

export function platformSuite(definition: PlatformDefinition, environments: readonly EnvironmentConfig[] = definition.environments): void {
  const synthesized = synthesizedPlatform(definition);
  const stack = (name: string): TfJson => synthesized.stack(name);
  describe.each(environments.map((e) => [e.name, e] as const))("%s-platform", (env, config) => {
    const json = stack(`${env}-platform`);
    const infra = stack(`${env}-infra`);

    it("keeps its state at <env>/<env>-platform.tfstate, encrypted and locked", () => {
      expect(json.terraform!.backend.s3).toMatchObject({ key: `${env}/${env}-platform.tfstate`, encrypt: true, use_lockfile: true });
    });

    it("configures the Kubernetes and Helm providers with exec auth (aws eks get-token), never a token", () => {
      const kubernetes = json.provider!.kubernetes[0];
      const helm = json.provider!.helm[0].kubernetes;
      for (const p of [kubernetes, helm]) {
        expect(p.token).toBeUndefined();
        expect(p.host).toMatch(/data\.terraform_remote_state\.\w+\.outputs\.cluster_endpoint/);
        expect(p.cluster_ca_certificate).toMatch(/base64decode\(data\.terraform_remote_state\.\w+\.outputs\.cluster_certificate_authority_data\)/);
      }
      const execs = [kubernetes.exec[0], helm.exec];
      for (const exec of execs) {
        expect(exec.command).toBe("aws");
        expect(exec.args).toEqual(["eks", "get-token", "--cluster-name", `${config.project}-${env}-eks`, "--region", config.region, "--output", "json"]);
      }
      expect(JSON.stringify(json)).not.toMatch(/"token"/);
    });

    it("reads only outputs the infra stack publishes, from the infra stack's state", () => {
      const remote = Object.values(json.data!.terraform_remote_state);
      expect(remote).toHaveLength(1);
      expect(remote[0]).toMatchObject({ backend: "s3", config: { key: `${env}/${env}-infra.tfstate`, bucket: config.state.bucket } });
      const read = [...JSON.stringify(json).matchAll(/terraform_remote_state\.\w+\.outputs\.(\w+)/g)].map((m) => m[1]);
      expect(read.length).toBeGreaterThan(0);
      for (const name of read) {
        expect(INFRA_OUTPUTS_READ, name).toContain(name);
        expect(Object.keys(infra.output!), name).toContain(name);
      }
    });

    it("installs every add-on of the environment's config at its pinned chart version", () => {
      const names = Object.keys(config.addons).map((key) => ADDON_CATALOG[key as keyof typeof ADDON_CATALOG].name);
      const released = releases(json).map((r) => r.name);
      for (const name of names.filter((n) => n !== "storage-classes")) expect(released, name).toContain(name);
      for (const r of releases(json)) {
        const pinKey = r.name === "cluster-secret-store" ? "raw" : r.name;
        expect(r.version, r.name).toBe((VERSIONS.charts as Record<string, { version: string }>)[pinKey].version);
        expect(r.atomic && r.wait, r.name).toBe(true);
      }
    });

    it("binds every IRSA role to exactly the namespace and service account a release creates, annotated with that role", () => {
      const roles = Object.entries(json.resource!.aws_iam_role) as [string, any][];
      expect(roles.length).toBeGreaterThan(0);
      const docs = json.data!.aws_iam_policy_document as Record<string, any>;
      for (const [roleId, role] of roles) {
        const trustId = /data\.aws_iam_policy_document\.(\w[\w-]*)\.json/.exec(role.assume_role_policy)![1];
        const sub = docs[trustId].statement[0].condition.find((c: any) => c.variable.endsWith(":sub")).values[0] as string;
        const [, namespace, serviceAccount] = /^system:serviceaccount:([^:]+):(.+)$/.exec(sub)!;
        const annotated = releases(json).filter((r) => JSON.stringify(r.parsed).includes(`\${aws_iam_role.${roleId}.arn}`));
        expect(annotated.map((r) => r.name), roleId).toHaveLength(1);
        const release = annotated[0];
        expect(release.namespace, roleId).toBe(namespace);
        const key = Object.keys(ADDON_CATALOG).find((k) => ADDON_CATALOG[k as keyof typeof ADDON_CATALOG].name === release.name)!;
        const spec = ADDON_CATALOG[key as keyof typeof ADDON_CATALOG];
        expect("serviceAccount" in spec, release.name).toBe(true);
        const path = "serviceAccount" in spec ? spec.serviceAccount.valuesPath : [];
        const block = path.reduce((v: any, k) => v[k], release.parsed);
        expect({ name: block.name, create: block.create, role: block.annotations["eks.amazonaws.com/role-arn"] }, release.name).toEqual({
          name: serviceAccount,
          create: true,
          role: `\${aws_iam_role.${roleId}.arn}`,
        });
      }
    });

    it("installs every add-on after the add-ons it depends on", () => {
      const idsOf = (name: string): string[] => {
        const fromReleases = releases(json).filter((r) => r.id.startsWith(`AddOns_${name}_`)).map((r) => `helm_release.${r.id}`);
        const fromClasses = Object.keys(json.resource!.kubernetes_storage_class_v1 ?? {}).filter((id) => id.startsWith(`AddOns_${name}_`)).map((id) => `kubernetes_storage_class_v1.${id}`);
        return [...fromReleases, ...fromClasses];
      };
      const withDependencies = Object.values(ADDON_CATALOG).filter((spec) => spec.dependsOn.length > 0 && releases(json).some((r) => r.name === spec.name));
      expect(withDependencies.length).toBeGreaterThan(0);
      for (const spec of withDependencies) {
        const release = releases(json).find((r) => r.name === spec.name)!;
        for (const dependency of spec.dependsOn) {
          expect(idsOf(dependency).length, dependency).toBeGreaterThan(0);
          for (const id of idsOf(dependency)) expect(release.depends_on, `${spec.name} after ${dependency}`).toContain(id);
        }
      }
    });

    it("delivers critical and warning alerts to the environment's encrypted alerts topic, which its alert emails subscribe to", () => {
      const prometheus = releases(json).find((r) => r.name === ADDON_CATALOG.kubePrometheusStack.name);
      if (config.addons.kubePrometheusStack === undefined) {
        expect(prometheus).toBeUndefined();
        return;
      }
      const alertmanager = prometheus!.parsed.alertmanager.config;
      const [sns] = alertmanager.receivers.find((r: any) => r.name === ALERTS_RECEIVER).sns_configs;
      expect(sns.sigv4).toEqual({ region: config.region });
      for (const severity of ["critical", "warning"]) {
        expect(receiversFor(alertmanager, { alertname: "QodApiDown", namespace: "apps", severity }), severity).toEqual([ALERTS_RECEIVER]);
      }
      const topicId = /^\$\{aws_sns_topic\.([\w-]+)\.arn\}$/.exec(sns.topic_arn)![1];
      expect(json.resource!.aws_sns_topic[topicId].kms_master_key_id).toMatch(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/);
      const subscribed = resources(json, "aws_sns_topic_subscription").filter((s) => s.topic_arn === sns.topic_arn);
      expect(subscribed.map((s) => `${s.protocol}:${s.endpoint}`).sort()).toEqual((config.addons.kubePrometheusStack.alertEmails ?? []).map((e) => `email:${e}`).sort());
      if (config.production) expect(subscribed.length).toBeGreaterThan(0);
      // Alertmanager's role may publish to that topic and nothing else.
      const permissions: { statement: { actions: string[]; resources: string[] }[] } = Object.entries(json.data!.aws_iam_policy_document).find(([id]) =>
        id.startsWith("AddOns_kube-prometheus-stack_Permissions"),
      )![1];
      const publish = permissions.statement.filter((s) => s.actions.some((a) => a.startsWith("sns:")));
      expect(publish.map((s) => [s.actions, s.resources])).toEqual([[["sns:Publish"], [sns.topic_arn]]]);
    });

    it("lets ExternalDNS change records of the environment's zone only", () => {
      const zone = `arn:aws:route53:::hostedzone/${config.hostedZone!.id}`;
      const docs = Object.entries(json.data!.aws_iam_policy_document).filter(([id]) => id.includes("external-dns_Permissions"));
      const writes = docs[0][1].statement.filter((s: any) => s.actions.some((a: string) => a.startsWith("route53:Change")));
      expect(writes.flatMap((s: any) => s.resources)).toEqual([zone.replace("arn:aws:", "arn:${data.aws_partition.Partition.partition}:")]);
    });
  });

  describe.each(environments.filter((e) => e.hostedZone).map((e) => [e.name, e] as const))("%s-infra DNS and TLS", (env, config) => {
    const json = stack(`${env}-infra`);

    it("issues a certificate for the domain and its wildcard, validated by DNS in the configured zone", () => {
      const [certificate] = resources(json, "aws_acm_certificate");
      expect(certificate).toMatchObject({ domain_name: config.domain, subject_alternative_names: [`*.${config.domain}`], validation_method: "DNS" });
      const [record] = resources(json, "aws_route53_record");
      const zoneId = Object.keys(json.data!.aws_route53_zone)[0];
      expect(record).toMatchObject({ zone_id: `\${data.aws_route53_zone.${zoneId}.zone_id}`, allow_overwrite: true });
      expect(record.for_each).toMatch(/aws_acm_certificate\.\w+\.domain_validation_options/);
      const [validation] = resources(json, "aws_acm_certificate_validation");
      expect(validation.validation_record_fqdns).toMatch(/for key, val in aws_route53_record\.\w+: val\.fqdn/);
    });

    it("publishes the ARN of the validated certificate, not of the pending one", () => {
      expect(json.output!.certificate_arn.value).toMatch(/^\$\{aws_acm_certificate_validation\.\w+\.certificate_arn\}$/);
    });

    it("stops the plan when the zone's real name is not the configured one", () => {
      const zone = Object.values(json.data!.aws_route53_zone)[0];
      expect(zone.zone_id).toBe(config.hostedZone!.id);
      expect(zone.lifecycle.postcondition[0].condition).toBe(`\${self.name == "${config.hostedZone!.name}"}`);
    });
  });
}
