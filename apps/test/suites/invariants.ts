/**
 * Invariants over every stack a platform definition synthesizes: the stack list itself, tags,
 * encryption, secrets, databases, KMS rotation, and the policy rules of `policy-rules.ts`.
 * `invariants.test.ts` runs it over the real definition, `third-environment.test.ts` over one with
 * an environment added; `policy-invariants.test.ts` shows each policy rule catching a violation.
 */
import { describe, expect, it } from "vitest";
import { resources } from "../../../test/helpers";
import type { PlatformDefinition } from "../../shared/platform";
import { POLICY_RULES } from "../policy-rules";
import { expectedStackNames, synthesizedPlatform } from "../synthesized";

const REQUIRED_TAGS = ["project", "environment", "owner", "managed-by"];

export function invariantsSuite(label: string, definition: PlatformDefinition): void {
  const { stacks } = synthesizedPlatform(definition);

  describe(`invariants over every stack of ${label}`, () => {
    it("synthesizes bootstrap and each environment's infra, platform and apps stacks, and nothing else", () => {
      expect(stacks.map((s) => s.name)).toEqual(expectedStackNames(definition));
    });

    it("tags every taggable AWS resource with project, environment, owner and managed-by", () => {
      const withAws = stacks.filter((s) => s.json.provider?.aws);
      expect(withAws.length).toBeGreaterThan(0);
      for (const { name, json } of withAws) {
        const defaults = json.provider!.aws[0].default_tags[0].tags;
        for (const key of REQUIRED_TAGS) expect(defaults[key], `${name} default tag ${key}`).toEqual(expect.any(String));
        for (const [type, byName] of Object.entries(json.resource ?? {})) {
          for (const [id, res] of Object.entries(byName)) {
            if (!type.startsWith("aws_") || !res.tags) continue;
            for (const key of REQUIRED_TAGS) expect({ ...defaults, ...res.tags }[key], `${name} ${type}.${id} tag ${key}`).toBeTruthy();
          }
        }
      }
    });

    it("encrypts every log group with a KMS key", () => {
      const groups = stacks.flatMap(({ json }) => resources(json, "aws_cloudwatch_log_group"));
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) expect(group.kms_key_id).toMatch(/aws_kms_key/);
    });

    it("encrypts every S3 bucket with a KMS key (log delivery targets: SSE-S3) and blocks its public access", () => {
      for (const { name, json } of stacks) {
        const sse = resources(json, "aws_s3_bucket_server_side_encryption_configuration");
        const pab = resources(json, "aws_s3_bucket_public_access_block");
        // S3 server access logs and ALB access logs can only be delivered to a bucket with SSE-S3.
        const logTargets = [
          ...resources(json, "aws_s3_bucket_logging").map((l) => l.target_bucket),
          ...(json.output?.alb_access_logs_bucket ? [String(json.output.alb_access_logs_bucket.value).replace(/\.bucket\}$/, ".id}")] : []),
        ];
        for (const bucket of Object.keys(json.resource?.aws_s3_bucket ?? {})) {
          const ref = `aws_s3_bucket.${bucket}.`;
          const expected = logTargets.includes(`\${${ref}id}`) ? "AES256" : "aws:kms";
          expect(sse.some((s) => s.bucket.includes(ref) && s.rule[0].apply_server_side_encryption_by_default.sse_algorithm === expected), `${name} ${bucket} ${expected}`).toBe(true);
          expect(pab.some((p) => p.bucket.includes(ref)), `${name} ${bucket} public access block`).toBe(true);
        }
      }
    });

    it("never contains a password or secret value", () => {
      for (const { name, text, json } of stacks) {
        for (const db of resources(json, "aws_db_instance")) {
          expect(db.manage_master_user_password, name).toBe(true);
          for (const key of ["password", "password_wo", "master_password"]) expect(db[key], `${name} ${key}`).toBeUndefined();
        }
        expect(resources(json, "aws_secretsmanager_secret_version"), name).toEqual([]);
        // No key anywhere names a password except the switch that hands the password to RDS.
        const passwordKeys = [...text.matchAll(/"([a-z_]*password[a-z_]*)":/g)].map((m) => m[1]);
        expect(new Set(passwordKeys), name).toEqual(new Set(passwordKeys.length ? ["manage_master_user_password"] : []));
      }
    });

    it("keeps every database private, encrypted and deletable only with a final snapshot", () => {
      const databases = stacks.flatMap(({ json }) => resources(json, "aws_db_instance"));
      expect(databases).toHaveLength(definition.environments.length);
      for (const db of databases) expect(db).toMatchObject({ publicly_accessible: false, storage_encrypted: true, skip_final_snapshot: false });
    });

    it("gives every resource replaced create-before-destroy a generated name, so old and new can coexist", () => {
      const fixedNames = ["name", "identifier", "node_group_name", "bucket"];
      let replacedFirst = 0;
      for (const { name, json } of stacks) {
        for (const [type, byName] of Object.entries(json.resource ?? {})) {
          for (const [id, res] of Object.entries(byName)) {
            if (res.lifecycle?.create_before_destroy !== true) continue;
            replacedFirst++;
            for (const key of fixedNames) expect(res[key], `${name} ${type}.${id} ${key}`).toBeUndefined();
          }
        }
      }
      expect(replacedFirst).toBeGreaterThan(0);
    });

    it("names each database's final snapshot per instance generation (a random suffix kept by the instance's identifier), with the random provider pinned", () => {
      for (const { name, json } of stacks) {
        for (const db of resources(json, "aws_db_instance")) {
          const suffix = /^(.+)-\$\{random_id\.([A-Za-z0-9_-]+)\.hex\}$/.exec(String(db.final_snapshot_identifier));
          expect(suffix, `${name} final_snapshot_identifier ${db.final_snapshot_identifier}`).not.toBeNull();
          expect(suffix![1].startsWith(`${db.identifier}-`), name).toBe(true);
          expect(json.resource!.random_id[suffix![2]].keepers.identifier, name).toBe(db.identifier);
          expect(json.terraform!.required_providers.random, name).toEqual({ source: "hashicorp/random", version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
        }
      }
    });

    it("rotates every KMS key", () => {
      for (const { json } of stacks) for (const key of resources(json, "aws_kms_key")) expect(key.enable_key_rotation).toBe(true);
    });

    it.each(POLICY_RULES.map((r) => [r.name, r] as const))("%s", (_, policy) => {
      for (const { name, json } of stacks) expect(policy.check(json), name).toEqual([]);
    });
  });
}
