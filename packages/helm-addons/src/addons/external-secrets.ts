import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Release } from "@cdktf/provider-helm/lib/release";
import { VERSIONS } from "@qod/core";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { AddOnContext, AddOnInstallation, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { renderValues, HelmValues } from "../values";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.externalSecrets;

export interface ExternalSecretsProps extends HelmAddOnOptions {
  /** ARN of the one Secrets Manager secret the operator may read (the environment's database credentials). */
  readonly secretArn: string;
  /** ARN of the KMS key that encrypts that secret. */
  readonly secretKeyArn: string;
  /**
   * Name of the ClusterSecretStore that ExternalSecrets reference.
   * @default "aws-secrets-manager"
   */
  readonly storeName?: string;
}

/** The ClusterSecretStore workloads reference to read from Secrets Manager. */
export const DEFAULT_SECRET_STORE = "aws-secrets-manager";

/**
 * External Secrets Operator: copies secrets from AWS Secrets Manager into Kubernetes Secrets, so
 * workloads read the database credentials RDS manages without them ever passing through
 * Terraform. Its role can read exactly one secret (and decrypt it with its key, only through
 * Secrets Manager). A second release installs the `ClusterSecretStore` once the operator's CRDs
 * exist (a plain manifest would need the CRDs at plan time, before the operator is installed).
 */
export class ExternalSecrets extends HelmAddOn {
  private readonly secret: { arn: string; keyArn: string; storeName: string };

  constructor(props: ExternalSecretsProps) {
    const { secretArn, secretKeyArn, storeName, ...options } = props;
    super(
      {
        name: SPEC.name,
        chart: "external-secrets",
        repository: "https://charts.external-secrets.io",
        namespace: SPEC.namespace,
        ...options,
      },
      SPEC.serviceAccount,
    );
    this.secret = { arn: secretArn, keyArn: secretKeyArn, storeName: storeName ?? DEFAULT_SECRET_STORE };
  }

  /** The store's manifest: Secrets Manager in the cluster's region, authenticated as the operator's service account. */
  public clusterSecretStore(context: AddOnContext): HelmValues {
    return {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: this.secret.storeName },
      spec: {
        provider: {
          aws: {
            service: "SecretsManager",
            region: context.region,
            auth: { jwt: { serviceAccountRef: { name: this.serviceAccount!.name, namespace: this.props.namespace } } },
          },
        },
      },
    };
  }

  protected defaultValues(context: AddOnContext): HelmValues {
    return {
      installCRDs: true,
      replicaCount: context.production ? 2 : 1,
      podDisruptionBudget: { enabled: context.production, maxUnavailable: 1 },
      resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      webhook: { replicaCount: context.production ? 2 : 1 },
    };
  }

  protected policyStatements(context: AddOnContext): DataAwsIamPolicyDocumentStatement[] {
    return [
      {
        sid: "ReadTheDatabaseSecret",
        effect: "Allow",
        actions: [
          "secretsmanager:GetSecretValue",
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetResourcePolicy",
          "secretsmanager:ListSecretVersionIds",
        ],
        resources: [this.secret.arn],
      },
      {
        sid: "DecryptThroughSecretsManager",
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [this.secret.keyArn],
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${context.region}.amazonaws.com`] }],
      },
    ];
  }

  public install(scope: Construct, context: AddOnContext, after: readonly ITerraformDependable[]): AddOnInstallation {
    const installed = super.install(scope, context, after);
    const root = scope.node.findChild(this.name);
    const store = new Release(root, "ClusterSecretStore", {
      name: "cluster-secret-store",
      chart: "raw",
      repository: "https://bedag.github.io/helm-charts/",
      version: VERSIONS.charts.raw.version,
      namespace: this.props.namespace,
      values: [renderValues({ resources: [this.clusterSecretStore(context)] })],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: 300,
      maxHistory: 10,
      // The CRDs and the webhook that validates stores come with the operator's release.
      dependsOn: [installed.release!],
    });
    return { ...installed, resources: [installed.release!, store] };
  }
}
