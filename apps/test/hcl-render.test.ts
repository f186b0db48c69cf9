/**
 * Every stack rendered with cdktf's HCL renderer (`stack.toHclTerraform()`, what `cdktf synth --hcl`
 * and the module generator use) parses with HashiCorp's own HCL parser (`@cdktf/hcl2json`, the
 * Go parser compiled to WebAssembly). The JSON output parsing says nothing about this: cdktf
 * 0.21's renderer writes a string that holds both a token and a double quote unescaped, so a
 * `JSON.stringify` policy around a token came out as `policy = "{"Version":…}"`.
 */
import { parse } from "@cdktf/hcl2json";
import { App, TerraformStack } from "cdktf";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDir } from "../../test/helpers";
import { platform } from "../platform";
import { composePlatform } from "../shared/platform";
import { expectedStackNames, synthesizedPlatform } from "./synthesized";

/**
 * `hcl` without its leading `terraform { … }` block. cdktf 0.21's renderer has a second bug there
 * that no stack can avoid: `renderTerraform` passes the block's key list (not its values) to
 * `renderSimpleAttributes`, so any attribute other than required_providers/backend/cloud, here
 * our `required_version` floor, comes out as `0 = "required_version"` (a number as an argument
 * name: not HCL). The module generator writes versions.tf itself and does not use this block, so
 * the test cuts it and parses the rest. It throws when the text does not start with that block,
 * so a renderer that changes its layout fails the test instead of being parsed half.
 */
function withoutTerraformBlock(hcl: string): string {
  const start = hcl.search(/\S/);
  if (!hcl.startsWith("terraform {", start)) throw new Error(`the rendered HCL does not start with a terraform block: ${JSON.stringify(hcl.slice(0, 80))}`);
  let depth = 0;
  let inString = false;
  for (let i = start; i < hcl.length; i++) {
    const c = hcl[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return hcl.slice(i + 1);
  }
  throw new Error("the rendered HCL's terraform block never closes");
}

/** Every stack of the platform, synthesized (Aspects applied), rendered as HCL by cdktf. */
function renderedPlatform(): Map<string, string> {
  const app = new App({ outdir: join(freshDir(), "cdktf.out") });
  composePlatform(app, platform);
  app.synth();
  const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
  return new Map(stacks.map((stack) => [stack.node.id, stack.toHclTerraform().hcl]));
}

/** `type.name` of every resource and data source (`data.type.name`) in parsed HCL or Terraform JSON. */
function addresses(config: { resource?: Record<string, Record<string, unknown>>; data?: Record<string, Record<string, unknown>> }): string[] {
  const of = (blocks: Record<string, Record<string, unknown>> | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${prefix}${type}.${name}`));
  return [...of(config.resource, ""), ...of(config.data, "data.")].sort();
}

describe("the platform rendered as HCL by cdktf (synth --hcl, the module generator)", () => {
  const rendered = renderedPlatform();
  const synthesized = synthesizedPlatform();

  it("renders every stack", () => {
    expect([...rendered.keys()].sort()).toEqual(expectedStackNames());
  });

  it.each(expectedStackNames())("%s parses with HashiCorp's HCL parser, with the resources and data sources of its JSON", async (name) => {
    const hcl = withoutTerraformBlock(rendered.get(name) ?? "");
    const parsed = await parse(`${name}.tf`, hcl).catch((error: unknown) => String(error));
    if (typeof parsed === "string") expect.fail(`${name}.tf does not parse: ${parsed}`);
    expect(addresses(parsed)).toEqual(addresses(synthesized.stack(name)));
  });
});

describe("withoutTerraformBlock", () => {
  it("cuts exactly the leading terraform block, braces in its strings included", () => {
    const hcl = 'terraform {\nbackend "s3" {\nkey = "a}{b"\n}\n  0 = "required_version"\n}\n\nprovider "aws" {\nregion = "eu-west-1"\n}\n';
    expect(withoutTerraformBlock(hcl)).toBe('\n\nprovider "aws" {\nregion = "eu-west-1"\n}\n');
  });

  it("refuses text that does not start with a terraform block", () => {
    expect(() => withoutTerraformBlock('provider "aws" {\n}\n')).toThrow(/does not start with a terraform block/);
  });
});
