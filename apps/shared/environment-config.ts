import { BackupConfig, checkBackupConfig } from "@qod/backup";
import { checkEnvironmentBase, EnvironmentBase, ProblemCollector, Problem, SectionContext, ValidationError } from "@qod/core";
import { checkRegistriesAcrossEnvironments, checkRegistryConfig, RegistryConfig } from "@qod/ecr";
import { checkClusterConfig, ClusterConfig } from "@qod/eks";
import { AddOnsConfig, checkAddOnsConfig } from "@qod/helm-addons";
import { checkDatabaseConfig, DatabaseConfig } from "@qod/rds";
import { checkNetworkConfig, checkNetworkOverlaps, NetworkConfig } from "@qod/vpc";
import { checkWorkloadsConfig, WorkloadsConfig } from "@qod/workloads";

/**
 * One environment (dev, prod, …): the shared part (`core`) plus one section per package, each
 * declared and validated by the package that uses it. Written as a literal in
 * `apps/<env>/config.ts` and validated once by {@link validateEnvironmentConfigs} before any
 * construct exists.
 */
export interface EnvironmentConfig extends EnvironmentBase, NetworkConfig {
  /** The EKS cluster (`@qod/eks`). */
  readonly cluster: ClusterConfig;
  /** ECR repositories (`@qod/ecr`). */
  readonly registry: RegistryConfig;
  /** RDS PostgreSQL (`@qod/rds`). */
  readonly database: DatabaseConfig;
  /** AWS Backup plan and disaster-recovery copies (`@qod/backup`). */
  readonly backup: BackupConfig;
  /** The platform add-ons of the `<env>-platform` stack (`@qod/helm-addons`). */
  readonly addons: AddOnsConfig;
  /** The services of the `<env>-apps` stack (`@qod/workloads`). */
  readonly workloads: WorkloadsConfig;
}

/** The add-ons the apps stack builds on, with what for. */
export const ADDONS_THE_APPS_NEED = {
  awsLoadBalancerController: "the ALB of the Ingresses and the pods' readiness gates",
  externalSecrets: "the api's database URL from the RDS-managed secret",
  kubePrometheusStack: "the ServiceMonitor CRD and the Prometheus that scrapes the api",
  metricsServer: "the resource metrics the HPAs scale on",
} as const;

/**
 * Checks one environment config and returns every problem found (empty when valid): the shared
 * part, each package's section, then the rules that relate sections to each other. Field paths
 * are prefixed with `prefix` (e.g. `dev`).
 */
export function findConfigProblems(config: EnvironmentConfig, prefix = config?.name ?? "config"): readonly Problem[] {
  const p = new ProblemCollector("environment config");
  const f = (field: string) => `${prefix}.${field}`;
  const c = (config ?? {}) as Partial<EnvironmentConfig>;
  const context: SectionContext = { production: c.production === true, region: c.region };

  checkEnvironmentBase(p, prefix, c);
  checkNetworkConfig(p, prefix, c, context);
  checkClusterConfig(p, f("cluster"), c.cluster, context);
  checkBackupConfig(p, f("backup"), c.backup, context);
  checkRegistryConfig(p, f("registry"), c.registry, context);
  // Between sections: replication needs the DR region the backup section names.
  if (c.registry?.replicateToDr === true && !c.backup?.drRegion) {
    p.add(f("registry.replicateToDr"), c.registry.replicateToDr, "a DR region (backup.drRegion) to replicate to, or false");
  }
  checkDatabaseConfig(p, f("database"), c.database, context);
  checkAddOnsConfig(p, f("addons"), c.addons, context);
  // Between sections: ExternalDNS writes to the environment's hosted zone, so it needs one.
  if (c.addons?.externalDns !== undefined && c.hostedZone === undefined) {
    p.add(f("addons.externalDns"), c.addons.externalDns, "a hostedZone for the environment ({ id, name } of its public Route 53 zone), or no externalDns");
  }
  checkWorkloadsConfig(p, f("workloads"), c.workloads, {
    ...context,
    domain: typeof c.domain === "string" ? c.domain : undefined,
    repositories: Array.isArray(c.registry?.repositories) ? c.registry.repositories : undefined,
  });
  // Between sections: the services are public over HTTPS (a certificate needs the hosted zone)
  // and build on add-ons of the platform stack.
  if (c.workloads !== undefined && c.hostedZone === undefined) {
    p.add(f("hostedZone"), c.hostedZone, "the environment's public hosted zone ({ id, name }): the ALB's certificate for the workloads' hosts is validated there");
  }
  if (c.workloads !== undefined && c.addons !== undefined && typeof c.addons === "object") {
    for (const [key, why] of Object.entries(ADDONS_THE_APPS_NEED)) {
      if (c.addons[key as keyof AddOnsConfig] === undefined) p.add(f(`addons.${key}`), undefined, `installed ({}): the workloads need it for ${why}`);
    }
  }
  return p.problems;
}

/**
 * Validates every environment at once and throws one {@link ValidationError} listing every
 * problem across all of them. Also rejects two environments with the same name.
 */
export function validateEnvironmentConfigs(configs: readonly EnvironmentConfig[]): void {
  const all = new ProblemCollector("environment config");
  configs.forEach((config, i) => {
    all.merge(findConfigProblems(config, config?.name ?? `environments[${i}]`));
  });
  const names = configs.map((c) => c?.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) all.add(`environments[${i}].name`, name, "a name no other environment uses");
  });
  // Between environments: ranges that may be peered, ECR's one replication per account and
  // region, and where a DR environment's images come from.
  const placed = configs.map((c, i) => ({ ...c, field: c?.name ?? `environments[${i}]`, drRegion: c?.backup?.drRegion }));
  checkNetworkOverlaps(all, placed);
  checkRegistriesAcrossEnvironments(all, placed);
  all.throwIfAny();
}

/** Validates one environment; throws a {@link ValidationError} naming every problem. */
export function validateEnvironmentConfig(config: EnvironmentConfig): void {
  validateEnvironmentConfigs([config]);
}
