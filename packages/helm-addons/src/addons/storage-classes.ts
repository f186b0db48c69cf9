import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { AddOnContext, AddOnInstallation, PlatformAddOn } from "../helm-addon";

/** The default StorageClass: encrypted gp3. */
export const DEFAULT_STORAGE_CLASS = "gp3";
/** Encrypted gp3 whose volumes carry the AWS Backup selection tag: for data worth restoring. */
export const BACKED_UP_STORAGE_CLASS = "gp3-backup";

export interface StorageClassesProps {
  /** The tag that puts a volume into the environment's backup plan (`{ backup: "<plan>" }`). */
  readonly backupTag: { readonly key: string; readonly value: string };
}

/**
 * The cluster's storage classes, both on the EBS CSI driver (an EKS add-on of the infra stack):
 * `gp3`, the default (EKS no longer marks `gp2` default on clusters created at 1.30 or later, so
 * `gp3` is the only default), and `gp3-backup`, whose volumes are tagged for AWS Backup. Both
 * encrypt (the account's EBS key), bind when a pod is scheduled (`WaitForFirstConsumer`, so the
 * volume lands in the pod's zone) and can grow. Production retains released volumes.
 */
export class StorageClasses extends PlatformAddOn {
  public readonly name = "storage-classes";
  private readonly props: StorageClassesProps;

  constructor(props: StorageClassesProps) {
    super();
    this.props = structuredClone(props);
  }

  public install(scope: Construct, context: AddOnContext, after: readonly ITerraformDependable[]): AddOnInstallation {
    const root = new Construct(scope, this.name);
    const storageClass = (id: string, name: string, isDefault: boolean, extra: Record<string, string>) =>
      new StorageClassV1(root, id, {
        metadata: {
          name,
          annotations: { "storageclass.kubernetes.io/is-default-class": String(isDefault) },
        },
        storageProvisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4", ...extra },
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: context.production ? "Retain" : "Delete",
        dependsOn: [...after],
      });
    const gp3 = storageClass("Default", DEFAULT_STORAGE_CLASS, true, {});
    const backedUp = storageClass("BackedUp", BACKED_UP_STORAGE_CLASS, false, {
      tagSpecification_1: `${this.props.backupTag.key}=${this.props.backupTag.value}`,
    });
    return { resources: [gp3, backedUp] };
  }
}
