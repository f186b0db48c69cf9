import { Release } from "@cdktf/provider-helm/lib/release";
import { VERSIONS } from "@qod/core";
import { renderValues, HelmValues } from "@qod/helm-addons";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

export interface CustomResourcesProps {
  /** The Helm release's name. */
  readonly releaseName: string;
  readonly namespace: string;
  /** The manifests (ServiceMonitor, ExternalSecret, …). */
  readonly manifests: readonly HelmValues[];
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Custom resources (ServiceMonitor, ExternalSecret) as one Helm release of the pinned `raw`
 * chart, as the platform stack installs its ClusterSecretStore. A `kubernetes_manifest` would
 * need the CRDs and a reachable API server at plan time; a release is planned without either,
 * so every stack plans on a fresh environment. The chart renders `resources` with `toYaml`, not
 * `tpl`, so External Secrets' `{{ … }}` templates reach the cluster untouched.
 */
export class CustomResources extends Construct {
  public readonly release: Release;

  constructor(scope: Construct, id: string, props: CustomResourcesProps) {
    super(scope, id);
    this.release = new Release(this, "Release", {
      name: props.releaseName,
      chart: "raw",
      repository: "https://bedag.github.io/helm-charts/",
      version: VERSIONS.charts.raw.version,
      namespace: props.namespace,
      values: [renderValues({ resources: props.manifests })],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 300,
      maxHistory: 10,
      dependsOn: props.dependsOn,
    });
  }
}
