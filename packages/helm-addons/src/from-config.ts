import { ADDON_KEYS, AddOnKey } from "./catalog";
import { AddOnsConfig } from "./config";
import { AwsLoadBalancerController } from "./addons/aws-load-balancer-controller";
import { ClusterAutoscaler } from "./addons/cluster-autoscaler";
import { ExternalDns } from "./addons/external-dns";
import { ExternalSecrets } from "./addons/external-secrets";
import { FluentBit } from "./addons/fluent-bit";
import { KubePrometheusStack } from "./addons/kube-prometheus-stack";
import { MetricsServer } from "./addons/metrics-server";
import { StorageClasses } from "./addons/storage-classes";
import { VerticalPodAutoscaler } from "./addons/vertical-pod-autoscaler";
import { PlatformAddOn } from "./helm-addon";
import { ValidationError } from "@qod/core";

/** What the add-ons of a config need from the rest of the environment. */
export interface AddOnInputs {
  /** Production rules apply. */
  readonly production: boolean;
  /** The environment's domain (ExternalDNS's filter). */
  readonly domain: string;
  /** The public hosted zone of `domain`, when the environment has one. */
  readonly hostedZoneId?: string;
  /** The database credentials secret and its KMS key (External Secrets). */
  readonly databaseSecretArn: string;
  readonly databaseSecretKeyArn: string;
  /** The tag that puts a volume into the backup plan. */
  readonly backupTag: { readonly key: string; readonly value: string };
}

/** The add-on objects of an add-ons config section, in catalog order. */
export function addOnsFromConfig(config: AddOnsConfig, inputs: AddOnInputs): PlatformAddOn[] {
  const build: { [K in AddOnKey]: (options: NonNullable<AddOnsConfig[K]>) => PlatformAddOn } = {
    storageClasses: () => new StorageClasses({ backupTag: inputs.backupTag }),
    awsLoadBalancerController: (o) => new AwsLoadBalancerController(o),
    externalDns: (o) => {
      if (inputs.hostedZoneId === undefined) {
        throw new ValidationError("add-ons", [
          { field: "addons.externalDns", given: o, allowed: "a hosted zone for the environment (hostedZone), or no externalDns" },
        ]);
      }
      return new ExternalDns({ ...o, hostedZoneId: inputs.hostedZoneId, domain: inputs.domain, production: inputs.production });
    },
    clusterAutoscaler: (o) => new ClusterAutoscaler(o),
    metricsServer: (o) => new MetricsServer(o),
    kubePrometheusStack: (o) => new KubePrometheusStack({ ...o, production: inputs.production }),
    externalSecrets: (o) => new ExternalSecrets({ ...o, secretArn: inputs.databaseSecretArn, secretKeyArn: inputs.databaseSecretKeyArn }),
    fluentBit: (o) => new FluentBit({ ...o, production: inputs.production }),
    verticalPodAutoscaler: (o) => new VerticalPodAutoscaler(o),
  };
  return ADDON_KEYS.filter((key) => config[key] !== undefined).map((key) => (build[key] as (o: unknown) => PlatformAddOn)(config[key]));
}
