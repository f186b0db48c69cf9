import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.verticalPodAutoscaler;

/**
 * Vertical Pod Autoscaler in recommendation mode: only the recommender runs, so VPA objects
 * report suggested requests (`kubectl describe vpa`) and nothing evicts or rewrites pods. Tune
 * requests from its data; the HPAs keep scaling replicas. Needs metrics-server.
 */
export class VerticalPodAutoscaler extends HelmAddOn {
  public readonly dependsOn = SPEC.dependsOn;

  constructor(props: HelmAddOnOptions = {}) {
    super({
      name: SPEC.name,
      chart: "vertical-pod-autoscaler",
      repository: "https://kubernetes.github.io/autoscaler",
      namespace: SPEC.namespace,
      ...props,
    });
  }

  protected defaultValues(_context: AddOnContext): HelmValues {
    return {
      recommender: { enabled: true, resources: { requests: { cpu: "50m", memory: "500Mi" }, limits: { memory: "1Gi" } } },
      updater: { enabled: false },
      admissionController: { enabled: false },
    };
  }
}
