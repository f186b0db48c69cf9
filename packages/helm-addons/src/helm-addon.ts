import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Release } from "@cdktf/provider-helm/lib/release";
import { checkKubernetesName, ProblemCollector, VERSIONS } from "@qod/core";
import { ClusterIdentity, createServiceAccountRole, ServiceAccountRole } from "@qod/eks";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { checkChartVersion, checkServiceAccountValues, checkTimeout } from "./config";
import { deepMerge, HelmValues, renderValues, withValueAt } from "./values";

/** What every add-on knows of the cluster it is installed on. */
export interface AddOnContext {
  /** The cluster and its OIDC provider, for IRSA roles. */
  readonly cluster: ClusterIdentity;
  /** The cluster's region (passed to controllers explicitly: pods cannot reach IMDS with hop limit 1). */
  readonly region: string;
  /** The AWS partition (`aws`, `aws-cn`, …), for ARNs. */
  readonly partition: string;
  /** The environment's account. */
  readonly accountId: string;
  /** The cluster's VPC. */
  readonly vpcId: string;
  /** The cluster's Kubernetes minor, e.g. `1.35`. */
  readonly kubernetesVersion: string;
  /** Production rules apply (more replicas, stricter DNS policy, retained volumes). */
  readonly production: boolean;
}

/** What installing an add-on made: what later add-ons wait for, and the pieces tests read. */
export interface AddOnInstallation {
  /** Everything a dependent add-on's `depends_on` lists. */
  readonly resources: readonly ITerraformDependable[];
  /** The Helm release, for Helm add-ons. */
  readonly release?: Release;
  /** The add-on's IAM role, when it calls AWS. */
  readonly role?: ServiceAccountRole;
}

/**
 * Something the platform stack installs on a cluster. Names are unique per cluster; an add-on
 * declares the add-ons it needs (installed first, its release `depends_on` them) and the ones it
 * cannot run next to. {@link PlatformAddOns} checks both before anything is built.
 */
export abstract class PlatformAddOn {
  /** Unique name, e.g. `external-dns` (also the Helm release name and the construct id). */
  public abstract readonly name: string;
  /** Add-ons that must be installed first. */
  public readonly dependsOn: readonly string[] = [];
  /** Add-ons that must not be installed next to this one. */
  public readonly conflictsWith: readonly string[] = [];

  /** Creates the add-on's resources under `scope`, after `after`. */
  public abstract install(scope: Construct, context: AddOnContext, after: readonly ITerraformDependable[]): AddOnInstallation;
}

/** The service account a chart creates and where its values name it. */
export interface ChartServiceAccount {
  /** The service account's name; the IAM role trusts exactly `<namespace>:<name>`. */
  readonly name: string;
  /**
   * Path of the chart's service-account block in its values (`["serviceAccount"]`, or
   * `["rbac", "serviceAccount"]` for cluster-autoscaler): `create`, `name` and `annotations` below it.
   */
  readonly valuesPath: readonly string[];
}

/** Default props of a Helm add-on: the pinned chart and where it is installed. */
export interface HelmAddOnProps {
  /** Add-on name; also the release name and the key of its pin in `VERSIONS.charts`. */
  readonly name: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Chart repository URL. */
  readonly repository: string;
  /**
   * Exact chart version (`1.2.3`); ranges, `latest` and partial versions are refused.
   * @default VERSIONS.charts[name].version
   */
  readonly version?: string;
  /** Namespace of the release (created when missing). */
  readonly namespace: string;
  /**
   * Values deep-merged over the add-on's defaults, last: they win on every key they name.
   * @default {}
   */
  readonly values?: HelmValues;
  /**
   * How long Helm waits for the release to become ready before it rolls back.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

/** Options every Helm add-on accepts from its user. */
export interface HelmAddOnOptions {
  /**
   * Exact chart version, overriding the pin in `VERSIONS.charts`.
   * @default the pinned version
   */
  readonly version?: string;
  /**
   * Values deep-merged over the add-on's defaults.
   * @default {}
   */
  readonly values?: HelmValues;
  /**
   * Seconds Helm waits for the release before rolling it back.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

/**
 * A platform add-on installed as one Helm release, following cdk-eks-blueprints' HelmAddOn:
 * default props pin the chart (name, repository, exact version from `VERSIONS.charts`,
 * namespace, release name); user values are deep-merged over the add-on's defaults, last, and
 * rendered with a YAML library; props are cloned, so reusing one props object for several
 * stacks cannot leak changes between them.
 *
 * An add-on that calls AWS names its {@link ChartServiceAccount} and its IAM statements: the
 * role comes from `@qod/eks`'s service-account-role helper and trusts exactly the namespace and
 * service account the values create, because the same fields write both (user values cannot
 * change them; see {@link checkServiceAccountValues}).
 */
export abstract class HelmAddOn extends PlatformAddOn {
  public readonly name: string;
  /** The props the add-on was built with (a private copy). */
  public readonly props: Readonly<HelmAddOnProps> & { readonly version: string };
  /** The service account the chart creates and the add-on's role trusts, if it calls AWS. */
  public readonly serviceAccount?: ChartServiceAccount;

  protected constructor(props: HelmAddOnProps, serviceAccount?: ChartServiceAccount) {
    super();
    const own = structuredClone(props);
    const pinned = (VERSIONS.charts as Record<string, { version: string } | undefined>)[own.name]?.version;
    const version = own.version ?? pinned;
    const p = new ProblemCollector(`add-on ${own.name}`);
    checkKubernetesName(p, "name", own.name);
    checkKubernetesName(p, "namespace", own.namespace);
    if (version === undefined) {
      p.add("version", version, `an exact chart version; "${own.name}" has no pin in VERSIONS.charts, so pass one`);
    } else {
      checkChartVersion(p, "version", version);
    }
    if (own.timeoutSeconds !== undefined) checkTimeout(p, "timeoutSeconds", own.timeoutSeconds);
    checkServiceAccountValues(p, "values", own.values, own.namespace, serviceAccount);
    p.throwIfAny();
    this.name = own.name;
    this.props = { ...own, version: version as string };
    this.serviceAccount = serviceAccount ? structuredClone(serviceAccount) : undefined;
  }

  /** The chart's values this add-on needs on this cluster, before the user's are merged over them. */
  protected abstract defaultValues(context: AddOnContext, scope: Construct): HelmValues;

  /** What the add-on's role may do; only called when it has a service account. */
  protected policyStatements(_context: AddOnContext, _scope: Construct): DataAwsIamPolicyDocumentStatement[] {
    return [];
  }

  /** Extra resources a release needs first (a log group, a storage class); `depends_on` lists them. */
  protected prerequisites(_context: AddOnContext, _scope: Construct): ITerraformDependable[] {
    return [];
  }

  /** The values the release is installed with: defaults, identity wiring, then the user's values. */
  public values(context: AddOnContext, scope: Construct, roleArn?: string): HelmValues {
    let values = this.defaultValues(context, scope);
    const sa = this.serviceAccount;
    if (sa) {
      values = withValueAt(values, [...sa.valuesPath, "create"], true);
      values = withValueAt(values, [...sa.valuesPath, "name"], sa.name);
      if (roleArn !== undefined) values = withValueAt(values, [...sa.valuesPath, "annotations", "eks.amazonaws.com/role-arn"], roleArn);
    }
    return deepMerge(values, this.props.values ?? {});
  }

  public install(scope: Construct, context: AddOnContext, after: readonly ITerraformDependable[]): AddOnInstallation {
    const root = new Construct(scope, this.name);
    let role: ServiceAccountRole | undefined;
    if (this.serviceAccount) {
      const policy = new DataAwsIamPolicyDocument(root, "Permissions", { statement: this.policyStatements(context, root) });
      role = createServiceAccountRole(root, "Role", context.cluster, this.props.namespace, this.serviceAccount.name, {
        policyJson: policy.json,
      });
    }
    const prerequisites = this.prerequisites(context, root);
    const release = new Release(root, "Release", {
      name: this.name,
      chart: this.props.chart,
      repository: this.props.repository,
      version: this.props.version,
      namespace: this.props.namespace,
      createNamespace: true,
      values: [renderValues(this.values(context, root, role?.roleArn))],
      // A failed install or upgrade rolls back instead of leaving a half-applied release, and
      // Terraform reports the apply as failed.
      atomic: true,
      cleanupOnFail: true,
      // Wait until the release's workloads are ready, so dependent add-ons find their webhooks,
      // CRDs and APIs serving.
      wait: true,
      waitForJobs: true,
      timeout: this.props.timeoutSeconds ?? 600,
      // Rollback targets without unbounded release secrets.
      maxHistory: 10,
      // The role and its permissions exist before a pod can try to use them; dependencies first.
      dependsOn: [...(role?.grants ?? []), ...prerequisites, ...after],
    });
    return { resources: [release], release, role };
  }
}
