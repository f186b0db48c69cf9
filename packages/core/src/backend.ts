import { S3Backend, TerraformStack } from "cdktf";
import type { StateBackendConfig } from "./environment";

/** The state object key of a stack: `<env>/<stack>.tfstate`. */
export function stateKey(environment: string, stack: string): string {
  return `${environment}/${stack}.tfstate`;
}

/**
 * Points `stack` at the bootstrap state bucket: key `<env>/<stack>.tfstate`, server-side
 * encryption with the state KMS key, and S3-native locking (`use_lockfile`, Terraform >= 1.10).
 */
export function configureS3Backend(
  stack: TerraformStack,
  state: StateBackendConfig,
  environment: string,
  stackName: string,
): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: stateKey(environment, stackName),
    region: state.region,
    encrypt: true,
    kmsKeyId: state.kmsKeyArn,
  });
  // cdktf 0.21's S3BackendConfig has no typed field for native locking.
  stack.addOverride("terraform.backend.s3.use_lockfile", true);
  return backend;
}
