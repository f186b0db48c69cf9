import { Naming, ProblemCollector, recordDeferredChecks, ValidationError } from "@qod/core";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import {
  checkClusterName,
  EksCluster,
  EksClusterProps,
  MAX_CLUSTER_NAME_LENGTH,
  NodeGroupOptions,
  serviceAccountRoleName,
} from "../src";
import { onlyResource, resources, TfJson } from "../../../test/helpers";

/**
 * The construct with inputs only Terraform knows (a generated module's variables): what it writes
 * into Terraform instead of deciding in TypeScript, and the rules it leaves to Terraform.
 */
const ADMIN = "arn:aws:iam::111111111111:role/platform-admin";
const literal: EksClusterProps = {
  naming: new Naming("qod", "prod"),
  subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  adminPrincipalArns: [ADMIN],
  endpointPublicAccessCidrs: ["203.0.113.0/24"],
  production: true,
};
const group: NodeGroupOptions = { instanceTypes: ["m6i.large"], minSize: 3, desiredSize: 3, maxSize: 6 };

const list = (scope: Construct, name: string) => new TerraformVariable(scope, name, { type: "list(string)" }).listValue;
const text = (scope: Construct, name: string) => new TerraformVariable(scope, name, { type: "string" }).stringValue;
const num = (scope: Construct, name: string) => new TerraformVariable(scope, name, { type: "number" }).numberValue;

/** Synthesizes a cluster whose props `vary` makes (from variables in the stack); the deferred rules' fields. */
function synthWith(
  vary: (scope: Construct) => Partial<EksClusterProps>,
  groupOf: (scope: Construct) => NodeGroupOptions = () => group,
): { json: TfJson; deferred: string[] } {
  let json = "";
  const { deferred } = recordDeferredChecks(() => {
    json = Testing.synthScope((scope) => {
      const cluster = new EksCluster(scope, "Cluster", { ...literal, ...vary(scope) });
      cluster.addNodeGroup("system", groupOf(scope));
    });
  });
  return { json: JSON.parse(json) as TfJson, deferred: [...new Set(deferred.map((p) => p.field))].sort() };
}

describe("EksCluster with inputs only Terraform knows", () => {
  it("gives each admin principal of a list variable an access entry and a cluster-admin association through for_each", () => {
    const { json, deferred } = synthWith((scope) => ({ adminPrincipalArns: list(scope, "admins") }));
    const entry = onlyResource(json, "aws_eks_access_entry");
    const association = onlyResource(json, "aws_eks_access_policy_association");
    expect(entry.for_each).toBe("${toset(var.admins)}");
    expect(entry.principal_arn).toBe("${each.value}");
    expect(association.for_each).toBe("${toset(var.admins)}");
    expect(association.principal_arn).toBe("${each.value}");
    expect(association.policy_arn).toMatch(/cluster-access-policy\/AmazonEKSClusterAdminPolicy$/);
    expect(deferred).toContain("adminPrincipalArns");
  });

  it("lets Terraform open the public endpoint only when the CIDR variable is not empty", () => {
    const { json, deferred } = synthWith((scope) => ({ endpointPublicAccessCidrs: list(scope, "public") }));
    const vpc = onlyResource(json, "aws_eks_cluster").vpc_config;
    expect(vpc.endpoint_private_access).toBe(true);
    expect(vpc.endpoint_public_access).toBe("${(length(var.public) >= 1)}");
    expect(vpc.public_access_cidrs).toBe("${(length(var.public) >= 1) ? var.public : null}");
    expect(deferred).toEqual(expect.arrayContaining(["endpointPublicAccessCidrs", "privateEndpointAccess"]));
  });

  it("admits the admin network of list variables to the private endpoint through for_each, one rule per entry", () => {
    const { json, deferred } = synthWith((scope) => ({
      endpointPublicAccessCidrs: [],
      privateEndpointAccess: { cidrs: list(scope, "admin_cidrs"), securityGroupIds: list(scope, "admin_groups") },
    }));
    const rules = resources(json, "aws_vpc_security_group_ingress_rule");
    expect(rules.map((r) => r.for_each).sort()).toEqual(["${toset(var.admin_cidrs)}", "${toset(var.admin_groups)}"]);
    expect(rules.find((r) => r.cidr_ipv4)).toMatchObject({ cidr_ipv4: "${each.value}", from_port: 443, to_port: 443 });
    expect(rules.find((r) => r.referenced_security_group_id)).toMatchObject({ referenced_security_group_id: "${each.value}" });
    expect(deferred).toEqual(["privateEndpointAccess", "privateEndpointAccess.cidrs", "privateEndpointAccess.securityGroupIds"]);
  });

  it("looks the add-on builds up by the Kubernetes version variable, among the usable minors", () => {
    const { json, deferred } = synthWith((scope) => ({ kubernetesVersion: text(scope, "k8s") }));
    expect(onlyResource(json, "aws_eks_cluster").version).toBe("${var.k8s}");
    for (const addon of resources(json, "aws_eks_addon")) expect(addon.addon_version).toMatch(/^\$\{\{"1\.\d+" = "v[^"]+".*\}\[var\.k8s\]\}$/);
    expect(deferred).toEqual(["kubernetesVersion"]);
  });

  it("picks the node group's AMI in Terraform from the first instance type of a list variable, and passes the sizes through", () => {
    const { json, deferred } = synthWith(
      () => ({}),
      (scope) => ({
        instanceTypes: list(scope, "types"),
        minSize: num(scope, "min"),
        desiredSize: num(scope, "desired"),
        maxSize: num(scope, "max"),
        diskSizeGiB: num(scope, "disk"),
      }),
    );
    const nodes = onlyResource(json, "aws_eks_node_group");
    expect(nodes.ami_type).toBe('${can(regex("^[a-z]+[0-9]+g[a-z]*[.]", element(var.types, 0))) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD"}');
    expect(nodes.instance_types).toBe("${var.types}");
    expect(nodes.scaling_config).toEqual({ min_size: "${var.min}", desired_size: "${var.desired}", max_size: "${var.max}" });
    expect(onlyResource(json, "aws_launch_template").block_device_mappings[0].ebs.volume_size).toBe("${var.disk}");
    expect(deferred).toEqual(["system.desiredSize", "system.diskSizeGiB", "system.instanceTypes", "system.maxSize", "system.minSize"]);
  });

  it("leaves the subnet count and the cluster name's rules to Terraform when they are variables", () => {
    const { json, deferred } = synthWith((scope) => ({ subnetIds: list(scope, "subnets"), clusterName: text(scope, "name") }));
    expect(onlyResource(json, "aws_eks_cluster").vpc_config.subnet_ids).toBe("${var.subnets}");
    expect(onlyResource(json, "aws_eks_node_group").subnet_ids).toBe("${var.subnets}");
    expect(deferred).toEqual(["clusterName", "logGroupName", "subnetIds"]);
  });
});

describe("cluster names", () => {
  const fields = (name: string) => {
    const p = new ProblemCollector("test");
    checkClusterName(p, "clusterName", name);
    return p.problems.map((problem) => problem.field);
  };

  it("accepts EKS names short enough for the add-ons' IRSA role names", () => {
    expect(MAX_CLUSTER_NAME_LENGTH).toBe(64 - "-kube-system-ebs-csi-controller-sa".length);
    for (const name of ["qod-prod-eks", "A_1", "q".repeat(MAX_CLUSTER_NAME_LENGTH)]) expect(fields(name), name).toEqual([]);
  });

  it("fails when a cluster name is not an EKS name or too long for the role names", () => {
    for (const name of ["", "-qod", "qod.eks", "qod eks", "q".repeat(MAX_CLUSTER_NAME_LENGTH + 1)]) expect(fields(name), name).toEqual(["clusterName"]);
    expect(() => new EksCluster(new TerraformStack(Testing.app(), "s"), "Cluster", { ...literal, clusterName: "qod.eks" })).toThrow(
      /clusterName: got "qod\.eks"/,
    );
  });

  it("defers the role-name length to Terraform for a cluster name only it knows, instead of measuring the token", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const { result, deferred } = recordDeferredChecks(() => serviceAccountRoleName(text(stack, "name"), "kube-system", "ebs-csi-controller-sa"));
    expect(result).toMatch(/-kube-system-ebs-csi-controller-sa$/);
    expect(deferred.map((p) => p.field)).toEqual(["clusterName"]);
    expect(() => serviceAccountRoleName("q".repeat(50), "kube-system", "aws-node")).toThrow(ValidationError);
  });
});
