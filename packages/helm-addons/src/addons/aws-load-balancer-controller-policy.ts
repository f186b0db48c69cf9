import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

/**
 * AWS Load Balancer Controller IAM policy, transcribed statement by statement
 * (same order, same actions, same resources, same conditions) from the upstream
 * commercial-partition policy. Upstream statements carry no Sid; the sids below
 * are ours, derived from each statement's purpose.
 *
 * Upstream tag v3.5.0 (annotated tag object 5982613953df58f3227301b7121abde6abaa2c20)
 * points at commit 11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4 ("cut v3.5.0 release (#4869)").
 * The file is blob 761d0e733c41089c91ea009dd29faf71918085e5 there, last changed by
 * 2f6ce5cfc51a28257cf2710873c437257d1ef605 (2025-03-27), and identical on main
 * 225f44568848eb25f13e304a5f1cc68c0cd9415d (2026-08-17).
 *
 * Transcription rules:
 *  - "Resource": "*" (a string) becomes resources: ["*"].
 *  - "arn:aws:" becomes `arn:${partition}:`.
 *  - Every (operator, key) pair of a Condition block becomes one condition entry
 *    { test: operator, variable: key, values: [...] }. Entries in one statement are
 *    ANDed, exactly as multiple operators/keys in one IAM Condition block are.
 */
export const LOAD_BALANCER_CONTROLLER_POLICY_VERSION = "v3.5.0";
export const LOAD_BALANCER_CONTROLLER_POLICY_SOURCE =
  "kubernetes-sigs/aws-load-balancer-controller@v3.5.0:docs/install/iam_policy.json";

const CLUSTER_TAG = "elbv2.k8s.aws/cluster";

export function loadBalancerControllerStatements(partition: string): DataAwsIamPolicyDocumentStatement[] {
  const arn = (rest: string): string => `arn:${partition}:${rest}`;

  return [
    // 1
    {
      sid: "CreateElbServiceLinkedRole",
      effect: "Allow",
      actions: ["iam:CreateServiceLinkedRole"],
      resources: ["*"],
      condition: [
        {
          test: "StringEquals",
          variable: "iam:AWSServiceName",
          values: ["elasticloadbalancing.amazonaws.com"],
        },
      ],
    },
    // 2
    {
      sid: "DescribeEc2AndElb",
      effect: "Allow",
      actions: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTags",
        "ec2:GetCoipPoolUsage",
        "ec2:DescribeCoipPools",
        "ec2:GetSecurityGroupsForVpc",
        "ec2:DescribeIpamPools",
        "ec2:DescribeRouteTables",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeSSLPolicies",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTrustStores",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeCapacityReservation",
      ],
      resources: ["*"],
    },
    // 3
    {
      sid: "CognitoAcmIamCertsWafShield",
      effect: "Allow",
      actions: [
        "cognito-idp:DescribeUserPoolClient",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "iam:ListServerCertificates",
        "iam:GetServerCertificate",
        "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource",
        "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState",
        "shield:DescribeProtection",
        "shield:CreateProtection",
        "shield:DeleteProtection",
      ],
      resources: ["*"],
    },
    // 4
    {
      sid: "AuthorizeRevokeSgIngress",
      effect: "Allow",
      actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      resources: ["*"],
    },
    // 5
    {
      sid: "CreateSecurityGroup",
      effect: "Allow",
      actions: ["ec2:CreateSecurityGroup"],
      resources: ["*"],
    },
    // 6
    {
      sid: "TagSecurityGroupOnCreate",
      effect: "Allow",
      actions: ["ec2:CreateTags"],
      resources: [arn("ec2:*:*:security-group/*")],
      condition: [
        { test: "StringEquals", variable: "ec2:CreateAction", values: ["CreateSecurityGroup"] },
        { test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["false"] },
      ],
    },
    // 7
    {
      sid: "TagOwnedSecurityGroups",
      effect: "Allow",
      actions: ["ec2:CreateTags", "ec2:DeleteTags"],
      resources: [arn("ec2:*:*:security-group/*")],
      condition: [
        { test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["true"] },
        { test: "Null", variable: `aws:ResourceTag/${CLUSTER_TAG}`, values: ["false"] },
      ],
    },
    // 8
    {
      sid: "ManageOwnedSecurityGroups",
      effect: "Allow",
      actions: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
      ],
      resources: ["*"],
      condition: [{ test: "Null", variable: `aws:ResourceTag/${CLUSTER_TAG}`, values: ["false"] }],
    },
    // 9
    {
      sid: "CreateTaggedLbAndTargetGroup",
      effect: "Allow",
      actions: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      resources: ["*"],
      condition: [{ test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["false"] }],
    },
    // 10
    {
      sid: "CreateDeleteListenersAndRules",
      effect: "Allow",
      actions: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
      ],
      resources: ["*"],
    },
    // 11
    {
      sid: "TagOwnedLbAndTargetGroups",
      effect: "Allow",
      actions: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      resources: [
        arn("elasticloadbalancing:*:*:targetgroup/*/*"),
        arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
        arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
      ],
      condition: [
        { test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["true"] },
        { test: "Null", variable: `aws:ResourceTag/${CLUSTER_TAG}`, values: ["false"] },
      ],
    },
    // 12
    {
      sid: "TagListenersAndRules",
      effect: "Allow",
      actions: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      resources: [
        arn("elasticloadbalancing:*:*:listener/net/*/*/*"),
        arn("elasticloadbalancing:*:*:listener/app/*/*/*"),
        arn("elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
        arn("elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
      ],
    },
    // 13
    {
      sid: "ModifyOwnedLbAndTargetGroups",
      effect: "Allow",
      actions: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
      ],
      resources: ["*"],
      condition: [{ test: "Null", variable: `aws:ResourceTag/${CLUSTER_TAG}`, values: ["false"] }],
    },
    // 14
    {
      sid: "TagLbAndTargetGroupOnCreate",
      effect: "Allow",
      actions: ["elasticloadbalancing:AddTags"],
      resources: [
        arn("elasticloadbalancing:*:*:targetgroup/*/*"),
        arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
        arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
      ],
      condition: [
        {
          test: "StringEquals",
          variable: "elasticloadbalancing:CreateAction",
          values: ["CreateTargetGroup", "CreateLoadBalancer"],
        },
        { test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["false"] },
      ],
    },
    // 15
    {
      sid: "RegisterDeregisterTargets",
      effect: "Allow",
      actions: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      resources: [arn("elasticloadbalancing:*:*:targetgroup/*/*")],
    },
    // 16
    {
      sid: "ModifyListenersRulesAndWebAcl",
      effect: "Allow",
      actions: [
        "elasticloadbalancing:SetWebAcl",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities",
      ],
      resources: ["*"],
    },
  ];
}
