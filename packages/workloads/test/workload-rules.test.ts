import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { App, Aspects, TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { findWorkloadProblems, NAME_LABEL, ProductionService, WORKLOAD_RULES, WorkloadRule, WorkloadRulesAspect } from "../src";
import { scaffold, serviceProps } from "./fixtures";

const GOOD_CONTAINER: DeploymentV1SpecTemplateSpecContainer = {
  name: "hand",
  image: "registry.example.com/hand:1.0.0",
  readinessProbe: { httpGet: { path: "/ready", port: "8080" } },
  livenessProbe: { httpGet: { path: "/live", port: "8080" } },
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: "1000",
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  },
};

interface Plant {
  readonly container?: Partial<DeploymentV1SpecTemplateSpecContainer>;
  readonly replicas?: number;
  readonly pdb?: boolean;
  readonly policy?: boolean;
  readonly defaultDeny?: boolean;
}

/** A stack with a compliant ProductionService and a hand-written Deployment with `plant` applied. */
function stackWith(plant: Plant = {}): TerraformStack {
  const app = Testing.stubVersion(new App({ stackTraces: false }));
  const stack = new TerraformStack(app, "apps");
  const { namespace } = scaffold(stack);
  new ProductionService(stack, "Web", serviceProps({ namespace: namespace.name }));
  const labels = { [NAME_LABEL]: "hand" };
  const replicas = plant.replicas ?? 2;
  new DeploymentV1(stack, "Hand", {
    metadata: { name: "hand", namespace: namespace.name },
    spec: {
      replicas: String(replicas),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { container: [{ ...GOOD_CONTAINER, ...plant.container }] } },
    },
  });
  if (plant.pdb !== false) {
    new PodDisruptionBudgetV1(stack, "HandBudget", { metadata: { name: "hand", namespace: namespace.name }, spec: { minAvailable: "1", selector: { matchLabels: labels } } });
  }
  if (plant.policy !== false) {
    new NetworkPolicyV1(stack, "HandPolicy", { metadata: { name: "hand", namespace: namespace.name }, spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress"] } });
  }
  if (plant.defaultDeny === false) namespace.node.tryRemoveChild("DefaultDeny");
  return stack;
}

const rulesBroken = (plant: Plant) => findWorkloadProblems(stackWith(plant)).map((p) => p.field);

const CASES: [string, Plant, WorkloadRule][] = [
  ["an untagged image", { container: { image: "registry.example.com/hand" } }, "image"],
  ["the latest tag", { container: { image: "registry.example.com/hand:latest" } }, "image"],
  ["no readiness probe", { container: { readinessProbe: undefined } }, "probes"],
  ["no liveness probe", { container: { livenessProbe: undefined } }, "probes"],
  ["no memory limit", { container: { resources: { requests: { cpu: "100m", memory: "64Mi" } } } }, "resources"],
  ["no requests", { container: { resources: { limits: { memory: "64Mi" } } } }, "resources"],
  ["root", { container: { securityContext: { ...GOOD_CONTAINER.securityContext, runAsUser: "0" } } }, "security-context"],
  ["a writable root filesystem", { container: { securityContext: { ...GOOD_CONTAINER.securityContext, readOnlyRootFilesystem: false } } }, "security-context"],
  ["privilege escalation", { container: { securityContext: { ...GOOD_CONTAINER.securityContext, allowPrivilegeEscalation: true } } }, "security-context"],
  ["capabilities kept", { container: { securityContext: { ...GOOD_CONTAINER.securityContext, capabilities: { drop: ["NET_RAW"] } } } }, "security-context"],
  ["two replicas and no PDB", { pdb: false }, "disruption-budget"],
  ["no NetworkPolicy selecting the pods", { policy: false }, "network-policy"],
];

describe("the workload rules", () => {
  it("pass a ProductionService and a compliant hand-written Deployment", () => {
    expect(findWorkloadProblems(stackWith())).toEqual([]);
  });

  it.each(CASES)("fail on %s, naming the resource and the rule", (_, plant, rule) => {
    expect(rulesBroken(plant)).toEqual([`apps/Hand [${rule}]`]);
  });

  it("each have a planted violation above", () => {
    expect(new Set(CASES.map(([, , rule]) => rule))).toEqual(new Set(WORKLOAD_RULES));
  });

  it("need no PDB for one replica", () => {
    expect(rulesBroken({ replicas: 1, pdb: false })).toEqual([]);
  });

  it("fail every Deployment of a namespace without a default deny", () => {
    expect(rulesBroken({ defaultDeny: false })).toEqual(["apps/Web/Deployment [network-policy]", "apps/Hand [network-policy]"]);
  });

  it("fail synth as an Aspect, with one error naming every broken rule", () => {
    const stack = stackWith({ pdb: false, container: { image: "registry.example.com/hand:latest" } });
    Aspects.of(stack).add(new WorkloadRulesAspect());
    expect(() => Testing.synth(stack)).toThrow(/Invalid workloads of stack apps \(2 problems\):\n  - apps\/Hand \[image\]: got .*\n  - apps\/Hand \[disruption-budget\]/);
  });
});
