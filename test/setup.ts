import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

interface CdktfMatchers<R = unknown> {
  toHaveResource(resourceType: { tfResourceType: string }): R;
  toHaveResourceWithProperties(resourceType: { tfResourceType: string }, properties: Record<string, unknown>): R;
  toHaveDataSource(dataSourceType: { tfResourceType: string }): R;
  toHaveDataSourceWithProperties(dataSourceType: { tfResourceType: string }, properties: Record<string, unknown>): R;
  toHaveProvider(providerType: { tfResourceType: string }): R;
  toHaveProviderWithProperties(providerType: { tfResourceType: string }, properties: Record<string, unknown>): R;
  toBeValidTerraform(): R;
  toPlanSuccessfully(): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends CdktfMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends CdktfMatchers {}
}
