/**
 * The generated HCL modules (`npm run modules` writes them to modules/): one per package, each
 * defined next to its construct, in the order the example applies them.
 */
import { backupModule } from "@qod/backup";
import { listedModule, ModuleDefinition } from "@qod/core";
import { ecrModule } from "@qod/ecr";
import { eksModule } from "@qod/eks";
import { helmAddOnsModule } from "@qod/helm-addons";
import { rdsModule } from "@qod/rds";
import { vpcModule } from "@qod/vpc";

export const MODULE_DEFINITIONS: readonly ModuleDefinition[] = [
  listedModule(vpcModule),
  listedModule(eksModule),
  listedModule(ecrModule),
  listedModule(backupModule),
  listedModule(rdsModule),
  listedModule(helmAddOnsModule),
];

/**
 * How modules/examples/complete wires the modules: per module, the inputs that take another
 * module's output or the example's locals (`local.project`, `var.region`). A test checks that
 * every module and output named here exists, and that a module reads only modules before it.
 */
export const MODULE_EXAMPLE_WIRING: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  vpc: { project: "local.project", environment: "local.environment", cluster_name: '"${local.project}-${local.environment}-eks"' },
  eks: {
    project: "local.project",
    environment: "local.environment",
    cluster_name: '"${local.project}-${local.environment}-eks"',
    subnet_ids: "module.vpc.private_subnet_ids",
  },
  ecr: { project: "local.project", environment: "local.environment" },
  backup: { project: "local.project", environment: "local.environment" },
  rds: {
    project: "local.project",
    environment: "local.environment",
    vpc_id: "module.vpc.vpc_id",
    subnet_ids: "module.vpc.database_subnet_ids",
    cluster_security_group_id: "module.eks.cluster_security_group_id",
    tags: "{ (module.backup.selection_tag_key) = module.backup.selection_tag_value }",
  },
  "helm-addons": {
    cluster_name: "module.eks.cluster_name",
    cluster_oidc_provider_arn: "module.eks.cluster_oidc_provider_arn",
    cluster_oidc_issuer_url: "module.eks.cluster_oidc_issuer_url",
    kubernetes_version: "module.eks.cluster_version",
    vpc_id: "module.vpc.vpc_id",
    database_secret_arn: "module.rds.master_user_secret_arn",
    database_secret_kms_key_arn: "module.rds.kms_key_arn",
    backup_tag_key: "module.backup.selection_tag_key",
    backup_tag_value: "module.backup.selection_tag_value",
  },
};
