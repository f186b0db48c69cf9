import type { ModuleDefinition } from "@qod/core";
import { renderModule } from "../../scripts/modules-lib";

const cache = new Map<string, ReturnType<typeof renderModule>>();

/** `definition` rendered once per test file (rendering is the slow part; nothing mutates the result). */
export function rendered(definition: ModuleDefinition): ReturnType<typeof renderModule> {
  const cached = cache.get(definition.name) ?? renderModule(definition);
  cache.set(definition.name, cached);
  return cached;
}
