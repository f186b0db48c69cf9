import { EnvironmentConfig, EnvironmentStack } from "@qod/core";
import { Network } from "@qod/vpc";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";

/**
 * `<env>-infra`: the environment's AWS foundation. Later issues add the EKS cluster, registries,
 * database and backups here; the platform and apps stacks read its outputs.
 */
export class InfraStack extends EnvironmentStack {
  public readonly network: Network;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, component: "infra" });
    this.network = new Network(this, "Network", {
      naming: this.naming,
      cidr: config.vpcCidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.natGateways,
      clusterName: this.naming.name("eks"),
      flowLogRetentionDays: config.flowLogRetentionDays,
    });

    new TerraformOutput(this, "vpc_id", { value: this.network.vpcId });
    new TerraformOutput(this, "vpc_cidr", { value: this.network.vpcCidr });
    new TerraformOutput(this, "availability_zones", { value: this.network.availabilityZones });
    new TerraformOutput(this, "public_subnet_ids", { value: this.network.publicSubnetIds });
    new TerraformOutput(this, "private_subnet_ids", { value: this.network.privateSubnetIds });
    new TerraformOutput(this, "database_subnet_ids", { value: this.network.databaseSubnetIds });
  }
}
