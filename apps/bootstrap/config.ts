import type { BootstrapConfig } from "./state-bucket-stack";

/**
 * The account-wide state bucket, created once with `cdktf deploy bootstrap` (local state).
 * Replace the account id with yours before deploying; every environment's backend points here.
 */
export const bootstrap: BootstrapConfig = {
  project: "qod",
  accountId: "111111111111",
  region: "eu-west-1",
  bucket: "qod-tfstate-111111111111-eu-west-1",
  kmsAlias: "alias/qod-tfstate",
  noncurrentVersionRetentionDays: 90,
  accessLogBucket: "qod-tfstate-logs-111111111111-eu-west-1",
  accessLogRetentionDays: 365,
  tags: { owner: "platform-team" },
};
