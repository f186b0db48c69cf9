import type { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy as TfIamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { checkName, iamPolicyDocument, IamPolicy, MAX_ROLE_NAME_LENGTH, ProblemCollector } from "@qod/core";
import { TerraformDataSource, TerraformResource } from "cdktf";
import { Construct, IConstruct } from "constructs";
import {
  applySubject,
  ApplyTrigger,
  DELIVERY_PURPOSES,
  DeliveryPurpose,
  deliveryRoleName,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  pullRequestSubject,
} from "./config";
import { applyPolicies, DeliveryScope, MANAGED_POLICY_MAX_CHARS, MAX_MANAGED_POLICIES_PER_ROLE, planPolicies, policyChars, pushPolicies } from "./policies";
import { checkApplyTrigger, checkRepository } from "./validate";

/** GitHub's OIDC issuer URL. */
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;

export interface GithubOidcProviderProps {
  /**
   * Tags for the provider (the AWS provider's default tags reach it too).
   * @default {}
   */
  readonly tags?: Record<string, string>;
}

/**
 * GitHub Actions' OIDC identity provider in IAM (`https://token.actions.githubusercontent.com`,
 * client id `sts.amazonaws.com`). An account holds one provider per URL: create it once, in the
 * `ci` stack. IAM trusts GitHub's certificate through its own CA library, so no thumbprint is pinned.
 */
export class GithubOidcProvider extends Construct {
  public readonly provider: IamOpenidConnectProvider;
  /** The provider's ARN: the `Federated` principal of the roles' trust policies. */
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    this.provider = new IamOpenidConnectProvider(this, "Resource", {
      url: GITHUB_OIDC_URL,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
      ...(props.tags ? { tags: props.tags } : {}),
    });
    this.arn = this.provider.arn;
  }
}

/** Session length of the plan and push roles: a plan or an image push fits in an hour. */
export const DEFAULT_SESSION_SECONDS = 3600;
/**
 * Session length of the apply role: creating a cluster and a Multi-AZ database in one apply can
 * take longer than an hour, and credentials that expire mid-apply leave a half-applied stack
 * behind a held lock.
 */
export const DEFAULT_APPLY_SESSION_SECONDS = 7200;
/** Each role's session length, as the roles allow and the generated workflows ask for. */
export const DEFAULT_SESSION_SECONDS_OF: Readonly<Record<DeliveryPurpose, number>> = {
  plan: DEFAULT_SESSION_SECONDS,
  apply: DEFAULT_APPLY_SESSION_SECONDS,
  push: DEFAULT_SESSION_SECONDS,
};

/** The documents of each purpose, from the pure functions of `policies.ts`. */
export const DELIVERY_POLICIES: Readonly<Record<DeliveryPurpose, (scope: DeliveryScope) => readonly IamPolicy[]>> = {
  plan: planPolicies,
  apply: applyPolicies,
  push: pushPolicies,
};

/** What a role's sessions are for, as its description says it. */
const DESCRIPTIONS: Readonly<Record<DeliveryPurpose, string>> = {
  plan: "plans (read-only, lock file only) from pull requests",
  apply: "applies the stacks",
  push: "pushes images to ECR",
};

export interface DeliveryRolesProps {
  /** The GitHub repository (`owner/name`) whose workflows may assume the roles. */
  readonly repository: string;
  /** The OIDC provider's ARN ({@link GithubOidcProvider.arn}, or an existing provider's). */
  readonly providerArn: string;
  /** Who may assume the apply and push roles: one branch or one GitHub environment. */
  readonly apply: ApplyTrigger;
  /** What the roles may touch: the environment, its state, stacks, repositories and resource types. */
  readonly scope: DeliveryScope;
  /**
   * Whether the environment is production: then `apply` must be a GitHub environment.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Longest session per purpose, in seconds (IAM allows 3600 to 43200).
   * @default - plan and push 3600 (DEFAULT_SESSION_SECONDS), apply 7200 (DEFAULT_APPLY_SESSION_SECONDS)
   */
  readonly maxSessionSeconds?: Partial<Record<DeliveryPurpose, number>>;
  /**
   * The permission documents per purpose, replacing those of `policies.ts` (a team's own, tighter or wider).
   * @default DELIVERY_POLICIES
   */
  readonly policies?: Partial<Record<DeliveryPurpose, (scope: DeliveryScope) => readonly IamPolicy[]>>;
  /**
   * The Terraform logical id of the `n`th permission document of a purpose (`data.aws_iam_policy_document.<id>`),
   * for a scan skip list that names the documents of every environment at once.
   * @default - cdktf's id, the construct path with a hash
   */
  readonly documentLogicalId?: (purpose: DeliveryPurpose, n: number) => string;
  /**
   * Tags for the roles and their policies (the AWS provider's default tags reach them too).
   * @default {}
   */
  readonly tags?: Record<string, string>;
}

/** The trust policy of a delivery role: web identity from GitHub's provider, `aud` and `sub` exactly. */
export function deliveryTrustPolicy(providerArn: string, subject: string): IamPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActions",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  };
}

/** The `sub` claim a role of `purpose` trusts: pull requests for plan, the apply trigger for apply and push. */
export function deliverySubject(purpose: DeliveryPurpose, repository: string, apply: ApplyTrigger): string {
  return purpose === "plan" ? pullRequestSubject(repository) : applySubject(repository, apply);
}

/**
 * An environment's delivery roles, `<project>-<env>-github-<purpose>`: **plan** (assumed by pull
 * request workflows), **apply** and **push** (assumed by jobs of the apply branch or GitHub
 * environment). Each trusts GitHub's provider with `StringEquals` on `aud` and on one exact
 * `sub` (never a pattern), and gets the documents of `policies.ts` for its purpose as managed
 * policies `<role>-<n>`.
 */
export class DeliveryRoles extends Construct {
  public readonly roles: Readonly<Record<DeliveryPurpose, IamRole>>;
  /** The managed policies attached to each role, in the order `policies.ts` returns them. */
  public readonly policies: Readonly<Record<DeliveryPurpose, readonly TfIamPolicy[]>>;
  /** The permission documents (`aws_iam_policy_document`) of those policies, in the same order. */
  public readonly documents: Readonly<Record<DeliveryPurpose, readonly DataAwsIamPolicyDocument[]>>;
  /** The `sub` claim each role trusts. */
  public readonly subjects: Readonly<Record<DeliveryPurpose, string>>;

  constructor(scope: Construct, id: string, props: DeliveryRolesProps) {
    super(scope, id);
    const p = new ProblemCollector(`DeliveryRoles props at ${this.node.path}`);
    checkRepository(p, "repository", props.repository);
    checkApplyTrigger(p, "apply", props.apply, props.production ?? false);
    checkName(p, "scope.project", props.scope.project);
    checkName(p, "scope.environment", props.scope.environment);
    const sessions = { ...DEFAULT_SESSION_SECONDS_OF, ...props.maxSessionSeconds };
    for (const purpose of DELIVERY_PURPOSES) {
      const seconds = sessions[purpose];
      p.check(Number.isInteger(seconds) && seconds >= 3600 && seconds <= 43200, `maxSessionSeconds.${purpose}`, seconds, "whole seconds from 3600 (1 hour) to 43200 (12 hours), as IAM allows");
      const name = deliveryRoleName(props.scope.project, props.scope.environment, purpose);
      p.check(name.length <= MAX_ROLE_NAME_LENGTH, "scope", name, `a project and environment whose role names fit IAM's ${MAX_ROLE_NAME_LENGTH} characters`);
    }
    p.throwIfAny(); // the documents are derived from a valid scope only

    const sizes = new ProblemCollector(`DeliveryRoles policies at ${this.node.path}`);
    const documentsOf = { ...DELIVERY_POLICIES, ...props.policies };
    const documents = Object.fromEntries(DELIVERY_PURPOSES.map((purpose) => [purpose, documentsOf[purpose](props.scope)])) as Record<DeliveryPurpose, readonly IamPolicy[]>;
    for (const purpose of DELIVERY_PURPOSES) {
      const docs = documents[purpose];
      sizes.check(docs.length <= MAX_MANAGED_POLICIES_PER_ROLE, `${purpose} policies`, docs.length, `at most ${MAX_MANAGED_POLICIES_PER_ROLE} documents (IAM's default quota of managed policies per role)`);
      docs.forEach((doc, i) => {
        const size = policyChars(doc);
        sizes.check(size <= MANAGED_POLICY_MAX_CHARS, `${purpose} policies[${i}]`, `${size} characters`, `at most ${MANAGED_POLICY_MAX_CHARS} characters without whitespace (IAM's managed policy limit): split the document`);
      });
    }
    sizes.throwIfAny();

    const roles = {} as Record<DeliveryPurpose, IamRole>;
    const policies = {} as Record<DeliveryPurpose, TfIamPolicy[]>;
    const permissionDocuments = {} as Record<DeliveryPurpose, DataAwsIamPolicyDocument[]>;
    const subjects = {} as Record<DeliveryPurpose, string>;
    for (const purpose of DELIVERY_PURPOSES) {
      const name = deliveryRoleName(props.scope.project, props.scope.environment, purpose);
      subjects[purpose] = deliverySubject(purpose, props.repository, props.apply);
      const trust = iamPolicyDocument(this, `${purpose}-trust`, deliveryTrustPolicy(props.providerArn, subjects[purpose]));
      const role = new IamRole(this, purpose, {
        name,
        description: `GitHub Actions of ${props.repository}: ${DESCRIPTIONS[purpose]} for ${props.scope.environment}`,
        assumeRolePolicy: trust.json,
        maxSessionDuration: sessions[purpose],
        ...(props.tags ? { tags: props.tags } : {}),
      });
      roles[purpose] = role;
      permissionDocuments[purpose] = [];
      policies[purpose] = documents[purpose].map((doc, i) => {
        const n = i + 1;
        const document = iamPolicyDocument(this, `${purpose}-${n}-document`, doc);
        if (props.documentLogicalId) document.overrideLogicalId(props.documentLogicalId(purpose, n));
        permissionDocuments[purpose].push(document);
        const policy = new TfIamPolicy(this, `${purpose}-${n}`, {
          name: `${name}-${n}`,
          description: `${name}: ${DESCRIPTIONS[purpose]}`,
          policy: document.json,
          ...(props.tags ? { tags: props.tags } : {}),
        });
        new IamRolePolicyAttachment(this, `${purpose}-${n}-attachment`, { role: role.name, policyArn: policy.arn });
        return policy;
      });
    }
    this.roles = roles;
    this.policies = policies;
    this.documents = permissionDocuments;
    this.subjects = subjects;
  }
}

/**
 * Every Terraform resource and data source type under `scopes` (`aws_eks_cluster`,
 * `kubernetes_manifest`, `aws_iam_policy_document`, …), sorted, each once: what the roles of the
 * stacks' environment must be able to read (plan) and manage (apply).
 */
export function terraformTypesOf(...scopes: readonly IConstruct[]): string[] {
  const types = new Set<string>();
  for (const scope of scopes) {
    for (const node of scope.node.findAll()) {
      if (TerraformResource.isTerraformResource(node) || TerraformDataSource.isTerraformDataSource(node)) types.add(node.terraformResourceType);
    }
  }
  return [...types].sort();
}
