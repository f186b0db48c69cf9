/**
 * The single table of pinned versions. Nothing else in the project hard-codes a version of
 * a provider, Kubernetes, a chart or an add-on: constructs read it from here.
 *
 * Every entry records the day it was chosen so a reviewer can see how stale it is.
 */
export interface PinnedVersion {
  readonly version: string;
  /** ISO date (YYYY-MM-DD) the version was chosen. */
  readonly chosen: string;
  /** Why this version, or where it comes from. */
  readonly note: string;
}

export const VERSIONS = {
  terraform: {
    version: ">= 1.10.0",
    chosen: "2026-11-22",
    note: "S3 backend native locking (use_lockfile) needs Terraform 1.10 or later",
  },
  actionlint: {
    version: "1.7.12",
    chosen: "2026-11-23",
    note: "github.com/rhysd/actionlint v1.7.12, released 2026-03-30 (newest on the Go module proxy); `npm run workflows:check` builds it with go install and lints .github/workflows, with shellcheck over run: scripts when it is on PATH",
  },
  providers: {
    aws: {
      version: "6.25.0",
      chosen: "2026-11-22",
      note: "fixed by @cdktf/provider-aws 21.22.1 (last release; archived upstream 2025-12-10)",
    },
    kubernetes: {
      version: "2.38.0",
      chosen: "2026-11-22",
      note: "fixed by @cdktf/provider-kubernetes 12.1.1",
    },
    helm: {
      version: "3.1.1",
      chosen: "2026-11-22",
      note: "fixed by @cdktf/provider-helm 12.1.2 (helm 3.x: set and kubernetes are attributes)",
    },
    random: {
      version: "3.9.0",
      chosen: "2026-11-23",
      note: "hashicorp/random v3.9.0, released 2026-05-12 (CHANGELOG of hashicorp/terraform-provider-random; newest 3.x found); no binding package: random_id is declared with cdktf's generic TerraformResource and the pin through requireProvider",
    },
  },
  eks: {
    kubernetes: {
      version: "1.35",
      chosen: "2026-11-22",
      note: "newest EKS minor with standard support until 2027-03-27",
    },
  },
  /**
   * EKS managed add-ons per Kubernetes minor (`aws eks describe-addon-versions --kubernetes-version
   * <minor>`): a build is only valid on the minors it lists, so a cluster installs the row of its
   * own `kubernetesVersion`. Every minor in SUPPORTED_EKS_VERSIONS needs a row with every add-on;
   * a minor without one is not supported (validation refuses it).
   */
  eksAddons: {
    "1.34": {
      "vpc-cni": {
        version: "v1.22.4-eksbuild.3",
        chosen: "2026-11-23",
        note: "the same build as on 1.35: EKS's default for 1.34 per describe-addon-versions (2026-09-26, quoted in public repos pinning 1.34 clusters); the VPC CNI is not tied to a minor",
      },
      "kube-proxy": {
        version: "v1.34.6-eksbuild.2",
        chosen: "2026-11-23",
        note: "EKS user guide, managing-kube-proxy: the 1.34 row of the table whose 1.35 row is v1.35.3-eksbuild.2",
      },
      coredns: {
        version: "v1.13.2-eksbuild.7",
        chosen: "2026-11-23",
        note: "EKS user guide, managing-coredns: the 1.34 row of the table whose 1.35 row is v1.14.2-eksbuild.4",
      },
      "aws-ebs-csi-driver": {
        version: "v1.63.1-eksbuild.1",
        chosen: "2026-11-23",
        note: "pinned next to kube-proxy v1.34.6 in public repos running 1.34; the driver is not tied to a minor; confirm with aws eks describe-addon-versions before an upgrade",
      },
    },
    "1.35": {
      "vpc-cni": {
        version: "v1.22.4-eksbuild.3",
        chosen: "2026-11-22",
        note: "listed compatible with 1.35 by EKS upgrade insights (2026-07); v1.23.0 exists, not yet adopted",
      },
      "kube-proxy": {
        version: "v1.35.3-eksbuild.2",
        chosen: "2026-11-22",
        note: "EKS user guide, managing-kube-proxy: the 1.35 row",
      },
      coredns: {
        version: "v1.14.2-eksbuild.4",
        chosen: "2026-11-22",
        note: "EKS user guide, managing-coredns: the 1.35 row",
      },
      "aws-ebs-csi-driver": {
        version: "v1.63.1-eksbuild.1",
        chosen: "2026-11-22",
        note: "pinned on 1.35 clusters in public repos; confirm with aws eks describe-addon-versions before an upgrade",
      },
    },
  },
  /**
   * Helm charts of the platform add-ons, by add-on name: exact chart versions (Helm takes ranges;
   * this project never does). Chart hosts cannot be reached from the build machines, so
   * each note names where the version was read and what it says about Kubernetes support.
   */
  charts: {
    "aws-load-balancer-controller": {
      version: "3.5.0",
      chosen: "2026-11-23",
      note: "controller v3.5.0, released 2026-08-03 (aws/eks-charts stable/aws-load-balancer-controller @5239609, index.yaml); built on client-go 0.36, no upper Kubernetes bound in its install docs; IAM policy from its docs/install/iam_policy.json at v3.5.0",
    },
    "external-dns": {
      version: "1.21.1",
      chosen: "2026-11-23",
      note: "app 0.21.0, released 2026-04-30 (kubernetes-sigs/external-dns tag external-dns-helm-chart-1.21.1); built on client-go 0.35; policy set explicitly (the next chart makes it required)",
    },
    "cluster-autoscaler": {
      version: "9.59.0",
      chosen: "2026-11-23",
      note: "released 2026-07-21 (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0); the image tag is overridden per Kubernetes minor from clusterAutoscalerImage",
    },
    "metrics-server": {
      version: "3.13.1",
      chosen: "2026-11-23",
      note: "app 0.8.1, released 2026-06-11 (kubernetes-sigs/metrics-server tag metrics-server-helm-chart-3.13.1); 0.8.x supports Kubernetes 1.31+ per its compatibility matrix",
    },
    "kube-prometheus-stack": {
      version: "88.5.3",
      chosen: "2026-11-23",
      note: "operator v0.93.1, released 2026-08-21 (prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3); Grafana subchart 12.11.1 generates the admin password and keeps it via lookup",
    },
    "external-secrets": {
      version: "2.9.0",
      chosen: "2026-11-23",
      note: "released 2026-08-08 (external-secrets/external-secrets tag helm-chart-2.9.0); upstream supports only the newest minor; kubeVersion >= 1.19; serves external-secrets.io/v1 only",
    },
    raw: {
      version: "2.0.2",
      chosen: "2026-11-23",
      note: "bedag/raw, released 2025-09-25 (bedag/helm-charts tag raw-2.0.2, still latest 2026-07); installs External Secrets' ClusterSecretStore after the operator's CRDs",
    },
    "fluent-bit": {
      version: "0.2.0",
      chosen: "2026-11-23",
      note: "aws-for-fluent-bit chart, AWS for Fluent Bit 3.2.1, released 2026-02-03 (aws/eks-charts commit 2942cdc); a DaemonSet on stable APIs only",
    },
    "vertical-pod-autoscaler": {
      version: "0.11.0",
      chosen: "2026-11-23",
      note: "official chart (kubernetes/autoscaler tag vertical-pod-autoscaler-chart-0.11.0, 2026-07-26), VPA 1.7.1 (Kubernetes 1.28+); its README still calls the chart under development, acceptable with the recommender only",
    },
  },
  /**
   * The Cluster Autoscaler image per Kubernetes minor: its minor must equal the cluster's
   * (upstream supports only that pairing). Every minor in SUPPORTED_EKS_VERSIONS needs a row.
   */
  clusterAutoscalerImage: {
    "1.34": {
      version: "v1.34.5",
      chosen: "2026-11-23",
      note: "newest 1.34 release, 2026-07-22 (kubernetes/autoscaler tag cluster-autoscaler-1.34.5)",
    },
    "1.35": {
      version: "v1.35.2",
      chosen: "2026-11-23",
      note: "newest 1.35 release, 2026-07-22 (kubernetes/autoscaler tag cluster-autoscaler-1.35.2)",
    },
  },
  rds: {
    postgres: {
      version: "18",
      chosen: "2026-11-22",
      note: "newest RDS PostgreSQL major; the major only, so auto minor upgrades (18.3+) do not fight Terraform",
    },
    parameterGroupFamily: { version: "postgres18", chosen: "2026-11-22", note: "matches the major above" },
    caCertificate: {
      version: "rds-ca-rsa2048-g1",
      chosen: "2026-11-22",
      note: "current RDS CA (RSA2048, server certificates rotate automatically); rds-ca-2019 expired 2024-08",
    },
  },
} as const satisfies {
  terraform: PinnedVersion;
  actionlint: PinnedVersion;
  providers: Record<string, PinnedVersion>;
  eks: Record<string, PinnedVersion>;
  eksAddons: Record<string, Record<string, PinnedVersion>>;
  charts: Record<string, PinnedVersion>;
  clusterAutoscalerImage: Record<string, PinnedVersion>;
  rds: Record<string, PinnedVersion>;
};

/**
 * EKS Kubernetes minors this project accepts, with the end of EKS standard support.
 * A version leaves this table when its standard support ends.
 */
export const SUPPORTED_EKS_VERSIONS: Readonly<Record<string, string>> = {
  "1.34": "2026-12-02",
  "1.35": "2027-03-27",
};
