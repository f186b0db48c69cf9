/**
 * The single table of pinned versions. Nothing else in the repository hard-codes a version of
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
} as const satisfies {
  terraform: PinnedVersion;
  providers: Record<string, PinnedVersion>;
  eks: Record<string, PinnedVersion>;
};

/**
 * EKS Kubernetes minors this project accepts, with the end of EKS standard support.
 * A version leaves this table when its standard support ends.
 */
export const SUPPORTED_EKS_VERSIONS: Readonly<Record<string, string>> = {
  "1.34": "2026-12-02",
  "1.35": "2027-03-27",
};
