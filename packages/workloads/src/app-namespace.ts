import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { Construct } from "constructs";
import { memoryBytes } from "./quantities";
import { QuotaConfig } from "./config";

/** The label that makes the load balancer controller inject pod readiness gates into a namespace's pods. */
export const READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

export interface AppNamespaceProps {
  readonly name: string;
  /** The namespace's ResourceQuota (requests; memory limits may total twice the memory requests). */
  readonly quota: QuotaConfig;
  /** Defaults for a container that sets no requests or limits. @default 100m/128Mi requests, 500m/256Mi limits */
  readonly containerDefaults?: { readonly cpu: string; readonly memory: string; readonly cpuLimit: string; readonly memoryLimit: string };
}

/**
 * The namespace the services run in, with its guard rails: Pod Security Admission `restricted`
 * (enforced), pod readiness gates of the load balancer controller, a LimitRange with defaults for
 * containers that name none, a ResourceQuota (and no LoadBalancer or NodePort Services: the
 * shared ALB is the only way in), and a default-deny NetworkPolicy for both directions under the
 * per-service policies.
 */
export class AppNamespace extends Construct {
  public readonly namespace: NamespaceV1;
  /** The namespace's name as a reference: objects in it depend on it. */
  public readonly name: string;
  /** The name as written, for text that cannot carry a reference (PromQL selectors, dashboards). */
  public readonly plainName: string;
  public readonly limitRange: LimitRangeV1;
  public readonly quota: ResourceQuotaV1;
  public readonly defaultDeny: NetworkPolicyV1;

  constructor(scope: Construct, id: string, props: AppNamespaceProps) {
    super(scope, id);
    this.namespace = new NamespaceV1(this, "Namespace", {
      metadata: {
        name: props.name,
        labels: {
          [READINESS_GATE_LABEL]: "enabled",
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
      waitForDefaultServiceAccount: true,
    });
    this.name = this.namespace.metadata.name;
    this.plainName = props.name;
    const d = props.containerDefaults ?? { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
    this.limitRange = new LimitRangeV1(this, "LimitRange", {
      metadata: { name: "defaults", namespace: this.name },
      spec: {
        limit: [
          {
            type: "Container",
            defaultRequest: { cpu: d.cpu, memory: d.memory },
            default: { cpu: d.cpuLimit, memory: d.memoryLimit },
          },
        ],
      },
    });
    const memoryLimit = `${Math.ceil((2 * (memoryBytes(props.quota.memory) ?? 0)) / 2 ** 20)}Mi`;
    this.quota = new ResourceQuotaV1(this, "Quota", {
      metadata: { name: "quota", namespace: this.name },
      spec: {
        hard: {
          "requests.cpu": props.quota.cpu,
          "requests.memory": props.quota.memory,
          "limits.memory": memoryLimit,
          pods: String(props.quota.pods),
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    });
    this.defaultDeny = new NetworkPolicyV1(this, "DefaultDeny", {
      metadata: { name: "default-deny", namespace: this.name },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
  }
}
