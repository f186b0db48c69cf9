/**
 * The policy rules of policy-rules.ts follow references checkov does not (bucket -> policy
 * document, route -> table -> subnet tier); `suites/invariants.ts` holds them over every stack.
 * Here each rule is shown to catch a violation planted in a copy of a real stack.
 */
import { describe, expect, it } from "vitest";
import { POLICY_RULES, PolicyRule } from "./policy-rules";
import { environmentWhere, stackName, synthesizedPlatform } from "./synthesized";

const synthesized = synthesizedPlatform();
/** A non-production and a production infra stack: the rules hold for both kinds. */
const nonProductionInfra = stackName(environmentWhere(false), "infra");
const productionInfra = stackName(environmentWhere(true), "infra");

const rule = (name: string): PolicyRule => {
  const found = POLICY_RULES.find((r) => r.name === name);
  if (!found) throw new Error(`no rule named "${name}"`);
  return found;
};
const copyOf = (name: string): any => structuredClone(synthesized.stack(name));
const named = (byName: Record<string, any>, fragment: string): string => {
  const key = Object.keys(byName).find((k) => k.includes(fragment));
  if (!key) throw new Error(`no resource whose name contains ${fragment}`);
  return key;
};

/** The `aws_iam_policy_document` (its synthesized config) that a policy attribute refers to. */
const documentOf = (json: any, policy: string): any => {
  const [, name] = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(policy) ?? [];
  if (!name) throw new Error(`${policy} is no policy document reference`);
  return json.data.aws_iam_policy_document[name];
};

describe("each rule catches a planted violation", () => {
  it("a bucket policy without the TLS deny", () => {
    const json = copyOf("bootstrap");
    const doc = json.data.aws_iam_policy_document.StateBucketPolicyDocument;
    doc.statement = doc.statement.filter((s: any) => s.sid !== "DenyInsecureTransport");
    expect(rule("every S3 bucket denies requests without TLS 1.2+ on the bucket and its objects").check(json)).toEqual([
      "aws_s3_bucket.StateBucket: no Deny of s3:* when aws:SecureTransport is false",
    ]);
  });

  it("a bucket with no policy at all", () => {
    const json = copyOf("bootstrap");
    delete json.resource.aws_s3_bucket_policy.AccessLogBucketPolicy;
    expect(rule("every S3 bucket denies requests without TLS 1.2+ on the bucket and its objects").check(json)).toHaveLength(2);
  });

  it("an internet gateway route on a private route table", () => {
    const json = copyOf(nonProductionInfra);
    const table = named(json.resource.aws_route_table, "PrivateRouteTable-");
    const igw = Object.keys(json.resource.aws_internet_gateway)[0];
    json.resource.aws_route.Planted = {
      route_table_id: `\${aws_route_table.${table}.id}`,
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: `\${aws_internet_gateway.${igw}.id}`,
    };
    expect(rule("only route tables of public subnets route to an internet gateway").check(json)).toEqual([
      `aws_route.Planted: internet gateway route on aws_route_table.${table} (subnet tiers: private)`,
    ]);
  });

  it("a NAT route on the database route table", () => {
    const json = copyOf(productionInfra);
    const table = named(json.resource.aws_route_table, "DatabaseRouteTable");
    json.resource.aws_route_table[table].route = [{ cidr_block: "0.0.0.0/0", nat_gateway_id: "${aws_nat_gateway.x.id}" }];
    expect(rule("database subnets have no route out of the VPC").check(json)).toEqual([
      `aws_route_table.${table}.route[0]: route on the database route table aws_route_table.${table}`,
    ]);
  });

  it("a subnet that maps public IPs", () => {
    const json = copyOf(nonProductionInfra);
    const subnet = named(json.resource.aws_subnet, "PublicSubnet-");
    json.resource.aws_subnet[subnet].map_public_ip_on_launch = true;
    expect(rule("no subnet gives instances a public IP on launch").check(json)).toEqual([
      `aws_subnet.${subnet}: map_public_ip_on_launch = true`,
    ]);
  });

  it("security groups open to the internet, in each of the three ways to write a rule", () => {
    const json = copyOf(nonProductionInfra);
    json.resource.aws_security_group = { Open: { ingress: [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }] } };
    json.resource.aws_security_group_rule = { Open: { type: "ingress", ipv6_cidr_blocks: ["::/0"] } };
    json.resource.aws_vpc_security_group_ingress_rule = { Open: { cidr_ipv4: "0.0.0.0/0" }, Internal: { cidr_ipv4: "10.10.0.0/16" } };
    expect(rule("no security group admits ingress from 0.0.0.0/0 or ::/0").check(json)).toEqual([
      "aws_security_group.Open: inline ingress from the internet",
      "aws_security_group_rule.Open: ingress from the internet",
      "aws_vpc_security_group_ingress_rule.Open: ingress from the internet",
    ]);
  });

  it("a KMS key without a policy or rotation, and one open to everyone", () => {
    const json = copyOf("bootstrap");
    delete json.resource.aws_kms_key.StateKey.policy;
    json.resource.aws_kms_key.StateKey.enable_key_rotation = false;
    json.resource.aws_kms_key.Open = {
      enable_key_rotation: true,
      policy: JSON.stringify({ Statement: [{ Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }] }),
    };
    expect(rule("every KMS key has rotation and an explicit key policy that trusts no anonymous principal").check(json)).toEqual([
      "aws_kms_key.StateKey: rotation off",
      "aws_kms_key.StateKey: no key policy",
      "aws_kms_key.Open: statement Anyone allows any principal without a condition",
    ]);
  });

  it("a KMS key whose policy document lets anyone in without a condition", () => {
    const json = copyOf("bootstrap");
    documentOf(json, json.resource.aws_kms_key.StateKey.policy).statement.push({
      sid: "Anyone",
      effect: "Allow",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["kms:Decrypt"],
      resources: ["*"],
    });
    expect(rule("every KMS key has rotation and an explicit key policy that trusts no anonymous principal").check(json)).toEqual([
      "aws_kms_key.StateKey: statement Anyone allows any principal without a condition",
    ]);
  });

  it("an IAM policy with a service wildcard", () => {
    const json = copyOf(nonProductionInfra);
    const name = Object.keys(json.resource.aws_iam_role_policy)[0];
    documentOf(json, json.resource.aws_iam_role_policy[name].policy).statement.push({ effect: "Allow", actions: ["logs:*"], resources: ["*"] });
    expect(rule("no IAM identity policy allows every action of a service or Action *").check(json)).toEqual([
      `aws_iam_role_policy.${name}: allows logs:*`,
    ]);
  });

  it("a stack that lost its Terraform version floor (what the checkov scan copy does)", () => {
    const json = copyOf(productionInfra);
    delete json.terraform.required_version;
    expect(rule("every stack keeps its Terraform version floor").check(json)).toEqual(["terraform.required_version is missing"]);
  });
});
