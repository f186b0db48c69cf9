import { Problem, ProblemCollector, ValidationError } from "@qod/core";
import { IAspect, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { imagePinning } from "./images";

/**
 * The rules every Deployment of a stack must meet, checked at synth over the resources as they
 * will be written (whoever built them: `ProductionService` or a hand-written `DeploymentV1`):
 *
 * - `image`: every container's image is pinned by a release tag or a digest (no `latest`, no
 *   untagged image);
 * - `probes`: every container has a readiness and a liveness probe;
 * - `resources`: CPU and memory requests and a memory limit on every container;
 * - `security-context`: non-root with a numeric uid, no privilege escalation, a read-only root
 *   filesystem, every capability dropped;
 * - `disruption-budget`: more than one replica (or an HPA floor above one) needs a
 *   PodDisruptionBudget selecting the pods;
 * - `network-policy`: the namespace has a default-deny policy and a policy selects the pods.
 */
export const WORKLOAD_RULES = ["image", "probes", "resources", "security-context", "disruption-budget", "network-policy"] as const;
export type WorkloadRule = (typeof WORKLOAD_RULES)[number];

type Json = any;

/** A block the provider renders as an object or a one-element list. */
function one(value: Json): Json {
  return Array.isArray(value) ? value[0] : value;
}
function list(value: Json): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

interface Synthesized {
  readonly path: string;
  readonly type: string;
  readonly body: Json;
}

/** The stack's resources as they will be written (tokens resolved), with their construct paths. */
function resourcesOf(stack: TerraformStack): Synthesized[] {
  const json = stack.toTerraform() as Json;
  const out: Synthesized[] = [];
  for (const [type, byId] of Object.entries<Record<string, Json>>(json.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) out.push({ path: body["//"]?.metadata?.path ?? `${type}.${id}`, type, body });
  }
  return out;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Every rule violation of the Deployments in `stack` (empty when all hold). */
export function findWorkloadProblems(stack: TerraformStack): readonly Problem[] {
  const p = new ProblemCollector("workload rules");
  const resources = resourcesOf(stack);
  const of = (type: string) => resources.filter((r) => r.type === type);
  const pdbs = of("kubernetes_pod_disruption_budget_v1");
  const hpas = of("kubernetes_horizontal_pod_autoscaler_v2");
  const policies = of("kubernetes_network_policy_v1");
  const ns = (r: Synthesized) => one(r.body.metadata)?.namespace ?? "default";

  for (const d of of("kubernetes_deployment_v1")) {
    const field = (rule: WorkloadRule) => `${d.path} [${rule}]`;
    const metadata = one(d.body.metadata) ?? {};
    const spec = one(d.body.spec) ?? {};
    const template = one(spec.template) ?? {};
    const podLabels: Record<string, string> = one(template.metadata)?.labels ?? {};
    const pod = one(template.spec) ?? {};
    const podSecurity = one(pod.security_context) ?? {};
    for (const c of list(pod.container)) {
      const name = c.name ?? "?";
      const pinning = typeof c.image === "string" ? imagePinning(c.image) : "untagged";
      p.check(pinning === "tag" || pinning === "digest", field("image"), c.image, `container ${name}: an image pinned by a release tag or a digest (got ${pinning})`);
      p.check(c.readiness_probe != null && c.liveness_probe != null, field("probes"), { readiness: c.readiness_probe != null, liveness: c.liveness_probe != null }, `container ${name}: a readiness and a liveness probe`);
      const resources = one(c.resources) ?? {};
      const requests = resources.requests ?? {};
      const limits = resources.limits ?? {};
      p.check(requests.cpu != null && requests.memory != null && limits.memory != null, field("resources"), resources, `container ${name}: CPU and memory requests and a memory limit`);
      const sc = one(c.security_context) ?? {};
      const uid = sc.run_as_user ?? podSecurity.run_as_user;
      const nonRoot = (sc.run_as_non_root ?? podSecurity.run_as_non_root) === true;
      const locked =
        nonRoot &&
        /^[1-9]\d*$/.test(String(uid ?? "")) &&
        sc.allow_privilege_escalation === false &&
        sc.privileged !== true &&
        sc.read_only_root_filesystem === true &&
        list(one(sc.capabilities)?.drop).includes("ALL");
      p.check(locked, field("security-context"), sc, `container ${name}: run_as_non_root with a numeric uid above 0, allow_privilege_escalation false, read_only_root_filesystem true, capabilities dropped (ALL)`);
    }
    const hpa = hpas.find((h) => ns(h) === ns(d) && one(one(h.body.spec)?.scale_target_ref)?.name === metadata.name);
    const replicas = hpa ? Number(one(hpa.body.spec)?.min_replicas ?? 1) : Number(spec.replicas ?? 1);
    if (replicas > 1) {
      const pdb = pdbs.find((b) => ns(b) === ns(d) && matches(one(one(b.body.spec)?.selector)?.match_labels, podLabels));
      p.check(pdb !== undefined, field("disruption-budget"), replicas, "a PodDisruptionBudget selecting the pods (more than one replica: a node drain must leave enough of them)");
    }
    const inNamespace = policies.filter((n) => ns(n) === ns(d));
    const defaultDeny = inNamespace.some((n) => {
      const s = one(n.body.spec) ?? {};
      const selector = one(s.pod_selector);
      const types = list(s.policy_types);
      return (selector === undefined || Object.keys(selector.match_labels ?? {}).length === 0) && types.includes("Ingress") && types.includes("Egress");
    });
    const selected = inNamespace.some((n) => matches(one(one(n.body.spec)?.pod_selector)?.match_labels, podLabels));
    p.check(defaultDeny && selected, field("network-policy"), { defaultDeny, selected }, "a default-deny NetworkPolicy (Ingress and Egress) in the namespace and a NetworkPolicy selecting the pods");
  }
  return p.problems;
}

/**
 * Fails synth when a Deployment breaks a {@link WORKLOAD_RULES} rule: one error naming every
 * resource and rule, before anything is written. Add it to a stack with `Aspects.of(stack).add`.
 */
export class WorkloadRulesAspect implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const problems = findWorkloadProblems(node);
    if (problems.length > 0) throw new ValidationError(`workloads of stack ${node.node.id}`, problems);
  }
}
