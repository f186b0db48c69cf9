import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { checkKubernetesName, MAX_ROLE_NAME_LENGTH, movedFrom, ProblemCollector, ValidationError } from "@qod/core";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { arnName, constructKey } from "./config";

/** The audience EKS-issued service-account tokens carry for STS. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** What a service account may do in AWS: an inline policy, managed policies, or both. */
export interface ServiceAccountPermissions {
  /** An IAM policy document (JSON) attached inline. */
  readonly policyJson?: string;
  /** ARNs of managed policies to attach (prefer AWS-managed ones that fit exactly). */
  readonly managedPolicyArns?: readonly string[];
}

export interface ServiceAccountRoleProps extends ServiceAccountPermissions {
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`). */
  readonly oidcIssuerUrl: string;
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly serviceAccount: string;
  /** IAM role name. */
  readonly roleName: string;
}

/**
 * An IAM role that exactly one Kubernetes service account can assume through IRSA: the trust
 * policy pins the token's subject (`system:serviceaccount:<namespace>:<name>`) and audience
 * (`sts.amazonaws.com`), so no other pod, namespace or token audience can use it.
 */
export class ServiceAccountRole extends Construct {
  public readonly role: IamRole;
  public readonly roleArn: string;
  public readonly namespace: string;
  public readonly serviceAccount: string;
  /** The role and everything that grants it permissions: depend on these before a pod uses the role. */
  public readonly grants: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: ServiceAccountRoleProps) {
    super(scope, id);
    const p = new ProblemCollector(`service account role at ${this.node.path}`);
    checkKubernetesName(p, "namespace", props.namespace);
    checkKubernetesName(p, "serviceAccount", props.serviceAccount);
    p.check(
      props.policyJson !== undefined || (props.managedPolicyArns ?? []).length > 0,
      "policyJson / managedPolicyArns",
      undefined,
      "at least one permission: an inline policy or a managed policy ARN",
    );
    // Each attachment is keyed by its policy's name, so reordering the list keeps every address.
    const policyKeys = new Map<string, number>();
    (props.managedPolicyArns ?? []).forEach((arn, i) => {
      const name = arnName(arn);
      if (name === "" || Token.isUnresolved(name)) {
        p.add(`managedPolicyArns[${i}]`, arn, "an ARN whose policy name (after the last /) is known at synth time: each attachment is keyed by it");
        return;
      }
      const first = policyKeys.get(constructKey(name));
      if (first === undefined) policyKeys.set(constructKey(name), i);
      else p.add(`managedPolicyArns[${i}]`, arn, `a policy whose name (${name}) no other managed policy of the role has (managedPolicyArns[${first}])`);
    });
    p.throwIfAny();

    const issuer = Fn.replace(props.oidcIssuerUrl, "https://", "");
    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [props.oidcProviderArn] }],
          condition: [
            {
              test: "StringEquals",
              variable: `${issuer}:sub`,
              values: [`system:serviceaccount:${props.namespace}:${props.serviceAccount}`],
            },
            { test: "StringEquals", variable: `${issuer}:aud`, values: [STS_AUDIENCE] },
          ],
        },
      ],
    });
    this.role = new IamRole(this, "Resource", {
      name: props.roleName,
      description: `IRSA role of ${props.namespace}/${props.serviceAccount}`,
      assumeRolePolicy: trust.json,
      maxSessionDuration: 3600,
    });
    this.grants.push(this.role);
    if (props.policyJson !== undefined) {
      this.grants.push(new IamRolePolicy(this, "Policy", { role: this.role.id, name: "permissions", policy: props.policyJson }));
    }
    (props.managedPolicyArns ?? []).forEach((arn, i) => {
      const attachment = new IamRolePolicyAttachment(this, `ManagedPolicy-${constructKey(arnName(arn))}`, { role: this.role.name, policyArn: arn });
      movedFrom(attachment, `ManagedPolicy${i}`); // the index-keyed address of earlier versions
      this.grants.push(attachment);
    });
    this.roleArn = this.role.arn;
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount;
  }
}

/** What a stack needs of a cluster to give its service accounts IAM roles (IRSA). */
export interface ClusterIdentity {
  /** The cluster's name (a literal: role names are derived from it). */
  readonly clusterName: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL. */
  readonly oidcIssuerUrl: string;
}

/**
 * The role name of `namespace/serviceAccount` on a cluster: `<cluster>-<namespace>-<serviceAccount>`,
 * so a role says whose it is. Throws when the names are invalid or the role name is too long.
 */
export function serviceAccountRoleName(clusterName: string, namespace: string, serviceAccount: string, subject = "serviceAccountRole"): string {
  const p = new ProblemCollector(`${subject}(${JSON.stringify(namespace)}, ${JSON.stringify(serviceAccount)})`);
  checkKubernetesName(p, "namespace", namespace);
  checkKubernetesName(p, "serviceAccount", serviceAccount);
  const roleName = `${clusterName}-${namespace}-${serviceAccount}`;
  if (Token.isUnresolved(clusterName)) {
    // A cluster name only Terraform knows (a generated module's variable): the length is its to check.
    p.add("clusterName", clusterName, `a cluster name short enough that "<cluster>-${namespace}-${serviceAccount}" fits IAM's ${MAX_ROLE_NAME_LENGTH} characters`);
  }
  p.throwIfAny();
  if (!Token.isUnresolved(clusterName) && roleName.length > MAX_ROLE_NAME_LENGTH) {
    throw new ValidationError(subject, [
      {
        field: "namespace/serviceAccount",
        given: `${namespace}/${serviceAccount}`,
        allowed: `names short enough that the role name "${roleName}" fits IAM's ${MAX_ROLE_NAME_LENGTH} characters`,
      },
    ]);
  }
  return roleName;
}

/**
 * The one way this project gives a pod AWS access: a {@link ServiceAccountRole} named
 * `<cluster>-<namespace>-<serviceAccount>` that only that service account of that cluster can
 * assume. {@link EksCluster.serviceAccountRole} uses it inside the infra stack; later stacks call
 * it with the cluster's identity read from the infra stack's outputs.
 */
export function createServiceAccountRole(
  scope: Construct,
  id: string,
  cluster: ClusterIdentity,
  namespace: string,
  serviceAccount: string,
  permissions: ServiceAccountPermissions,
): ServiceAccountRole {
  const roleName = serviceAccountRoleName(cluster.clusterName, namespace, serviceAccount, `serviceAccountRole at ${scope.node.path}`);
  return new ServiceAccountRole(scope, id, {
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    namespace,
    serviceAccount,
    roleName,
    ...permissions,
  });
}
