/** The `<env>-infra` stacks of the real platform definition (the suite: `suites/infra.ts`). */
import { platform } from "../platform";
import { infraSuite } from "./suites/infra";

infraSuite(platform);
