import { DataTerraformRemoteStateS3 } from "cdktf";
import { Construct } from "constructs";
import { stateKey, StateBackendConfig } from "@qod/core";

/**
 * The infra stack's outputs a later stack of the same environment reads, by output name. Each
 * name is an output of `<env>-infra` (a test checks the two lists against each other).
 */
export const INFRA_OUTPUTS_READ = [
  "cluster_endpoint",
  "cluster_certificate_authority_data",
  "cluster_oidc_provider_arn",
  "cluster_oidc_issuer_url",
  "vpc_id",
  "database_secret_arn",
  "database_secret_kms_key_arn",
  "backup_selection_tag_value",
] as const;
export type InfraOutputName = (typeof INFRA_OUTPUTS_READ)[number];

/**
 * Reads `<env>-infra`'s outputs from its state object (`terraform_remote_state` on the S3
 * backend, see ADR 0003): the platform stack depends on the infra stack's published outputs,
 * not on its construct tree, so either can be refactored while the output names hold.
 */
export class InfraOutputs extends Construct {
  public readonly state: DataTerraformRemoteStateS3;

  constructor(scope: Construct, id: string, props: { readonly environment: string; readonly state: StateBackendConfig }) {
    super(scope, id);
    this.state = new DataTerraformRemoteStateS3(this, "State", {
      bucket: props.state.bucket,
      key: stateKey(props.environment, `${props.environment}-infra`),
      region: props.state.region,
      encrypt: true,
      kmsKeyId: props.state.kmsKeyArn,
    });
  }

  /** One output of the infra stack, as a string. */
  public get(name: InfraOutputName): string {
    return this.state.getString(name);
  }
}
