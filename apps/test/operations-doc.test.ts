import { VERSIONS } from "@qod/core";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resources, TfJson } from "../../test/helpers";
import { platform } from "../platform";
import type { EnvironmentConfig } from "../shared/environment-config";
import { environmentStackNames } from "../shared/platform";
import { accountStackNames, ENVIRONMENT_STACK_KINDS, stackName, synthesizedPlatform } from "./synthesized";
import { inlineCode } from "./doc-claims";

/**
 * docs/operations.md may only state what the code does: its apply order is the platform's, every
 * config field it cites (`cluster.…`, `workloads.…`, `VERSIONS.…`) exists, its scaling table
 * holds each environment's bounds, and every quantity in its cost tables matches the synthesized
 * stacks of that environment. Environments come from apps/platform.ts: a new one needs a table.
 */
const DOC = readFileSync(resolve(__dirname, "../../docs/operations.md"), "utf8");

/** The text from `heading` (a line start) to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`docs/operations.md has no heading starting "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = text.slice(start + 1 + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  return heading + (end < 0 ? rest : rest.slice(0, end));
}


/** The value at a dotted path, or undefined when any step is missing. */
function at(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !(key in value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The cells of the table row whose first cell is `label`, or undefined. */
function row(table: string, label: string): string[] | undefined {
  const line = table.split("\n").find((l) => l.startsWith(`| ${label} |`));
  return line?.split("|").slice(1, -1).map((cell) => cell.trim());
}

function quantity(table: string, label: string, pattern: RegExp, env: string): RegExpExecArray {
  const cells = row(table, label);
  expect(cells, `${env}: no row "${label}" in the cost table`).toBeDefined();
  const match = pattern.exec(cells![1]);
  expect(match, `${env}: "${label}" quantity "${cells![1]}" does not read as ${pattern}`).not.toBeNull();
  return match!;
}

describe("docs/operations.md", () => {
  it("has the runbook's sections", () => {
    for (const heading of [
      "## 1. First deploy from zero",
      "## 2. Upgrading Kubernetes",
      "## 3. Rolling out a new image",
      "## 4. Scaling",
      "## 5. Rotating credentials",
      "## 6. Reaching the private prod API",
      "## 7. Destroying an environment cleanly",
      "## 8. Cost per environment",
    ]) {
      expect(DOC).toContain(`\n${heading}`);
    }
  });

  it("lists the stacks in the order the platform applies them", () => {
    const steps = [...section(DOC, "### Apply order").matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]);
    for (const env of platform.environments) {
      const expected = [...accountStackNames(platform), ...environmentStackNames(env).map((name) => name.replace(env.name, "<env>"))];
      expect(steps, `apply order against ${env.name}'s stacks`).toEqual(expected);
    }
    // The generic names stand for every environment's stacks.
    expect(ENVIRONMENT_STACK_KINDS.map((kind) => stackName({ name: "<env>" }, kind))).toEqual(steps.filter((s) => s.startsWith("<env>-")));
  });

  it("cites only config fields and version pins that exist", () => {
    const fields = inlineCode(DOC).filter((code) => /^(cluster|database|workloads|registry|backup|addons)\.[A-Za-z0-9.]+$/.test(code));
    expect(fields.length).toBeGreaterThan(10);
    for (const field of fields) {
      const found = platform.environments.some((env) => at(env, field.split(".")) !== undefined);
      expect(found, `${field} is in no environment's config (${platform.environments.map((e) => e.name).join(", ")})`).toBe(true);
    }
    const pins = inlineCode(DOC).filter((code) => code.startsWith("VERSIONS."));
    expect(pins.length).toBeGreaterThan(2);
    for (const pin of pins) expect(at(VERSIONS, pin.split(".").slice(1)), pin).toBeDefined();
  });

  it("states each environment's scaling bounds as its config has them", () => {
    const table = section(DOC, "## 4. Scaling");
    const header = row(table, "what")!;
    let checked = 0;
    for (const env of platform.environments) {
      const column = header.indexOf(env.name);
      expect(column, `the scaling table has no column for ${env.name}`).toBeGreaterThan(1);
      for (const line of table.split("\n").filter((l) => /^\| .+ \| `[^`]+` \/ `[^`]+` \|/.test(l))) {
        const cells = line.split("|").slice(1, -1).map((c) => c.trim());
        const [low, high] = inlineCode(cells[1]).map((field) => at(env, field.split(".")));
        expect(cells[column].startsWith(`${low}–${high}`), `${env.name}, ${cells[0]}: "${cells[column]}" but config ${low}–${high}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3 * platform.environments.length);
  });
});

describe("docs/operations.md cost tables match the synthesized stacks", () => {
  const synthesized = synthesizedPlatform();
  const costs = section(DOC, "## 8. Cost per environment");

  const cases = platform.environments.map((env: EnvironmentConfig) => [env.name, env] as const);
  it.each(cases)("%s", (name, env) => {
    const tableHeading = `### \`${name}\` (`;
    const table = section(costs, tableHeading);
    expect(table.startsWith(`${tableHeading}${env.region})`), `${name}: the heading names region ${env.region}`).toBe(true);

    const infra: TfJson = synthesized.stack(stackName(env, "infra"));
    const platformStack: TfJson = synthesized.stack(stackName(env, "platform"));
    const apps: TfJson = synthesized.stack(stackName(env, "apps"));

    const clusters = quantity(table, "EKS control plane", /^(\d+) clusters?$/, name);
    expect(Number(clusters[1]), `${name}: EKS clusters`).toBe(resources(infra, "aws_eks_cluster").length);

    const nat = quantity(table, "NAT gateways", /^(\d+)$/, name);
    expect(Number(nat[1]), `${name}: NAT gateways`).toBe(resources(infra, "aws_nat_gateway").length);
    const natIps = quantity(table, "public IPv4 addresses (NAT)", /^(\d+)$/, name);
    expect(Number(natIps[1]), `${name}: the NAT gateways' Elastic IPs`).toBe(resources(infra, "aws_eip").length);

    const groups = resources(infra, "aws_eks_node_group");
    const rows = [...table.matchAll(/^\| nodes `([^`]+)` \| (.+?) × (\d+) \(desired; min (\d+), max (\d+)\) \|/gm)];
    expect(rows.map((r) => r[1]).sort(), `${name}: one row per node group`).toEqual(groups.map((g) => String(g.node_group_name_prefix).replace(/-$/, "")).sort());
    for (const [, group, types, desired, min, max] of rows) {
      const synth = groups.find((g) => g.node_group_name_prefix === `${group}-`);
      expect(types.split(", "), `${name}: node group ${group} instance types`).toEqual(synth.instance_types);
      expect([Number(min), Number(desired), Number(max)], `${name}: node group ${group} min/desired/max`).toEqual([
        synth.scaling_config.min_size,
        synth.scaling_config.desired_size,
        synth.scaling_config.max_size,
      ]);
    }
    const volumes = quantity(table, "node root volumes", /^(\d+) × (\d+) GiB gp3$/, name);
    expect(Number(volumes[1]), `${name}: one root volume per desired node`).toBe(groups.reduce((sum, g) => sum + g.scaling_config.desired_size, 0));
    for (const template of resources(infra, "aws_launch_template")) {
      expect(template.block_device_mappings.map((b: { ebs: { volume_size: number; volume_type: string } }) => `${b.ebs.volume_size} GiB ${b.ebs.volume_type}`), `${name}: node root volume`).toEqual([
        `${volumes[2]} GiB gp3`,
      ]);
    }

    const databases = resources(infra, "aws_db_instance");
    expect(databases, `${name}: one database`).toHaveLength(1);
    const [db] = databases;
    const instance = quantity(table, "PostgreSQL instance", /^(db\.[a-z0-9]+\.[a-z0-9]+), (single-AZ|Multi-AZ)$/, name);
    expect(instance[1], `${name}: database instance class`).toBe(db.instance_class);
    expect(instance[2], `${name}: database Multi-AZ flag`).toBe(db.multi_az ? "Multi-AZ" : "single-AZ");
    const storage = quantity(table, "PostgreSQL storage", /^(\d+) GiB (\w+) \(autoscaling up to (\d+) GiB\)(, × 2 for Multi-AZ)?$/, name);
    expect([Number(storage[1]), storage[2], Number(storage[3])], `${name}: database storage`).toEqual([db.allocated_storage, db.storage_type, db.max_allocated_storage]);
    expect(storage[4] !== undefined, `${name}: storage billed twice exactly when Multi-AZ`).toBe(db.multi_az === true);

    const groupNames = new Set(
      resources(apps, "kubernetes_ingress_v1").map((ingress) => ingress.metadata.annotations?.["alb.ingress.kubernetes.io/group.name"] as string | undefined),
    );
    expect(groupNames.has(undefined), `${name}: every Ingress joins an ALB group`).toBe(false);
    const albs = quantity(table, "Application Load Balancer", /^(\d+) ALB/, name);
    expect(Number(albs[1]), `${name}: ALBs (Ingress groups)`).toBe(groupNames.size);
    const albIps = quantity(table, "public IPv4 addresses (ALB)", /^(\d+) \(one per zone\)$/, name);
    expect(Number(albIps[1]), `${name}: the ALB's public subnets`).toBe(Object.keys(infra.resource?.aws_subnet ?? {}).filter((k) => k.includes("PublicSubnet")).length);

    const prometheus = quantity(table, "Prometheus volume", /^(\d+) GiB gp3$/, name);
    expect(Number(prometheus[1]), `${name}: addons.kubePrometheusStack.storageGiB`).toBe(env.addons.kubePrometheusStack?.storageGiB);

    const keys = quantity(table, "KMS keys", /^(\d+)$/, name);
    expect(Number(keys[1]), `${name}: customer-managed KMS keys in its stacks`).toBe(
      [infra, platformStack, apps].reduce((sum, stack) => sum + resources(stack, "aws_kms_key").length, 0),
    );
  });
});
