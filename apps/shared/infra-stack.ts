import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupPlan, BACKUP_TAG_KEY } from "@qod/backup";
import { environmentTags, EnvironmentStack, Naming } from "@qod/core";
import { ContainerRegistry } from "@qod/ecr";
import { DeliveryConfig, DeliveryPurpose, deliveryRoleArn } from "@qod/delivery";
import { EksCluster } from "@qod/eks";
import { PostgresDatabase } from "@qod/rds";
import { LoadBalancerLogBucket, Network, PublicCertificate } from "@qod/vpc";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "./environment-config";

export interface InfraStackOptions {
  /**
   * The delivery pipeline: its apply role gets cluster-admin and its plan role read-only access.
   * @default - no delivery roles on the cluster
   */
  readonly delivery?: DeliveryConfig;
}

/**
 * `<env>-infra`: the environment's AWS foundation: network, EKS cluster, container registry,
 * PostgreSQL and AWS Backup (with a DR region where configured). The platform and apps stacks
 * read its outputs.
 */
export class InfraStack extends EnvironmentStack {
  public readonly network: Network;
  public readonly cluster: EksCluster;
  public readonly registry: ContainerRegistry;
  public readonly database: PostgresDatabase;
  public readonly backup: BackupPlan;
  /** The certificate for `<domain>` and `*.<domain>`, when the environment has a hosted zone. */
  public readonly certificate?: PublicCertificate;
  /** Provider of the DR region (alias `dr`), when the environment has one. */
  public readonly drProvider?: AwsProvider;
  /** The bucket the ALB writes access logs to, when the workloads turn them on (production's default). */
  public readonly loadBalancerLogs?: LoadBalancerLogBucket;

  /** The cluster's name, `<project>-<env>-eks`: later stacks derive it the same way. */
  static clusterName(config: EnvironmentConfig): string {
    return new Naming(config.project, config.name).name("eks");
  }

  /** Whether the environment's ALB writes access logs (and so the infra stack has a bucket for them). */
  static hasLoadBalancerLogs(config: EnvironmentConfig): boolean {
    return config.workloads.loadBalancer?.accessLogs ?? config.production;
  }

  /**
   * The delivery roles the cluster gives access (the `ci` stack creates them, so it is applied
   * first): the apply role cluster-admin, the plan role read-only. None without a delivery section.
   */
  static deliveryAccess(config: EnvironmentConfig, delivery?: DeliveryConfig): { readonly admins: readonly string[]; readonly viewers: readonly string[] } {
    if (!delivery?.environments[config.name]) return { admins: [], viewers: [] };
    const arn = (purpose: DeliveryPurpose) => deliveryRoleArn(config.accountId, config.project, config.name, purpose);
    return { admins: [arn("apply")], viewers: [arn("plan")] };
  }

  constructor(scope: Construct, config: EnvironmentConfig, options: InfraStackOptions = {}) {
    super(scope, { config, component: "infra" });
    const deliveryAccess = InfraStack.deliveryAccess(config, options.delivery);
    const clusterName = InfraStack.clusterName(config);
    this.network = new Network(this, "Network", {
      naming: this.naming,
      cidr: config.vpcCidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.natGateways,
      clusterName,
      karpenterDiscovery: config.cluster.karpenterDiscovery,
      flowLogRetentionDays: config.flowLogRetentionDays,
    });

    this.cluster = new EksCluster(this, "Cluster", {
      naming: this.naming,
      clusterName,
      kubernetesVersion: config.cluster.kubernetesVersion,
      subnetIds: this.network.privateSubnetIds,
      endpointPublicAccessCidrs: config.cluster.endpointPublicAccessCidrs,
      privateEndpointAccess: config.cluster.privateEndpointAccess,
      adminPrincipalArns: [...config.cluster.adminPrincipalArns, ...deliveryAccess.admins],
      viewerPrincipalArns: deliveryAccess.viewers,
      logRetentionDays: config.cluster.logRetentionDays,
      production: config.production,
      tags: environmentTags(config),
      karpenterDiscovery: config.cluster.karpenterDiscovery,
    });
    for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
      this.cluster.addNodeGroup(name, group);
    }
    if (config.cluster.fargateNamespaces && config.cluster.fargateNamespaces.length > 0) {
      this.cluster.addFargateProfile("fargate", { namespaces: config.cluster.fargateNamespaces });
    }

    if (config.backup.drRegion) {
      this.drProvider = new AwsProvider(this, "aws-dr", {
        alias: "dr",
        region: config.backup.drRegion,
        allowedAccountIds: [config.accountId],
        defaultTags: [{ tags: environmentTags(config) }],
      });
    }

    this.registry = new ContainerRegistry(this, "Registry", {
      naming: this.naming,
      repositories: config.registry.repositories,
      untaggedImageExpiryDays: config.registry.untaggedImageExpiryDays,
      keepReleaseImages: config.registry.keepReleaseImages,
      forceDelete: !config.production,
      replicationRegion: config.registry.replicateToDr ? config.backup.drRegion : undefined,
      replicationProvider: this.drProvider,
      replicasOf: config.registry.replicasOf ? new Naming(config.project, config.registry.replicasOf) : undefined,
      tags: environmentTags(config),
      region: config.region,
      production: config.production,
    });
    // No per-repository grantPull for the nodes: their AmazonEC2ContainerRegistryPullOnly (which the
    // add-on images in AWS's registries need) already covers every repository (README, choices).

    this.backup = new BackupPlan(this, "Backup", {
      naming: this.naming,
      rules: config.backup.rules,
      region: config.region,
      drProvider: this.drProvider,
      drRegion: config.backup.drRegion,
      vaultLock: config.backup.vaultLock,
      restoreTesting: config.backup.restoreTesting,
      notificationEmails: config.backup.notificationEmails,
      production: config.production,
    });

    this.database = new PostgresDatabase(this, "Database", {
      naming: this.naming,
      vpcId: this.network.vpcId,
      subnetIds: this.network.databaseSubnetIds,
      allowedSecurityGroups: { cluster: this.cluster.clusterSecurityGroupId },
      ...config.database,
      production: config.production,
      logRetentionDays: config.production ? 365 : 30,
      tags: { [BACKUP_TAG_KEY]: this.backup.selectionTagValue },
    });

    if (config.hostedZone) {
      this.certificate = new PublicCertificate(this, "Certificate", {
        domain: config.domain,
        hostedZoneId: config.hostedZone.id,
        hostedZoneName: config.hostedZone.name,
      });
    }

    if (InfraStack.hasLoadBalancerLogs(config)) {
      this.loadBalancerLogs = new LoadBalancerLogBucket(this, "LoadBalancerLogs", {
        naming: this.naming,
        accountId: config.accountId,
        retentionDays: config.production ? 365 : 30,
        forceDestroy: !config.production,
      });
    }

    // What the platform and apps stacks read; each with a description for `terraform output`.
    const outputs: Record<string, [unknown, string]> = {
      vpc_id: [this.network.vpcId, "ID of the environment's VPC"],
      vpc_cidr: [this.network.vpcCidr, "CIDR of the VPC"],
      availability_zones: [this.network.availabilityZones, "Zones the subnets span"],
      public_subnet_ids: [this.network.publicSubnetIds, "Public subnets (load balancers, NAT gateways), one per zone"],
      private_subnet_ids: [this.network.privateSubnetIds, "Private subnets (nodes, pods), one per zone"],
      database_subnet_ids: [this.network.databaseSubnetIds, "Database subnets (no internet route), one per zone"],
      cluster_name: [this.cluster.clusterName, "EKS cluster name"],
      cluster_endpoint: [this.cluster.clusterEndpoint, "EKS API endpoint"],
      cluster_certificate_authority_data: [this.cluster.clusterCertificateAuthorityData, "Base64 CA bundle of the EKS API"],
      cluster_oidc_issuer_url: [this.cluster.oidcIssuerUrl, "OIDC issuer of the cluster (IRSA)"],
      cluster_oidc_provider_arn: [this.cluster.oidcProviderArn, "IAM OIDC provider of the cluster (IRSA trust policies)"],
      cluster_security_group_id: [this.cluster.clusterSecurityGroupId, "Security group EKS attaches to the control plane and nodes"],
      node_role_arn: [this.cluster.nodeRoleArn, "IAM role of the managed nodes"],
      repository_urls: [
        Object.fromEntries(Object.entries(this.registry.repositories).map(([service, repo]) => [service, repo.repositoryUrl])),
        "ECR repository URL per service",
      ],
      database_endpoint: [this.database.endpoint, "PostgreSQL host name"],
      database_port: [this.database.port, "PostgreSQL port"],
      database_name: [this.database.databaseName, "Database created at launch"],
      database_username: [this.database.masterUsername, "Master user name (its password is only in the secret)"],
      database_secret_arn: [this.database.masterUserSecretArn, "Secrets Manager secret holding the master credentials"],
      database_security_group_id: [this.database.securityGroupId, "Security group of the database"],
      database_parameter_group_name: [this.database.parameterGroup.name, "Parameter group of the database (its name is generated)"],
      database_secret_kms_key_arn: [this.database.key.arn, "KMS key that encrypts the database's credentials secret (and its storage, unless restored from a snapshot)"],
      backup_selection_tag_value: [this.backup.selectionTagValue, `Value of the "${BACKUP_TAG_KEY}" tag that puts a resource into the backup plan`],
      backup_vault_name: [this.backup.vaultName, "AWS Backup vault of the environment"],
      backup_notifications_topic_arn: [this.backup.topic.arn, "SNS topic told about failed backup, copy and restore jobs"],
    };
    if (this.certificate) {
      outputs.certificate_arn = [this.certificate.certificateArn, `Issued ACM certificate for ${config.domain} and *.${config.domain}`];
    }
    if (this.loadBalancerLogs) {
      outputs.alb_access_logs_bucket = [this.loadBalancerLogs.bucketName, "S3 bucket the ALB writes access logs to"];
    }
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, name, { value, description });
    }
  }
}
