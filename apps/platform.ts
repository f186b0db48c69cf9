import { bootstrap } from "./bootstrap/config";
import { dev } from "./dev/config";
import { prod } from "./prod/config";
import type { PlatformDefinition } from "./shared/platform";

/** What `apps/main.ts` synthesizes: the bootstrap bucket and every environment. */
export const platform: PlatformDefinition = { bootstrap, environments: [dev, prod] };
