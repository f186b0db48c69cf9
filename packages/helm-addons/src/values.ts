import { stringify } from "yaml";

/** Helm values: a YAML mapping. Leaves are strings, numbers, booleans, null or lists. */
export type HelmValues = { readonly [key: string]: HelmValue };
export type HelmValue = string | number | boolean | null | readonly HelmValue[] | HelmValues;

/** A plain object (not a list, not null): the only thing {@link deepMerge} descends into. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * `override` merged over `base`, the way Helm merges values files: mappings merge key by key at
 * every depth, anything else (scalars, lists) in `override` replaces what `base` had. Neither
 * argument is changed.
 */
export function deepMerge(base: HelmValues, override: HelmValues): HelmValues {
  const merged: Record<string, HelmValue> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/** The value at `path` (`["serviceAccount", "name"]`), or undefined when any step is missing. */
export function valueAt(values: HelmValues, path: readonly string[]): HelmValue | undefined {
  let current: HelmValue | undefined = values;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = (current as HelmValues)[key];
  }
  return current;
}

/** `values` with `value` set at `path`, creating mappings on the way; `values` is not changed. */
export function withValueAt(values: HelmValues, path: readonly string[], value: HelmValue): HelmValues {
  if (path.length === 0) throw new Error("withValueAt: empty path");
  const [head, ...rest] = path;
  const current = values[head];
  const next = rest.length === 0 ? value : withValueAt(isPlainObject(current) ? (current as HelmValues) : {}, rest, value);
  return { ...values, [head]: next };
}

/**
 * Renders values as the YAML document `helm_release.values` takes. A YAML library writes it (no
 * hand-built strings); lines are never folded, so a resolved Terraform reference inside a string
 * stays on one line.
 */
export function renderValues(values: HelmValues): string {
  return stringify(values, { lineWidth: 0, minContentWidth: 0 });
}
