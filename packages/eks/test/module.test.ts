import { exampleInputs, ModuleStack } from "@qod/core";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { EKS_MODULE_NODE_GROUP, eksModule, EksModuleInputs } from "../src";
import { onlyResource, resources, TfJson } from "../../../test/helpers";

/** The `eks` module's choices; apps/test/modules.test.ts checks its rules against the construct's. */
describe("the eks module", () => {
  it("builds one node group, named system, with the module's tags on the cluster security group", () => {
    const stack = new ModuleStack(Testing.app(), eksModule);
    const json = JSON.parse(Testing.synth(stack)) as TfJson;
    expect(EKS_MODULE_NODE_GROUP).toBe("system");
    expect(onlyResource(json, "aws_eks_node_group").node_group_name_prefix).toBe("system-");
    expect(onlyResource(json, "aws_eks_cluster").deletion_protection).toBe(true);
    expect(Object.fromEntries(resources(json, "aws_ec2_tag").map((t) => [t.key, t.value]))).toEqual({
      project: "${var.project}",
      environment: "${var.environment}",
      owner: "${var.owner}",
      "managed-by": "terraform",
    });
  });

  it("builds from its example inputs as literals, with everything keyed as in the stacks", () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        eksModule.build(scope, exampleInputs(eksModule) as EksModuleInputs);
      }),
    ) as TfJson;
    expect(Object.keys(json.resource!.aws_eks_access_entry)).toHaveLength(1);
    expect(onlyResource(json, "aws_eks_cluster").vpc_config.endpoint_public_access).toBe(false);
    expect(onlyResource(json, "aws_vpc_security_group_ingress_rule").cidr_ipv4).toBe("10.200.0.0/22");
  });
});
