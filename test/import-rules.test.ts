import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkRepository, findImportViolations } from "../scripts/import-rules";

// Built at run time so this file does not itself contain the imports it tests for.
const P = "@cdktf/provider-";
const DEEP = ["cdktf", "lib", "testing"].join("/");

describe("import rules", () => {
  it("finds barrel imports of the provider packages in every form", () => {
    const text = [
      `import { Vpc } from "${P}aws";`,
      `import * as k8s from '${P}kubernetes';`,
      `const helm = require("${P}helm");`,
      `const lazy = await import("${P}aws");`,
      `import { Vpc as Ok } from "${P}aws/lib/vpc";`,
    ].join("\n");
    expect(findImportViolations("x.ts", text).map((v) => [v.line, v.specifier])).toEqual([
      [1, "@cdktf/provider-aws"],
      [2, "@cdktf/provider-kubernetes"],
      [3, "@cdktf/provider-helm"],
      [4, "@cdktf/provider-aws"],
    ]);
  });

  it("finds deep imports of cdktf and constructs", () => {
    const text = `import { Testing } from "${DEEP}";\nimport { Construct } from "constructs";`;
    expect(findImportViolations("x.ts", text)).toEqual([
      expect.objectContaining({ line: 1, specifier: DEEP }),
    ]);
  });

  it("holds for the whole repository", () => {
    expect(checkRepository(resolve(__dirname, ".."))).toEqual([]);
  });
});
