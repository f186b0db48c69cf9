import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
  DataAwsIamPolicyDocumentStatementCondition,
  DataAwsIamPolicyDocumentStatementPrincipals,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { ProblemCollector } from "./errors";

/** IAM's limit on role names (every package that names roles checks against it). */
export const MAX_ROLE_NAME_LENGTH = 64;

/** One value or a list of them, as IAM policy JSON writes them. */
export type IamValues = string | readonly string[];

/** The principal types a policy may name. */
export const IAM_PRINCIPAL_TYPES = ["AWS", "Service", "Federated", "CanonicalUser"] as const;
export type IamPrincipalType = (typeof IAM_PRINCIPAL_TYPES)[number];

/** `"*"` (anyone) or principals by type, e.g. `{ AWS: arn }`, `{ Service: ["a", "b"] }`. */
export type IamPrincipal = "*" | { readonly [type in IamPrincipalType]?: IamValues };

/** Condition operator -> condition key -> value(s), e.g. `{ StringEquals: { "aws:SourceAccount": id } }`. */
export type IamCondition = { readonly [test: string]: { readonly [variable: string]: IamValues } };

/** One statement of an IAM policy, in IAM's JSON shape. */
export interface IamStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: IamPrincipal;
  readonly NotPrincipal?: IamPrincipal;
  readonly Action?: IamValues;
  readonly NotAction?: IamValues;
  readonly Resource?: IamValues;
  readonly NotResource?: IamValues;
  readonly Condition?: IamCondition;
}

/** An IAM policy (identity, trust or resource policy) in IAM's JSON shape. */
export interface IamPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly IamStatement[];
}

export interface IamPolicyDocumentOptions {
  /** The provider of the resource the policy is for (a DR region's, say). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
}

const list = (values: IamValues | undefined): string[] | undefined => (values === undefined ? undefined : typeof values === "string" ? [values] : [...values]);

function principals(
  p: ProblemCollector,
  field: string,
  principal: IamPrincipal | undefined,
): DataAwsIamPolicyDocumentStatementPrincipals[] | undefined {
  if (principal === undefined) return undefined;
  if (principal === "*") return [{ type: "*", identifiers: ["*"] }];
  if (typeof principal !== "object" || principal === null || Array.isArray(principal)) {
    p.add(field, principal, `"*" or an object of ${IAM_PRINCIPAL_TYPES.join(", ")} to one identifier or a list`);
    return undefined;
  }
  const blocks: DataAwsIamPolicyDocumentStatementPrincipals[] = [];
  for (const [type, identifiers] of Object.entries(principal)) {
    const values = list(identifiers);
    if (!(IAM_PRINCIPAL_TYPES as readonly string[]).includes(type)) p.add(`${field}.${type}`, identifiers, `a principal type of ${IAM_PRINCIPAL_TYPES.join(", ")}`);
    else if (p.check(values !== undefined && values.length > 0, `${field}.${type}`, identifiers, "at least one identifier")) blocks.push({ type, identifiers: values! });
  }
  p.check(Object.keys(principal).length > 0, field, principal, "at least one principal type");
  return blocks;
}

function conditions(p: ProblemCollector, field: string, condition: IamCondition | undefined): DataAwsIamPolicyDocumentStatementCondition[] | undefined {
  if (condition === undefined) return undefined;
  const blocks: DataAwsIamPolicyDocumentStatementCondition[] = [];
  for (const [test, byVariable] of Object.entries(condition)) {
    for (const [variable, value] of Object.entries(byVariable)) {
      const values = list(value);
      if (p.check(values !== undefined && values.length > 0, `${field}.${test}.${variable}`, value, "a value or a non-empty list of values")) {
        blocks.push({ test, variable, values: values! });
      }
    }
  }
  p.check(blocks.length > 0, field, condition, "at least one { operator: { key: value(s) } }");
  return blocks;
}

/** `statement` as an `aws_iam_policy_document` statement block; problems go to `p`. */
function statementBlock(p: ProblemCollector, field: string, statement: IamStatement): DataAwsIamPolicyDocumentStatement {
  p.check(statement.Effect === "Allow" || statement.Effect === "Deny", `${field}.Effect`, statement.Effect, '"Allow" or "Deny"');
  const exactlyOne = (a: keyof IamStatement, b: keyof IamStatement, required: boolean) => {
    const given = [a, b].filter((key) => statement[key] !== undefined);
    if (given.length > 1) p.add(`${field}.${b}`, statement[b], `nothing beside ${a} (a statement has one or the other)`);
    else if (required && given.length === 0) p.add(`${field}.${a}`, undefined, `an action or a list of them (or ${b})`);
  };
  exactlyOne("Action", "NotAction", true);
  exactlyOne("Resource", "NotResource", false);
  exactlyOne("Principal", "NotPrincipal", false);
  for (const key of ["Action", "NotAction", "Resource", "NotResource"] as const) {
    const values = list(statement[key]);
    if (values !== undefined) p.check(values.length > 0 && values.every((v) => typeof v === "string" && v !== ""), `${field}.${key}`, statement[key], "a non-empty string or a non-empty list of them");
  }
  return {
    sid: statement.Sid,
    effect: statement.Effect,
    principals: principals(p, `${field}.Principal`, statement.Principal),
    notPrincipals: principals(p, `${field}.NotPrincipal`, statement.NotPrincipal),
    actions: list(statement.Action),
    notActions: list(statement.NotAction),
    resources: list(statement.Resource),
    notResources: list(statement.NotResource),
    condition: conditions(p, `${field}.Condition`, statement.Condition),
  };
}

/**
 * An IAM policy written in IAM's JSON shape, as an `aws_iam_policy_document` data source; pass
 * its `.json` where a policy goes. Use it instead of `JSON.stringify` for any policy that holds a
 * token (an ARN, an account id): cdktf's HCL renderer (`cdktf synth --hcl`, the module generator)
 * writes a string holding both a token and a double quote unescaped, which does not parse.
 *
 * Mapping: `Principal: "*"` -> `principals { type = "*", identifiers = ["*"] }` (rendered as
 * `"Principal": "*"`); `{ AWS: x, Service: [a, b] }` -> one `principals` block per type;
 * `Condition: { Test: { Variable: value | values } }` -> one `condition` block per variable;
 * `Action`, `Resource` (and their `Not` forms): one value or a list, to a list.
 */
export function iamPolicyDocument(scope: Construct, id: string, policy: IamPolicy, options: IamPolicyDocumentOptions = {}): DataAwsIamPolicyDocument {
  const p = new ProblemCollector(`IAM policy ${id} at ${scope.node.path || "(root)"}`);
  p.check(policy.Version === "2012-10-17", "Version", policy.Version, '"2012-10-17" (the current policy language)');
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [];
  p.check(statements.length > 0, "Statement", policy.Statement, "a non-empty list of statements");
  const statement = statements.map((s, i) => statementBlock(p, `Statement[${i}]`, s));
  p.throwIfAny();
  return new DataAwsIamPolicyDocument(scope, id, { version: policy.Version, statement, provider: options.provider });
}

/** IAM condition block: the request comes on behalf of `accountId` (confused-deputy guard). */
export function fromAccount(accountId: string): Record<string, Record<string, string>> {
  return { StringEquals: { "aws:SourceAccount": accountId } };
}

/**
 * A trust policy (an `aws_iam_policy_document` called `id` in `scope`; pass its `.json` as the
 * role's `assumeRolePolicy`) that lets one AWS service assume a role, optionally only under
 * `condition` (use {@link fromAccount} for service roles).
 */
export function serviceTrustPolicy(
  scope: Construct,
  id: string,
  service: string,
  condition?: IamCondition,
  actions: readonly string[] = ["sts:AssumeRole"],
): DataAwsIamPolicyDocument {
  return iamPolicyDocument(scope, id, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: actions.length === 1 ? actions[0] : [...actions],
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}
