/**
 * The `<env>-apps` stacks of a platform definition: one block per environment, asserting relations
 * to the environment's config and to its infra stack (concrete values live in the snapshot).
 * `apps-stack.test.ts` runs it over the real definition, `third-environment.test.ts` over one with
 * an environment added.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planSubnets } from "@qod/vpc";
import { RDS_CA_BUNDLE } from "@qod/workloads";
import { TfJson } from "../../../test/helpers";
import type { EnvironmentConfig } from "../../shared/environment-config";
import type { PlatformDefinition } from "../../shared/platform";
import { InfraStack } from "../../shared/infra-stack";
import { synthesizedPlatform } from "../synthesized";

const byName = (json: TfJson, type: string): Record<string, any> => Object.fromEntries(Object.values(json.resource?.[type] ?? {}).map((r: any) => [r.metadata.name, r]));

export function appsSuite(definition: PlatformDefinition, environments: readonly EnvironmentConfig[] = definition.environments): void {
  const synthesized = synthesizedPlatform(definition);
  const stack = (name: string): TfJson => synthesized.stack(name);
  describe.each(environments.map((e) => [e.name, e] as const))("%s-apps", (env, config) => {
    const json = stack(`${env}-apps`);
    const infra = stack(`${env}-infra`);
    const deployments = byName(json, "kubernetes_deployment_v1");
    const ingresses = Object.values(json.resource!.kubernetes_ingress_v1);

    it("is applied after the platform stack and destroyed before it", () => {
      const manifest = JSON.parse(readFileSync(join(synthesized.outdir, "manifest.json"), "utf8"));
      expect(manifest.stacks[`${env}-apps`].dependencies).toEqual([`${env}-platform`]);
      expect(json.terraform!.backend.s3.key).toBe(`${env}/${env}-apps.tfstate`);
    });

    it("reads only outputs the infra stack publishes", () => {
      const read = [...new Set([...JSON.stringify(json).matchAll(/terraform_remote_state\.\w+\.outputs\.(\w+)/g)].map((m) => m[1]))];
      expect(read.length).toBeGreaterThan(0);
      for (const name of read) expect(Object.keys(infra.output!), name).toContain(name);
    });

    it("runs each service from its ECR repository at the configured release", () => {
      for (const service of ["ui", "api", "redis"] as const) {
        const image = config.workloads[service].image;
        const ref = deployments[service].spec.template.spec.container[0].image;
        const key = image.repository.replace(/[-.]/g, "\\$&");
        expect(ref, service).toMatch(new RegExp(`outputs\\.repository_urls(\\.${key}|\\["${key}"\\])\\}:`));
        expect(ref.endsWith(`:${image.tag}`), service).toBe(true);
      }
    });

    it("scales api and ui within their config, with a PDB below the floor where the floor is above one", () => {
      const hpas = byName(json, "kubernetes_horizontal_pod_autoscaler_v2");
      const pdbs = byName(json, "kubernetes_pod_disruption_budget_v1");
      for (const service of ["api", "ui"] as const) {
        const s = config.workloads[service].scaling;
        expect([hpas[service].spec.min_replicas, hpas[service].spec.max_replicas], service).toEqual([s.minReplicas, s.maxReplicas]);
        if (s.minReplicas > 1) expect(Number(pdbs[service].spec.min_available), service).toBeLessThan(s.minReplicas);
        else expect(pdbs[service], service).toBeUndefined();
      }
    });

    it("routes exactly the configured hosts and paths, all under the domain, through one ALB group", () => {
      const routes = ingresses.map((i) => `${i.spec.rule[0].host}${i.spec.rule[0].http.path[0].path}`).sort();
      expect(routes).toEqual([...config.workloads.api.routes, ...config.workloads.ui.routes].map((r) => `${r.host}${r.path}`).sort());
      for (const i of ingresses) expect(i.spec.rule[0].host.endsWith(`.${config.domain}`)).toBe(true);
      expect(new Set(ingresses.map((i) => i.metadata.annotations["alb.ingress.kubernetes.io/group.name"])).size).toBe(1);
      for (const i of ingresses) expect(i.metadata.annotations["alb.ingress.kubernetes.io/certificate-arn"]).toMatch(/outputs\.certificate_arn\}$/);
    });

    it("protects and logs the ALB where the infra stack made a log bucket (production)", () => {
      const attributes = ingresses[0].metadata.annotations["alb.ingress.kubernetes.io/load-balancer-attributes"];
      expect(attributes).toContain(`deletion_protection.enabled=${config.workloads.loadBalancer?.deletionProtection ?? config.production}`);
      if (InfraStack.hasLoadBalancerLogs(config)) {
        expect(attributes).toMatch(/access_logs\.s3\.bucket=\$\{data\.terraform_remote_state\.\w+\.outputs\.alb_access_logs_bucket\}/);
        expect(Object.keys(infra.output!)).toContain("alb_access_logs_bucket");
      } else expect(attributes).toContain("access_logs.s3.enabled=false");
    });

    it("verifies the database's certificate with the RDS CA bundle the api image ships", () => {
      const env = Object.fromEntries(deployments.api.spec.template.spec.container[0].env.map((e: any) => [e.name, e.value]));
      expect(env.NODE_EXTRA_CA_CERTS).toBe(RDS_CA_BUNDLE);
      const dockerfile = readFileSync(join(__dirname, "../../../docker/qod-api/Dockerfile"), "utf8");
      expect(dockerfile).toMatch(new RegExp(`^ADD --chmod=444 https://truststore\\.pki\\.rds\\.amazonaws\\.com/\\S+\\.pem ${RDS_CA_BUNDLE}$`, "m"));
    });

    it("admits the ALB from the public subnets and lets the api out to the database subnets the infra stack built", () => {
      const subnets = planSubnets(config.vpcCidr, config.availabilityZones);
      const infraCidrs = (tier: string) => Object.values(infra.resource!.aws_subnet).filter((s: any) => s.tags.tier === tier).map((s: any) => s.cidr_block).sort();
      expect([...subnets.public].sort()).toEqual(infraCidrs("public"));
      expect([...subnets.database].sort()).toEqual(infraCidrs("database"));
      const policies = byName(json, "kubernetes_network_policy_v1");
      const cidrs = (name: string, direction: "ingress" | "egress") => policies[name].spec[direction][0][direction === "ingress" ? "from" : "to"].map((p: any) => p.ip_block.cidr).sort();
      expect(cidrs("api-from-load-balancer", "ingress")).toEqual(infraCidrs("public"));
      expect(cidrs("ui-from-load-balancer", "ingress")).toEqual(infraCidrs("public"));
      expect(cidrs("api-to-database", "egress")).toEqual(infraCidrs("database"));
    });
  });
}
