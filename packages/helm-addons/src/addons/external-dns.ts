import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { checkHostedZoneId, ProblemCollector } from "@qod/core";
import { checkPolicyForEnvironment, EXTERNAL_DNS_POLICIES, ExternalDnsPolicy } from "../config";
import { AddOnContext, HelmAddOn, HelmAddOnOptions } from "../helm-addon";
import { HelmValues } from "../values";
import { ADDON_CATALOG } from "../catalog";

const SPEC = ADDON_CATALOG.externalDns;

export interface ExternalDnsProps extends HelmAddOnOptions {
  /** The public Route 53 hosted zone ExternalDNS manages (and the only one its role may change). */
  readonly hostedZoneId: string;
  /** Only names under this domain are managed (`--domain-filter`). */
  readonly domain: string;
  /**
   * `sync` also deletes records whose Ingress is gone; `upsert-only` never deletes.
   * @default "upsert-only" in production, "sync" otherwise
   */
  readonly policy?: ExternalDnsPolicy;
  /** Production rules: `sync` is refused. @default false */
  readonly production?: boolean;
}

/**
 * ExternalDNS: publishes the hosts of Ingresses and Services as Route 53 records in one zone,
 * with TXT ownership records naming the cluster (`txtOwnerId`), so two clusters sharing a zone
 * never take over each other's records. Its role can change only that zone.
 */
export class ExternalDns extends HelmAddOn {
  private readonly dns: { hostedZoneId: string; domain: string; policy: ExternalDnsPolicy };

  constructor(props: ExternalDnsProps) {
    const p = new ProblemCollector("add-on external-dns");
    checkHostedZoneId(p, "hostedZoneId", props.hostedZoneId);
    const policy = props.policy ?? (props.production ? "upsert-only" : "sync");
    if (p.check(EXTERNAL_DNS_POLICIES.includes(policy), "policy", policy, EXTERNAL_DNS_POLICIES.join(" or "))) {
      checkPolicyForEnvironment(p, "policy", policy, props.production ?? false);
    }
    p.throwIfAny();
    super(
      {
        name: SPEC.name,
        chart: "external-dns",
        repository: "https://kubernetes-sigs.github.io/external-dns/",
        namespace: SPEC.namespace,
        ...props,
      },
      SPEC.serviceAccount,
    );
    this.dns = { hostedZoneId: props.hostedZoneId, domain: props.domain, policy };
  }

  protected defaultValues(context: AddOnContext): HelmValues {
    return {
      provider: { name: "aws" },
      env: [{ name: "AWS_DEFAULT_REGION", value: context.region }],
      sources: ["ingress", "service"],
      domainFilters: [this.dns.domain],
      policy: this.dns.policy,
      registry: "txt",
      txtOwnerId: context.cluster.clusterName,
      extraArgs: [`--zone-id-filter=${this.dns.hostedZoneId}`, "--aws-zone-type=public"],
      interval: "1m",
      resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    };
  }

  protected policyStatements(context: AddOnContext): DataAwsIamPolicyDocumentStatement[] {
    const zoneArn = `arn:${context.partition}:route53:::hostedzone/${this.dns.hostedZoneId}`;
    return [
      {
        sid: "ChangeRecordsOfTheOneZone",
        effect: "Allow",
        actions: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"],
        resources: [zoneArn],
      },
      {
        // Route 53 has no resource-level permissions for listing zones; ExternalDNS lists them
        // and keeps only the zone of --zone-id-filter.
        sid: "ListZones",
        effect: "Allow",
        actions: ["route53:ListHostedZones"],
        resources: ["*"],
      },
    ];
  }
}
