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
      `import { vpc as __aws_vpc } from "${AWS}";`,
      `const { Vpc: TfVpc } = __aws_vpc;`,
      `import { s3BucketLifecycleConfiguration as __aws_s3BucketLifecycleConfiguration } from "${AWS}";`,
      `const { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } = __aws_s3BucketLifecycleConfiguration;`,
      `import { namespace as __kubernetes_namespace } from "${KUBERNETES}";`,
      `const { Namespace } = __kubernetes_namespace;`,
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
    expect(text).toBe(`import { kmsKey as __aws_kmsKey } from "${AWS}";\nconst { KmsKey } = __aws_kmsKey;\n`);
  });

  it("keeps same-named modules of two providers apart in one file", () => {
    const HELM = PROVIDERS[2];
    const source = [`import { HelmProvider } from "${HELM}/lib/provider";`, `import { KubernetesProvider } from "${KUBERNETES}/lib/provider";`].join("\n");
    const { text } = rewriteToBarrel(source);
    expect(text.split("\n")).toEqual([
      `import { provider as __helm_provider } from "${HELM}";`,
      `const { HelmProvider } = __helm_provider;`,
      `import { provider as __kubernetes_provider } from "${KUBERNETES}";`,
      `const { KubernetesProvider } = __kubernetes_provider;`,
    ]);
  });

  it("leaves a file without provider imports unchanged", () => {
    const source = `import { App } from "cdktf";\nconst x = "${AWS}/lib/vpc is mentioned in a string";\n`;
    expect(rewriteToBarrel(source)).toEqual({ text: source, count: 0 });
  });
});
