import { EnvironmentConfig, environmentTags, EnvironmentStack } from "@qod/core";
import { EksCluster } from "@qod/eks";
import { Network } from "@qod/vpc";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";

/**
 * `<env>-infra`: the environment's AWS foundation: network and EKS cluster. Later issues add the
 * registries, database and backups here; the platform and apps stacks read its outputs.
 */
export class InfraStack extends EnvironmentStack {
  public readonly network: Network;
  public readonly cluster: EksCluster;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, component: "infra" });
    const clusterName = this.naming.name("eks");
    this.network = new Network(this, "Network", {
      naming: this.naming,
      cidr: config.vpcCidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.natGateways,
      clusterName,
      flowLogRetentionDays: config.flowLogRetentionDays,
    });

    this.cluster = new EksCluster(this, "Cluster", {
      naming: this.naming,
      clusterName,
      kubernetesVersion: config.cluster.kubernetesVersion,
      subnetIds: this.network.privateSubnetIds,
      endpointPublicAccessCidrs: config.cluster.endpointPublicAccessCidrs,
      adminPrincipalArns: config.cluster.adminPrincipalArns,
      logRetentionDays: config.cluster.logRetentionDays,
      production: config.production,
      tags: environmentTags(config),
    });
    for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
      this.cluster.addNodeGroup(name, group);
    }
    if (config.cluster.fargateNamespaces && config.cluster.fargateNamespaces.length > 0) {
      this.cluster.addFargateProfile("fargate", { namespaces: config.cluster.fargateNamespaces });
    }

    const outputs: Record<string, unknown> = {
      vpc_id: this.network.vpcId,
      vpc_cidr: this.network.vpcCidr,
      availability_zones: this.network.availabilityZones,
      public_subnet_ids: this.network.publicSubnetIds,
      private_subnet_ids: this.network.privateSubnetIds,
      database_subnet_ids: this.network.databaseSubnetIds,
      cluster_name: this.cluster.clusterName,
      cluster_endpoint: this.cluster.clusterEndpoint,
      cluster_certificate_authority_data: this.cluster.clusterCertificateAuthorityData,
      cluster_oidc_issuer_url: this.cluster.oidcIssuerUrl,
      cluster_oidc_provider_arn: this.cluster.oidcProviderArn,
      cluster_security_group_id: this.cluster.clusterSecurityGroupId,
      node_role_arn: this.cluster.nodeRoleArn,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}
