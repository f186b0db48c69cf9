import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.metricsServer;

/** metrics-server: the resource metrics API that HPAs, the VPA recommender and `kubectl top` read. */
export class MetricsServer extends HelmAddOn {
  constructor(props: HelmAddOnOptions = {}) {
    super({
      name: SPEC.name,
      chart: "metrics-server",
      repository: "https://kubernetes-sigs.github.io/metrics-server/",
      namespace: SPEC.namespace,
      ...props,
    });
  }

  protected defaultValues(context: AddOnContext): HelmValues {
    return {
      replicas: context.production ? 2 : 1,
      podDisruptionBudget: { enabled: context.production, maxUnavailable: 1 },
      resources: { requests: { cpu: "50m", memory: "100Mi" }, limits: { memory: "200Mi" } },
    };
  }
}
