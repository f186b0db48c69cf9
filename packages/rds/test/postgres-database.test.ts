import { Naming, Problem, recordDeferredChecks, VERSIONS } from "@qod/core";
import { TerraformVariable, Testing, Token } from "cdktf";
import { describe, expect, it } from "vitest";
import { PostgresDatabase, PostgresDatabaseProps, windowsOverlap } from "../src";
import { onlyResource, resources, TfJson } from "../../../test/helpers";

const base: PostgresDatabaseProps = {
  naming: new Naming("qod", "dev"),
  vpcId: "vpc-1",
  subnetIds: ["subnet-db-a", "subnet-db-b"],
  allowedSecurityGroups: { cluster: "sg-cluster" },
  tags: { backup: "qod-dev-backup" },
};
const prod: Partial<PostgresDatabaseProps> = {
  naming: new Naming("qod", "prod"),
  production: true,
  multiAz: true,
  deletionProtection: true,
  backupRetentionDays: 30,
};

function synth(props: Partial<PostgresDatabaseProps> = {}): TfJson {
  return JSON.parse(Testing.synthScope((scope) => new PostgresDatabase(scope, "Database", { ...base, ...props })));
}

describe("PostgresDatabase with defaults", () => {
  const json = synth();
  const db = () => onlyResource(json, "aws_db_instance");

  it("runs the pinned PostgreSQL major in the database subnets, never public", () => {
    expect(db()).toMatchObject({
      engine: "postgres",
      engine_version: VERSIONS.rds.postgres.version,
      auto_minor_version_upgrade: true,
      publicly_accessible: false,
      instance_class: "db.t4g.micro",
      ca_cert_identifier: VERSIONS.rds.caCertificate.version,
    });
    expect(onlyResource(json, "aws_db_subnet_group").subnet_ids).toEqual(["subnet-db-a", "subnet-db-b"]);
  });

  it("admits 5432 only from the cluster's security group", () => {
    const rule = onlyResource(json, "aws_vpc_security_group_ingress_rule");
    expect(rule).toMatchObject({ ip_protocol: "tcp", from_port: 5432, to_port: 5432, referenced_security_group_id: "sg-cluster" });
    expect(rule.cidr_ipv4).toBeUndefined();
    expect(resources(json, "aws_vpc_security_group_egress_rule")).toEqual([]);
    const sg = onlyResource(json, "aws_security_group");
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  it("keys each ingress rule by its source's name, so reordering the sources replaces none", () => {
    const rules = (sources: Record<string, string>) =>
      Object.entries(synth({ allowedSecurityGroups: sources }).resource!.aws_vpc_security_group_ingress_rule)
        .map(([id, rule]) => [id.replace(/_[0-9A-F]{8}$/, ""), rule.referenced_security_group_id])
        .sort();
    const both = rules({ cluster: "sg-cluster", bastion: "sg-bastion" });
    expect(rules({ bastion: "sg-bastion", cluster: "sg-cluster" })).toEqual(both);
    expect(both).toEqual([
      ["Database_IngressFrom-bastion", "sg-bastion"],
      ["Database_IngressFrom-cluster", "sg-cluster"],
    ]);
  });

  it("moves the index-keyed ingress rules of earlier versions to their named addresses", () => {
    const json = synth({ allowedSecurityGroups: { cluster: "sg-cluster", bastion: "sg-bastion" } });
    const moves = (json.moved ?? []).filter((m) => m.to.startsWith("aws_vpc_security_group_ingress_rule."));
    expect(moves.map((m) => [m.from.replace(/_[0-9A-F]{8}$/, ""), m.to.replace(/_[0-9A-F]{8}$/, "")])).toEqual([
      ["aws_vpc_security_group_ingress_rule.Database_IngressFrom0", "aws_vpc_security_group_ingress_rule.Database_IngressFrom-cluster"],
      ["aws_vpc_security_group_ingress_rule.Database_IngressFrom1", "aws_vpc_security_group_ingress_rule.Database_IngressFrom-bastion"],
    ]);
    for (const move of moves) expect(Object.keys(json.resource!.aws_vpc_security_group_ingress_rule)).toContain(move.to.split(".")[1]);
  });

  it("encrypts gp3 storage with a customer-managed key and autoscales storage to a ceiling", () => {
    expect(db()).toMatchObject({ storage_type: "gp3", storage_encrypted: true, allocated_storage: 20, max_allocated_storage: 100 });
    expect(db().kms_key_id).toMatch(/aws_kms_key\.Database_Key_/);
  });

  it("forces TLS and logs slow statements", () => {
    const params = onlyResource(json, "aws_db_parameter_group");
    expect(params.family).toBe(VERSIONS.rds.parameterGroupFamily.version);
    expect(params.parameter).toEqual(
      expect.arrayContaining([{ name: "rds.force_ssl", value: "1" }, { name: "log_min_duration_statement", value: "500" }]),
    );
  });

  it("creates a replacement parameter group before destroying the old one, so it takes a generated name", () => {
    // A fixed name and create_before_destroy fail with DBParameterGroupAlreadyExists on the next family.
    const params = onlyResource(json, "aws_db_parameter_group");
    expect(params.name).toBeUndefined();
    expect(params.name_prefix).toBe("qod-dev-postgres-");
    expect(params.lifecycle).toEqual({ create_before_destroy: true });
    const [id] = Object.keys(json.resource!.aws_db_parameter_group);
    expect(db().parameter_group_name).toBe(`\${aws_db_parameter_group.${id}.name}`);
  });

  it("lets RDS generate and keep the master password in Secrets Manager under the CMK, and enables IAM auth", () => {
    expect(db()).toMatchObject({ manage_master_user_password: true, iam_database_authentication_enabled: true, username: "qod_admin" });
    expect(db().master_user_secret_kms_key_id).toMatch(/aws_kms_key\.Database_Key_/);
    expect(db().password).toBeUndefined();
    expect(db().password_wo).toBeUndefined();
  });

  it("keeps 7 days of backups in windows that do not overlap, copies tags and takes a final snapshot", () => {
    expect(db()).toMatchObject({
      backup_retention_period: 7,
      backup_window: "02:00-03:00",
      maintenance_window: "sun:03:30-sun:04:30",
      copy_tags_to_snapshot: true,
      skip_final_snapshot: false,
      deletion_protection: false,
      multi_az: false,
    });
  });

  it("turns on Performance Insights with the CMK, enhanced monitoring with its own role, and exports logs", () => {
    expect(db()).toMatchObject({ performance_insights_enabled: true, performance_insights_retention_period: 7, monitoring_interval: 60 });
    expect(db().performance_insights_kms_key_id).toMatch(/aws_kms_key\.Database_Key_/);
    expect(db().monitoring_role_arn).toMatch(/aws_iam_role\.Database_MonitoringRole/);
    expect(db().enabled_cloudwatch_logs_exports).toEqual(["postgresql", "upgrade"]);
    const groups = resources(json, "aws_cloudwatch_log_group").map((g) => g.name).sort();
    expect(groups).toEqual(["/aws/rds/instance/qod-dev-postgres/postgresql", "/aws/rds/instance/qod-dev-postgres/upgrade"]);
  });

  it("carries the backup selection tag", () => {
    expect(db().tags).toMatchObject({ backup: "qod-dev-backup" });
  });
});

/** RDS's rule for a DB snapshot identifier: 1-255 letters, digits or hyphens, starting with a letter, no "--", no trailing hyphen. */
const RDS_SNAPSHOT_IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$/;

describe("PostgresDatabase final snapshot", () => {
  const json = synth();
  const db = onlyResource(json, "aws_db_instance");
  const [suffixId, suffix] = Object.entries(json.resource!.random_id ?? {})[0] ?? [];

  it("names the final snapshot after the instance and a random suffix, so a second teardown does not collide with the first's snapshot", () => {
    expect(db.final_snapshot_identifier).toBe(`qod-dev-postgres-final-\${random_id.${suffixId}.hex}`);
    expect(suffix).toMatchObject({ byte_length: 4 });
  });

  it("renews the suffix with every instance generation: its keepers are the instance's attributes that force a replacement", () => {
    expect(Object.keys(suffix.keepers).sort()).toEqual(["db_name", "engine", "identifier", "kms_key_id", "snapshot_identifier", "storage_encrypted", "username"]);
    for (const [attribute, kept] of Object.entries(suffix.keepers)) expect(kept, attribute).toBe(String(db[attribute] ?? ""));
  });

  it("pins the random provider it uses, as the stack pins aws", () => {
    expect(json.terraform?.required_providers?.random).toEqual({ source: "hashicorp/random", version: VERSIONS.providers.random.version });
    expect(VERSIONS.providers.random.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("keeps the final snapshot name within RDS's identifier rules for the longest project and environment names", () => {
    const longest = onlyResource(synth({ naming: new Naming("abcdefghijkl", "abcdefghijkl") }), "aws_db_instance");
    const name = String(longest.final_snapshot_identifier).replace(/\$\{random_id\.[^}]+\.hex\}/, "ffffffff");
    expect(name).toMatch(RDS_SNAPSHOT_IDENTIFIER);
    expect(name).toMatch(/-ffffffff$/);
  });

  it("fails when the names give a final snapshot identifier RDS refuses", () => {
    expect(() => synth({ naming: new Naming("q--d", "dev") })).toThrow(/naming: got "q--d-dev-postgres-final-ffffffff"; allowed: a final snapshot identifier RDS accepts/);
  });

  it("makes no suffix when no final snapshot is taken", () => {
    const skipped = synth({ skipFinalSnapshot: true });
    expect(onlyResource(skipped, "aws_db_instance").final_snapshot_identifier).toBeUndefined();
    expect(resources(skipped, "random_id")).toEqual([]);
  });
});

describe("PostgresDatabase in production", () => {
  it("is Multi-AZ, deletion-protected and keeps 30 days of backups", () => {
    const db = onlyResource(synth(prod), "aws_db_instance");
    expect(db).toMatchObject({ multi_az: true, deletion_protection: true, backup_retention_period: 30, skip_final_snapshot: false });
  });

  it.each<[string, Partial<PostgresDatabaseProps>, RegExp]>([
    ["deletion protection is off", { deletionProtection: false }, /database\.deletionProtection: got false; allowed: true in production/],
    ["the final snapshot is skipped", { skipFinalSnapshot: true }, /database\.skipFinalSnapshot: got true; allowed: false in production/],
    ["it is single-AZ", { multiAz: false }, /database\.multiAz: got false/],
    ["backups are kept 7 days", { backupRetentionDays: 7 }, /database\.backupRetentionDays: got 7; allowed: 30 to 35 days in production/],
  ])("fails when %s", (_, props, message) => {
    expect(() => synth({ ...prod, ...props })).toThrow(message);
  });
});

describe("PostgresDatabase restored from a snapshot", () => {
  it("creates the instance from the snapshot, taking the database and master user from it", () => {
    const arn = "arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup-job-1234";
    const db = onlyResource(synth({ restoreFromSnapshot: arn }), "aws_db_instance");
    expect(db.snapshot_identifier).toBe(arn);
    expect(db.db_name).toBeUndefined();
    expect(db.username).toBeUndefined();
    expect(db).toMatchObject({ storage_encrypted: true, manage_master_user_password: true });
  });

  it("keeps the snapshot's storage key (an RDS restore cannot change it), and its own key for Performance Insights and the master secret", () => {
    // Setting kms_key_id to another key would make the next plan replace the restored database.
    const arn = "arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup-job-1234";
    const db = onlyResource(synth({ restoreFromSnapshot: arn }), "aws_db_instance");
    expect(db.kms_key_id).toBeUndefined();
    expect(db.performance_insights_kms_key_id).toMatch(/aws_kms_key\.Database_Key_/);
    expect(db.master_user_secret_kms_key_id).toMatch(/aws_kms_key\.Database_Key_/);
  });

  it("fails when the snapshot is not an RDS snapshot name or ARN", () => {
    expect(() => synth({ restoreFromSnapshot: "s3://bucket/dump.sql" })).toThrow(/restoreFromSnapshot: got "s3:\/\/bucket\/dump\.sql"/);
  });
});

describe("PostgresDatabase validation", () => {
  it.each<[string, Partial<PostgresDatabaseProps>, RegExp]>([
    ["the instance class is not db.<family>.<size>", { instanceClass: "t4g.micro" }, /database\.instanceClass: got "t4g\.micro"; allowed: an RDS instance class written db\.<family>\.<size>/],
    ["storage is below 20 GiB", { allocatedStorageGiB: 10 }, /database\.allocatedStorageGiB: got 10; allowed: a whole number of GiB from 20/],
    ["storage is above the autoscaling ceiling", { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 }, /database\.allocatedStorageGiB: got 200; allowed: at most the autoscaling ceiling maxAllocatedStorageGiB \(100\)/],
    ["deletion protection is on outside production", { deletionProtection: true }, /database\.deletionProtection: got true; allowed: false outside production/],
    ["backups are kept 3 days", { backupRetentionDays: 3 }, /database\.backupRetentionDays: got 3; allowed: 7 to 35 days/],
    ["no security group may connect", { allowedSecurityGroups: {} }, /allowedSecurityGroups: got \{\}/],
    ["a source's name is not a stable name", { allowedSecurityGroups: { "EKS Cluster": "sg-cluster" } }, /allowedSecurityGroups\.EKS Cluster: got "EKS Cluster"; allowed: a name of 1-32 lowercase letters/],
    ["the master user is postgres", { masterUsername: "postgres" }, /masterUsername: got "postgres"/],
    ["the backup window is malformed", { backupWindow: "2am-3am" }, /backupWindow: got "2am-3am"/],
  ])("fails when %s", (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe("PostgresDatabase engine version", () => {
  it("runs the given PostgreSQL major with a parameter group of its family", () => {
    const json = synth({ engineVersion: "16" });
    expect(onlyResource(json, "aws_db_instance").engine_version).toBe("16");
    expect(onlyResource(json, "aws_db_parameter_group").family).toBe("postgres16");
  });

  it("derives the pinned family from the pinned major", () => {
    expect(VERSIONS.rds.parameterGroupFamily.version).toBe(`postgres${VERSIONS.rds.postgres.version}`);
  });

  it.each(["18.3", "13", "postgres18", ""])("fails for %j: the major only, 14 or later", (engineVersion) => {
    expect(() => synth({ engineVersion })).toThrow(/engineVersion: got .*; allowed: a PostgreSQL major version from 14 up, the number only/);
  });
});

describe("PostgresDatabase with Terraform variables (a generated module)", () => {
  /** Synthesizes with the props `vars` names made Terraform variables; returns the JSON and the rules deferred to Terraform. */
  function synthWithVariables(vars: Partial<Record<"slow" | "engine" | "allocated" | "ceiling" | "tags", true>>) {
    let deferred: readonly Problem[] = [];
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const variable = (name: string, type: string) => new TerraformVariable(scope, name, { type });
        deferred = recordDeferredChecks(
          () =>
            new PostgresDatabase(scope, "Database", {
              ...base,
              ...(vars.slow ? { slowStatementMs: variable("slow", "number").numberValue } : {}),
              ...(vars.engine ? { engineVersion: variable("engine", "string").stringValue } : {}),
              ...(vars.allocated ? { allocatedStorageGiB: variable("allocated", "number").numberValue } : {}),
              ...(vars.ceiling ? { maxAllocatedStorageGiB: variable("ceiling", "number").numberValue } : {}),
              ...(vars.tags ? { tags: Token.asStringMap(variable("tags", "map(string)").value) } : {}),
            }),
        ).deferred;
      }),
    ) as TfJson;
    return { json, deferred: deferred.map((p) => `${p.field}: ${p.allowed}`) };
  }

  it("logs slow statements at the variable's value, not at the digits of its placeholder", () => {
    const { json, deferred } = synthWithVariables({ slow: true });
    const params = onlyResource(json, "aws_db_parameter_group").parameter;
    expect(params).toContainEqual({ name: "log_min_duration_statement", value: "${var.slow}" });
    expect(deferred).toEqual(["slowStatementMs: a whole number of milliseconds"]);
  });

  it("takes the parameter group's family from the engine version variable", () => {
    const { json, deferred } = synthWithVariables({ engine: true });
    expect(onlyResource(json, "aws_db_instance").engine_version).toBe("${var.engine}");
    expect(onlyResource(json, "aws_db_parameter_group").family).toBe("postgres${var.engine}");
    expect(deferred).toEqual([expect.stringMatching(/^engineVersion: /)]);
  });

  it("defers the storage ceiling's rules when it is a variable, instead of passing it unchecked", () => {
    const { json, deferred } = synthWithVariables({ ceiling: true });
    expect(onlyResource(json, "aws_db_instance").max_allocated_storage).toBe("${var.ceiling}");
    expect(deferred).toEqual([
      "database.maxAllocatedStorageGiB: a whole number of GiB up to 65536",
      "database.allocatedStorageGiB: at most the autoscaling ceiling maxAllocatedStorageGiB",
    ]);
  });

  it("defers both storage rules when the allocated storage is a variable", () => {
    const { deferred } = synthWithVariables({ allocated: true });
    expect(deferred).toEqual([
      "database.allocatedStorageGiB: a whole number of GiB from 20 to 65536",
      "database.allocatedStorageGiB: at most the autoscaling ceiling maxAllocatedStorageGiB",
    ]);
  });

  it("merges the tags variable with the Name tag in Terraform", () => {
    const { json } = synthWithVariables({ tags: true });
    expect(onlyResource(json, "aws_db_instance").tags).toBe('${merge(var.tags, {"Name" = "qod-dev-postgres"})}');
  });
});

describe("PostgresDatabase backup and maintenance windows", () => {
  it.each<[string, string, boolean]>([
    ["02:00-03:00", "sun:03:30-sun:04:30", false],
    ["02:00-03:00", "sun:03:00-sun:04:00", false], // touching is not overlapping
    ["02:00-03:00", "sun:02:30-sun:03:30", true],
    ["02:00-03:00", "wed:01:00-wed:02:01", true],
    ["02:00-03:00", "sun:23:30-mon:02:30", true], // past Sunday into Monday's backup
    ["02:00-03:00", "sat:12:00-mon:00:00", true], // over Sunday's backup
    ["23:30-00:30", "mon:00:15-mon:01:00", true], // a backup past midnight
    ["23:30-00:30", "mon:00:30-mon:01:00", false],
    ["23:30-00:30", "sun:23:00-sun:23:30", false],
  ])("backup %s and maintenance %s overlap: %s", (backupWindow, maintenanceWindow, overlap) => {
    expect(windowsOverlap(backupWindow, maintenanceWindow)).toBe(overlap);
  });

  it("fails when the maintenance window overlaps the backup window", () => {
    expect(() => synth({ maintenanceWindow: "sun:02:30-sun:03:30" })).toThrow(
      /maintenanceWindow: got "sun:02:30-sun:03:30"; allowed: a window that does not overlap the daily backup window 02:00-03:00/,
    );
  });
});
