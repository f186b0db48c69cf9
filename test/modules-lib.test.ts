import { isUnresolved, ProblemCollector, recordDeferredChecks, snakeCase, ValidationError } from "@qod/core";
import { Token } from "cdktf";
import { hclValue, splitBlocks, unquoteDependsOn, unwrapInterpolations, versionsTf, withoutTerraformBlock } from "../scripts/modules-lib";

describe("splitBlocks", () => {
  it("splits formatted HCL into top-level blocks, keeping heredoc bodies whole and dropping the renderer's empty lines", () => {
    const hcl = [
      'resource "a" "b" {',
      "  x = 1",
      "",
      "  y = <<EOF",
      "}",
      "",
      "EOF",
      "}",
      "",
      'data "c" "d" {}',
      'output "o" {',
      "  value = 1",
      "}",
    ].join("\n");
    const blocks = splitBlocks(hcl);
    expect(blocks.map((b) => b.kind)).toEqual(["resource", "data", "output"]);
    expect(blocks[0].text).toBe(['resource "a" "b" {', "  x = 1", "  y = <<EOF", "}", "", "EOF", "}"].join("\n"));
    expect(blocks[1].text).toBe('data "c" "d" {}');
  });

  it("refuses text that is not a sequence of blocks", () => {
    expect(() => splitBlocks('resource "a" "b" {\n  x = 1\n')).toThrow(/not closed/);
    expect(() => splitBlocks("  x = 1\n")).toThrow(/expected a block/);
  });
});

describe("withoutTerraformBlock", () => {
  it("cuts cdktf's leading terraform block, nested braces included", () => {
    const hcl = 'terraform {\nrequired_providers {\n  aws = {\nversion = "6.25.0"\n}\n}\n  0 = "required_version"\n}\n\nprovider "aws" {\n}\n';
    expect(withoutTerraformBlock(hcl)).toBe('\n\nprovider "aws" {\n}\n');
    expect(withoutTerraformBlock('provider "aws" {\n}\n')).toBe('provider "aws" {\n}\n');
  });
});

describe("versionsTf", () => {
  it("pins the providers the module uses, with hashicorp/ sources, and declares the caller's aliases", () => {
    const tf = versionsTf({ terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" }, random: { source: "hashicorp/random", version: "3.9.0" } } } }, ["aws.dr"]);
    expect(tf).toContain('required_version = ">= 1.10.0"');
    expect(tf).toContain('source  = "hashicorp/aws"');
    expect(tf).toContain('source  = "hashicorp/random"');
    expect(tf).toContain("configuration_aliases = [aws.dr]");
    expect(tf.match(/configuration_aliases/g)).toHaveLength(1);
  });
});

describe("hclValue", () => {
  it("writes HCL literals for the README's usage", () => {
    expect(hclValue(["a", 1, true])).toBe('["a", 1, true]');
    expect(hclValue({ cluster: "sg-1", "with-dash": "x", "has space": 2 })).toBe('{\n  cluster = "sg-1"\n  with-dash = "x"\n  "has space" = 2\n}');
  });
});

describe("snakeCase", () => {
  it("names resources from construct ids", () => {
    expect(snakeCase("Network_PublicSubnet-a")).toBe("network_public_subnet_a");
    expect(snakeCase("FlowLogs_KMSKey")).toBe("flow_logs_kms_key");
  });
});

describe("rules that meet a token", () => {
  it("are deferred to Terraform, recorded, and not thrown; literal values still are", () => {
    const token = Token.asString({ resolve: () => "x" });
    const { deferred } = recordDeferredChecks(() => {
      const p = new ProblemCollector("thing");
      p.check(false, "cidr", token, "an IPv4 CIDR");
      p.check(false, "zones", [token, "eu-west-1a"], "zones");
      p.throwIfAny();
    });
    expect(deferred.map((d) => d.field)).toEqual(["cidr", "zones"]);
    const p = new ProblemCollector("thing");
    p.check(false, "cidr", "8.8.8.8/8", "an IPv4 CIDR");
    expect(() => p.throwIfAny()).toThrow(ValidationError);
    expect(isUnresolved({ a: [token] })).toBe(true);
    expect(isUnresolved({ a: ["x"] })).toBe(false);
  });
});

describe("unwrapInterpolations", () => {
  it("unwraps strings that are one interpolation, and leaves templates and heredocs alone", () => {
    const hcl = [
      "  value = [",
      '    "${aws_subnet.a.id}",',
      '    "${replace(x, "https://", "")}",',
      '    "${var.project}-${var.environment}",',
      '    "arn:${data.p.partition}",',
      "  ]",
      "  y = <<EOF",
      '"${keep.me}"',
      "EOF",
    ].join("\n");
    expect(unwrapInterpolations(hcl).split("\n")).toEqual([
      "  value = [",
      "    aws_subnet.a.id,",
      '    replace(x, "https://", ""),',
      '    "${var.project}-${var.environment}",',
      '    "arn:${data.p.partition}",',
      "  ]",
      "  y = <<EOF",
      '"${keep.me}"',
      "EOF",
    ]);
  });
});

describe("unquoteDependsOn", () => {
  it("turns cdktf's quoted depends_on entries into references, and nothing else", () => {
    const hcl = ['  depends_on = [', '    "aws_internet_gateway.igw",', '  ]', '  name = "aws_internet_gateway.igw"', '  depends_on = ["helm_release.a", "helm_release.b"]'].join("\n");
    expect(unquoteDependsOn(hcl).split("\n")).toEqual(['  depends_on = [', "    aws_internet_gateway.igw,", '  ]', '  name = "aws_internet_gateway.igw"', "  depends_on = [helm_release.a, helm_release.b]"]);
  });
});
