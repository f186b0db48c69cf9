import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { checkHostedZoneId, isInZone, ProblemCollector } from "@qod/core";
import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";

export interface PublicCertificateProps {
  /** The name the certificate is for; `*.<domain>` is added as an alternative name. */
  readonly domain: string;
  /** Id of the existing public hosted zone `domain` lives in. */
  readonly hostedZoneId: string;
  /** The zone's name, as config states it; a plan fails when the zone's real name differs. */
  readonly hostedZoneName: string;
}

/**
 * A public ACM certificate for `<domain>` and `*.<domain>` (so `www.` and `api.` share it),
 * validated by DNS records in the environment's hosted zone, and issued before anything uses it
 * (`aws_acm_certificate_validation` waits). ACM renews it automatically while the validation
 * records stay. The zone is looked up by id, and the plan stops when its name is not the one
 * config gave: a certificate can only be validated in the zone its names belong to.
 */
export class PublicCertificate extends Construct {
  public readonly certificate: AcmCertificate;
  /** ARN of the certificate, available once it is issued (use this one, not `certificate.arn`). */
  public readonly certificateArn: string;
  /** ARN of the hosted zone. */
  public readonly hostedZoneArn: string;

  constructor(scope: Construct, id: string, props: PublicCertificateProps) {
    super(scope, id);
    const p = new ProblemCollector(`PublicCertificate props at ${this.node.path}`);
    checkHostedZoneId(p, "hostedZoneId", props.hostedZoneId);
    p.check(isInZone(props.domain, props.hostedZoneName), "domain", props.domain, `${props.hostedZoneName} or a name under it`);
    p.throwIfAny();

    const zone = new DataAwsRoute53Zone(this, "Zone", {
      zoneId: props.hostedZoneId,
      privateZone: false,
      lifecycle: {
        postcondition: [
          {
            condition: `\${self.name == "${props.hostedZoneName}"}`,
            errorMessage: `Hosted zone ${props.hostedZoneId} is not ${props.hostedZoneName}: fix hostedZone in the environment's config.`,
          },
        ],
      },
    });
    this.hostedZoneArn = zone.arn;

    this.certificate = new AcmCertificate(this, "Resource", {
      domainName: props.domain,
      subjectAlternativeNames: [`*.${props.domain}`],
      validationMethod: "DNS",
      keyAlgorithm: "RSA_2048",
      tags: { Name: props.domain },
      // A replacement (new names) is issued before the old one is let go, so listeners never
      // point at a deleted certificate.
      lifecycle: { createBeforeDestroy: true },
    });

    // One CNAME per name; `<domain>` and `*.<domain>` ask for the same record, hence allow_overwrite.
    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "ValidationRecord", {
      forEach: options,
      // From the lookup, so the records wait for the zone's name check.
      zoneId: zone.zoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });

    const validation = new AcmCertificateValidation(this, "Validation", {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
    this.certificateArn = validation.certificateArn;
  }
}
