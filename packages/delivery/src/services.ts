import type { IamStatement } from "@qod/core";
import { ProblemCollector } from "@qod/core";

/**
 * Which AWS service each Terraform resource and data source type talks to, what a refresh of it
 * reads, and what an apply of it may change in one environment. The plan and apply policies
 * (policies.ts) are built from this table, so a type missing here fails the synth
 * ({@link resolveResourceTypes}) instead of failing a plan in CI: extend the table when a stack
 * starts using a new service.
 */

/** What the apply statements of a service are built from: one environment's names. */
export interface ApplyContext {
  /** `<project>-<env>`: the first part of every name the environment's stacks give. */
  readonly prefix: string;
  readonly project: string;
  readonly environment: string;
  readonly accountId: string;
  /** The environment's Route 53 zone. */
  readonly hostedZoneId: string;
  /** Every Terraform type of the environment's stacks (registry-wide settings only when used). */
  readonly resourceTypes: ReadonlySet<string>;
  /** `arn:aws:<service>:*:<account>:<resource>` (any region: DR copies live in a second one). */
  arn(service: string, resource: string): string;
  /**
   * Two statements for resources IAM knows only by id (EC2, KMS keys, certificates, backup
   * plans): `actions` on `resources` when the request tags the resource with this environment
   * (create), or when the resource already carries it (change, delete).
   */
  tagged(sid: string, actions: readonly string[], resources: string | readonly string[]): IamStatement[];
}

export interface AwsService {
  /** IAM's service prefix (`ec2`, `logs`). */
  readonly prefix: string;
  /**
   * Terraform type families: `aws_eks` covers `aws_eks` and every `aws_eks_*` type. The longest
   * family wins (`aws_route53` for `aws_route53_record`, `aws_route` for `aws_route_table`).
   */
  readonly types: readonly string[];
  /**
   * The read actions a refresh of the types calls (granted on `*`): `Describe*`, `Get*`, `List*`
   * where no action of that verb reads data (no `s3:GetObject`, no `secretsmanager:GetSecretValue`,
   * no `logs:GetLogEvents`), named actions where one would.
   */
  readonly read: readonly string[];
  /** The apply role's statements for this service in one environment. */
  apply(ctx: ApplyContext): IamStatement[];
  /**
   * Services that create a service-linked role on first use of this one (`iam:AWSServiceName`).
   * @default - none
   */
  readonly serviceLinkedRoles?: readonly string[];
}

/**
 * Actions that take no resource ARN (IAM's "Resource types" column is empty) or act on the
 * whole registry or account: granted on `*` by the apply role, and only when the environment
 * uses the type that needs them. Each is a gap in the environment scoping (README, Delivery).
 */
export const ACTIONS_WITHOUT_RESOURCE_SCOPE: readonly string[] = [
  // Creating a backup vault mounts its storage capsule; the action has no resource type.
  "backup-storage:MountCapsule",
  // The registry's replication rules and creation templates are one setting per account and
  // region: an environment that replicates rewrites the whole registry's configuration.
  "ecr:PutReplicationConfiguration",
  "ecr:CreateRepositoryCreationTemplate",
  "ecr:UpdateRepositoryCreationTemplate",
  "ecr:DeleteRepositoryCreationTemplate",
  // Subscriptions are named by the topic ARN plus a uuid, but these two take no resource type.
  "sns:Unsubscribe",
  "sns:SetSubscriptionAttributes",
];

/**
 * The AWS managed policies the environment's stacks attach to their roles (EKS, node, CNI,
 * EBS CSI, RDS monitoring, backup): the apply role may attach these and the environment's own
 * customer managed policies, never another (`AdministratorAccess`, say). A test checks every
 * attachment of the synthesized stacks is listed here.
 */
export const ATTACHABLE_AWS_MANAGED_POLICIES: readonly string[] = [
  "AmazonEKSClusterPolicy",
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonSSMManagedInstanceCore",
  "service-role/AmazonEBSCSIDriverPolicy",
  "service-role/AmazonRDSEnhancedMonitoringRole",
  "service-role/AWSBackupServiceRolePolicyForBackup",
  "service-role/AWSBackupServiceRolePolicyForRestores",
];

/**
 * Data sources the provider answers without calling AWS (computed from its configuration or
 * built-in tables): they need no permission.
 */
export const LOCAL_AWS_TYPES: readonly string[] = ["aws_partition", "aws_region", "aws_iam_policy_document", "aws_elb_service_account", "aws_arn", "aws_default_tags"];

/**
 * Types the plan role must never refresh: their refresh reads data, not configuration. A stack
 * that uses one needs another design (a secret's value written outside Terraform, say).
 */
export const REFUSED_AWS_TYPES: Readonly<Record<string, string>> = {
  aws_s3_object: "its refresh reads the object (s3:GetObject): the plan role reads only state objects",
  aws_s3_bucket_object: "its refresh reads the object (s3:GetObject): the plan role reads only state objects",
  aws_secretsmanager_secret_version: "its refresh reads the secret value (secretsmanager:GetSecretValue), which no delivery role gets",
};

const s3BucketRead = [
  "s3:ListAllMyBuckets",
  "s3:GetBucketAcl",
  "s3:GetBucketCORS",
  "s3:GetBucketLocation",
  "s3:GetBucketLogging",
  "s3:GetBucketNotification",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetBucketOwnershipControls",
  "s3:GetBucketPolicy",
  "s3:GetBucketPolicyStatus",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetBucketRequestPayment",
  "s3:GetBucketTagging",
  "s3:GetBucketVersioning",
  "s3:GetBucketWebsite",
  "s3:GetAccelerateConfiguration",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
];

/** `arn:aws:s3:::<prefix>-*`: the environment's buckets (names begin with `<project>-<env>-`). */
export const environmentBucketArn = (prefix: string): string => `arn:aws:s3:::${prefix}-*`;

/** The service table. Extend it (read actions and apply statements) when a stack uses a new service. */
export const AWS_SERVICES: readonly AwsService[] = [
  {
    prefix: "acm",
    types: ["aws_acm"],
    read: ["acm:DescribeCertificate", "acm:GetCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate"],
    // Certificates are named by id.
    apply: (ctx) =>
      ctx.tagged(
        "Certificates",
        ["acm:RequestCertificate", "acm:DeleteCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions", "acm:RenewCertificate"],
        ctx.arn("acm", "certificate/*"),
      ),
  },
  {
    prefix: "backup",
    types: ["aws_backup"],
    read: ["backup:Describe*", "backup:Get*", "backup:List*"],
    apply: (ctx) => [
      {
        Sid: "BackupVaultsAndRestoreTests",
        Effect: "Allow",
        Action: ["backup:Create*", "backup:Delete*", "backup:Put*", "backup:Update*", "backup:TagResource", "backup:UntagResource"],
        // Vaults by name; restore testing plans allow only letters, digits and underscores.
        Resource: [ctx.arn("backup", `backup-vault:${ctx.prefix}-*`), ctx.arn("backup", `restore-testing-plan:${ctx.prefix.replace(/-/g, "_")}_*`)],
      },
      // Backup plans are named by id.
      ...ctx.tagged(
        "BackupPlans",
        ["backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:CreateBackupSelection", "backup:DeleteBackupSelection", "backup:TagResource", "backup:UntagResource"],
        ctx.arn("backup", "backup-plan:*"),
      ),
      ...(ctx.resourceTypes.has("aws_backup_vault") ? [{ Sid: "BackupVaultStorage", Effect: "Allow" as const, Action: "backup-storage:MountCapsule", Resource: "*" }] : []),
    ],
  },
  {
    prefix: "logs",
    types: ["aws_cloudwatch_log"],
    read: ["logs:Describe*", "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:GetDataProtectionPolicy"],
    apply: (ctx) => [
      {
        Sid: "LogGroups",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:DeleteRetentionPolicy",
          "logs:AssociateKmsKey",
          "logs:DisassociateKmsKey",
          "logs:TagResource",
          "logs:UntagResource",
          "logs:TagLogGroup",
          "logs:UntagLogGroup",
        ],
        // `/aws/<service>/<prefix>-…` (EKS, RDS, VPC flow logs, containers) or `<prefix>-…`.
        Resource: [ctx.arn("logs", `log-group:/aws/*/${ctx.prefix}-*`), ctx.arn("logs", `log-group:${ctx.prefix}-*`)],
      },
    ],
  },
  {
    prefix: "cloudwatch",
    types: ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm", "aws_cloudwatch_dashboard"],
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:GetDashboard", "cloudwatch:ListDashboards"],
    apply: (ctx) => [
      {
        Sid: "Alarms",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
        Resource: [ctx.arn("cloudwatch", `alarm:${ctx.prefix}-*`), `arn:aws:cloudwatch::${ctx.accountId}:dashboard/${ctx.prefix}-*`],
      },
    ],
  },
  {
    prefix: "events",
    types: ["aws_cloudwatch_event"],
    read: ["events:Describe*", "events:List*"],
    apply: (ctx) => [
      {
        Sid: "EventRules",
        Effect: "Allow",
        Action: ["events:PutRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource", "events:CreateEventBus", "events:DeleteEventBus"],
        Resource: [ctx.arn("events", `rule/${ctx.prefix}-*`), ctx.arn("events", `event-bus/${ctx.prefix}-*`)],
      },
    ],
  },
  {
    prefix: "rds",
    types: ["aws_db", "aws_rds"],
    read: ["rds:Describe*", "rds:ListTagsForResource"],
    serviceLinkedRoles: ["rds.amazonaws.com"],
    apply: (ctx) => [
      {
        Sid: "Databases",
        Effect: "Allow",
        Action: [
          "rds:CreateDBInstance",
          "rds:DeleteDBInstance",
          "rds:ModifyDBInstance",
          "rds:RebootDBInstance",
          "rds:CreateDBSnapshot",
          "rds:AddTagsToResource",
          "rds:RemoveTagsFromResource",
          "rds:CreateDBSubnetGroup",
          "rds:ModifyDBSubnetGroup",
          "rds:DeleteDBSubnetGroup",
          "rds:CreateDBParameterGroup",
          "rds:ModifyDBParameterGroup",
          "rds:ResetDBParameterGroup",
          "rds:DeleteDBParameterGroup",
          "rds:CreateOptionGroup",
          "rds:ModifyOptionGroup",
          "rds:DeleteOptionGroup",
        ],
        // Instances, subnet/parameter/option groups and (final) snapshots by name.
        Resource: ["db", "subgrp", "pg", "og", "snapshot"].map((kind) => ctx.arn("rds", `${kind}:${ctx.prefix}-*`)),
      },
      {
        // An instance without an option group of its own is placed in the engine's default one.
        Sid: "DatabasesDefaultOptionGroup",
        Effect: "Allow",
        Action: ["rds:CreateDBInstance", "rds:ModifyDBInstance"],
        Resource: ctx.arn("rds", "og:default:*"),
      },
      {
        // `manage_master_user_password`: RDS creates and rotates the secret `rds!db-<uuid>` with
        // the caller's permissions. Its name carries no environment.
        Sid: "DatabaseManagedSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:CreateSecret", "secretsmanager:RotateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret"],
        Resource: ctx.arn("secretsmanager", "secret:rds!*"),
      },
    ],
  },
  {
    prefix: "ec2",
    types: [
      "aws_vpc",
      "aws_subnet",
      "aws_route",
      "aws_route_table",
      "aws_main_route_table_association",
      "aws_internet_gateway",
      "aws_egress_only_internet_gateway",
      "aws_nat_gateway",
      "aws_eip",
      "aws_security_group",
      "aws_default_security_group",
      "aws_default_network_acl",
      "aws_default_route_table",
      "aws_network_acl",
      "aws_network_interface",
      "aws_launch_template",
      "aws_flow_log",
      "aws_ec2",
      "aws_ami",
      "aws_availability_zone",
      "aws_availability_zones",
    ],
    read: ["ec2:Describe*"],
    // EC2 names everything by id: every change is scoped by the environment tag.
    apply: (ctx) =>
      ctx.tagged(
        "Network",
        [
          "ec2:Create*",
          "ec2:Delete*",
          "ec2:Modify*",
          "ec2:Associate*",
          "ec2:Disassociate*",
          "ec2:Attach*",
          "ec2:Detach*",
          "ec2:Authorize*",
          "ec2:Revoke*",
          "ec2:Replace*",
          "ec2:UpdateSecurityGroupRuleDescriptions*",
          "ec2:AllocateAddress",
          "ec2:ReleaseAddress",
        ],
        "*",
      ),
  },
  {
    prefix: "ecr",
    types: ["aws_ecr"],
    read: [
      "ecr:DescribeRepositories",
      "ecr:DescribeRegistry",
      "ecr:DescribeRepositoryCreationTemplates",
      "ecr:GetLifecyclePolicy",
      "ecr:GetRepositoryPolicy",
      "ecr:GetRegistryPolicy",
      "ecr:GetRegistryScanningConfiguration",
      "ecr:ListTagsForResource",
    ],
    apply: (ctx) => {
      const registry = [
        ...(ctx.resourceTypes.has("aws_ecr_replication_configuration") ? ["ecr:PutReplicationConfiguration"] : []),
        ...(ctx.resourceTypes.has("aws_ecr_repository_creation_template")
          ? ["ecr:CreateRepositoryCreationTemplate", "ecr:UpdateRepositoryCreationTemplate", "ecr:DeleteRepositoryCreationTemplate"]
          : []),
      ];
      return [
        {
          Sid: "Repositories",
          Effect: "Allow",
          Action: [
            "ecr:CreateRepository",
            "ecr:DeleteRepository",
            "ecr:PutLifecyclePolicy",
            "ecr:DeleteLifecyclePolicy",
            "ecr:SetRepositoryPolicy",
            "ecr:DeleteRepositoryPolicy",
            "ecr:PutImageTagMutability",
            "ecr:PutImageScanningConfiguration",
            "ecr:TagResource",
            "ecr:UntagResource",
          ],
          // Repositories are `<project>-<env>/<name>`.
          Resource: ctx.arn("ecr", `repository/${ctx.prefix}/*`),
        },
        ...(registry.length > 0 ? [{ Sid: "RegistrySettings", Effect: "Allow" as const, Action: registry, Resource: "*" }] : []),
      ];
    },
  },
  {
    prefix: "eks",
    types: ["aws_eks"],
    read: ["eks:Describe*", "eks:List*"],
    serviceLinkedRoles: ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"],
    apply: (ctx) => [
      {
        Sid: "Cluster",
        Effect: "Allow",
        Action: ["eks:Create*", "eks:Delete*", "eks:Update*", "eks:Associate*", "eks:Disassociate*", "eks:TagResource", "eks:UntagResource"],
        // The cluster is `<prefix>-…`; its node groups, add-ons, access entries and pod identities sit under its name.
        Resource: ["cluster", "nodegroup", "addon", "access-entry", "podidentityassociation", "fargateprofile", "identityproviderconfig"].map((kind) =>
          ctx.arn("eks", `${kind}/${ctx.prefix}-*`),
        ),
      },
    ],
  },
  {
    prefix: "iam",
    types: ["aws_iam"],
    read: ["iam:Get*", "iam:List*"],
    apply: (ctx) => {
      const iam = (resource: string) => `arn:aws:iam::${ctx.accountId}:${resource}`;
      return [
        {
          Sid: "Roles",
          Effect: "Allow",
          Action: [
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:PassRole",
            "iam:CreateInstanceProfile",
            "iam:DeleteInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile",
            "iam:TagInstanceProfile",
            "iam:UntagInstanceProfile",
            "iam:CreatePolicy",
            "iam:DeletePolicy",
            "iam:CreatePolicyVersion",
            "iam:DeletePolicyVersion",
            "iam:TagPolicy",
            "iam:UntagPolicy",
          ],
          Resource: [iam(`role/${ctx.prefix}-*`), iam(`instance-profile/${ctx.prefix}-*`), iam(`policy/${ctx.prefix}-*`)],
        },
        {
          Sid: "RolePolicyAttachments",
          Effect: "Allow",
          Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
          Resource: iam(`role/${ctx.prefix}-*`),
          Condition: { ArnEquals: { "iam:PolicyARN": [...ATTACHABLE_AWS_MANAGED_POLICIES.map((name) => `arn:aws:iam::aws:policy/${name}`), iam(`policy/${ctx.prefix}-*`)] } },
        },
        // The cluster's OIDC provider is named by its issuer (an id).
        ...ctx.tagged(
          "ClusterOidcProvider",
          [
            "iam:CreateOpenIDConnectProvider",
            "iam:DeleteOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
          ],
          iam("oidc-provider/oidc.eks.*"),
        ),
      ];
    },
  },
  {
    prefix: "kms",
    types: ["aws_kms"],
    read: ["kms:Describe*", "kms:Get*", "kms:List*"],
    apply: (ctx): IamStatement[] => [
      { Sid: "KeysCreate", Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: { StringEquals: { "aws:RequestTag/environment": ctx.environment } } },
      {
        // Keys are named by id: administered and used (grants for EKS, RDS, ECR, Backup) when tagged with the environment.
        Sid: "Keys",
        Effect: "Allow",
        Action: [
          "kms:PutKeyPolicy",
          "kms:EnableKeyRotation",
          "kms:DisableKeyRotation",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
          "kms:UpdateKeyDescription",
          "kms:EnableKey",
          "kms:DisableKey",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:CreateGrant",
          "kms:RetireGrant",
          "kms:RevokeGrant",
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:CreateAlias",
          "kms:DeleteAlias",
          "kms:UpdateAlias",
        ],
        Resource: ctx.arn("kms", "key/*"),
        Condition: { StringEquals: { "aws:ResourceTag/environment": ctx.environment } },
      },
      // An alias operation is authorized on the alias (by name) and on its key (by tag, above).
      { Sid: "KeyAliases", Effect: "Allow", Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"], Resource: ctx.arn("kms", `alias/${ctx.prefix}-*`) },
    ],
  },
  {
    prefix: "route53",
    types: ["aws_route53"],
    read: ["route53:Get*", "route53:List*"],
    apply: (ctx) => [
      {
        Sid: "DnsRecords",
        Effect: "Allow",
        Action: ["route53:ChangeResourceRecordSets", "route53:ChangeTagsForResource"],
        Resource: `arn:aws:route53:::hostedzone/${ctx.hostedZoneId}`,
      },
    ],
  },
  {
    prefix: "s3",
    types: ["aws_s3"],
    // Bucket configuration only; `s3:ListBucket` (HeadBucket) is granted on the environment's buckets.
    read: s3BucketRead,
    apply: (ctx) => [
      {
        Sid: "Buckets",
        Effect: "Allow",
        Action: [
          "s3:CreateBucket",
          "s3:DeleteBucket*",
          "s3:PutBucket*",
          "s3:PutAccelerateConfiguration",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
          "s3:PutReplicationConfiguration",
          "s3:ListBucket",
        ],
        Resource: environmentBucketArn(ctx.prefix),
      },
    ],
  },
  {
    prefix: "secretsmanager",
    types: ["aws_secretsmanager"],
    read: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets", "secretsmanager:ListSecretVersionIds"],
    apply: (ctx) => [
      {
        Sid: "Secrets",
        Effect: "Allow",
        Action: [
          "secretsmanager:CreateSecret",
          "secretsmanager:DeleteSecret",
          "secretsmanager:UpdateSecret",
          "secretsmanager:TagResource",
          "secretsmanager:UntagResource",
          "secretsmanager:PutResourcePolicy",
          "secretsmanager:DeleteResourcePolicy",
        ],
        Resource: ctx.arn("secretsmanager", `secret:${ctx.prefix}-*`),
      },
    ],
  },
  {
    prefix: "sns",
    types: ["aws_sns"],
    read: ["sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:GetDataProtectionPolicy", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic", "sns:ListTopics"],
    apply: (ctx) => [
      {
        Sid: "Topics",
        Effect: "Allow",
        Action: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:UntagResource", "sns:PutDataProtectionPolicy"],
        Resource: ctx.arn("sns", `${ctx.prefix}-*`),
      },
      ...(ctx.resourceTypes.has("aws_sns_topic_subscription")
        ? [{ Sid: "TopicSubscriptions", Effect: "Allow" as const, Action: ["sns:Unsubscribe", "sns:SetSubscriptionAttributes"], Resource: "*" }]
        : []),
    ],
  },
  {
    prefix: "sts",
    types: ["aws_caller_identity"],
    // Needs no permission, but naming it documents the call.
    read: ["sts:GetCallerIdentity"],
    apply: () => [],
  },
];

/** The family of `type` in `families` that matches it longest, or undefined. */
function longestFamily(type: string, families: readonly string[]): string | undefined {
  return families.filter((family) => type === family || type.startsWith(`${family}_`)).sort((a, b) => b.length - a.length)[0];
}

export interface ResolvedTypes {
  /** The AWS services the types use, in table order. */
  readonly services: readonly AwsService[];
  /** The `aws_*` types the provider answers without calling AWS. */
  readonly local: readonly string[];
  /** Types of other providers (kubernetes, helm, random, terraform_remote_state, ...): no IAM. */
  readonly nonAws: readonly string[];
}

/** This file, as error messages name it. */
export const SERVICES_FILE = "packages/delivery/src/services.ts";

/**
 * The AWS services of `types` (Terraform resource and data source types). Throws one
 * ValidationError naming every `aws_*` type the table does not know (or refuses), so a new
 * resource type never silently lacks permissions.
 */
export function resolveResourceTypes(types: readonly string[], field = "resourceTypes"): ResolvedTypes {
  const p = new ProblemCollector("delivery policies");
  const families = AWS_SERVICES.flatMap((service) => service.types.map((family) => [family, service] as const));
  const familyNames = [...families.map(([family]) => family), ...LOCAL_AWS_TYPES];
  const services = new Set<AwsService>();
  const local: string[] = [];
  const nonAws: string[] = [];
  types.forEach((type, i) => {
    if (!type.startsWith("aws_")) {
      nonAws.push(type);
      return;
    }
    const refused = REFUSED_AWS_TYPES[type];
    if (refused !== undefined) {
      p.add(`${field}[${i}]`, type, `a type whose refresh reads configuration only: ${type} is refused because ${refused}`);
      return;
    }
    const family = longestFamily(type, familyNames);
    if (family === undefined) {
      p.add(
        `${field}[${i}]`,
        type,
        `a type of a service listed in ${SERVICES_FILE} (AWS_SERVICES): add its family there with the read actions its refresh calls and the apply statements it needs`,
      );
    } else if (LOCAL_AWS_TYPES.includes(family)) {
      local.push(type);
    } else {
      services.add(families.find(([name]) => name === family)![1]);
    }
  });
  p.throwIfAny();
  return { services: AWS_SERVICES.filter((s) => services.has(s)), local, nonAws };
}
