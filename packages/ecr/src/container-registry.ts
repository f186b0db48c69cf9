import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountAdministersKey, checkDrRegion, Naming, ProblemCollector, ValidationError } from "@qod/core";
import { Construct } from "constructs";
import { checkImageLifecycle, checkRepositories } from "./config";

/** What pulling an image needs, besides `ecr:GetAuthorizationToken`. */
export const ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] as const;

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
   * Release images (tags starting with one of `releaseTagPrefixes`) kept per repository.
   * @default 30
   */
  readonly keepReleaseImages?: number;
  /**
   * Tag prefixes that mark a release image.
   * @default ["v"]
   */
  readonly releaseTagPrefixes?: readonly string[];
  /**
   * Let `terraform destroy` delete repositories that still hold images. Refused in production.
   * @default false
   */
  readonly forceDelete?: boolean;
  /**
   * Replicate every repository of this registry to another region (the DR region). This is the
   * account's registry-wide replication setting in this region: one registry per account and
   * region may set it.
   * @default - no replication
   */
  readonly replicationRegion?: string;
  /** The primary region, to reject replication into itself. */
  readonly region?: string;
  /** @default false */
  readonly production?: boolean;
}

/** One repository: immutable tags, scan on push, KMS, lifecycle. */
export class Repository extends Construct {
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

  /** Lets `role` pull images from this repository only. Returns the policy it attached. */
  grantPull(role: IamRole): IamRolePolicy {
    return new IamRolePolicy(this, `Pull-${role.node.id}`, {
      role: role.id,
      name: `pull-${this.node.id}`,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "Pull", Effect: "Allow", Action: [...ECR_PULL_ACTIONS], Resource: this.repository.arn },
          // GetAuthorizationToken has no resource-level permissions.
          { Sid: "Login", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        ],
      }),
    });
  }
}

/**
 * The container registry of an environment: one KMS key and one repository per service, with
 * immutable tags, scan on push, lifecycle expiry and optional replication to the DR region.
 */
export class ContainerRegistry extends Construct {
  public readonly key: KmsKey;
  public readonly repositories: Readonly<Record<string, Repository>>;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const p = new ProblemCollector(`ContainerRegistry props at ${this.node.path}`);
    const repositoryName = (service: string) => `${props.naming.prefix}/${service}`;
    checkRepositories(p, "repositories", props.repositories, repositoryName);
    const untagged = props.untaggedImageExpiryDays ?? 7;
    const keep = props.keepReleaseImages ?? 30;
    checkImageLifecycle(p, (name) => name, { untaggedImageExpiryDays: untagged, keepReleaseImages: keep });
    if (props.production && props.forceDelete) {
      p.add("forceDelete", props.forceDelete, "false in production: repositories with images are never deleted by terraform destroy");
    }
    if (props.replicationRegion !== undefined) {
      checkDrRegion(p, "replicationRegion", props.replicationRegion, props.region ?? "");
    }
    p.throwIfAny();

    const partition = new DataAwsPartition(this, "Partition");
    const caller = new DataAwsCallerIdentity(this, "CallerIdentity");
    this.key = new KmsKey(this, "Key", {
      description: `Encrypts the container images of ${props.naming.prefix}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [accountAdministersKey(partition.partition, caller.accountId)] }),
    });
    new KmsAlias(this, "KeyAlias", { name: `alias/${props.naming.name("ecr")}`, targetKeyId: this.key.keyId });

    const lifecyclePolicy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: `Expire untagged images after ${untagged} days`,
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untagged },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: `Keep the last ${keep} release images`,
          selection: {
            tagStatus: "tagged",
            tagPrefixList: [...(props.releaseTagPrefixes ?? ["v"])],
            countType: "imageCountMoreThan",
            countNumber: keep,
          },
          action: { type: "expire" },
        },
      ],
    });
    const repositories: Record<string, Repository> = {};
    props.repositories.forEach((service) => {
      repositories[service] = new Repository(this, service, {
        name: repositoryName(service),
        keyArn: this.key.arn,
        forceDelete: props.forceDelete ?? false,
        lifecyclePolicy,
      });
    });
    this.repositories = repositories;

    if (props.replicationRegion !== undefined) {
      new EcrReplicationConfiguration(this, "Replication", {
        replicationConfiguration: {
          rule: [
            {
              destination: [{ region: props.replicationRegion, registryId: caller.accountId }],
              repositoryFilter: [{ filter: `${props.naming.prefix}/`, filterType: "PREFIX_MATCH" }],
            },
          ],
        },
      });
    }
  }

  /** The repository of `service`; throws naming the known services when there is none. */
  repository(service: string): Repository {
    const found = this.repositories[service];
    if (!found) {
      throw new ValidationError(`repository lookup on ${this.node.path}`, [
        { field: "service", given: service, allowed: `no repository for ${JSON.stringify(service)}; it has ${Object.keys(this.repositories).join(", ")}` },
      ]);
    }
    return found;
  }
}
