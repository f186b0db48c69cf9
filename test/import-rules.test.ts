import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkRepository, exportedNames, findBoundaryViolations, findImportViolations, PACKAGE_LAYERS } from "../scripts/import-rules";

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
      `import "${P}aws";`,
      `import { vpc } from "${P}aws/lib";`,
      `export * from "${P}helm/lib/index";`,
      `const idx = require("${P}kubernetes/lib/index.js");`,
      `import { IndexOk } from "${P}aws/lib/index-thing";`,
    ].join("\n");
    expect(findImportViolations("x.ts", text).map((v) => [v.line, v.specifier])).toEqual([
      [1, "@cdktf/provider-aws"],
      [2, "@cdktf/provider-kubernetes"],
      [3, "@cdktf/provider-helm"],
      [4, "@cdktf/provider-aws"],
      [6, "@cdktf/provider-aws"],
      [7, "@cdktf/provider-aws/lib"],
      [8, "@cdktf/provider-helm/lib/index"],
      [9, "@cdktf/provider-kubernetes/lib/index.js"],
    ]);
    expect(findImportViolations("x.ts", `import "${P}aws/lib";`)[0].rule).toBe(
      "barrel import of @cdktf/provider-aws/lib: import the resource from @cdktf/provider-aws/lib/<resource>",
    );
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

describe("package boundaries", () => {
  // Built at run time so this file does not itself contain the imports it tests for.
  const Q = "@qod/";
  const configOf: Record<string, ReadonlySet<string>> = {
    eks: new Set(["ClusterConfig", "checkClusterConfig", "checkNodeGroupSizing"]),
    backup: new Set(["checkBackupRule"]),
  };
  const configExports = (pkg: string) => configOf[pkg] ?? new Set<string>();
  const violations = (pkg: string, text: string, file = `packages/${pkg}/src/thing.ts`) =>
    findBoundaryViolations(pkg, file, text, configExports).map((v) => [v.line, v.specifier, v.rule]);

  it("fails when core imports a package", () => {
    expect(violations("core", `import { Network } from "${Q}vpc";`)).toEqual([
      [1, `${Q}vpc`, expect.stringMatching(/^core imports no package/)],
    ]);
  });

  it("fails when a package uses another package's config section", () => {
    const text = `import { EksCluster } from "${Q}eks";\nimport { type ClusterConfig, checkNodeGroupSizing as sizing, EksCluster as C } from "${Q}eks";`;
    expect(violations("workloads", text)).toEqual([
      [2, `${Q}eks`, expect.stringMatching(/^uses ClusterConfig, checkNodeGroupSizing from @qod\/eks's config section/)],
    ]);
  });

  it("fails when a package depends on a package after it, or beside it", () => {
    expect(violations("vpc", `import { EksCluster } from "${Q}eks";`)).toEqual([
      [1, `${Q}eks`, expect.stringMatching(/^vpc may depend only on core and packages before it/)],
    ]);
    expect(violations("ecr", `import { BackupPlan } from "${Q}backup";`)).toHaveLength(1);
  });

  it("fails when a package reaches into another package's files", () => {
    expect(violations("backup", `import { x } from "../../rds/src/config";\nimport { y } from "${Q}core/src/naming";`)).toEqual([
      [1, "../../rds/src/config", expect.stringMatching(/^relative import leaves packages\/backup/)],
      [2, `${Q}core/src/naming`, expect.stringMatching(/^deep import into @qod\/core/)],
    ]);
  });

  it("fails when a package has no place in the dependency order", () => {
    expect(violations("billing", `import { Naming } from "${Q}core";`)).toEqual([
      [1, "billing", expect.stringMatching(/no place in PACKAGE_LAYERS/)],
    ]);
  });

  it("accepts core, earlier packages' constructs and the package's own files", () => {
    const text = [
      `import { Naming, ProblemCollector } from "${Q}core";`,
      `import { EksCluster, type ServiceAccountPermissions } from "${Q}eks";`,
      `import { checkThing } from "./config";`,
      `export * from "./thing";`,
    ].join("\n");
    expect(violations("workloads", text)).toEqual([]);
  });

  it("reads what each package's config module exports", () => {
    const backup = exportedNames(readFileSync(resolve(__dirname, "../packages/backup/src/config.ts"), "utf8"));
    expect([...backup]).toEqual(expect.arrayContaining(["BackupConfig", "checkBackupConfig", "checkBackupRule", "MIN_COLD_STORAGE_DAYS"]));
  });

  it("places every package in the dependency order", () => {
    const packages = JSON.parse(readFileSync(resolve(__dirname, "../package.json"), "utf8")).dependencies as Record<string, string>;
    for (const name of Object.keys(packages).filter((n) => n.startsWith(Q))) {
      expect(PACKAGE_LAYERS[name.slice(Q.length)], name).toBeDefined();
    }
  });
});
