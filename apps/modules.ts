/**
 * The generated HCL modules (`npm run modules` writes them to modules/): one per package, each
 * defined next to its construct, in the order the example applies them.
 */
import { listedModule, ModuleDefinition } from "@qod/core";
import { helmAddOnsModule } from "@qod/helm-addons";
import { rdsModule } from "@qod/rds";
import { vpcModule } from "@qod/vpc";

export const MODULE_DEFINITIONS: readonly ModuleDefinition[] = [
  listedModule(vpcModule),
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
  rds: {
    project: "local.project",
    environment: "local.environment",
    vpc_id: "module.vpc.vpc_id",
    subnet_ids: "module.vpc.database_subnet_ids",
  },
  "helm-addons": {
    vpc_id: "module.vpc.vpc_id",
    database_secret_arn: "module.rds.master_user_secret_arn",
    database_secret_kms_key_arn: "module.rds.kms_key_arn",
  },
};
