import { IamPolicy as TfIamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { fromAccount, iamPolicyDocument, IamPolicy, IamStatement, serviceTrustPolicy, ValidationError } from "../src";
import { onlyResource, policyOf, TfJson } from "../../../test/helpers";

/** Synthesizes what `build` makes, with the policy it returns on an aws_iam_policy: the stack's JSON and that policy attribute. */
function synth(build: (scope: Construct) => string): { json: TfJson; policy: string } {
  const json: TfJson = JSON.parse(Testing.synthScope((scope) => void new TfIamPolicy(scope, "Holder", { policy: build(scope) })));
  return { json, policy: onlyResource(json, "aws_iam_policy").policy };
}

/** The synthesized `aws_iam_policy_document` of one statement. */
function documentOf(statement: IamStatement): any {
  const { json } = synth((scope) => iamPolicyDocument(scope, "Doc", { Version: "2012-10-17", Statement: [statement] }).json);
  return json.data!.aws_iam_policy_document.Doc;
}
const blockOf = (statement: IamStatement): any => documentOf(statement).statement[0];

describe("iamPolicyDocument maps IAM's JSON shape to aws_iam_policy_document blocks", () => {
  it("keeps the Sid, Effect and version, and lists one Action or Resource", () => {
    const doc = documentOf({ Sid: "Pull", Effect: "Deny", Action: "ecr:BatchGetImage", Resource: "arn:aws:ecr:eu-west-1:111111111111:repository/a" });
    expect(doc).toEqual({
      version: "2012-10-17",
      statement: [{ sid: "Pull", effect: "Deny", actions: ["ecr:BatchGetImage"], resources: ["arn:aws:ecr:eu-west-1:111111111111:repository/a"] }],
    });
  });

  it("keeps lists of actions and resources in order, and the Not forms", () => {
    expect(blockOf({ Effect: "Allow", Action: ["b:B", "a:A"], Resource: ["r2", "r1"] })).toMatchObject({ actions: ["b:B", "a:A"], resources: ["r2", "r1"] });
    expect(blockOf({ Effect: "Deny", NotAction: "iam:*", NotResource: ["r1", "r2"] })).toEqual({ effect: "Deny", not_actions: ["iam:*"], not_resources: ["r1", "r2"] });
  });

  it('maps Principal "*" to type "*" with identifiers ["*"] (rendered as "Principal": "*")', () => {
    expect(blockOf({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }).principals).toEqual([{ type: "*", identifiers: ["*"] }]);
  });

  it("maps { AWS: x } and { Service: [a, b] } to one principals block per type", () => {
    expect(blockOf({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" }).principals).toEqual([
      { type: "AWS", identifiers: ["arn:aws:iam::111111111111:root"] },
    ]);
    expect(blockOf({ Effect: "Allow", Principal: { Service: ["a.amazonaws.com", "b.amazonaws.com"] }, Action: "sts:AssumeRole" }).principals).toEqual([
      { type: "Service", identifiers: ["a.amazonaws.com", "b.amazonaws.com"] },
    ]);
    expect(blockOf({ Effect: "Allow", Principal: { AWS: "x", Service: "y", Federated: "z" }, Action: "sts:AssumeRole" }).principals).toEqual([
      { type: "AWS", identifiers: ["x"] },
      { type: "Service", identifiers: ["y"] },
      { type: "Federated", identifiers: ["z"] },
    ]);
  });

  it("maps NotPrincipal like Principal", () => {
    expect(blockOf({ Effect: "Deny", NotPrincipal: { AWS: ["x", "y"] }, Action: "s3:*", Resource: "*" }).not_principals).toEqual([
      { type: "AWS", identifiers: ["x", "y"] },
    ]);
  });

  it("maps Condition { Test: { Variable: value | values } } to one condition block per variable", () => {
    const block = blockOf({
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111", "kms:ViaService": ["a", "b"] }, Bool: { "aws:SecureTransport": "true" } },
    });
    expect(block.condition).toEqual([
      { test: "StringEquals", variable: "aws:SourceAccount", values: ["111111111111"] },
      { test: "StringEquals", variable: "kms:ViaService", values: ["a", "b"] },
      { test: "Bool", variable: "aws:SecureTransport", values: ["true"] },
    ]);
  });

  it("gives a .json that refers to the document, and passes the provider on", () => {
    const { json, policy } = synth((scope) => {
      const provider = new AwsProvider(scope, "dr", { alias: "dr", region: "eu-central-1" });
      return iamPolicyDocument(scope, "Doc", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }, { provider }).json;
    });
    expect(policy).toBe("${data.aws_iam_policy_document.Doc.json}");
    expect(json.data!.aws_iam_policy_document.Doc.provider).toBe("aws.dr");
  });

  it("renders back to the policy it was given (test/helpers' policyOf, which the package tests read policies with)", () => {
    const policy: IamPolicy = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Anyone", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:a", "arn:a/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/x", Service: ["a", "b"] }, NotAction: ["iam:*", "kms:*"], NotResource: "arn:b" },
        { Sid: "Two", Effect: "Allow", NotPrincipal: { AWS: "x" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { k1: "v", k2: ["v1", "v2"] } } },
      ],
    };
    const { json, policy: ref } = synth((scope) => iamPolicyDocument(scope, "Doc", policy).json);
    expect(policyOf(json, ref)).toEqual(policy);
  });
});

describe("iamPolicyDocument refuses what is no IAM policy", () => {
  const attempt = (policy: unknown) => () => Testing.synthScope((scope) => void iamPolicyDocument(scope, "Doc", policy as IamPolicy));

  it("names every bad field with what was given and what is allowed", () => {
    const bad = {
      Version: "2008-10-17",
      Statement: [
        { Effect: "allow", Principal: "anyone", Resource: "*" },
        { Effect: "Allow", Action: "s3:GetObject", NotAction: "s3:PutObject", Principal: { Users: ["x"] }, Condition: { StringEquals: { k: [] } } },
      ],
    };
    let error: unknown;
    try {
      attempt(bad)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/^Invalid IAM policy Doc at /);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual([
      "Version",
      "Statement[0].Effect",
      "Statement[0].Action",
      "Statement[0].Principal",
      "Statement[1].NotAction",
      "Statement[1].Principal.Users",
      "Statement[1].Condition.StringEquals.k",
      "Statement[1].Condition",
    ]);
    expect((error as ValidationError).message).toContain('Statement[0].Effect: got "allow"; allowed: "Allow" or "Deny"');
  });

  it("wants at least one statement", () => {
    expect(attempt({ Version: "2012-10-17", Statement: [] })).toThrow(/Statement: got \[\]; allowed: a non-empty list of statements/);
  });

  it("wants a value in every Action and Resource", () => {
    expect(attempt({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [], Resource: "" }] })).toThrow(
      /Statement\[0\]\.Action: got \[\]; allowed: a non-empty string or a non-empty list of them[\s\S]*Statement\[0\]\.Resource: got ""/,
    );
  });
});

describe("serviceTrustPolicy", () => {
  it("lets one service assume the role, under the condition, with the actions given", () => {
    const { json, policy } = synth(
      (scope) => serviceTrustPolicy(scope, "Trust", "eks.amazonaws.com", fromAccount("111111111111"), ["sts:AssumeRole", "sts:TagSession"]).json,
    );
    expect(policyOf(json, policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
        },
      ],
    });
  });

  it("assumes with sts:AssumeRole and no condition by default", () => {
    const { json, policy } = synth((scope) => serviceTrustPolicy(scope, "Trust", "ec2.amazonaws.com").json);
    expect(json.data!.aws_iam_policy_document.Trust.statement).toEqual([
      { effect: "Allow", principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }], actions: ["sts:AssumeRole"] },
    ]);
    expect(policyOf(json, policy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
  });
});
