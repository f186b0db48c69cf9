/** The helm-addons module (modules/helm-addons) against the production platform it stands for. */
import { BACKUP_TAG_KEY } from "@qod/backup";
import { ADDON_KEYS, helmAddOnsModule } from "@qod/helm-addons";
import { prod } from "../prod/config";

describe("the helm-addons module", () => {
  it("installs the add-ons prod's platform installs, with prod's options as its defaults", () => {
    const variables = helmAddOnsModule.variables;
    expect(Object.keys(prod.addons).sort()).toEqual([...ADDON_KEYS].sort());
    expect(prod.addons.externalDns?.policy).toBe("upsert-only");
    expect(variables.prometheus_retention_days.default).toBe(prod.addons.kubePrometheusStack?.retentionDays);
    expect(variables.prometheus_storage_gib.default).toBe(prod.addons.kubePrometheusStack?.storageGiB);
    expect(variables.container_log_retention_days.default).toBe(prod.addons.fluentBit?.logRetentionDays);
    expect(variables.kubernetes_version.default).toBe(prod.cluster.kubernetesVersion);
  });

  it("tags backed-up volumes with the backup plan's selection tag key by default", () => {
    expect(helmAddOnsModule.variables.backup_tag_key.default).toBe(BACKUP_TAG_KEY);
  });
});
