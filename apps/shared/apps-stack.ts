import { environmentTags, EnvironmentStack } from "@qod/core";
import { ClusterProviders, DEFAULT_SECRET_STORE } from "@qod/helm-addons";
import { planSubnets } from "@qod/vpc";
import { QodServices, WorkloadRulesAspect } from "@qod/workloads";
import { Aspects } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "./environment-config";
import { InfraOutputs } from "./infra-outputs";
import { InfraStack } from "./infra-stack";

/**
 * `<env>-apps`: the services (ui, api, redis) in their namespace, behind the environment's ALB.
 * Applied after `<env>-platform` (the load balancer controller, External Secrets and the
 * Prometheus CRDs must exist) and destroyed before it, so the controller still runs to delete the
 * ALB it made. Reads the infra stack's outputs from its state; fails synth when a Deployment
 * breaks a workload rule.
 */
export class AppsStack extends EnvironmentStack {
  public readonly infra: InfraOutputs;
  public readonly providers: ClusterProviders;
  public readonly services: QodServices;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, component: "apps" });
    this.infra = new InfraOutputs(this, "Infra", { environment: config.name, state: config.state });
    this.providers = new ClusterProviders(this, "Cluster", {
      clusterName: InfraStack.clusterName(config),
      region: config.region,
      endpoint: this.infra.get("cluster_endpoint"),
      certificateAuthorityData: this.infra.get("cluster_certificate_authority_data"),
    });
    // The subnet plan is a pure function of the VPC's CIDR and zones: the same one the infra stack built.
    const subnets = planSubnets(config.vpcCidr, config.availabilityZones);
    const accessLogs = InfraStack.hasLoadBalancerLogs(config);
    this.services = new QodServices(this, "Services", {
      config: config.workloads,
      production: config.production,
      domain: config.domain,
      groupName: this.naming.prefix,
      repositoryUrl: (repository) => this.infra.repositoryUrl(repository),
      certificateArn: this.infra.get("certificate_arn"),
      publicSubnetCidrs: subnets.public,
      databaseSubnetCidrs: subnets.database,
      database: {
        host: this.infra.get("database_endpoint"),
        port: this.infra.get("database_port"),
        name: this.infra.get("database_name"),
        secretArn: this.infra.get("database_secret_arn"),
      },
      secretStore: DEFAULT_SECRET_STORE,
      accessLogsBucket: accessLogs ? this.infra.get("alb_access_logs_bucket") : undefined,
      tags: environmentTags(config),
    });
    Aspects.of(this).add(new WorkloadRulesAspect());
  }
}
