/** Invariants over every stack of the real platform definition (the suite: `suites/invariants.ts`). */
import { platform } from "../platform";
import { invariantsSuite } from "./suites/invariants";

invariantsSuite("the platform", platform);
