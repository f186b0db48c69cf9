import { Naming, ProblemCollector, SUPPORTED_EKS_VERSIONS, VERSIONS } from "@qod/core";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { checkKubernetesVersion, CONTROL_PLANE_LOG_TYPES, EKS_ADDONS, eksAddonPins, EksCluster, EksClusterProps, NODE_ROLE_POLICIES, NodeGroupOptions } from "../src";
import { onlyResource, policyOf, resources, TfJson } from "../../../test/helpers";

const ADMIN = "arn:aws:iam::111111111111:role/platform-admin";
const base: EksClusterProps = {
  naming: new Naming("qod", "dev"),
  subnetIds: ["subnet-a", "subnet-b"],
  adminPrincipalArns: [ADMIN],
  endpointPublicAccessCidrs: ["203.0.113.0/24"],
  tags: { project: "qod", environment: "dev", owner: "platform-team", "managed-by": "cdktf" },
};
const general: NodeGroupOptions = { instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 2, maxSize: 4 };

function synth(
  props: Partial<EksClusterProps> = {},
  more: (cluster: EksCluster, scope: Construct) => void = (cluster) => cluster.addNodeGroup("general", general),
): TfJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const cluster = new EksCluster(scope, "Cluster", { ...base, ...props });
      more(cluster, scope);
    }),
  );
}

/** The trust policy document of the IRSA role for `namespace:serviceAccount`. */
function trustOf(json: TfJson, serviceAccount: string): any {
  return Object.values(json.data!.aws_iam_policy_document).find((doc: any) =>
    JSON.stringify(doc).includes(`system:serviceaccount:${serviceAccount}`),
  );
}

describe("EksCluster with defaults", () => {
  const json = synth();
  const cluster = () => onlyResource(json, "aws_eks_cluster");

  it("uses API authentication with no implicit admin for the creator and no aws-auth ConfigMap", () => {
    expect(cluster().access_config).toEqual({
      authentication_mode: "API",
      bootstrap_cluster_creator_admin_permissions: false,
    });
    expect(Object.keys(json.resource!).filter((t) => t.startsWith("kubernetes_"))).toEqual([]);
  });

  it("pins the Kubernetes version from the core table and stays on standard support", () => {
    expect(cluster().version).toBe(VERSIONS.eks.kubernetes.version);
    expect(cluster().upgrade_policy).toEqual({ support_type: "STANDARD" });
    expect(cluster().name).toBe("qod-dev-eks");
  });

  it("keeps the private endpoint on and opens the public one only to the allow-list", () => {
    expect(cluster().vpc_config).toMatchObject({
      endpoint_private_access: true,
      endpoint_public_access: true,
      public_access_cidrs: ["203.0.113.0/24"],
      subnet_ids: ["subnet-a", "subnet-b"],
    });
  });

  it("envelope-encrypts secrets with a rotating customer-managed key", () => {
    expect(cluster().encryption_config).toEqual({
      resources: ["secrets"],
      provider: { key_arn: expect.stringMatching(/^\$\{aws_kms_key\.Cluster_SecretsKey_.+\.arn\}$/) },
    });
    for (const key of resources(json, "aws_kms_key")) expect(key.enable_key_rotation).toBe(true);
  });

  it("ships all five control-plane log types to a log group created before the cluster", () => {
    expect(cluster().enabled_cluster_log_types).toEqual([...CONTROL_PLANE_LOG_TYPES]);
    expect(CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
    const group = onlyResource(json, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: "/aws/eks/qod-dev-eks/cluster", retention_in_days: 90 });
    expect(group.kms_key_id).toMatch(/aws_kms_key/);
    const groupAddress = `aws_cloudwatch_log_group.${Object.keys(json.resource!.aws_cloudwatch_log_group)[0]}`;
    expect(cluster().depends_on).toContain(groupAddress);
  });

  it("has no deletion protection and manages its own add-ons outside production", () => {
    expect(cluster().deletion_protection).toBe(false);
    expect(cluster().bootstrap_self_managed_addons).toBe(false);
  });

  it("grants cluster-admin to each admin principal through an access entry, cluster-wide", () => {
    expect(onlyResource(json, "aws_eks_access_entry")).toMatchObject({ principal_arn: ADMIN, type: "STANDARD" });
    const association = onlyResource(json, "aws_eks_access_policy_association");
    expect(association.principal_arn).toBe(ADMIN);
    expect(association.policy_arn).toMatch(/:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/);
    expect(association.access_scope).toEqual({ type: "cluster" });
  });

  it("creates an OIDC provider for the sts audience", () => {
    const oidc = onlyResource(json, "aws_iam_openid_connect_provider");
    expect(oidc.client_id_list).toEqual(["sts.amazonaws.com"]);
    expect(oidc.url).toMatch(/aws_eks_cluster\..+\.identity\[0\]\.oidc\[0\]\.issuer/);
  });

  it("installs the four managed add-ons at the versions pinned for its Kubernetes minor, overwriting conflicts", () => {
    const addons = resources(json, "aws_eks_addon");
    expect(addons.map((a) => [a.addon_name, a.addon_version]).sort()).toEqual(
      Object.entries(eksAddonPins(VERSIONS.eks.kubernetes.version)).map(([name, pin]) => [name, pin.version]).sort(),
    );
    for (const addon of addons) {
      expect(addon.resolve_conflicts_on_create).toBe("OVERWRITE");
      expect(addon.resolve_conflicts_on_update).toBe("OVERWRITE");
    }
  });

  it("turns on network policy enforcement in the VPC CNI and gives it and the EBS driver their own roles", () => {
    const byName = Object.fromEntries(resources(json, "aws_eks_addon").map((a) => [a.addon_name, a]));
    expect(JSON.parse(byName["vpc-cni"].configuration_values)).toEqual({ enableNetworkPolicy: "true" });
    expect(byName["vpc-cni"].service_account_role_arn).toMatch(/Irsa-kube-system-aws-node/);
    expect(byName["aws-ebs-csi-driver"].service_account_role_arn).toMatch(/Irsa-kube-system-ebs-csi-controller-sa/);
    expect(byName["coredns"].service_account_role_arn).toBeUndefined();
  });

  it("creates the CNI before the nodes, and kube-proxy, coredns and the EBS driver after them", () => {
    const groupAddress = `aws_eks_node_group.${Object.keys(json.resource!.aws_eks_node_group)[0]}`;
    const byName = Object.fromEntries(
      Object.entries(json.resource!.aws_eks_addon).map(([id, a]) => [a.addon_name, { id, ...a }]),
    );
    expect(onlyResource(json, "aws_eks_node_group").depends_on).toContain(`aws_eks_addon.${byName["vpc-cni"].id}`);
    for (const name of ["kube-proxy", "coredns", "aws-ebs-csi-driver"]) {
      expect(byName[name].depends_on, name).toEqual([groupAddress]);
    }
  });

  it("creates the CNI after its own role's grants, and the nodes after the node role's", () => {
    const attachments = Object.entries(json.resource!.aws_iam_role_policy_attachment);
    const addressesOf = (roleId: RegExp) =>
      attachments.filter(([, a]) => roleId.test(a.role)).map(([id]) => `aws_iam_role_policy_attachment.${id}`).sort();
    const cniGrants = addressesOf(/Irsa-kube-system-aws-node/);
    const nodeGrants = addressesOf(/aws_iam_role\.Cluster_NodeRole/);
    expect(cniGrants).toHaveLength(1);
    expect(nodeGrants.length).toBeGreaterThan(0);
    const vpcCni = resources(json, "aws_eks_addon").find((a) => a.addon_name === "vpc-cni")!;
    for (const grant of cniGrants) expect(vpcCni.depends_on).toContain(grant);
    for (const grant of nodeGrants) expect(vpcCni.depends_on).not.toContain(grant);
    expect(onlyResource(json, "aws_eks_node_group").depends_on).toEqual(expect.arrayContaining(nodeGrants));
  });
});

describe("add-on versions per Kubernetes minor", () => {
  it.each(Object.keys(SUPPORTED_EKS_VERSIONS))("installs on a %s cluster the builds pinned for that minor", (minor) => {
    const json = synth({ kubernetesVersion: minor });
    expect(onlyResource(json, "aws_eks_cluster").version).toBe(minor);
    const installed = Object.fromEntries(resources(json, "aws_eks_addon").map((a) => [a.addon_name, a.addon_version]));
    const pins = (VERSIONS.eksAddons as Record<string, Record<string, { version: string }>>)[minor];
    expect(installed).toEqual(Object.fromEntries(EKS_ADDONS.map((name) => [name, pins[name].version])));
    // kube-proxy is built per minor: a build of another minor fails at CreateAddon.
    expect(installed["kube-proxy"]).toMatch(new RegExp(`^v${minor.replace(".", "\\.")}\\.`));
  });

  it("fails when a supported minor has no pinned build of every add-on, naming the minor and what is missing", () => {
    const [first, ...rest] = Object.keys(SUPPORTED_EKS_VERSIONS);
    const pins = Object.fromEntries(rest.map((minor) => [minor, eksAddonPins(minor)]));
    const p = new ProblemCollector("test");
    checkKubernetesVersion(p, "kubernetesVersion", first, pins);
    expect(() => p.throwIfAny()).toThrow(
      new RegExp(`kubernetesVersion: got "${first}"; allowed: a minor with a pinned build of every EKS add-on in VERSIONS\\.eksAddons \\(${first} has none for vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver\\); pinned: ${rest.join(", ")}`),
    );
    expect(() => eksAddonPins(first, pins)).toThrow(/a minor with a pinned build of every EKS add-on/);
  });

  it("fails when the minor is not supported at all", () => {
    expect(() => eksAddonPins("1.20")).toThrow(/kubernetesVersion: got "1\.20"; allowed: one of the supported EKS versions: /);
  });
});

describe("the private endpoint's admin network", () => {
  const ADMIN_NETWORK = { cidrs: ["10.200.0.0/22"], securityGroupIds: ["sg-0123456789abcdef0"] };
  const rulesOf = (json: TfJson) => Object.entries(json.resource!.aws_vpc_security_group_ingress_rule ?? {});

  it("admits each configured CIDR and security group to the cluster security group on 443, one rule per entry keyed by it", () => {
    const rules = rulesOf(synth({ privateEndpointAccess: ADMIN_NETWORK }));
    expect(rules).toHaveLength(2);
    for (const [, rule] of rules) {
      expect(rule).toMatchObject({
        security_group_id: "${aws_eks_cluster.Cluster_EB0386A7.vpc_config[0].cluster_security_group_id}",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
      });
      expect(rule.description).toMatch(/Kubernetes API/);
    }
    const byId = Object.fromEntries(rules.map(([id, rule]) => [id.replace(/_[0-9A-F]{8}$/, ""), rule]));
    expect(byId["Cluster_PrivateEndpointAccess-10-200-0-0-22"]).toMatchObject({ cidr_ipv4: "10.200.0.0/22" });
    expect(byId["Cluster_PrivateEndpointAccess-sg-0123456789abcdef0"]).toMatchObject({ referenced_security_group_id: "sg-0123456789abcdef0" });
  });

  it("adds no ingress rule when none is configured", () => {
    expect(rulesOf(synth())).toEqual([]);
  });

  it.each<[string, object, RegExp]>([
    ["a CIDR is the whole internet", { cidrs: ["0.0.0.0/0"] }, /privateEndpointAccess\.cidrs\[0\]: got "0\.0\.0\.0\/0"; allowed: the admin network's own range: the private endpoint is never open to \/0/],
    ["a CIDR has host bits set", { cidrs: ["10.200.1.0/16"] }, /privateEndpointAccess\.cidrs\[0\]: got "10\.200\.1\.0\/16"; allowed: an IPv4 CIDR with no host bits set/],
    ["a CIDR repeats", { cidrs: ["10.200.0.0/22", "10.200.0.0/22"] }, /privateEndpointAccess\.cidrs\[1\]: got "10\.200\.0\.0\/22"; allowed: each CIDR once/],
    ["a security group id is not an sg- id", { securityGroupIds: ["bastion"] }, /privateEndpointAccess\.securityGroupIds\[0\]: got "bastion"; allowed: a security group id, sg- and 8 or 17 hex digits/],
  ])("fails when %s", (_, privateEndpointAccess, message) => {
    expect(() => synth({ privateEndpointAccess }, () => undefined)).toThrow(message);
  });
});

describe("the cluster security group EKS creates", () => {
  /** The aws_ec2_tag resources by address. */
  const tagsOf = (json: TfJson) => Object.entries(json.resource!.aws_ec2_tag ?? {});

  it("carries every given tag, one aws_ec2_tag per key keyed by it (the provider's default tags do not reach it)", () => {
    const json = synth();
    const tags = tagsOf(json);
    expect(Object.fromEntries(tags.map(([, t]) => [t.key, t.value]))).toEqual(base.tags);
    for (const [id, tag] of tags) {
      expect(tag.resource_id).toBe("${aws_eks_cluster.Cluster_EB0386A7.vpc_config[0].cluster_security_group_id}");
      expect(id).toMatch(new RegExp(`^Cluster_ClusterSecurityGroupTag-${tag.key.replace(/[^A-Za-z0-9_-]/g, "-")}_[0-9A-F]{8}$`));
    }
  });

  it("carries karpenter.sh/discovery = <cluster name> only when asked", () => {
    const discovery = (json: TfJson) => tagsOf(json).filter(([, t]) => t.key === "karpenter.sh/discovery").map(([, t]) => t.value);
    expect(discovery(synth())).toEqual([]);
    expect(discovery(synth({ karpenterDiscovery: true }))).toEqual(["qod-dev-eks"]);
  });

  it("fails when karpenterDiscovery is not a boolean", () => {
    expect(() => synth({ karpenterDiscovery: "yes" as never }, () => undefined)).toThrow(/karpenterDiscovery: got "yes"; allowed: true or false/);
  });
});

describe("stable addresses", () => {
  const OPS = "arn:aws:iam::222222222222:role/teams/ops-admin";
  const addresses = (json: TfJson, type: string) => Object.keys(json.resource![type] ?? {}).sort();
  /** The resources of a type by address: the same address must describe the same thing. */
  const byAddress = (json: TfJson, type: string, keep: (id: string) => boolean = () => true) =>
    Object.fromEntries(Object.entries(json.resource![type] ?? {}).filter(([id]) => keep(id)));

  it("keys each access entry and its policy association by the principal's name, so reordering the admins keeps every address", () => {
    const forward = synth({ adminPrincipalArns: [ADMIN, OPS] });
    const reversed = synth({ adminPrincipalArns: [OPS, ADMIN] });
    for (const type of ["aws_eks_access_entry", "aws_eks_access_policy_association"]) {
      expect(byAddress(reversed, type), type).toEqual(byAddress(forward, type));
    }
    expect(addresses(forward, "aws_eks_access_entry").map((id) => id.replace(/_[0-9A-F]{8}$/, ""))).toEqual([
      "Cluster_AdminAccess-ops-admin",
      "Cluster_AdminAccess-platform-admin",
    ]);
    const entry = Object.entries(forward.resource!.aws_eks_access_entry).find(([id]) => id.includes("ops-admin"))![1];
    expect(entry.principal_arn).toBe(OPS);
  });

  it("moves the access entries of the index-keyed layout to their named addresses", () => {
    const json = synth({ adminPrincipalArns: [ADMIN, OPS] });
    const moves = (json.moved ?? []).filter((m) => m.to.startsWith("aws_eks_access"));
    expect(moves).toEqual(
      expect.arrayContaining([
        { from: "aws_eks_access_entry.Cluster_AdminAccess0_98E0FA22", to: expect.stringMatching(/^aws_eks_access_entry\.Cluster_AdminAccess-platform-admin_[0-9A-F]{8}$/) },
        { from: "aws_eks_access_policy_association.Cluster_AdminAccess0Policy_BC5C5125", to: expect.stringMatching(/^aws_eks_access_policy_association\.Cluster_AdminAccess-platform-admin-Policy_/) },
        { from: expect.stringMatching(/^aws_eks_access_entry\.Cluster_AdminAccess1_/), to: expect.stringMatching(/Cluster_AdminAccess-ops-admin_/) },
      ]),
    );
    expect(moves).toHaveLength(4);
    for (const move of moves) expect(Object.keys(json.resource![move.to.split(".")[0]])).toContain(move.to.split(".")[1]);
  });

  it("keys each managed policy attachment of a service-account role by the policy's name", () => {
    const policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"];
    const withPolicies = (arns: string[]) => synth({}, (cluster) => cluster.serviceAccountRole("ns", "sa", { managedPolicyArns: arns }));
    const ids = (json: TfJson) => addresses(json, "aws_iam_role_policy_attachment").filter((id) => id.includes("Irsa-ns-sa"));
    const attachments = (json: TfJson) => byAddress(json, "aws_iam_role_policy_attachment", (id) => id.includes("Irsa-ns-sa"));
    expect(attachments(withPolicies([...policies].reverse()))).toEqual(attachments(withPolicies(policies)));
    expect(ids(withPolicies(policies)).map((id) => id.replace(/_[0-9A-F]{8}$/, ""))).toEqual([
      "Cluster_Irsa-ns-sa_ManagedPolicy-AmazonEBSCSIDriverPolicy",
      "Cluster_Irsa-ns-sa_ManagedPolicy-ReadOnlyAccess",
    ]);
    expect(addresses(synth(), "aws_iam_role_policy_attachment").some((id) => id.startsWith("Cluster_Irsa-kube-system-aws-node_ManagedPolicy-AmazonEKS_CNI_Policy_"))).toBe(true);
  });

  it("gives each viewer a read-only access entry (AmazonEKSAdminViewPolicy, cluster scope), keyed by its name; none by default", () => {
    const VIEWER = "arn:aws:iam::111111111111:role/qod-dev-github-plan";
    const json = synth({ viewerPrincipalArns: [VIEWER] });
    const viewers = Object.entries(json.resource!.aws_eks_access_entry).filter(([id]) => id.startsWith("Cluster_ViewerAccess-"));
    expect(viewers.map(([id, entry]) => [id.replace(/_[0-9A-F]{8}$/, ""), entry.principal_arn, entry.type])).toEqual([["Cluster_ViewerAccess-qod-dev-github-plan", VIEWER, "STANDARD"]]);
    const associations = resources(json, "aws_eks_access_policy_association").filter((a) => a.principal_arn === VIEWER);
    expect(associations).toHaveLength(1);
    expect(associations[0]).toMatchObject({ access_scope: { type: "cluster" }, policy_arn: expect.stringMatching(/:eks::aws:cluster-access-policy\/AmazonEKSAdminViewPolicy$/) });
    expect(associations[0].depends_on).toEqual([`aws_eks_access_entry.${viewers[0][0]}`]);
    expect(addresses(synth(), "aws_eks_access_entry").filter((id) => id.includes("Viewer"))).toEqual([]);
  });

  it.each([
    ["a viewer is not an ARN", ["qod-dev-github-plan"], /viewerPrincipalArns\[0\]: got "qod-dev-github-plan"; allowed: an IAM role or user ARN/],
    ["a viewer is an admin too", [ADMIN], /viewerPrincipalArns\[0\]: got "arn:aws:iam::111111111111:role\/platform-admin"; allowed: a principal that is not also an admin/],
    ["two viewers have the same name", ["arn:aws:iam::111111111111:role/audit", "arn:aws:iam::111111111111:role/x/audit"], /viewerPrincipalArns\[1\]: .*no other viewer has \(viewerPrincipalArns\[0\]\)/],
  ])("fails when %s", (_, viewerPrincipalArns, message) => {
    expect(() => synth({ viewerPrincipalArns }, () => undefined)).toThrow(message);
  });

  it("fails when two admin principals have the same name", () => {
    expect(() => synth({ adminPrincipalArns: [ADMIN, "arn:aws:iam::222222222222:role/other/platform-admin"] }, () => undefined)).toThrow(
      /adminPrincipalArns\[1\]: got "arn:aws:iam::222222222222:role\/other\/platform-admin"; allowed: a principal whose name \(platform-admin\) no other admin has \(adminPrincipalArns\[0\]\)/,
    );
  });

  it("fails when two managed policies of a role have the same name", () => {
    expect(() =>
      synth({}, (cluster) =>
        cluster.serviceAccountRole("ns", "sa", { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::111111111111:policy/ReadOnlyAccess"] }),
      ),
    ).toThrow(/managedPolicyArns\[1\]: got "arn:aws:iam::111111111111:policy\/ReadOnlyAccess"; allowed: a policy whose name \(ReadOnlyAccess\) no other managed policy of the role has/);
  });
});

describe("identity for pods (IRSA)", () => {
  it("pins both the service account and the audience in every trust policy", () => {
    const json = synth();
    for (const sa of ["kube-system:aws-node", "kube-system:ebs-csi-controller-sa"]) {
      const statement = trustOf(json, sa).statement[0];
      expect(statement.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
      expect(statement.principals).toEqual([{ type: "Federated", identifiers: [expect.stringMatching(/aws_iam_openid_connect_provider/)] }]);
      const conditions = Object.fromEntries(statement.condition.map((c: any) => [c.variable.replace(/^.*:/, ""), c]));
      expect(conditions.sub).toMatchObject({ test: "StringEquals", values: [`system:serviceaccount:${sa}`] });
      expect(conditions.aud).toMatchObject({ test: "StringEquals", values: ["sts.amazonaws.com"] });
    }
  });

  it("serviceAccountRole gives one service account an inline policy and nothing more", () => {
    const json = synth({}, (cluster) => {
      cluster.serviceAccountRole("external-dns", "external-dns", {
        policyJson: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "route53:ListHostedZones", Resource: "*" }] }),
      });
    });
    expect(trustOf(json, "external-dns:external-dns")).toBeDefined();
    const role = Object.values(json.resource!.aws_iam_role).find((r: any) => r.name === "qod-dev-eks-external-dns-external-dns");
    expect(role).toBeDefined();
    const inline = resources(json, "aws_iam_role_policy").filter((p) => p.role.includes("Irsa-external-dns"));
    expect(inline).toHaveLength(1);
    expect(JSON.parse(inline[0].policy).Statement[0].Action).toBe("route53:ListHostedZones");
  });

  it.each([
    ["an empty namespace", "", "sa", /namespace: got ""/],
    ["an empty service account", "ns", "", /serviceAccount: got ""/],
    ["an invalid namespace", "Kube_System", "sa", /namespace: got "Kube_System"/],
  ])("fails when given %s", (_, namespace, name, message) => {
    expect(() => synth({}, (cluster) => cluster.serviceAccountRole(namespace, name, { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }))).toThrow(message);
  });

  it("fails when a role would get no permission at all", () => {
    expect(() => synth({}, (cluster) => cluster.serviceAccountRole("ns", "sa", {}))).toThrow(/at least one permission/);
  });

  it("fails when the role name would exceed IAM's 64 characters", () => {
    const long = "a".repeat(60);
    expect(() => synth({}, (cluster) => cluster.serviceAccountRole(long, "sa", { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }))).toThrow(/fits IAM's 64 characters/);
  });
});

describe("managed node groups", () => {
  const json = synth();
  const group = () => onlyResource(json, "aws_eks_node_group");
  const template = () => onlyResource(json, "aws_launch_template");

  it("runs Amazon Linux 2023 in the cluster's private subnets with no SSH", () => {
    expect(group()).toMatchObject({
      ami_type: "AL2023_x86_64_STANDARD",
      subnet_ids: ["subnet-a", "subnet-b"],
      instance_types: ["t3.medium"],
      capacity_type: "ON_DEMAND",
      scaling_config: { min_size: 1, desired_size: 2, max_size: 4 },
    });
    expect(group().remote_access).toBeUndefined();
  });

  it("rolls updates, leaves desired size to the autoscaler and carries the auto-discovery tags", () => {
    expect(group().update_config).toEqual({ max_unavailable_percentage: 33 });
    expect(group().lifecycle.ignore_changes).toEqual(["scaling_config[0].desired_size"]);
    expect(group().tags["k8s.io/cluster-autoscaler/enabled"]).toBe("true");
    expect(Object.keys(group().tags)).toContain("k8s.io/cluster-autoscaler/${aws_eks_cluster.Cluster_EB0386A7.name}");
  });

  it("requires IMDSv2 with hop limit 1 and an encrypted gp3 root volume", () => {
    expect(template().metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(template().block_device_mappings[0].ebs).toMatchObject({ volume_type: "gp3", encrypted: "true", volume_size: 50 });
    expect(group().launch_template.id).toMatch(/aws_launch_template\./);
  });

  it("tags the instances, volumes and interfaces it launches with the required tags", () => {
    const specs = template().tag_specifications;
    expect(specs.map((s: any) => s.resource_type)).toEqual(["instance", "volume", "network-interface"]);
    for (const spec of specs) {
      expect(spec.tags).toMatchObject({ project: "qod", environment: "dev", owner: "platform-team", "managed-by": "cdktf" });
    }
  });

  it("gives nodes only the worker, ECR pull-only and SSM policies, and nothing inline", () => {
    const nodeRole = Object.entries(json.resource!.aws_iam_role).find(([, r]: any) => r.name === "qod-dev-eks-node")![0];
    const attached = resources(json, "aws_iam_role_policy_attachment")
      .filter((a) => a.role.includes(`aws_iam_role.${nodeRole}.`))
      .map((a) => a.policy_arn.replace(/^.*:policy\//, ""));
    expect(attached.sort()).toEqual(["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy", "AmazonSSMManagedInstanceCore"]);
    expect([...NODE_ROLE_POLICIES].sort()).toEqual(attached.sort());
    expect(resources(json, "aws_iam_role_policy").filter((p) => p.role.includes(`aws_iam_role.${nodeRole}.`))).toEqual([]);
  });

  it("runs on the cluster's Kubernetes version by reference, so a control-plane upgrade rolls the group after it", () => {
    expect(group().version).toBe("${aws_eks_cluster.Cluster_EB0386A7.version}");
    expect(group().release_version).toBeUndefined();
  });

  it("runs the AMI release given for the group", () => {
    const release = `${VERSIONS.eks.kubernetes.version}.0-20251120`;
    const pinned = synth({}, (cluster) => cluster.addNodeGroup("general", { ...general, releaseVersion: release }));
    expect(onlyResource(pinned, "aws_eks_node_group")).toMatchObject({
      version: "${aws_eks_cluster.Cluster_EB0386A7.version}",
      release_version: release,
    });
  });

  it.each([
    ["not an AL2023 release version", "1.35", /general\.releaseVersion: got "1\.35"; allowed: an AL2023 EKS AMI release version <kubernetes version>-<YYYYMMDD>, e\.g\. 1\.34\.0-20251120/],
    ["a release of another minor than the cluster's", "1.35.0-20251120", /general\.releaseVersion: got "1\.35\.0-20251120"; allowed: a release of the cluster's kubernetesVersion 1\.34 \("1\.35\.0-20251120" is for 1\.35\)/],
  ])("fails when the release version is %s", (_, releaseVersion, message) => {
    expect(() => synth({ kubernetesVersion: "1.34" }, (cluster) => cluster.addNodeGroup("general", { ...general, releaseVersion }))).toThrow(message);
  });

  it("picks the ARM AMI for Graviton instance types", () => {
    const arm = synth({}, (cluster) => cluster.addNodeGroup("arm", { ...general, instanceTypes: ["m7g.large", "c7g.large"] }));
    expect(onlyResource(arm, "aws_eks_node_group").ami_type).toBe("AL2023_ARM_64_STANDARD");
  });
});

describe("production", () => {
  const prodProps: Partial<EksClusterProps> = {
    production: true,
    naming: new Naming("qod", "prod"),
    endpointPublicAccessCidrs: [],
    privateEndpointAccess: { cidrs: ["10.200.0.0/22"] },
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  };
  const prodGroup: NodeGroupOptions = { instanceTypes: ["m6i.large"], minSize: 3, desiredSize: 3, maxSize: 10 };

  it("turns the public endpoint off and deletion protection on", () => {
    const json = synth(prodProps, (cluster) => cluster.addNodeGroup("general", prodGroup));
    const cluster = onlyResource(json, "aws_eks_cluster");
    expect(cluster.vpc_config.endpoint_public_access).toBe(false);
    expect(cluster.vpc_config.public_access_cidrs).toBeUndefined();
    expect(cluster.deletion_protection).toBe(true);
  });

  it("fails when the public endpoint is open to the world", () => {
    expect(() => synth({ ...prodProps, endpointPublicAccessCidrs: ["0.0.0.0/0"] }, () => undefined)).toThrow(
      /endpointPublicAccessCidrs\[0\]: got "0\.0\.0\.0\/0"; allowed: a specific range in production/,
    );
  });

  it("fails when nothing outside the cluster could reach the private-only endpoint", () => {
    expect(() => synth({ ...prodProps, privateEndpointAccess: undefined }, () => undefined)).toThrow(
      /privateEndpointAccess: got nothing \(the field is missing\); allowed: at least one CIDR or security group of the admin network \(VPN, bastion, CI runners\) in production when endpointPublicAccessCidrs is empty/,
    );
    expect(() => synth({ ...prodProps, privateEndpointAccess: undefined, endpointPublicAccessCidrs: ["203.0.113.0/24"] }, () => undefined)).not.toThrow();
  });

  it("fails when a node group cannot span three zones", () => {
    expect(() => synth(prodProps, (c) => c.addNodeGroup("general", { ...prodGroup, minSize: 2, desiredSize: 2 }))).toThrow(
      /general\.minSize: got 2; allowed: at least 3 in production/,
    );
    expect(() => synth({ ...prodProps, subnetIds: ["subnet-a", "subnet-b"] }, (c) => c.addNodeGroup("general", prodGroup))).toThrow(
      /subnetIds: got \["subnet-a","subnet-b"\]; allowed: subnets in at least 3 zones in production/,
    );
  });
});

describe("Fargate", () => {
  it("is off by default", () => {
    expect(resources(synth(), "aws_eks_fargate_profile")).toEqual([]);
  });

  it("runs the selected namespaces on Fargate in the private subnets with a pod execution role", () => {
    const json = synth({}, (cluster) => cluster.addFargateProfile("batch", { namespaces: ["batch", "jobs"] }));
    const profile = onlyResource(json, "aws_eks_fargate_profile");
    expect(profile.selector).toEqual([{ namespace: "batch" }, { namespace: "jobs" }]);
    expect(profile.subnet_ids).toEqual(["subnet-a", "subnet-b"]);
    const role = Object.values(json.resource!.aws_iam_role).find((r: any) => r.name === "qod-dev-eks-fargate") as any;
    expect(policyOf(json, role.assume_role_policy).Statement[0].Principal.Service).toBe("eks-fargate-pods.amazonaws.com");
  });

  it("fails when a namespace is not a Kubernetes name", () => {
    expect(() => synth({}, (cluster) => cluster.addFargateProfile("batch", { namespaces: ["Batch_Jobs"] }))).toThrow(/namespaces\[0\]: got "Batch_Jobs"/);
  });
});

describe("EksCluster validation", () => {
  it.each<[string, Partial<EksClusterProps>, RegExp]>([
    ["the Kubernetes version is not supported", { kubernetesVersion: "1.27" }, /kubernetesVersion: got "1\.27"; allowed: one of the supported EKS versions: /],
    ["an admin principal is not an IAM ARN", { adminPrincipalArns: ["platform-admin"] }, /adminPrincipalArns\[0\]: got "platform-admin"/],
    ["there is no admin principal", { adminPrincipalArns: [] }, /adminPrincipalArns: got \[\]; allowed: at least one IAM role ARN/],
    ["an admin principal is a group ARN", { adminPrincipalArns: ["arn:aws:iam::111111111111:group/admins"] }, /adminPrincipalArns\[0\]/],
    ["an endpoint CIDR is malformed", { endpointPublicAccessCidrs: ["203.0.113.7/24"] }, /endpointPublicAccessCidrs\[0\]: got "203\.0\.113\.7\/24"/],
    ["there is one subnet", { subnetIds: ["subnet-a"] }, /subnetIds: got \["subnet-a"\]/],
  ])("fails when %s", (_, props, message) => {
    expect(() => synth(props, () => undefined)).toThrow(message);
  });

  it.each<[string, Partial<NodeGroupOptions>, RegExp]>([
    ["min is above max", { minSize: 5, desiredSize: 5, maxSize: 4 }, /general\.minSize: got 5; allowed: at most maxSize \(4\)/],
    ["desired is below min", { minSize: 2, desiredSize: 1, maxSize: 4 }, /general\.desiredSize: got 1; allowed: between minSize \(2\) and maxSize \(4\)/],
    ["desired is above max", { desiredSize: 5 }, /general\.desiredSize: got 5/],
    ["an instance type is not family.size", { instanceTypes: ["large"] }, /general\.instanceTypes\[0\]: got "large"; allowed: an EC2 instance type written <family>\.<size>, e\.g\. t3\.medium/],
    ["an instance type with a misspelt size", { instanceTypes: ["t3.mediun"] }, /general\.instanceTypes\[0\]: got "t3\.mediun"; allowed: a size EC2 has after "t3\.": nano, micro, small, medium, large, xlarge, <n>xlarge .*\("mediun" is none of them\)/],
    ["instance types mix architectures", { instanceTypes: ["m6i.large", "m7g.large"] }, /one CPU architecture/],
    ["the disk is too small", { diskSizeGiB: 8 }, /general\.diskSizeGiB: got 8/],
  ])("fails when a node group's %s", (_, options, message) => {
    expect(() => synth({}, (cluster) => cluster.addNodeGroup("general", { ...general, ...options }))).toThrow(message);
  });

  it("allows the public endpoint to be open to the world outside production", () => {
    const json = synth({ endpointPublicAccessCidrs: ["0.0.0.0/0"] });
    expect(onlyResource(json, "aws_eks_cluster").vpc_config.public_access_cidrs).toEqual(["0.0.0.0/0"]);
  });
});
