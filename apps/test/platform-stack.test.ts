/** The `<env>-platform` stacks of the real platform definition (the suite: `suites/platform.ts`). */
import { platform } from "../platform";
import { platformSuite } from "./suites/platform";

platformSuite(platform);
