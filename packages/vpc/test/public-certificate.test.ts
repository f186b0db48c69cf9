import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { PublicCertificate, PublicCertificateProps } from "../src";
import { onlyResource, TfJson } from "../../../test/helpers";

const base: PublicCertificateProps = { domain: "dev.qod.example.com", hostedZoneId: "Z0DEVQOD0EXAMPLE00001", hostedZoneName: "qod.example.com" };
const synth = (props: Partial<PublicCertificateProps> = {}): TfJson =>
  JSON.parse(Testing.synthScope((scope) => new PublicCertificate(scope, "Certificate", { ...base, ...props })));

describe("PublicCertificate", () => {
  const json = synth();

  it("covers the domain and its wildcard, validated by DNS, replaced before it is destroyed", () => {
    expect(onlyResource(json, "aws_acm_certificate")).toMatchObject({
      domain_name: "dev.qod.example.com",
      subject_alternative_names: ["*.dev.qod.example.com"],
      validation_method: "DNS",
      lifecycle: { create_before_destroy: true },
    });
  });

  it("writes one validation record per name into the looked-up zone and waits for issuance", () => {
    const record = onlyResource(json, "aws_route53_record");
    expect(record.zone_id).toMatch(/^\$\{data\.aws_route53_zone\.\w+\.zone_id\}$/);
    expect(record.records).toEqual(["${each.value.resource_record_value}"]);
    expect(onlyResource(json, "aws_acm_certificate_validation").certificate_arn).toMatch(/aws_acm_certificate\.\w+\.arn/);
  });

  it("fails when the domain is outside the hosted zone", () => {
    expect(() => synth({ domain: "qod.example.org" })).toThrow(/domain: got "qod\.example\.org"; allowed: qod\.example\.com or a name under it/);
  });

  it("fails when the hosted zone id has the wrong shape", () => {
    expect(() => synth({ hostedZoneId: "hostedzone/Z1" })).toThrow(/hostedZoneId: got "hostedzone\/Z1"/);
  });
});
