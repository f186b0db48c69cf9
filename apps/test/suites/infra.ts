/**
 * The `<env>-infra` stacks of a platform definition, asserted as relations to each environment's
 * config ("the node group honours the config, whatever it is"); concrete values are left to the
 * snapshots. `infra-stack.test.ts` runs it over the real definition, `third-environment.test.ts`
 * over one with an environment added.
 */
import { describe, expect, it } from "vitest";
import { environmentTags } from "@qod/core";
import { deliveryRoleArn } from "@qod/delivery";
import { arnName, CLUSTER_ADMIN_POLICY, CLUSTER_VIEW_POLICY, constructKey, NODE_ROLE_POLICIES } from "@qod/eks";
import { onlyResource, resources, TfJson } from "../../../test/helpers";
import type { EnvironmentConfig } from "../../shared/environment-config";
import { InfraStack } from "../../shared/infra-stack";
import type { PlatformDefinition } from "../../shared/platform";
import { stackName, synthesizedPlatform } from "../synthesized";

/** The `${aws_subnet.<id>.id}` references of one tier, in zone order. */
const subnetRefs = (json: TfJson, tier: string): string[] =>
  Object.entries(json.resource!.aws_subnet)
    .filter(([, s]) => s.tags.tier === tier)
    .map(([id]) => `\${aws_subnet.${id}.id}`);

/** Construct ids end in an 8-hex-digit hash of the construct path; the path is what stays stable. */
const withoutHash = (id: string): string => id.replace(/_[0-9A-F]{8}$/, "");

export function infraSuite(definition: PlatformDefinition, environments: readonly EnvironmentConfig[] = definition.environments): void {
  const synthesized = synthesizedPlatform(definition);

  describe.each(environments.map((e) => [stackName(e, "infra"), e] as const))("%s", (name, config) => {
    const json = synthesized.stack(name);

    it("spreads public, private and database subnets over the configured zones, with the configured NAT gateways", () => {
      const subnets = resources(json, "aws_subnet");
      for (const tier of ["public", "private", "database"]) {
        expect(subnets.filter((s) => s.tags.tier === tier).map((s) => s.availability_zone), tier).toEqual(config.availabilityZones);
      }
      expect(resources(json, "aws_nat_gateway")).toHaveLength(config.natGateways === "per-az" ? config.availabilityZones.length : 1);
      expect(onlyResource(json, "aws_vpc").cidr_block).toBe(config.vpcCidr);
    });

    it("has flow logs, a locked-down default security group and the encrypted, locked S3 backend", () => {
      expect(onlyResource(json, "aws_flow_log").traffic_type).toBe("ALL");
      expect(onlyResource(json, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
      expect(json.terraform!.backend.s3).toMatchObject({
        bucket: config.state.bucket,
        key: `${config.name}/${name}.tfstate`,
        encrypt: true,
        use_lockfile: true,
        kms_key_id: expect.stringMatching(/^arn:aws:kms:/),
      });
    });

    it("exposes the network and cluster outputs the later stacks read, each described", () => {
      expect(Object.keys(json.output!).sort()).toEqual([
        "availability_zones",
        "backup_notifications_topic_arn",
        "backup_selection_tag_value",
        "backup_vault_name",
        "certificate_arn",
        "cluster_certificate_authority_data",
        "cluster_endpoint",
        "cluster_name",
        "cluster_oidc_issuer_url",
        "cluster_oidc_provider_arn",
        "cluster_security_group_id",
        "database_endpoint",
        "database_name",
        "database_parameter_group_name",
        "database_port",
        "database_secret_arn",
        "database_secret_kms_key_arn",
        "database_security_group_id",
        "database_subnet_ids",
        "database_username",
        "node_role_arn",
        "private_subnet_ids",
        "public_subnet_ids",
        "repository_urls",
        "vpc_cidr",
        "vpc_id",
        // Only where the ALB writes access logs (production's default).
        ...(InfraStack.hasLoadBalancerLogs(config) ? ["alb_access_logs_bucket"] : []),
      ].sort());
      for (const [output, value] of Object.entries(json.output!)) expect(value.description, output).toMatch(/^[A-Z].{8,}/);
    });

    it("runs the cluster and every configured node group in the private subnets, at the configured sizes", () => {
      const privateSubnets = subnetRefs(json, "private");
      const cluster = onlyResource(json, "aws_eks_cluster");
      expect(cluster.vpc_config.subnet_ids).toEqual(privateSubnets);
      expect(cluster.name).toBe(`${config.project}-${config.name}-eks`);
      const groups = Object.entries(config.cluster.nodeGroups);
      expect(resources(json, "aws_eks_node_group")).toHaveLength(groups.length);
      for (const [group, options] of groups) {
        const synthesizedGroup = resources(json, "aws_eks_node_group").find((g) => g.node_group_name_prefix === `${group}-`);
        expect(synthesizedGroup, group).toBeDefined();
        expect(synthesizedGroup).toMatchObject({
          subnet_ids: privateSubnets,
          instance_types: options.instanceTypes,
          scaling_config: { min_size: options.minSize, desired_size: options.desiredSize, max_size: options.maxSize },
        });
        // The cluster's version by reference: an upgrade of the control plane rolls the group after it.
        expect(synthesizedGroup.version, group).toMatch(/^\$\{aws_eks_cluster\.[^.]+\.version\}$/);
        expect(synthesizedGroup.release_version, group).toBe(options.releaseVersion);
      }
    });

    it("gives the environment's delivery roles cluster access: the apply role cluster-admin, the plan role read-only, nothing else", () => {
      const entries = resources(json, "aws_eks_access_entry");
      const associations = resources(json, "aws_eks_access_policy_association");
      const policyOf = (arn: string) => associations.filter((a) => a.principal_arn === arn).map((a) => [a.policy_arn.replace(/^.*\//, ""), a.access_scope.type]);
      const planRole = deliveryRoleArn(config.accountId, config.project, config.name, "plan");
      const applyRole = deliveryRoleArn(config.accountId, config.project, config.name, "apply");
      const pushRole = deliveryRoleArn(config.accountId, config.project, config.name, "push");
      if (definition.delivery?.environments[config.name]) {
        expect(policyOf(applyRole)).toEqual([[CLUSTER_ADMIN_POLICY, "cluster"]]);
        expect(policyOf(planRole)).toEqual([[CLUSTER_VIEW_POLICY, "cluster"]]);
        for (const role of [applyRole, planRole]) expect(entries.filter((e) => e.principal_arn === role), role).toHaveLength(1);
      }
      // The push role never reaches the cluster; no other environment's role does.
      expect(entries.filter((e) => e.principal_arn === pushRole)).toEqual([]);
      const github = entries.map((e) => e.principal_arn as string).filter((arn) => arn.includes("-github-"));
      expect(github.every((arn) => arn.startsWith(`arn:aws:iam::${config.accountId}:role/${config.project}-${config.name}-github-`))).toBe(true);
    });

    it("opens the API endpoint publicly exactly to the configured ranges, and protects production clusters from deletion", () => {
      const cluster = onlyResource(json, "aws_eks_cluster");
      const cidrs = config.cluster.endpointPublicAccessCidrs;
      expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: cidrs.length > 0 });
      if (cidrs.length > 0) expect(cluster.vpc_config.public_access_cidrs).toEqual(cidrs);
      expect(cluster.deletion_protection).toBe(config.production);
    });

    it("keeps the Terraform addresses of what holds data or takes long to rebuild", () => {
      // Renaming a construct id changes these: Terraform then replaces the cluster, or destroys
      // (or orphans) the database, the vault and the repositories.
      const r = json.resource!;
      expect(Object.keys(r.aws_eks_cluster)).toEqual(["Cluster_EB0386A7"]);
      expect(Object.keys(r.aws_vpc)).toEqual(["Network_1C6012B5"]);
      expect(Object.keys(r.aws_db_instance)).toEqual(["Database_B269D8BB"]);
      expect(Object.keys(r.aws_backup_vault)).toContain("Backup_Vault_D1FD0DC4");
      expect(Object.keys(r.aws_eks_node_group).map(withoutHash).sort()).toEqual(Object.keys(config.cluster.nodeGroups).map((g) => `Cluster_NodeGroup-${g}`).sort());
      // A DR environment reads its source's replicas instead of managing repositories.
      const repositories = config.registry.replicasOf ? json.data!.aws_ecr_repository : r.aws_ecr_repository;
      expect(Object.keys(repositories).map(withoutHash).sort()).toEqual(config.registry.repositories.map((repo) => `Registry_${repo}`).sort());
      // List-derived resources are keyed by name, never by position: reordering a list moves nothing.
      const access = InfraStack.deliveryAccess(config, definition.delivery);
      expect(Object.keys(r.aws_eks_access_entry).map(withoutHash).sort()).toEqual(
        [
          ...[...config.cluster.adminPrincipalArns, ...access.admins].map((arn) => `Cluster_AdminAccess-${constructKey(arnName(arn))}`),
          ...access.viewers.map((arn) => `Cluster_ViewerAccess-${constructKey(arnName(arn))}`),
        ].sort(),
      );
      for (const tier of ["Public", "Private", "Database"]) {
        const subnets = Object.entries(r.aws_subnet).filter(([id]) => id.startsWith(`Network_${tier}Subnet-`));
        expect(subnets.map(([id, subnet]) => [withoutHash(id), subnet.availability_zone]), tier).toEqual(
          config.availabilityZones.map((zone) => [`Network_${tier}Subnet-${zone.slice(-1)}`, zone]),
        );
      }
    });

    it("keys list-derived resources by a stable name, not a position: email subscriptions by address, database ingress by source", () => {
      const r = json.resource!;
      const subscriptions = Object.entries(r.aws_sns_topic_subscription ?? {});
      expect(subscriptions.map(([id, s]) => [withoutHash(id), s.endpoint]).sort()).toEqual(
        config.backup.notificationEmails.map((email) => [`Backup_Email-${email.replace(/[^A-Za-z0-9_-]/g, "")}`, email]).sort(),
      );
      expect(Object.keys(r.aws_vpc_security_group_ingress_rule).filter((id) => id.startsWith("Database_")).map(withoutHash)).toEqual(["Database_IngressFrom-cluster"]);
    });

    it("tags the cluster security group EKS creates with the environment's tags, and for Karpenter only where configured", () => {
      const tags = resources(json, "aws_ec2_tag");
      for (const tag of tags) expect(tag.resource_id).toMatch(/^\$\{aws_eks_cluster\.Cluster_EB0386A7\.vpc_config(\[0\])?\.cluster_security_group_id\}$/);
      const discovery = config.cluster.karpenterDiscovery ? { "karpenter.sh/discovery": InfraStack.clusterName(config) } : {};
      expect(Object.fromEntries(tags.map((t) => [t.key, t.value]))).toEqual({ ...environmentTags(config), ...discovery });
      const privateSubnets = resources(json, "aws_subnet").filter((s) => s.tags.tier === "private");
      for (const subnet of privateSubnets) expect(subnet.tags["karpenter.sh/discovery"]).toBe(discovery["karpenter.sh/discovery"]);
    });

    it("moves the index-keyed addresses of earlier versions to resources the stack declares", () => {
      const moves = json.moved ?? [];
      expect(moves.length).toBeGreaterThan(0);
      const declared = (address: string) => {
        const [type, id] = address.split(".");
        return json.resource?.[type]?.[id] !== undefined;
      };
      for (const move of moves) {
        expect(declared(move.to), move.to).toBe(true);
        expect(declared(move.from), move.from).toBe(false);
        expect(move.from, move.to).toMatch(/(Subnet|RouteTable|NatEip|NatGateway|AdminAccess|ManagedPolicy|Email|IngressFrom)\d/);
      }
    });

    it("admits the configured admin network to the private API endpoint on 443, and nothing else to the cluster security group", () => {
      const clusterSecurityGroup = /^\$\{aws_eks_cluster\.Cluster_EB0386A7\.vpc_config(\[0\])?\.cluster_security_group_id\}$/;
      const rules = resources(json, "aws_vpc_security_group_ingress_rule").filter((r) => clusterSecurityGroup.test(r.security_group_id));
      for (const rule of rules) expect(rule).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
      const access = config.cluster.privateEndpointAccess ?? {};
      expect(rules.map((r) => r.cidr_ipv4).filter(Boolean).sort()).toEqual([...(access.cidrs ?? [])].sort());
      expect(rules.map((r) => r.referenced_security_group_id).filter(Boolean).sort()).toEqual([...(access.securityGroupIds ?? [])].sort());
      // Someone outside the cluster can reach the API: a public range or the admin network.
      expect(config.cluster.endpointPublicAccessCidrs.length + rules.length).toBeGreaterThan(0);
    });

    it("lets the database admit only the cluster security group, from the database subnets", () => {
      const rules = resources(json, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id.includes("aws_security_group.Database"));
      expect(rules).toHaveLength(1);
      const rule = rules[0];
      expect(rule.referenced_security_group_id).toMatch(/aws_eks_cluster\.Cluster_EB0386A7\.vpc_config(\[0\])?\.cluster_security_group_id/);
      expect(onlyResource(json, "aws_db_subnet_group").subnet_ids).toEqual(subnetRefs(json, "database"));
      expect(onlyResource(json, "aws_db_instance").tags.backup).toBe(onlyResource(json, "aws_backup_selection").selection_tag[0].value);
    });

    it("gives the database the configured availability, protection and retention", () => {
      const db = config.database;
      expect(onlyResource(json, "aws_db_instance")).toMatchObject({
        instance_class: db.instanceClass,
        allocated_storage: db.allocatedStorageGiB,
        max_allocated_storage: db.maxAllocatedStorageGiB,
        multi_az: db.multiAz,
        deletion_protection: db.deletionProtection,
        backup_retention_period: db.backupRetentionDays,
        skip_final_snapshot: db.skipFinalSnapshot,
      });
    });

    it("builds the database from the configured snapshot, if any, keeping that snapshot's storage key; its own key otherwise", () => {
      const db = onlyResource(json, "aws_db_instance");
      const restoredFrom = config.database.restoreFromSnapshot;
      expect(db.snapshot_identifier).toBe(restoredFrom);
      // An RDS restore keeps the snapshot's key: a kms_key_id naming another key would make every plan replace the database.
      if (restoredFrom) expect(db.kms_key_id).toBeUndefined();
      else expect(db.kms_key_id).toMatch(/^\$\{aws_kms_key\.Database_Key_[0-9A-F]{8}\.arn\}$/);
      for (const key of ["performance_insights_kms_key_id", "master_user_secret_kms_key_id"]) {
        expect(db[key], key).toMatch(/^\$\{aws_kms_key\.Database_Key_[0-9A-F]{8}\.arn\}$/);
      }
    });

    it("backs up by the configured rules, copying to the DR region and locking the vaults where configured", () => {
      const backup = config.backup;
      const rules = onlyResource(json, "aws_backup_plan").rule;
      expect(rules.map((r: any) => [r.rule_name, r.schedule, r.lifecycle.delete_after, r.lifecycle.cold_storage_after])).toEqual(
        backup.rules.map((r) => [r.name, r.schedule, r.deleteAfterDays, r.coldStorageAfterDays]),
      );
      backup.rules.forEach((rule, i) => {
        if (rule.copyToDr) expect(rules[i].copy_action[0].destination_vault_arn, rule.name).toMatch(/Backup_DrVault/);
        else expect(rules[i].copy_action, rule.name).toBeUndefined();
      });
      const drProvider = json.provider!.aws.find((p: any) => p.alias === "dr");
      if (backup.drRegion) expect(drProvider).toMatchObject({ region: backup.drRegion, allowed_account_ids: [config.accountId] });
      else expect(drProvider).toBeUndefined();
      expect(resources(json, "aws_backup_vault_lock_configuration")).toHaveLength(backup.vaultLock ? (backup.drRegion ? 2 : 1) : 0);
      expect(resources(json, "aws_backup_restore_testing_selection").map((s) => s.protected_resource_type)).toEqual(backup.restoreTesting ? ["RDS"] : []);
    });

    it("lets only non-production come down in one terraform destroy: vaults emptied on destroy, no vault lock, no deletion protection", () => {
      const vaults = resources(json, "aws_backup_vault");
      expect(vaults).toHaveLength(config.backup.drRegion ? 2 : 1);
      for (const vault of vaults) expect(vault.force_destroy, vault.name).toBe(!config.production);
      if (!config.production) {
        expect(resources(json, "aws_backup_vault_lock_configuration")).toEqual([]);
        expect(onlyResource(json, "aws_db_instance").deletion_protection).toBe(false);
        expect(onlyResource(json, "aws_eks_cluster").deletion_protection).toBe(false);
      }
    });

    it("replicates images to the DR region only where configured, and lets only non-production destroy repositories with images", () => {
      const replication = resources(json, "aws_ecr_replication_configuration");
      if (config.registry.replicateToDr) expect(replication[0].replication_configuration.rule[0].destination[0].region).toBe(config.backup.drRegion);
      else expect(replication).toEqual([]);
      for (const repo of resources(json, "aws_ecr_repository")) expect(repo.force_delete).toBe(!config.production);
    });

    it("gives the replicas in the DR region the repositories' immutability, lifecycle and a CMK there (a creation template)", () => {
      const templates = resources(json, "aws_ecr_repository_creation_template");
      if (!config.registry.replicateToDr) {
        expect(templates).toEqual([]);
        return;
      }
      const [template] = templates;
      const prefix = `${config.project}-${config.registry.replicasOf ?? config.name}`;
      expect(template).toMatchObject({ prefix, applied_for: ["REPLICATION"], provider: "aws.dr", image_tag_mutability: "IMMUTABLE" });
      expect(resources(json, "aws_ecr_replication_configuration")[0].replication_configuration.rule[0].repository_filter[0].filter).toBe(`${prefix}/`);
      for (const repo of resources(json, "aws_ecr_repository")) {
        expect(repo.image_tag_mutability).toBe(template.image_tag_mutability);
        expect(repo.encryption_configuration[0].encryption_type).toBe(template.encryption_configuration[0].encryption_type);
      }
      for (const policy of resources(json, "aws_ecr_lifecycle_policy")) expect(policy.policy).toBe(template.lifecycle_policy);
      const keyId = /^\$\{aws_kms_key\.(.+)\.arn\}$/.exec(template.encryption_configuration[0].kms_key)![1];
      expect(json.resource!.aws_kms_key[keyId]).toMatchObject({ provider: "aws.dr", enable_key_rotation: true });
    });

    it("lets the nodes pull images (AWS's add-on images and every repository) through AmazonEC2ContainerRegistryPullOnly alone, with no moot per-repository grant", () => {
      const onNodeRole = (p: any) => /aws_iam_role\.Cluster_NodeRole_/.test(p.role);
      const attached = resources(json, "aws_iam_role_policy_attachment").filter(onNodeRole).map((a) => a.policy_arn.replace(/^.*:policy\//, ""));
      expect(attached.filter((name) => name.startsWith("AmazonEC2ContainerRegistry"))).toEqual(["AmazonEC2ContainerRegistryPullOnly"]);
      expect(resources(json, "aws_iam_role_policy").filter(onNodeRole).map((p) => p.name)).toEqual([]);
      expect(attached.sort()).toEqual([...NODE_ROLE_POLICIES].sort());
    });
  });
}
