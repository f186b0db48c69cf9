/**
 * Our own policy rules over synthesized Terraform JSON, for what checkov cannot see (it checks
 * resources one by one or by simple connections; these follow references between resources).
 * Each rule returns its violations as readable strings; an empty list means the stack complies.
 */
import { policyOf, resources, TfJson } from "../../test/helpers";

export interface PolicyRule {
  readonly name: string;
  readonly check: (json: TfJson) => string[];
}

/** The resource names of `type` that `value` references as `${type.NAME.attr}`. */
function referenced(value: unknown, type: string): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  const pattern = new RegExp(`\\$\\{${type.replace(/[.*]/g, "\\$&")}\\.([A-Za-z0-9_-]+)\\.`, "g");
  return [...text.matchAll(pattern)].map((m) => m[1]);
}

function entries(json: TfJson, type: string): [string, any][] {
  return Object.entries(json.resource?.[type] ?? {});
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The IAM statements of a policy attribute (JSON string or policy-document reference); none when it holds no readable policy. */
function statementsOf(json: TfJson, policy: unknown): any[] {
  if (typeof policy !== "string") return [];
  try {
    return asList(policyOf(json, policy).Statement);
  } catch {
    return [];
  }
}

const mentions = (value: unknown, needle: string) => JSON.stringify(value ?? "").includes(needle);

/** Subnet tiers (the `tier` tag) associated with each route table, by route table name. */
function tiersByRouteTable(json: TfJson): Map<string, Set<string>> {
  const subnets = json.resource?.aws_subnet ?? {};
  const tiers = new Map<string, Set<string>>();
  for (const [, assoc] of entries(json, "aws_route_table_association")) {
    const [table] = referenced(assoc.route_table_id, "aws_route_table");
    const [subnet] = referenced(assoc.subnet_id, "aws_subnet");
    if (!table || !subnet) continue;
    const set = tiers.get(table) ?? new Set<string>();
    set.add(subnets[subnet]?.tags?.tier ?? "untiered");
    tiers.set(table, set);
  }
  return tiers;
}

/** Every route of the stack, standalone and inline, with the route table it belongs to. */
function routes(json: TfJson): { table: string; route: any; address: string }[] {
  const standalone = entries(json, "aws_route").map(([name, route]) => ({
    table: referenced(route.route_table_id, "aws_route_table")[0] ?? "(unknown)",
    route,
    address: `aws_route.${name}`,
  }));
  const inline = entries(json, "aws_route_table").flatMap(([name, table]) =>
    asList(table.route).map((route: any, i) => ({ table: name, route, address: `aws_route_table.${name}.route[${i}]` })),
  );
  return [...standalone, ...inline];
}

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export const POLICY_RULES: readonly PolicyRule[] = [
  {
    name: "every S3 bucket denies requests without TLS 1.2+ on the bucket and its objects",
    check: (json) =>
      entries(json, "aws_s3_bucket").flatMap(([name]) => {
        const ref = `\${aws_s3_bucket.${name}.arn}`;
        const policies = resources(json, "aws_s3_bucket_policy").filter((p) => referenced(p.bucket, "aws_s3_bucket").includes(name));
        const statements = policies.flatMap((p) => statementsOf(json, p.policy));
        const denies = (key: string, value: string) =>
          statements.some(
            (s) =>
              s.Effect === "Deny" &&
              mentions(s.Principal, "*") &&
              asList(s.Action).some((a: string) => a === "s3:*") &&
              asList(s.Resource).includes(ref) &&
              asList(s.Resource).includes(`${ref}/*`) &&
              mentions(s.Condition, key) &&
              mentions(s.Condition, value),
          );
        return [
          ...(denies("aws:SecureTransport", "false") ? [] : [`aws_s3_bucket.${name}: no Deny of s3:* when aws:SecureTransport is false`]),
          ...(denies("s3:TlsVersion", "1.2") ? [] : [`aws_s3_bucket.${name}: no Deny of s3:* when s3:TlsVersion < 1.2`]),
        ];
      }),
  },
  {
    name: "only route tables of public subnets route to an internet gateway",
    check: (json) => {
      const tiers = tiersByRouteTable(json);
      return routes(json)
        .filter(({ route }) => referenced(route.gateway_id, "aws_internet_gateway").length > 0)
        .filter(({ table }) => {
          const t = tiers.get(table);
          return !t || t.size !== 1 || !t.has("public");
        })
        .map(({ address, table }) => `${address}: internet gateway route on aws_route_table.${table} (subnet tiers: ${[...(tiers.get(table) ?? [])].join(", ") || "none"})`);
    },
  },
  {
    name: "database subnets have no route out of the VPC",
    check: (json) => {
      const tiers = tiersByRouteTable(json);
      return routes(json)
        .filter(({ table }) => tiers.get(table)?.has("database"))
        .map(({ address, table }) => `${address}: route on the database route table aws_route_table.${table}`);
    },
  },
  {
    name: "no subnet gives instances a public IP on launch",
    check: (json) =>
      entries(json, "aws_subnet")
        .filter(([, s]) => s.map_public_ip_on_launch === true)
        .map(([name]) => `aws_subnet.${name}: map_public_ip_on_launch = true`),
  },
  {
    name: "no security group admits ingress from 0.0.0.0/0 or ::/0",
    check: (json) => {
      const open = (cidrs: unknown) => asList(cidrs as string | string[]).some((c) => OPEN_CIDRS.includes(c));
      const inline = ["aws_security_group", "aws_default_security_group"].flatMap((type) =>
        entries(json, type).flatMap(([name, sg]) =>
          asList(sg.ingress)
            .filter((rule: any) => open(rule.cidr_blocks) || open(rule.ipv6_cidr_blocks))
            .map(() => `${type}.${name}: inline ingress from the internet`),
        ),
      );
      const rules = entries(json, "aws_security_group_rule")
        .filter(([, r]) => r.type === "ingress" && (open(r.cidr_blocks) || open(r.ipv6_cidr_blocks)))
        .map(([name]) => `aws_security_group_rule.${name}: ingress from the internet`);
      const vpcRules = entries(json, "aws_vpc_security_group_ingress_rule")
        .filter(([, r]) => open(r.cidr_ipv4) || open(r.cidr_ipv6))
        .map(([name]) => `aws_vpc_security_group_ingress_rule.${name}: ingress from the internet`);
      return [...inline, ...rules, ...vpcRules];
    },
  },
  {
    name: "every KMS key has rotation and an explicit key policy that trusts no anonymous principal",
    check: (json) =>
      entries(json, "aws_kms_key").flatMap(([name, key]) => {
        const problems: string[] = [];
        if (key.enable_key_rotation !== true) problems.push(`aws_kms_key.${name}: rotation off`);
        const policies = [key.policy, ...resources(json, "aws_kms_key_policy").filter((p) => referenced(p.key_id, "aws_kms_key").includes(name)).map((p) => p.policy)];
        const statements = policies.filter((p) => p !== undefined).flatMap((p) => statementsOf(json, p));
        if (statements.length === 0) problems.push(`aws_kms_key.${name}: no key policy`);
        for (const s of statements) {
          const principals = asList(s.Principal).flatMap((p: any) => (typeof p === "string" ? [p] : Object.values(p ?? {}).flat()));
          if (s.Effect === "Allow" && principals.includes("*") && !s.Condition) {
            problems.push(`aws_kms_key.${name}: statement ${s.Sid ?? "(no Sid)"} allows any principal without a condition`);
          }
        }
        return problems;
      }),
  },
  {
    name: "no IAM identity policy allows every action of a service or Action *",
    check: (json) =>
      ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"].flatMap((type) =>
        entries(json, type).flatMap(([name, p]) =>
          statementsOf(json, p.policy)
            .filter((s) => s.Effect === "Allow")
            .flatMap((s) => asList(s.Action as string | string[]).filter((a) => a === "*" || a.endsWith(":*")))
            .map((a) => `${type}.${name}: allows ${a}`),
        ),
      ),
  },
  {
    name: "every stack keeps its Terraform version floor",
    check: (json) => (typeof json.terraform?.required_version === "string" ? [] : ["terraform.required_version is missing"]),
  },
];
