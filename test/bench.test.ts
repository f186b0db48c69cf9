import { describe, expect, it } from "vitest";
import { PROVIDERS, rewriteToBarrel } from "../scripts/bench-lib";
import { findImportViolations } from "../scripts/import-rules";

// The barrel specifier is assembled here too, so this file passes the import rules itself.
const [AWS, KUBERNETES] = PROVIDERS;

describe("rewriting deep provider imports to the barrel (pnpm bench's comparison program)", () => {
  it("turns each deep import into the barrel's namespace, keeping local names", () => {
    const source = [
      `import { Vpc as TfVpc } from "${AWS}/lib/vpc";`,
      `import {`,
      `  S3BucketLifecycleConfiguration,`,
      `  type S3BucketLifecycleConfigurationRule,`,
      `} from "${AWS}/lib/s3-bucket-lifecycle-configuration";`,
      `import { Namespace } from '${KUBERNETES}/lib/namespace'`,
      `const mod = await import("${AWS}/lib/provider");`,
      `import { Construct } from "constructs";`,
    ].join("\n");
    const { text, count } = rewriteToBarrel(source);
    expect(count).toBe(4);
    expect(text.split("\n")).toEqual([
      `import { vpc as __vpc } from "${AWS}";`,
      `const { Vpc: TfVpc } = __vpc;`,
      `import { s3BucketLifecycleConfiguration as __s3BucketLifecycleConfiguration } from "${AWS}";`,
      `const { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } = __s3BucketLifecycleConfiguration;`,
      `import { namespace as __namespace } from "${KUBERNETES}";`,
      `const { Namespace } = __namespace;`,
      `const mod = await import("${AWS}").then((barrel) => barrel.provider);`,
      `import { Construct } from "constructs";`,
    ]);
  });

  it("produces exactly what the repository's import rules forbid, and leaves nothing deep behind", () => {
    const { text } = rewriteToBarrel(`import { Eip } from "${AWS}/lib/eip";\n`);
    expect(findImportViolations("x.ts", text).map((v) => v.specifier)).toEqual([AWS]);
    expect(text).not.toContain("/lib/");
  });

  it("rewrites type-only imports too, so no deep import survives in the barrel variant", () => {
    const { text, count } = rewriteToBarrel(`import type { KmsKey } from "${AWS}/lib/kms-key";\n`);
    expect(count).toBe(1);
    expect(text).toBe(`import { kmsKey as __kmsKey } from "${AWS}";\nconst { KmsKey } = __kmsKey;\n`);
  });

  it("leaves a file without provider imports unchanged", () => {
    const source = `import { App } from "cdktf";\nconst x = "${AWS}/lib/vpc is mentioned in a string";\n`;
    expect(rewriteToBarrel(source)).toEqual({ text: source, count: 0 });
  });
});
