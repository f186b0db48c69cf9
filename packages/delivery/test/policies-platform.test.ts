/**
 * The delivery policies of every environment of the real platform definition, checked against
 * what its synthesized stacks manage: the plan role reads every type and writes only locks; the
 * apply role reaches every name its stacks give and none another environment's stacks give; the
 * push role pushes to the environment's repositories only; every document fits IAM's limits.
 */
import type { IamPolicy } from "@qod/core";
import { stateKey } from "@qod/core";
import { describe, expect, it } from "vitest";
import { resources, TfJson } from "../../../test/helpers";
import { platform } from "../../../apps/platform";
import type { EnvironmentConfig } from "../../../apps/shared/environment-config";
import { ENVIRONMENT_STACK_KINDS, stackName, synthesizedPlatform } from "../../../apps/test/synthesized";
import {
  ACTIONS_WITHOUT_RESOURCE_SCOPE,
  applyPolicies,
  ATTACHABLE_AWS_MANAGED_POLICIES,
  DeliveryScope,
  deliveryRoleArn,
  DELIVERY_PURPOSES,
  INLINE_POLICIES_MAX_CHARS,
  LOCAL_AWS_TYPES,
  MANAGED_POLICY_MAX_CHARS,
  MAX_MANAGED_POLICIES_PER_ROLE,
  planPolicies,
  policyChars,
  pushPolicies,
  resolveResourceTypes,
} from "../src";
import { allows, asList, globMatches, namesAction, namesResource, pinsEnvironmentTag, READ_ACTION, statements } from "./policy-matching";

const synthesized = synthesizedPlatform(platform);
const stacksOf = (env: EnvironmentConfig): readonly TfJson[] => ENVIRONMENT_STACK_KINDS.map((kind) => synthesized.stack(stackName(env, kind)));

/** The scope of an environment as its synthesized stacks define it. */
function scopeOf(env: EnvironmentConfig): DeliveryScope {
  const stacks = stacksOf(env);
  return {
    project: env.project,
    environment: env.name,
    accountId: env.accountId,
    region: env.region,
    state: env.state,
    stacks: ENVIRONMENT_STACK_KINDS.map((kind) => stackName(env, kind)),
    repositories: stacks.flatMap((json) => resources(json, "aws_ecr_repository").map((r) => String(r.name))),
    hostedZoneId: env.hostedZone?.id ?? "",
    resourceTypes: [...new Set(stacks.flatMap((json) => [...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})]))].sort(),
  };
}

/** A resource whose ARN carries its name: where the name is, its ARN, and the action that creates it. */
interface NamedKind {
  readonly type: string;
  readonly attribute: string;
  readonly action: string;
  arn(name: string, region: string, account: string): string;
}

const NAMED_KINDS: readonly NamedKind[] = [
  { type: "aws_iam_role", attribute: "name", action: "iam:CreateRole", arn: (n, _r, a) => `arn:aws:iam::${a}:role/${n}` },
  { type: "aws_cloudwatch_log_group", attribute: "name", action: "logs:CreateLogGroup", arn: (n, r, a) => `arn:aws:logs:${r}:${a}:log-group:${n}` },
  { type: "aws_s3_bucket", attribute: "bucket", action: "s3:CreateBucket", arn: (n) => `arn:aws:s3:::${n}` },
  { type: "aws_kms_alias", attribute: "name", action: "kms:CreateAlias", arn: (n, r, a) => `arn:aws:kms:${r}:${a}:${n}` },
  { type: "aws_db_instance", attribute: "identifier", action: "rds:CreateDBInstance", arn: (n, r, a) => `arn:aws:rds:${r}:${a}:db:${n}` },
  { type: "aws_db_instance", attribute: "final_snapshot_identifier", action: "rds:CreateDBSnapshot", arn: (n, r, a) => `arn:aws:rds:${r}:${a}:snapshot:${n}` },
  { type: "aws_db_subnet_group", attribute: "name", action: "rds:CreateDBSubnetGroup", arn: (n, r, a) => `arn:aws:rds:${r}:${a}:subgrp:${n}` },
  { type: "aws_db_parameter_group", attribute: "name_prefix", action: "rds:CreateDBParameterGroup", arn: (n, r, a) => `arn:aws:rds:${r}:${a}:pg:${n}` },
  { type: "aws_sns_topic", attribute: "name", action: "sns:CreateTopic", arn: (n, r, a) => `arn:aws:sns:${r}:${a}:${n}` },
  { type: "aws_backup_vault", attribute: "name", action: "backup:CreateBackupVault", arn: (n, r, a) => `arn:aws:backup:${r}:${a}:backup-vault:${n}` },
  {
    type: "aws_backup_restore_testing_plan",
    attribute: "name",
    action: "backup:CreateRestoreTestingPlan",
    arn: (n, r, a) => `arn:aws:backup:${r}:${a}:restore-testing-plan:${n}-1a2b3c`,
  },
  { type: "aws_eks_cluster", attribute: "name", action: "eks:CreateCluster", arn: (n, r, a) => `arn:aws:eks:${r}:${a}:cluster/${n}` },
  { type: "aws_ecr_repository", attribute: "name", action: "ecr:CreateRepository", arn: (n, r, a) => `arn:aws:ecr:${r}:${a}:repository/${n}` },
  { type: "aws_secretsmanager_secret", attribute: "name", action: "secretsmanager:CreateSecret", arn: (n, r, a) => `arn:aws:secretsmanager:${r}:${a}:secret:${n}-AbCdEf` },
];

/** Types whose names carry the environment but whose ARNs do not (or that are scoped otherwise), and why. */
const NAMES_NOT_IN_ARN: Readonly<Record<string, string>> = {
  aws_backup_plan: "backup-plan ARNs carry the plan id: scoped by the environment tag",
  aws_backup_selection: "authorized on its backup plan (by tag)",
  aws_backup_restore_testing_selection: "authorized on its restore testing plan (by name)",
  aws_security_group: "EC2 ARNs carry ids: scoped by the environment tag",
  aws_ec2_tag: "a tag value, not a name",
  aws_ecr_repository_creation_template: "a registry-wide setting (ACTIONS_WITHOUT_RESOURCE_SCOPE)",
};

/** The region a resource lives in: its provider alias's, or the stack's default provider's. */
function regionOf(json: TfJson, resource: Record<string, unknown>): string {
  const providers = json.provider?.aws ?? [];
  const alias = typeof resource.provider === "string" ? resource.provider.replace(/^aws\./, "") : undefined;
  return providers.find((p) => p.alias === alias)?.region ?? providers[0].region;
}

/** The ARNs of the name-bearing resources an environment's stacks create, with the action that creates each. */
function namedArns(env: EnvironmentConfig): { readonly arn: string; readonly action: string; readonly type: string }[] {
  return stacksOf(env).flatMap((json) =>
    NAMED_KINDS.flatMap((kind) =>
      resources(json, kind.type)
        .filter((r) => typeof r[kind.attribute] === "string")
        // A name with a Terraform expression in it (a random suffix): any value there.
        .map((r) => ({ type: kind.type, action: kind.action, arn: kind.arn(String(r[kind.attribute]).replace(/\$\{[^}]*\}/g, "x0"), regionOf(json, r), env.accountId) })),
    ),
  );
}

const prefixOf = (env: EnvironmentConfig) => `${env.project}-${env.name}`;

describe.each(platform.environments.map((env) => [env.name, env] as const))("delivery policies of %s", (_name, env) => {
  const scope = scopeOf(env);
  const plan = planPolicies(scope);
  const apply = applyPolicies(scope);
  const push = pushPolicies(scope);
  const others = platform.environments.filter((other) => other.name !== env.name);

  it("match the snapshot", () => {
    expect({ plan, apply, push }).toMatchSnapshot();
  });

  describe("plan", () => {
    it("reads every AWS type of the stacks: each maps to a service whose read actions plan grants on every resource", () => {
      const readOnAll = allows(plan).filter((s) => asList(s.Resource).includes("*"));
      const awsTypes = scope.resourceTypes.filter((type) => type.startsWith("aws_") && !LOCAL_AWS_TYPES.includes(type));
      expect(awsTypes.length).toBeGreaterThan(10);
      for (const type of awsTypes) {
        const [service] = resolveResourceTypes([type]).services;
        expect(service.read.length, type).toBeGreaterThan(0);
        for (const action of service.read) expect(readOnAll.some((s) => asList(s.Action).includes(action)), `${type}: ${action}`).toBe(true);
      }
    });

    it("allows only reads, except writing and deleting lock files and the state key through S3", () => {
      for (const statement of allows(plan)) {
        for (const action of asList(statement.Action)) {
          if (action === "s3:PutObject" || action === "s3:DeleteObject") {
            expect(asList(statement.Resource).every((r) => r.endsWith(".tflock")), `${action} on ${asList(statement.Resource)}`).toBe(true);
          } else if (action === "kms:GenerateDataKey" || action === "kms:Decrypt") {
            expect(statement.Condition?.StringEquals?.["kms:ViaService"], action).toBe(`s3.${env.state.region}.amazonaws.com`);
          } else {
            expect(action, `${statement.Sid}`).toMatch(READ_ACTION);
          }
        }
      }
    });

    it("reads objects of the state bucket only: its stacks' state and lock objects, every remote state they read among them", () => {
      const getObject = allows(plan).filter((s) => namesAction(s, "s3:GetObject"));
      const objects = getObject.flatMap((s) => asList(s.Resource));
      const keys = scope.stacks.map((stack) => `arn:aws:s3:::${env.state.bucket}/${stateKey(env.name, stack)}`);
      expect([...objects].sort()).toEqual([...keys, ...keys.map((k) => `${k}.tflock`)].sort());
      const remote = stacksOf(env).flatMap((json) => Object.values(json.data?.terraform_remote_state ?? {}).map((d: any) => `arn:aws:s3:::${d.config.bucket}/${d.config.key}`));
      expect(remote.length).toBeGreaterThan(0);
      for (const key of remote) expect(objects).toContain(key);
      expect(allows(plan).filter((s) => namesAction(s, "secretsmanager:GetSecretValue"))).toEqual([]);
      expect(allows(plan).flatMap((s) => asList(s.Action)).filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
    });

    it("lists the state bucket only under the environment's prefix", () => {
      const list = allows(plan).filter((s) => namesResource(s, `arn:aws:s3:::${env.state.bucket}`) && namesAction(s, "s3:ListBucket"));
      expect(list).toHaveLength(1);
      expect(list[0].Condition?.StringLike?.["s3:prefix"]).toEqual([`${env.name}/`, `${env.name}/*`]);
    });
  });

  describe("apply", () => {
    const named = namedArns(env);

    it("may create every name-bearing resource its stacks create", () => {
      expect(new Set(named.map((n) => n.type)).size).toBeGreaterThan(8);
      for (const { arn, action } of named) {
        expect(allows(apply).some((s) => s.Condition === undefined && namesAction(s, action) && namesResource(s, arn)), `${action} on ${arn}`).toBe(true);
      }
    });

    it("names no resource another environment's stacks create", () => {
      expect(others.length).toBeGreaterThan(0);
      const patterns = allows(apply).flatMap((s) => asList(s.Resource).filter((r) => r !== "*"));
      for (const other of others) {
        for (const { arn } of namedArns(other)) {
          expect(patterns.filter((pattern) => globMatches(pattern, arn)), arn).toEqual([]);
        }
      }
    });

    it("knows how every resource whose name carries the environment is scoped", () => {
      const prefix = new RegExp(`^(/aws/[a-z/]+/)?(alias/)?${env.project}[-_]${env.name}`);
      const namedTypes = new Set(NAMED_KINDS.map((k) => k.type));
      for (const json of stacksOf(env)) {
        for (const [type, byName] of Object.entries(json.resource ?? {})) {
          if (!type.startsWith("aws_") || namedTypes.has(type) || type in NAMES_NOT_IN_ARN) continue;
          const carries = Object.values(byName).some((r) => Object.values(r as object).some((v) => typeof v === "string" && prefix.test(v)));
          expect(carries, `${type}: add it to NAMED_KINDS or NAMES_NOT_IN_ARN`).toBe(false);
        }
      }
    });

    it("allows on every resource only reads, changes pinned to the environment tag, or the few actions without resource scope", () => {
      for (const statement of allows(apply).filter((s) => asList(s.Resource).includes("*"))) {
        if (pinsEnvironmentTag(statement, env.name)) continue;
        for (const action of asList(statement.Action)) {
          expect(READ_ACTION.test(action) || ACTIONS_WITHOUT_RESOURCE_SCOPE.includes(action), `${statement.Sid}: ${action}`).toBe(true);
        }
      }
      expect(ACTIONS_WITHOUT_RESOURCE_SCOPE.length).toBeLessThanOrEqual(8);
    });

    it("passes only the environment's roles, attaches only the managed policies its stacks attach", () => {
      const passRole = allows(apply).filter((s) => namesAction(s, "iam:PassRole"));
      expect(passRole.flatMap((s) => asList(s.Resource)).filter((r) => r.includes(":role/"))).toEqual([`arn:aws:iam::${env.accountId}:role/${prefixOf(env)}-*`]);
      const attached = stacksOf(env).flatMap((json) => resources(json, "aws_iam_role_policy_attachment").map((a) => String(a.policy_arn).replace(/^arn:\$\{[^}]*\}:/, "arn:aws:")));
      expect(attached.length).toBeGreaterThan(0);
      const allowed = ATTACHABLE_AWS_MANAGED_POLICIES.map((name) => `arn:aws:iam::aws:policy/${name}`);
      for (const arn of attached) expect(allowed, arn).toContain(arn);
      const attach = allows(apply).filter((s) => namesAction(s, "iam:AttachRolePolicy"));
      expect(attach.every((s) => s.Condition?.ArnEquals?.["iam:PolicyARN"] !== undefined)).toBe(true);
    });

    it("denies other environments' resources, every delivery role and the state bucket and key's administration", () => {
      const denies = statements(apply).filter((s) => s.Effect === "Deny");
      const other = denies.find((s) => s.Sid === "DenyOtherEnvironments")!;
      expect(other.Condition).toEqual({
        StringNotEquals: { "aws:ResourceTag/environment": [env.name, "shared"] },
        Null: { "aws:ResourceTag/environment": "false" },
      });
      const roles = denies.find((s) => s.Sid === "DenyDeliveryIdentities")!;
      for (const e of platform.environments) {
        for (const purpose of DELIVERY_PURPOSES) expect(namesResource(roles, deliveryRoleArn(env.accountId, env.project, e.name, purpose)), `${e.name} ${purpose}`).toBe(true);
      }
      const bucket = denies.find((s) => s.Sid === "DenyStateBucketAdministration")!;
      expect(namesResource(bucket, `arn:aws:s3:::${env.state.bucket}`)).toBe(true);
      expect(asList(bucket.NotAction)).not.toContain("s3:PutBucketPolicy");
      expect(denies.find((s) => s.Sid === "DenyStateKeyAdministration")!.Condition).toEqual({
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": env.state.kmsKeyArn.replace(/^.*:(alias\/.*)$/, "$1") },
      });
    });

    it("writes its stacks' state objects and no other object", () => {
      const keys = scope.stacks.map((stack) => `arn:aws:s3:::${env.state.bucket}/${stateKey(env.name, stack)}`);
      const put = allows(apply).filter((s) => namesAction(s, "s3:PutObject")).flatMap((s) => asList(s.Resource));
      expect([...put].sort()).toEqual([...keys, ...keys.map((k) => `${k}.tflock`)].sort());
    });
  });

  describe("push", () => {
    it("pushes to exactly the environment's repositories, logs in on every resource, nothing else", () => {
      const repositories = scope.repositories.map((name) => `arn:aws:ecr:${env.region}:${env.accountId}:repository/${name}`);
      expect(repositories.length).toBeGreaterThan(0);
      const push_ = allows(push);
      expect(push_.flatMap((s) => asList(s.Resource)).filter((r) => r !== "*").sort()).toEqual([...repositories].sort());
      const onAll = push_.filter((s) => asList(s.Resource).includes("*"));
      expect(onAll.flatMap((s) => asList(s.Action))).toEqual(["ecr:GetAuthorizationToken"]);
      expect(push_.flatMap((s) => asList(s.Action)).every((a) => a.startsWith("ecr:") && !a.includes("*"))).toBe(true);
    });
  });

  it("fit IAM's limits: each document a managed policy, plan and push also inline, unique statement ids", () => {
    const all: [string, readonly IamPolicy[]][] = [["plan", plan], ["apply", apply], ["push", push]];
    for (const [purpose, documents] of all) {
      expect(documents.length, purpose).toBeLessThanOrEqual(MAX_MANAGED_POLICIES_PER_ROLE);
      for (const document of documents) expect(policyChars(document), purpose).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
      const sids = statements(documents).map((s) => s.Sid);
      expect(new Set(sids).size, purpose).toBe(sids.length);
    }
    for (const documents of [plan, push]) expect(documents.reduce((sum, d) => sum + policyChars(d), 0)).toBeLessThanOrEqual(INLINE_POLICIES_MAX_CHARS);
  });
});
