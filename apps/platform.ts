import { bootstrap } from "./bootstrap/config";
import { delivery } from "./delivery/config";
import { dev } from "./dev/config";
import { prod } from "./prod/config";
import type { PlatformDefinition } from "./shared/platform";

/** What `apps/main.ts` synthesizes: the bootstrap bucket, every environment and the delivery roles. */
export const platform: PlatformDefinition = { bootstrap, environments: [dev, prod], delivery };
