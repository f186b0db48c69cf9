import type { IamCondition, IamPolicy, IamStatement, StateBackendConfig } from "@qod/core";
import { HOSTED_ZONE_ID_PATTERN, isValidName, isWellFormedRegion, NAME_RULE, ProblemCollector, stateKey, ValidationError } from "@qod/core";
import { GITHUB_OIDC_HOST } from "./config";
import { ApplyContext, AwsService, environmentBucketArn, resolveResourceTypes } from "./services";

/**
 * The permission documents of an environment's delivery roles (README, Delivery): pure
 * functions from what the environment's stacks are to plain IAM JSON. The roles and their trust
 * live in the ci stack; the per-service tables in services.ts.
 */

/** What the policies of one environment's delivery roles are derived from. */
export interface DeliveryScope {
  readonly project: string;
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  /** The environment's state backend; `kmsKeyArn` is the state key's alias ARN (or its key ARN). */
  readonly state: StateBackendConfig;
  /** The environment's stack names in apply order; their state objects are `stateKey(environment, stack)`. */
  readonly stacks: readonly string[];
  /** The environment's ECR repositories as created (`<project>-<env>/<name>`); empty when it only reads replicas. */
  readonly repositories: readonly string[];
  /** The environment's Route 53 zone; `""` when it has none (no DNS record is written then). */
  readonly hostedZoneId: string;
  /** Every Terraform resource and data source type of the environment's stacks. */
  readonly resourceTypes: readonly string[];
}

/** IAM's limit on one managed policy, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;
/** IAM's limit on all inline policies of one role together, in characters without whitespace. */
export const INLINE_POLICIES_MAX_CHARS = 10_240;
/** IAM's default quota of managed policies attached to one role. */
export const MAX_MANAGED_POLICIES_PER_ROLE = 10;

/**
 * The `environment` tag of account-wide resources (the state bucket and key): the apply role
 * uses the state key and objects, so its deny of other environments' resources spares this one.
 */
export const SHARED_ENVIRONMENT_TAG = "shared";

/** The tag every environment's resources carry (the provider's `default_tags`). */
const ENV_TAG = "environment";

/** A policy's size as IAM counts it: its JSON without whitespace. */
export function policyChars(policy: IamPolicy): number {
  return JSON.stringify(policy).length;
}

const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

function validateScope(scope: DeliveryScope): void {
  const p = new ProblemCollector(`delivery scope of ${scope.project}-${scope.environment}`);
  p.check(isValidName(scope.project), "project", scope.project, NAME_RULE);
  p.check(isValidName(scope.environment), "environment", scope.environment, NAME_RULE);
  p.check(/^\d{12}$/.test(scope.accountId), "accountId", scope.accountId, "12 digits");
  p.check(isWellFormedRegion(scope.region), "region", scope.region, "an AWS region such as eu-west-1");
  p.check(KMS_ARN.test(scope.state.kmsKeyArn), "state.kmsKeyArn", scope.state.kmsKeyArn, "a KMS key or alias ARN, arn:aws:kms:<region>:<account>:alias/<name>");
  p.check(scope.stacks.length > 0, "stacks", scope.stacks, "the environment's stack names, at least one");
  scope.stacks.forEach((stack, i) => p.check(/^[A-Za-z0-9_.-]+$/.test(stack), `stacks[${i}]`, stack, "a stack name: letters, digits, dots, dashes, underscores"));
  p.check(scope.hostedZoneId === "" || HOSTED_ZONE_ID_PATTERN.test(scope.hostedZoneId), "hostedZoneId", scope.hostedZoneId, 'a Route 53 zone id (Z and up to 31 letters or digits) or "" for none');
  scope.repositories.forEach((repository, i) =>
    p.check(
      REPOSITORY.test(repository) && repository.startsWith(`${scope.project}-${scope.environment}/`),
      `repositories[${i}]`,
      repository,
      `an ECR repository of the environment: ${scope.project}-${scope.environment}/<name>`,
    ),
  );
  p.throwIfAny();
}

/**
 * Packs `statements` in order into as few documents as fit `limit` each. Throws when one
 * statement alone does not fit.
 */
export function packStatements(statements: readonly IamStatement[], limit = MANAGED_POLICY_MAX_CHARS): IamPolicy[] {
  const documents: IamStatement[][] = [];
  for (const statement of statements) {
    const alone = policyChars({ Version: "2012-10-17", Statement: [statement] });
    if (alone > limit) {
      throw new ValidationError("delivery policy", [
        { field: `Statement ${statement.Sid ?? "(no Sid)"}`, given: `${alone} characters`, allowed: `at most ${limit} characters per document: split the statement` },
      ]);
    }
    const last = documents[documents.length - 1];
    if (last && policyChars({ Version: "2012-10-17", Statement: [...last, statement] }) <= limit) last.push(statement);
    else documents.push([statement]);
  }
  return documents.map((Statement) => ({ Version: "2012-10-17", Statement }));
}

/** The state bucket, its objects of this environment and the state key. */
interface StateArns {
  readonly bucket: string;
  readonly keys: readonly string[];
  readonly locks: readonly string[];
  /** The resource of key statements and the condition that pins it to the state key. */
  readonly key: { readonly resource: string; readonly alias?: string };
}

function stateArns(scope: DeliveryScope): StateArns {
  const bucket = `arn:aws:s3:::${scope.state.bucket}`;
  const keys = scope.stacks.map((stack) => `${bucket}/${stateKey(scope.environment, stack)}`);
  // S3-native locking (use_lockfile) writes `<key>.tflock` next to the state object.
  const locks = keys.map((key) => `${key}.tflock`);
  const [, region, account, name] = KMS_ARN.exec(scope.state.kmsKeyArn)!;
  // A policy cannot name a key by its alias ARN: any key of the account, narrowed by alias.
  const key = name.startsWith("alias/") ? { resource: `arn:aws:kms:${region}:${account}:key/*`, alias: name } : { resource: scope.state.kmsKeyArn };
  return { bucket, keys, locks, key };
}

const aliasCondition = (alias: string | undefined): IamCondition => (alias === undefined ? {} : { "ForAnyValue:StringEquals": { "kms:ResourceAliases": alias } });

/** `{ <test>: { aws:<Request|Resource>Tag/environment: value } }`. */
const tagCondition = (test: string, tag: "RequestTag" | "ResourceTag", value: string | readonly string[]): IamCondition => ({ [test]: { [`aws:${tag}/${ENV_TAG}`]: value } });

/**
 * State access: list the environment's prefix, read its state objects (and, in them, the infra
 * state the other stacks read through terraform_remote_state), take and release the lock.
 * `writeState` adds writing the state objects (apply).
 */
function stateStatements(scope: DeliveryScope, writeState: boolean): IamStatement[] {
  const { bucket, keys, locks, key } = stateArns(scope);
  const write: IamStatement[] = writeState ? [{ Sid: "StateWrite", Effect: "Allow", Action: "s3:PutObject", Resource: [...keys] }] : [];
  return [
    {
      Sid: "StateList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucket,
      Condition: { StringLike: { "s3:prefix": [`${scope.environment}/`, `${scope.environment}/*`] } },
    },
    // Terraform reads the lock file back when it releases it.
    { Sid: "StateRead", Effect: "Allow", Action: "s3:GetObject", Resource: [...keys, ...locks] },
    { Sid: "StateLock", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: [...locks] },
    ...write,
    {
      // Reading state decrypts; writing the lock object (SSE-KMS) needs a data key. Only through
      // S3 in the bucket's region. The bucket uses S3 Bucket Keys: S3 asks KMS with the BUCKET's
      // ARN as encryption context (not the object's), so that is the context to pin.
      Sid: "StateKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: key.resource,
      Condition: {
        StringEquals: { "kms:ViaService": `s3.${scope.state.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": bucket },
        ...aliasCondition(key.alias),
      },
    },
  ];
}

/** The read statements: every read action of the services the stacks use, and HeadBucket on the environment's buckets. */
function readStatements(scope: DeliveryScope, services: readonly AwsService[]): IamStatement[] {
  const actions = [...new Set(services.flatMap((s) => s.read))];
  return [
    ...(actions.length > 0 ? [{ Sid: "Read", Effect: "Allow" as const, Action: actions, Resource: "*" }] : []),
    // HeadBucket (a bucket's refresh) needs s3:ListBucket, which also lists keys: only the environment's buckets.
    ...(services.some((s) => s.prefix === "s3")
      ? [{ Sid: "ReadBuckets", Effect: "Allow" as const, Action: "s3:ListBucket", Resource: environmentBucketArn(`${scope.project}-${scope.environment}`) }]
      : []),
  ];
}

/**
 * The plan role's documents: read-only on the resources the environment's stacks manage, read
 * on their state objects, write on the lock files only.
 */
export function planPolicies(scope: DeliveryScope): readonly IamPolicy[] {
  validateScope(scope);
  const { services } = resolveResourceTypes(scope.resourceTypes);
  return packStatements([...readStatements(scope, services), ...stateStatements(scope, false)]);
}

function applyContext(scope: DeliveryScope): ApplyContext {
  const env = scope.environment;
  return {
    prefix: `${scope.project}-${env}`,
    project: scope.project,
    environment: env,
    accountId: scope.accountId,
    hostedZoneId: scope.hostedZoneId,
    resourceTypes: new Set(scope.resourceTypes),
    arn: (service, resource) => `arn:aws:${service}:*:${scope.accountId}:${resource}`,
    tagged: (sid, actions, resources): IamStatement[] => [
      { Sid: `${sid}Create`, Effect: "Allow", Action: [...actions], Resource: resources, Condition: tagCondition("StringEquals", "RequestTag", env) },
      { Sid: `${sid}Tagged`, Effect: "Allow", Action: [...actions], Resource: resources, Condition: tagCondition("StringEquals", "ResourceTag", env) },
    ],
  };
}

/** Removing a tag, for the services whose resources are scoped by the environment tag. */
const UNTAG_ACTIONS = ["ec2:DeleteTags", "kms:UntagResource", "acm:RemoveTagsFromCertificate", "backup:UntagResource", "iam:UntagOpenIDConnectProvider"];

function denyStatements(scope: DeliveryScope): IamStatement[] {
  const { bucket, key } = stateArns(scope);
  const iam = (resource: string) => `arn:aws:iam::${scope.accountId}:${resource}`;
  const stateKeyUse = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Describe*", "kms:Get*", "kms:List*"];
  const [, keyRegion, keyAccount] = KMS_ARN.exec(scope.state.kmsKeyArn)!;
  const alias: IamStatement[] =
    key.alias === undefined ? [] : [{ Sid: "DenyStateKeyAlias", Effect: "Deny", NotAction: stateKeyUse, Resource: `arn:aws:kms:${keyRegion}:${keyAccount}:${key.alias}` }];
  const keyAdministration: IamStatement = { Sid: "DenyStateKeyAdministration", Effect: "Deny", NotAction: stateKeyUse, Resource: key.resource };
  return [
    {
      // Whatever another statement allows: nothing on a resource of another environment.
      Sid: "DenyOtherEnvironments",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { ...tagCondition("StringNotEquals", "ResourceTag", [scope.environment, SHARED_ENVIRONMENT_TAG]), ...tagCondition("Null", "ResourceTag", "false") },
    },
    {
      // Nor creating or retagging a resource as another environment's.
      Sid: "DenyTaggingOtherEnvironments",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { ...tagCondition("StringNotEquals", "RequestTag", scope.environment), ...tagCondition("Null", "RequestTag", "false") },
    },
    {
      // Nor taking a resource out of the environment by removing its tag.
      Sid: "DenyUntaggingEnvironment",
      Effect: "Deny",
      Action: UNTAG_ACTIONS,
      Resource: "*",
      Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ENV_TAG } },
    },
    {
      // The delivery roles (every environment's), their managed policies and GitHub's OIDC
      // provider are the ci stack's: the apply role can change none of them, its own included.
      Sid: "DenyDeliveryIdentities",
      Effect: "Deny",
      NotAction: ["iam:Get*", "iam:List*"],
      Resource: [iam(`role/${scope.project}-*-github-*`), iam(`policy/${scope.project}-*-github-*`), iam(`oidc-provider/${GITHUB_OIDC_HOST}`)],
    },
    {
      // The state bucket is the bootstrap stack's: no configuration, deletion or version removal.
      Sid: "DenyStateBucketAdministration",
      Effect: "Deny",
      NotAction: ["s3:Get*", "s3:List*", "s3:PutObject", "s3:DeleteObject"],
      Resource: [bucket, `${bucket}/*`],
    },
    key.alias === undefined ? keyAdministration : { ...keyAdministration, Condition: aliasCondition(key.alias) },
    ...alias,
  ];
}

/**
 * The apply role's documents: reads as for plan; changes scoped to the environment's resources
 * by name where ARNs carry names and by the environment tag where they are ids; state as for
 * plan plus writing its state objects; explicit denies on other environments, the delivery
 * identities and the state bucket and key.
 */
export function applyPolicies(scope: DeliveryScope): readonly IamPolicy[] {
  validateScope(scope);
  const { services } = resolveResourceTypes(scope.resourceTypes);
  const ctx = applyContext(scope);
  const serviceLinked = [...new Set(services.flatMap((s) => s.serviceLinkedRoles ?? []))];
  const statements: IamStatement[] = [
    ...readStatements(scope, services),
    ...stateStatements(scope, true),
    ...services.flatMap((s) => s.apply(ctx)).filter((s) => s.Sid !== "DnsRecords" || scope.hostedZoneId !== ""),
    ...(serviceLinked.length > 0
      ? [
          {
            // EKS, node groups and RDS create their service-linked role on first use (one per account).
            Sid: "ServiceLinkedRoles",
            Effect: "Allow" as const,
            Action: "iam:CreateServiceLinkedRole",
            Resource: `arn:aws:iam::${scope.accountId}:role/aws-service-role/*`,
            Condition: { StringEquals: { "iam:AWSServiceName": serviceLinked } },
          },
        ]
      : []),
    ...denyStatements(scope),
  ];
  return packStatements(statements);
}

/** What `docker buildx` calls to push an image (and to check which layers the registry has). */
export const PUSH_ACTIONS: readonly string[] = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
];

/**
 * The image push role's documents: log in to the registry, push to exactly the environment's
 * repositories. No documents (the role may do nothing) when the environment has no
 * repositories of its own (it reads replicas).
 */
export function pushPolicies(scope: DeliveryScope): readonly IamPolicy[] {
  validateScope(scope);
  if (scope.repositories.length === 0) return [];
  return packStatements([
    // GetAuthorizationToken has no resource-level permissions.
    { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PushImages",
      Effect: "Allow",
      Action: [...PUSH_ACTIONS],
      Resource: scope.repositories.map((repository) => `arn:aws:ecr:${scope.region}:${scope.accountId}:repository/${repository}`),
    },
  ]);
}
