import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { Construct } from "constructs";

/** The client authentication API `aws eks get-token` answers with. */
export const EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";

export interface ClusterProvidersProps {
  /** Cluster name (for `aws eks get-token`). */
  readonly clusterName: string;
  /** Region of the cluster. */
  readonly region: string;
  /** The cluster's API endpoint (`https://…`). */
  readonly endpoint: string;
  /** The cluster's CA bundle, base64 as EKS returns it. */
  readonly certificateAuthorityData: string;
}

/** The exec block both providers use: a fresh token from `aws eks get-token` for every run. */
export function eksTokenExec(clusterName: string, region: string) {
  return {
    apiVersion: EXEC_API_VERSION,
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
  };
}

/**
 * The Kubernetes and Helm providers of a cluster, configured from its endpoint and CA with exec
 * authentication: each Terraform run asks `aws eks get-token` for a token with the caller's AWS
 * credentials (which need an EKS access entry). Never a static token: EKS tokens expire after
 * 15 minutes, and a token in the configuration would sit in plan files. Helm provider 3.x syntax:
 * `kubernetes` is an attribute.
 */
export class ClusterProviders extends Construct {
  public readonly kubernetes: KubernetesProvider;
  public readonly helm: HelmProvider;

  constructor(scope: Construct, id: string, props: ClusterProvidersProps) {
    super(scope, id);
    const exec = eksTokenExec(props.clusterName, props.region);
    const caCertificate = Fn.base64decode(props.certificateAuthorityData);
    this.kubernetes = new KubernetesProvider(this, "Kubernetes", {
      host: props.endpoint,
      clusterCaCertificate: caCertificate,
      exec: [exec],
    });
    this.helm = new HelmProvider(this, "Helm", {
      kubernetes: { host: props.endpoint, clusterCaCertificate: caCertificate, exec },
    });
  }
}
