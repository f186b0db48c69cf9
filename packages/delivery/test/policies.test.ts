/**
 * The delivery policies of a hand-built scope: edge cases the platform does not have (a key ARN
 * instead of an alias, no DNS zone, no repositories, unknown types) and the packing into documents.
 */
import type { IamPolicy, IamStatement } from "@qod/core";
import { describe, expect, it } from "vitest";
import {
  applyPolicies,
  DeliveryScope,
  MANAGED_POLICY_MAX_CHARS,
  packStatements,
  planPolicies,
  policyChars,
  pushPolicies,
  REFUSED_AWS_TYPES,
  resolveResourceTypes,
  SERVICES_FILE,
} from "../src";
import { allows, asList, namesAction, statements } from "./policy-matching";

const scope: DeliveryScope = {
  project: "acme",
  environment: "qa",
  accountId: "123456789012",
  region: "us-east-1",
  state: { bucket: "acme-tfstate", region: "us-east-1", kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/acme-tfstate" },
  stacks: ["qa-infra", "qa-apps"],
  repositories: ["acme-qa/web"],
  hostedZoneId: "Z0ACMEQA",
  resourceTypes: ["aws_vpc", "aws_route53_record", "aws_route53_zone", "aws_caller_identity", "aws_partition", "kubernetes_namespace_v1", "helm_release", "terraform_remote_state"],
};

const bySid = (documents: readonly IamPolicy[], sid: string) => statements(documents).find((s) => s.Sid === sid);

describe("planPolicies", () => {
  it("reads the state through S3 with the state key named by its alias and the bucket's encryption context", () => {
    expect(bySid(planPolicies(scope), "StateKey")).toEqual({
      Sid: "StateKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "arn:aws:kms:us-east-1:123456789012:key/*",
      Condition: {
        StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::acme-tfstate" },
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/acme-tfstate" },
      },
    });
  });

  it("names the state key itself when the backend gives its key ARN", () => {
    const keyArn = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
    const key = bySid(planPolicies({ ...scope, state: { ...scope.state, kmsKeyArn: keyArn } }), "StateKey")!;
    expect(key.Resource).toBe(keyArn);
    expect(key.Condition).not.toHaveProperty("ForAnyValue:StringEquals");
  });

  it("grants no read for types that need no AWS call (other providers, computed data sources)", () => {
    const plan = planPolicies({ ...scope, resourceTypes: ["aws_partition", "aws_region", "helm_release", "random_id", "time_sleep", "null_resource"] });
    expect(statements(plan).map((s) => s.Sid)).toEqual(["StateList", "StateRead", "StateLock", "StateKey"]);
  });

  it("lists buckets (HeadBucket) only under the environment's prefix", () => {
    const plan = planPolicies({ ...scope, resourceTypes: ["aws_s3_bucket"] });
    expect(bySid(plan, "ReadBuckets")?.Resource).toBe("arn:aws:s3:::acme-qa-*");
    expect(allows(plan).filter((s) => namesAction(s, "s3:GetObject")).flatMap((s) => asList(s.Resource)).every((r) => r.startsWith("arn:aws:s3:::acme-tfstate/qa/"))).toBe(true);
  });

  it("fails when a type is unknown, naming every such type and the file to extend", () => {
    const call = () => planPolicies({ ...scope, resourceTypes: ["aws_vpc", "aws_lambda_function", "aws_sqs_queue"] });
    expect(call).toThrow(/resourceTypes\[1\]: got "aws_lambda_function"/);
    expect(call).toThrow(/resourceTypes\[2\]: got "aws_sqs_queue"/);
    expect(call).toThrow(SERVICES_FILE);
  });

  it("fails when a type's refresh reads data (an S3 object, a secret value)", () => {
    for (const type of Object.keys(REFUSED_AWS_TYPES)) {
      expect(() => planPolicies({ ...scope, resourceTypes: [type] }), type).toThrow(new RegExp(`got "${type}".*refused`));
    }
  });

  it("resolves a type to its longest family", () => {
    expect(resolveResourceTypes(["aws_route53_record"]).services.map((s) => s.prefix)).toEqual(["route53"]);
    expect(resolveResourceTypes(["aws_route_table_association"]).services.map((s) => s.prefix)).toEqual(["ec2"]);
    expect(resolveResourceTypes(["aws_iam_policy_document"]).local).toEqual(["aws_iam_policy_document"]);
    expect(resolveResourceTypes(["aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_event_rule"]).services.map((s) => s.prefix)).toEqual([
      "logs",
      "cloudwatch",
      "events",
    ]);
  });

  it("fails when the scope is malformed, naming every field", () => {
    const call = () => planPolicies({ ...scope, accountId: "12345", stacks: [], state: { ...scope.state, kmsKeyArn: "alias/acme-tfstate" }, hostedZoneId: "zone" });
    for (const field of ["accountId", "stacks", "state.kmsKeyArn", "hostedZoneId"]) expect(call).toThrow(new RegExp(`- ${field.replace(".", "\\.")}: got`));
  });
});

describe("applyPolicies", () => {
  it("changes DNS records of the environment's zone only, and none when it has no zone", () => {
    expect(bySid(applyPolicies(scope), "DnsRecords")?.Resource).toBe("arn:aws:route53:::hostedzone/Z0ACMEQA");
    const withoutZone = applyPolicies({ ...scope, hostedZoneId: "" });
    expect(allows(withoutZone).filter((s) => namesAction(s, "route53:ChangeResourceRecordSets"))).toEqual([]);
  });

  it("grants registry-wide ECR settings only to an environment whose stacks manage them", () => {
    const registry = (types: readonly string[]) => bySid(applyPolicies({ ...scope, resourceTypes: types }), "RegistrySettings");
    expect(registry(["aws_ecr_repository"])).toBeUndefined();
    expect(registry(["aws_ecr_repository", "aws_ecr_replication_configuration"])?.Action).toEqual(["ecr:PutReplicationConfiguration"]);
  });

  it("denies the state key's administration by alias, and the alias itself", () => {
    const apply = applyPolicies(scope);
    expect(bySid(apply, "DenyStateKeyAdministration")?.Condition).toEqual({ "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/acme-tfstate" } });
    expect(bySid(apply, "DenyStateKeyAlias")?.Resource).toBe("arn:aws:kms:us-east-1:123456789012:alias/acme-tfstate");
    expect(asList(bySid(apply, "DenyStateKeyAlias")?.NotAction)).not.toContain("kms:ScheduleKeyDeletion");
  });

  it("splits into documents that each fit a managed policy", () => {
    const every = ["aws_acm_certificate", "aws_backup_vault", "aws_cloudwatch_log_group", "aws_db_instance", "aws_vpc", "aws_ecr_repository", "aws_eks_cluster", "aws_iam_role", "aws_kms_key", "aws_route53_record", "aws_s3_bucket", "aws_secretsmanager_secret", "aws_sns_topic_subscription", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_event_rule"];
    const documents = applyPolicies({ ...scope, resourceTypes: every });
    expect(documents.length).toBeGreaterThan(1);
    for (const document of documents) expect(policyChars(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
  });
});

describe("pushPolicies", () => {
  it("gives no document when the environment has no repositories of its own", () => {
    expect(pushPolicies({ ...scope, repositories: [] })).toEqual([]);
  });

  it("pushes to the given repositories in the environment's region", () => {
    expect(bySid(pushPolicies(scope), "PushImages")?.Resource).toEqual(["arn:aws:ecr:us-east-1:123456789012:repository/acme-qa/web"]);
  });

  it("fails when a repository is not the environment's", () => {
    expect(() => pushPolicies({ ...scope, repositories: ["acme-qa/web", "acme-prod/web", "web"] })).toThrow(/repositories\[1\]: got "acme-prod\/web".*\n.*repositories\[2\]: got "web"/);
  });
});

describe("packStatements", () => {
  const statement = (i: number): IamStatement => ({ Sid: `S${i}`, Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket/${"k".repeat(100)}${i}` });

  it("fills each document up to the limit, in order", () => {
    const documents = packStatements(Array.from({ length: 10 }, (_, i) => statement(i)), 500);
    expect(documents.length).toBeGreaterThan(2);
    for (const document of documents) expect(policyChars(document)).toBeLessThanOrEqual(500);
    expect(documents.flatMap((d) => d.Statement.map((s) => s.Sid))).toEqual(Array.from({ length: 10 }, (_, i) => `S${i}`));
    // Each document but the last is full: the next statement would not have fit.
    for (let i = 0; i + 1 < documents.length; i++) {
      expect(policyChars({ ...documents[i], Statement: [...documents[i].Statement, documents[i + 1].Statement[0]] })).toBeGreaterThan(500);
    }
  });

  it("fails when one statement alone exceeds the limit", () => {
    expect(() => packStatements([statement(1)], 100)).toThrow(/Statement S1: got "\d+ characters"; allowed: at most 100 characters/);
  });
});
