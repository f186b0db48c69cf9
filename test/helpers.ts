import type { ClusterConfig } from "@qod/eks";
import type { EnvironmentConfig } from "../apps/shared/environment-config";
import { dev } from "../apps/dev/config";
import { prod } from "../apps/prod/config";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Synthesized Terraform JSON, as far as tests read it. */
export interface TfJson {
  terraform?: Record<string, any>;
  provider?: Record<string, any[]>;
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
  moved?: { from: string; to: string }[];
}

/** The resources of one type, as a list (empty when there are none). */
export function resources(json: TfJson, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The one resource of `type`; fails the test when there is not exactly one. */
export function onlyResource(json: TfJson, type: string): any {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

export function freshDir(prefix = "qod-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A valid non-production config to derive bad ones from: the real dev config with only the
 * required tag, so tests see exactly the tags they set.
 */
export function devConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { ...dev, tags: { owner: "platform-team" }, ...overrides };
}

/** A valid production config: the real prod config with only the required tag. */
export function prodConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { ...prod, tags: { owner: "platform-team" }, ...overrides };
}

/** A cluster config with `patch` applied on top of `base`'s. */
export function withCluster(base: EnvironmentConfig, patch: Partial<ClusterConfig>): EnvironmentConfig {
  return { ...base, cluster: { ...base.cluster, ...patch } };
}
