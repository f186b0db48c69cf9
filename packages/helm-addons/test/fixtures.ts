import { VERSIONS } from "@qod/core";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { AddOnContext, PlatformAddOn, PlatformAddOns } from "../src";
import { TfJson } from "../../../test/helpers";

/** A cluster to install add-ons on in package tests. */
export const context: AddOnContext = {
  cluster: {
    clusterName: "qod-dev-eks",
    oidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
  },
  region: "eu-west-1",
  partition: "aws",
  accountId: "111111111111",
  vpcId: "vpc-0123",
  kubernetesVersion: VERSIONS.eks.kubernetes.version,
  production: false,
};

export function synthAddOns(addOns: PlatformAddOn[], ctx: AddOnContext = context): TfJson {
  return JSON.parse(Testing.synthScope((scope) => new PlatformAddOns(scope, "AddOns", { context: ctx, addOns })));
}

/** The release named `name` and its values, parsed. */
export function releaseOf(json: TfJson, name: string): { release: any; values: any } {
  const release = Object.values(json.resource?.helm_release ?? {}).find((r: any) => r.name === name);
  if (!release) throw new Error(`no helm_release named ${name}`);
  return { release, values: parse(release.values[0]) };
}

