import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsEcrRepository } from "@cdktf/provider-aws/lib/data-aws-ecr-repository";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryCreationTemplate } from "@cdktf/provider-aws/lib/ecr-repository-creation-template";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountAdministersKey, checkDrRegion, iamPolicyDocument, IamPolicy, Naming, ProblemCollector, serviceTrustPolicy, ValidationError } from "@qod/core";
import { Fn, TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";
import { checkImageLifecycle, checkReleaseTagPattern, checkRepositories } from "./config";

/** What pulling an image needs, besides `ecr:GetAuthorizationToken`. */
export const ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] as const;

/** The default release tag pattern: every tag. */
export const EVERY_TAG = "*";

/**
 * The repositories' lifecycle policy (and the replicas', through their creation template):
 * untagged images expire after `untagged` days; of the tagged images matching `releaseTagPattern`
 * (every tagged image by default) the newest `keep` are kept and older ones expire. The
 * repositories are IMMUTABLE, so every tag names one build: the release workflow's commit SHAs
 * (40 hex digits), versions, a mirror's upstream tags. A tag prefix could not select commit SHAs
 * (they start with any hex digit, and ECR selects an image for a rule with several prefixes only
 * when it has a tag for each). With values only Terraform knows (a generated module's
 * variables), Terraform writes the JSON (`jsonencode`).
 */
export function imageLifecyclePolicy(untagged: number, keep: number, releaseTagPattern: string = EVERY_TAG): string {
  const text = (n: number) => (Token.isUnresolved(n) ? Token.asString(n) : String(n));
  const policy = {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${text(untagged)} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untagged },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${text(keep)} release images`,
        selection: {
          tagStatus: "tagged",
          tagPatternList: [releaseTagPattern],
          countType: "imageCountMoreThan",
          countNumber: keep,
        },
        action: { type: "expire" },
      },
    ],
  };
  const tokens = Token.isUnresolved(untagged) || Token.isUnresolved(keep) || Token.isUnresolved(releaseTagPattern);
  return tokens ? Fn.jsonencode(policy) : JSON.stringify(policy);
}

export interface ContainerRegistryProps {
  readonly naming: Naming;
  /** Service names; each becomes the repository `<project>-<env>/<name>`. */
  readonly repositories: readonly string[];
  /**
   * Days an untagged image is kept.
   * @default 7
   */
  readonly untaggedImageExpiryDays?: number;
  /**
   * Release images (tagged images matching `releaseTagPattern`) kept per repository: the newest
   * are kept, older ones expire.
   * @default 30
   */
  readonly keepReleaseImages?: number;
  /**
   * The ECR tag pattern (`*` wildcards) that marks a release image. Tagged images it does not
   * match are never expired.
   * @default "*" - every tagged image is a release (in IMMUTABLE repositories each tag names one
   * build: the release workflow's commit SHAs, versions)
   */
  readonly releaseTagPattern?: string;
  /**
   * Let `terraform destroy` delete repositories that still hold images. Refused in production.
   * @default false
   */
  readonly forceDelete?: boolean;
  /**
   * Replicate every repository of this registry to another region (the DR region). This is the
   * account's registry-wide replication setting in this region: one registry per account and
   * region may set it. A repository creation template there (through `replicationProvider`)
   * gives the replicas this registry's immutable tags, lifecycle policy and a KMS key of that
   * region.
   * @default - no replication
   */
  readonly replicationRegion?: string;
  /** The AWS provider of `replicationRegion` (required with it): the template and key live there. */
  readonly replicationProvider?: TerraformProvider;
  /**
   * Use the repositories another environment's registry replicates into this region instead of
   * creating any: its naming (`new Naming(project, "prod")`). Each service's
   * `<project>-<source>/<service>` is read (`data.aws_ecr_repository`), not managed, so
   * destroying this registry leaves the replicas; `replicationRegion` then replicates them onwards.
   * @default - the registry creates `<project>-<env>/<service>` repositories
   */
  readonly replicasOf?: Naming;
  /**
   * Tags for the replicas the creation template makes (the provider's default tags do not reach
   * repositories ECR creates).
   * @default - none
   */
  readonly tags?: Record<string, string>;
  /** The primary region, to reject replication into itself. */
  readonly region?: string;
  /** @default false */
  readonly production?: boolean;
}

/** A repository the environment pulls from: one it manages, or another registry's replica it reads. */
export abstract class ImageRepository extends Construct {
  public abstract readonly repositoryName: string;
  public abstract readonly repositoryArn: string;
  public abstract readonly repositoryUrl: string;

  /** Lets `role` pull images from this repository only. Returns the policy it attached. */
  grantPull(role: IamRole): IamRolePolicy {
    return new IamRolePolicy(this, `Pull-${role.node.id}`, {
      role: role.id,
      name: `pull-${this.node.id}`,
      policy: iamPolicyDocument(this, `Pull-${role.node.id}-Document`, {
        Version: "2012-10-17",
        Statement: [
          { Sid: "Pull", Effect: "Allow", Action: [...ECR_PULL_ACTIONS], Resource: this.repositoryArn },
          // GetAuthorizationToken has no resource-level permissions.
          { Sid: "Login", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        ],
      }).json,
    });
  }
}

/** One repository: immutable tags, scan on push, KMS, lifecycle. */
export class Repository extends ImageRepository {
  public readonly repository: EcrRepository;
  public readonly repositoryName: string;
  public readonly repositoryArn: string;
  public readonly repositoryUrl: string;

  constructor(
    scope: Construct,
    id: string,
    props: { name: string; keyArn: string; forceDelete: boolean; lifecyclePolicy: string },
  ) {
    super(scope, id);
    this.repository = new EcrRepository(this, "Resource", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.keyArn }],
      forceDelete: props.forceDelete,
    });
    new EcrLifecyclePolicy(this, "LifecyclePolicy", {
      repository: this.repository.name,
      policy: props.lifecyclePolicy,
    });
    this.repositoryName = this.repository.name;
    this.repositoryArn = this.repository.arn;
    this.repositoryUrl = this.repository.repositoryUrl;
  }
}

/**
 * Another registry's repository replicated into this region, read, not managed: its settings
 * come from that registry's creation template, and destroying this environment leaves it.
 */
export class ReplicaRepository extends ImageRepository {
  public readonly repository: DataAwsEcrRepository;
  public readonly repositoryName: string;
  public readonly repositoryArn: string;
  public readonly repositoryUrl: string;

  constructor(scope: Construct, id: string, props: { name: string }) {
    super(scope, id);
    this.repository = new DataAwsEcrRepository(this, "Resource", { name: props.name });
    this.repositoryName = this.repository.name;
    this.repositoryArn = this.repository.arn;
    this.repositoryUrl = this.repository.repositoryUrl;
  }
}

/**
 * The container registry of an environment: one KMS key and one repository per service, with
 * immutable tags, scan on push, lifecycle expiry and optional replication to the DR region (where
 * a repository creation template gives the replicas the same settings). A DR environment uses
 * another registry's replicas instead (`replicasOf`).
 */
export class ContainerRegistry extends Construct {
  /** Encrypts the repositories; none when the registry uses another's replicas. */
  public readonly key?: KmsKey;
  /** Encrypts the replicas in the replication region, when the registry replicates. */
  public readonly replicaKey?: KmsKey;
  public readonly repositories: Readonly<Record<string, ImageRepository>>;
  /** `<project>-<env>` of the repositories: this registry's, or the one whose replicas it uses. */
  public readonly repositoryPrefix: string;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const p = new ProblemCollector(`ContainerRegistry props at ${this.node.path}`);
    this.repositoryPrefix = (props.replicasOf ?? props.naming).prefix;
    const repositoryName = (service: string) => `${this.repositoryPrefix}/${service}`;
    checkRepositories(p, "repositories", props.repositories, repositoryName);
    const untagged = props.untaggedImageExpiryDays ?? 7;
    const keep = props.keepReleaseImages ?? 30;
    checkImageLifecycle(p, (name) => name, { untaggedImageExpiryDays: untagged, keepReleaseImages: keep });
    const releaseTagPattern = props.releaseTagPattern ?? EVERY_TAG;
    checkReleaseTagPattern(p, "releaseTagPattern", releaseTagPattern);
    if (props.production && props.forceDelete) {
      p.add("forceDelete", props.forceDelete, "false in production: repositories with images are never deleted by terraform destroy");
    }
    if (props.replicationRegion !== undefined) {
      checkDrRegion(p, "replicationRegion", props.replicationRegion, props.region ?? "");
      p.check(props.replicationProvider !== undefined, "replicationProvider", props.replicationProvider, `the AWS provider of ${props.replicationRegion}: the replicas' creation template and key live there`);
    }
    p.throwIfAny();

    const partition = new DataAwsPartition(this, "Partition");
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");
    // The key policy of the registry's key and of the replicas' key.
    const keyPolicy: IamPolicy = { Version: "2012-10-17", Statement: [accountAdministersKey(partition.partition, caller.accountId)] };

    const lifecyclePolicy = imageLifecyclePolicy(untagged, keep, releaseTagPattern);
    const repositories: Record<string, ImageRepository> = {};
    if (props.replicasOf) {
      for (const service of props.repositories) repositories[service] = new ReplicaRepository(this, service, { name: repositoryName(service) });
    } else {
      const key = new KmsKey(this, "Key", {
        description: `Encrypts the container images of ${props.naming.prefix}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: iamPolicyDocument(this, "KeyPolicy", keyPolicy).json,
      });
      new KmsAlias(this, "KeyAlias", { name: `alias/${props.naming.name("ecr")}`, targetKeyId: key.keyId });
      this.key = key;
      for (const service of props.repositories) {
        repositories[service] = new Repository(this, service, {
          name: repositoryName(service),
          keyArn: key.arn,
          forceDelete: props.forceDelete ?? false,
          lifecyclePolicy,
        });
      }
    }
    this.repositories = repositories;

    if (props.replicationRegion !== undefined) {
      // Replication creates a replica repository on the first push; without a template it would
      // have mutable tags, no lifecycle and AWS-owned encryption. The template (and its key and
      // role) live in the replication region and exist before replication starts.
      const provider = props.replicationProvider;
      const replicaKey = new KmsKey(this, "ReplicaKey", {
        provider,
        description: `Encrypts the replicas of ${this.repositoryPrefix}'s container images in ${props.replicationRegion}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: iamPolicyDocument(this, "ReplicaKeyPolicy", keyPolicy, { provider }).json,
      });
      new KmsAlias(this, "ReplicaKeyAlias", { provider, name: `alias/${props.naming.name("ecr-replicas")}`, targetKeyId: replicaKey.keyId });
      this.replicaKey = replicaKey;
      // What ECR needs to create a replica with a CMK and tags (AmazonECR userguide,
      // repository-creation-templates-custom), scoped to the replicas and their key.
      const role = new IamRole(this, "ReplicaCreationRole", {
        name: props.naming.name("ecr-replicas"),
        assumeRolePolicy: serviceTrustPolicy(this, "ReplicaCreationRoleTrust", "ecr.amazonaws.com").json,
      });
      new IamRolePolicy(this, "ReplicaCreationPolicy", {
        role: role.id,
        name: "create-replicas",
        policy: iamPolicyDocument(this, "ReplicaCreationPolicyDocument", {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CreateReplicas",
              Effect: "Allow",
              Action: ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
              Resource: `arn:${partition.partition}:ecr:${props.replicationRegion}:${caller.accountId}:repository/${this.repositoryPrefix}/*`,
            },
            { Sid: "UseReplicaKey", Effect: "Allow", Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], Resource: replicaKey.arn },
          ],
        }).json,
      });
      const template = new EcrRepositoryCreationTemplate(this, "ReplicaTemplate", {
        provider,
        prefix: this.repositoryPrefix,
        appliedFor: ["REPLICATION"],
        description: `Replicas of ${this.repositoryPrefix}: immutable tags, its lifecycle, a CMK of ${props.replicationRegion}`,
        imageTagMutability: "IMMUTABLE",
        lifecyclePolicy,
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: replicaKey.arn }],
        customRoleArn: role.arn,
        resourceTags: props.tags,
      });
      new EcrReplicationConfiguration(this, "Replication", {
        replicationConfiguration: {
          rule: [
            {
              destination: [{ region: props.replicationRegion, registryId: caller.accountId }],
              repositoryFilter: [{ filter: `${this.repositoryPrefix}/`, filterType: "PREFIX_MATCH" }],
            },
          ],
        },
        dependsOn: [template],
      });
    }
  }

  /** The repository of `service`; throws naming the known services when there is none. */
  repository(service: string): ImageRepository {
    const found = this.repositories[service];
    if (!found) {
      throw new ValidationError(`repository lookup on ${this.node.path}`, [
        { field: "service", given: service, allowed: `no repository for ${JSON.stringify(service)}; it has ${Object.keys(this.repositories).join(", ")}` },
      ]);
    }
    return found;
  }
}
