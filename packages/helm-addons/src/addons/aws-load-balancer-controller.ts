import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { loadBalancerControllerStatements } from "./aws-load-balancer-controller-policy";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.awsLoadBalancerController;

/**
 * AWS Load Balancer Controller: turns Ingresses into ALBs (and LoadBalancer Services into NLBs),
 * registers pod IPs as targets and, with readiness gates, holds a pod unready until the ALB
 * sees it healthy. Its IAM policy is the upstream policy of the pinned controller, written as a
 * policy document. Cluster name, region and VPC are passed explicitly: with IMDSv2's hop limit
 * of 1 its pods cannot ask the instance metadata service.
 */
export class AwsLoadBalancerController extends HelmAddOn {
  constructor(props: HelmAddOnOptions = {}) {
    super(
      {
        name: SPEC.name,
        chart: "aws-load-balancer-controller",
        repository: "https://aws.github.io/eks-charts",
        namespace: SPEC.namespace,
        ...props,
      },
      SPEC.serviceAccount,
    );
  }

  protected defaultValues(context: AddOnContext): HelmValues {
    return {
      clusterName: context.cluster.clusterName,
      region: context.region,
      vpcId: context.vpcId,
      replicaCount: 2,
      podDisruptionBudget: { maxUnavailable: 1 },
      // Services of type LoadBalancer stay with the in-tree controller unless they ask for this
      // one; the platform exposes HTTP through Ingresses only.
      enableServiceMutatorWebhook: false,
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    };
  }

  protected policyStatements(context: AddOnContext): DataAwsIamPolicyDocumentStatement[] {
    return loadBalancerControllerStatements(context.partition);
  }
}
