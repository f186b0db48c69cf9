import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// `expect(...).toHaveResource(...)` and the other cdktf matchers are typed by cdktf itself: its jest
// adapter adds them to the global `jest.Matchers`, which vitest's `Assertion` extends. Declaring them
// on `Assertion` again clashes with those (TypeScript 7: TS2320, the signatures are not identical).
// Only the asymmetric forms (`expect.toHaveResource(...)`) are declared here.
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
  interface AsymmetricMatchersContaining extends CdktfMatchers {}
}
