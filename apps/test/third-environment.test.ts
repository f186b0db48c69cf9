/**
 * Adding an environment is a config-only change: a third environment listed in the platform
 * definition gets its stacks, and every per-environment suite, every invariant and policy rule,
 * and the skip list's scoped entries cover it, with no test, snapshot list or skip entry edited.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { acceptedAddresses, parseSkipFile } from "../../scripts/scan-lib";
import { platform } from "../platform";
import { validatePlatform } from "../shared/platform";
import { appsSuite } from "./suites/apps";
import { infraSuite } from "./suites/infra";
import { invariantsSuite } from "./suites/invariants";
import { platformSuite } from "./suites/platform";
import { ENVIRONMENT_STACK_KINDS, expectedStackNames, resourceAt, stackName, synthesizedPlatform } from "./synthesized";
import { withStaging } from "./third-environment";

const definition = withStaging(platform);
const staging = definition.environments[definition.environments.length - 1];

describe("a third environment, added through the platform definition alone", () => {
  it("is valid config and adds exactly its three stacks", () => {
    expect(() => validatePlatform(definition)).not.toThrow();
    expect(staging.production).toBe(false);
    expect(expectedStackNames(definition)).toEqual([...expectedStackNames(platform), ...ENVIRONMENT_STACK_KINDS.map((kind) => stackName(staging, kind))].sort());
  });

  it("is covered by every skip-list entry scoped to its kind, each naming a resource its stacks have", () => {
    const skips = parseSkipFile(readFileSync(join(resolve(__dirname, "../.."), "security/checkov-skips.json"), "utf8"));
    const covered = acceptedAddresses(skips, definition.environments).filter((a) => a.environment === staging.name);
    const expected = skips.skips.filter((s) => s.environments === "all" || s.environments === "non-production").flatMap((s) => s.resources);
    expect(expected.length).toBeGreaterThan(0);
    expect(covered.map((a) => a.listed.replace(/^\S+ /, "")).sort()).toEqual([...expected].sort());
    const synthesized = synthesizedPlatform(definition);
    for (const { skip, address } of covered) expect(resourceAt(synthesized, address), `${skip.id} ${address}`).toBeDefined();
  });
});

invariantsSuite("the platform with staging added", definition);
infraSuite(definition, [staging]);
platformSuite(definition, [staging]);
appsSuite(definition, [staging]);
