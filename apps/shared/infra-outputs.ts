import { DataTerraformRemoteStateS3, Fn } from "cdktf";
import { Construct } from "constructs";
import { stateKey, StateBackendConfig } from "@qod/core";

/**
 * The infra stack's outputs a later stack of the same environment may read, by output name. Each
 * name a stack reads is an output of its `<env>-infra` (a test checks the two against each other).
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
  "database_endpoint",
  "database_port",
  "database_name",
  "certificate_arn",
  "repository_urls",
  "alb_access_logs_bucket",
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

  /** The URL of one ECR repository of the environment (the `repository_urls` map output). */
  public repositoryUrl(repository: string): string {
    return Fn.lookup(this.state.get("repository_urls" satisfies InfraOutputName), repository);
  }
}
