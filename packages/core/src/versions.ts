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
  },
  eks: {
    kubernetes: {
      version: "1.35",
      chosen: "2026-11-22",
      note: "newest EKS minor with standard support until 2027-03-27",
    },
  },
  /** EKS managed add-ons for the Kubernetes version above (`aws eks describe-addon-versions`). */
  eksAddons: {
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
  providers: Record<string, PinnedVersion>;
  eks: Record<string, PinnedVersion>;
  eksAddons: Record<string, PinnedVersion>;
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
