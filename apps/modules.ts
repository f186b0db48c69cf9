/**
 * The generated HCL modules (`npm run modules` writes them to modules/): one per package, each
 * defined next to its construct.
 */
import type { ModuleDefinition } from "@qod/core";
import { vpcModule } from "@qod/vpc";

export const MODULE_DEFINITIONS: readonly ModuleDefinition<object>[] = [vpcModule as ModuleDefinition<object>];
