import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { BACKUP_TAG_KEY } from "@qod/backup";
import { EnvironmentStack } from "@qod/core";
import { AddOnContext, addOnsFromConfig, ClusterProviders, PlatformAddOns } from "@qod/helm-addons";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "./environment-config";
import { InfraOutputs } from "./infra-outputs";
import { InfraStack } from "./infra-stack";

/**
 * `<env>-platform`: the cluster's platform layer, applied after `<env>-infra` and before
 * `<env>-apps`. Reads the infra stack's outputs from its state, configures the Kubernetes and
 * Helm providers with exec authentication, and installs the add-ons the environment's config
 * lists (each with its own IAM role), with the CRDs the apps stack needs.
 */
export class PlatformStack extends EnvironmentStack {
  public readonly infra: InfraOutputs;
  public readonly providers: ClusterProviders;
  public readonly addOns: PlatformAddOns;
  public readonly addOnContext: AddOnContext;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, component: "platform" });
    const clusterName = InfraStack.clusterName(config);
    this.infra = new InfraOutputs(this, "Infra", { environment: config.name, state: config.state });
    this.providers = new ClusterProviders(this, "Cluster", {
      clusterName,
      region: config.region,
      endpoint: this.infra.get("cluster_endpoint"),
      certificateAuthorityData: this.infra.get("cluster_certificate_authority_data"),
    });
    this.addOnContext = {
      cluster: {
        clusterName,
        oidcProviderArn: this.infra.get("cluster_oidc_provider_arn"),
        oidcIssuerUrl: this.infra.get("cluster_oidc_issuer_url"),
      },
      region: config.region,
      partition: new DataAwsPartition(this, "Partition").partition,
      accountId: config.accountId,
      vpcId: this.infra.get("vpc_id"),
      kubernetesVersion: config.cluster.kubernetesVersion,
      production: config.production,
    };
    this.addOns = new PlatformAddOns(this, "AddOns", {
      context: this.addOnContext,
      addOns: addOnsFromConfig(config.addons, {
        production: config.production,
        domain: config.domain,
        hostedZoneId: config.hostedZone?.id,
        databaseSecretArn: this.infra.get("database_secret_arn"),
        databaseSecretKeyArn: this.infra.get("database_secret_kms_key_arn"),
        backupTag: { key: BACKUP_TAG_KEY, value: this.infra.get("backup_selection_tag_value") },
      }),
    });
  }
}
