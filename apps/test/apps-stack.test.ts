/** The `<env>-apps` stacks of the real platform definition (the suite: `suites/apps.ts`). */
import { platform } from "../platform";
import { appsSuite } from "./suites/apps";

appsSuite(platform);
