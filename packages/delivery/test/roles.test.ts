import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { IamPolicy } from "@qod/core";
import { Testing, TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  applySubject,
  DELIVERY_POLICIES,
  DELIVERY_PURPOSES,
  DeliveryRoles,
  DeliveryRolesProps,
  deliveryRoleName,
  DeliveryScope,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  GithubOidcProvider,
  MANAGED_POLICY_MAX_CHARS,
  pullRequestSubject,
  terraformTypesOf,
} from "../src";
import { onlyResource, policyOf, resources, TfJson } from "../../../test/helpers";

const scope: DeliveryScope = {
  project: "qod",
  environment: "dev",
  accountId: "111111111111",
  region: "eu-west-1",
  state: { bucket: "qod-tfstate-111111111111-eu-west-1", region: "eu-west-1", kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/qod-tfstate" },
  stacks: ["dev-infra", "dev-platform", "dev-apps"],
  repositories: ["qod-dev/qod-api", "qod-dev/ui"],
  hostedZoneId: "Z0DEVQOD0EXAMPLE00001",
  resourceTypes: ["aws_eks_cluster", "aws_vpc"],
};
const PROVIDER = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
const base: DeliveryRolesProps = { repository: "example-org/qod-platform", providerArn: PROVIDER, apply: { branch: "main" }, scope };

function synth(props: Partial<DeliveryRolesProps> = {}): TfJson {
  return JSON.parse(Testing.synthScope((s) => new DeliveryRoles(s, "Roles", { ...base, ...props })));
}

/** The role of `purpose` and its trust policy, by the role's name. */
function roleOf(json: TfJson, purpose: string, project = "qod", environment = "dev"): { role: any; trust: any } {
  const role = resources(json, "aws_iam_role").find((r) => r.name === deliveryRoleName(project, environment, purpose as never));
  if (!role) throw new Error(`no ${purpose} role`);
  return { role, trust: policyOf(json, role.assume_role_policy) };
}

describe("GithubOidcProvider", () => {
  it("trusts GitHub Actions' issuer for the STS audience, without a thumbprint", () => {
    const json: TfJson = JSON.parse(Testing.synthScope((s) => new GithubOidcProvider(s, "Github")));
    const provider = onlyResource(json, "aws_iam_openid_connect_provider");
    expect(provider).toMatchObject({ url: `https://${GITHUB_OIDC_HOST}`, client_id_list: [GITHUB_OIDC_AUDIENCE] });
    expect(provider.thumbprint_list).toBeUndefined();
  });
});

describe("DeliveryRoles with defaults", () => {
  const json = synth();

  it("makes one role per purpose, named <project>-<env>-github-<purpose>", () => {
    expect(resources(json, "aws_iam_role").map((r) => r.name).sort()).toEqual(DELIVERY_PURPOSES.map((p) => deliveryRoleName("qod", "dev", p)).sort());
  });

  it("trusts GitHub's provider with StringEquals on aud and one exact sub: pull requests for plan, the apply branch for apply and push", () => {
    for (const purpose of DELIVERY_PURPOSES) {
      const { trust } = roleOf(json, purpose);
      expect(trust.Statement, purpose).toHaveLength(1);
      const [statement] = trust.Statement;
      expect(statement).toMatchObject({ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity" });
      expect(Object.keys(statement.Condition)).toEqual(["StringEquals"]);
      const sub = purpose === "plan" ? pullRequestSubject(base.repository) : applySubject(base.repository, base.apply);
      expect(statement.Condition.StringEquals, purpose).toEqual({ [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: sub });
      expect(JSON.stringify(statement.Condition), purpose).not.toMatch(/[*?]/);
    }
    expect(roleOf(json, "apply").trust.Statement[0].Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`]).toBe("repo:example-org/qod-platform:ref:refs/heads/main");
  });

  it("keeps plan and push sessions to an hour and apply sessions to two", () => {
    expect(Object.fromEntries(DELIVERY_PURPOSES.map((p) => [p, roleOf(json, p).role.max_session_duration]))).toEqual({ plan: 3600, apply: 7200, push: 3600 });
  });

  it("attaches every document policies.ts returns as its own managed policy <role>-<n>", () => {
    const policies = json.resource!.aws_iam_policy as Record<string, any>;
    const attachments = resources(json, "aws_iam_role_policy_attachment");
    for (const purpose of DELIVERY_PURPOSES) {
      const documents = DELIVERY_POLICIES[purpose](scope);
      const role = deliveryRoleName("qod", "dev", purpose);
      const [roleId] = Object.entries(json.resource!.aws_iam_role).find(([, r]: [string, any]) => r.name === role)!;
      const attached = attachments.filter((a) => a.role === `\${aws_iam_role.${roleId}.name}`).map((a) => /aws_iam_policy\.([\w-]+)\.arn/.exec(a.policy_arn)![1]);
      expect(attached.map((id) => policies[id].name), purpose).toEqual(documents.map((_, i) => `${role}-${i + 1}`));
      attached.forEach((id, i) => expect(policyOf(json, policies[id].policy), `${purpose} ${i}`).toEqual(JSON.parse(JSON.stringify(documents[i]))));
    }
  });
});

describe("DeliveryRoles branches", () => {
  it("trusts the GitHub environment's jobs for apply and push when applied through one", () => {
    const json = synth({ apply: { environment: "prod" }, production: true, scope: { ...scope, environment: "prod", repositories: ["qod-prod/qod-api"] } });
    for (const purpose of ["apply", "push"]) {
      expect(roleOf(json, purpose, "qod", "prod").trust.Statement[0].Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`]).toBe("repo:example-org/qod-platform:environment:prod");
    }
    expect(roleOf(json, "plan", "qod", "prod").trust.Statement[0].Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`]).toBe("repo:example-org/qod-platform:pull_request");
  });

  it("takes other session lengths per purpose", () => {
    const json = synth({ maxSessionSeconds: { apply: 10800 } });
    expect(roleOf(json, "apply").role.max_session_duration).toBe(10800);
    expect(roleOf(json, "plan").role.max_session_duration).toBe(3600);
  });

  it("gives the permission documents the logical ids asked for, and the policies reference them", () => {
    const json = synth({ documentLogicalId: (purpose, n) => `docs-${purpose}-${n}` });
    const documents = Object.keys(json.data!.aws_iam_policy_document).filter((id) => id.startsWith("docs-"));
    expect(documents.sort()).toEqual(DELIVERY_PURPOSES.flatMap((p) => DELIVERY_POLICIES[p](scope).map((_, i) => `docs-${p}-${i + 1}`)).sort());
    for (const policy of resources(json, "aws_iam_policy")) expect(policy.policy).toMatch(/^\$\{data\.aws_iam_policy_document\.docs-\w+-\d+\.json\}$/);
  });

  it("tags the roles and policies with extra tags", () => {
    const json = synth({ tags: { team: "platform" } });
    for (const r of [...resources(json, "aws_iam_role"), ...resources(json, "aws_iam_policy")]) expect(r.tags).toEqual({ team: "platform" });
  });
});

describe("DeliveryRoles bad input", () => {
  it.each<[string, Partial<DeliveryRolesProps>, string]>([
    ["the repository is a wildcard", { repository: "example-org/*" }, "repository"],
    ["the apply branch has a wildcard", { apply: { branch: "release/*" } }, "apply.branch"],
    ["a production environment applies from a branch", { production: true }, "apply.branch"],
    ["a session is shorter than IAM allows", { maxSessionSeconds: { plan: 900 } }, "maxSessionSeconds.plan"],
    ["a session is longer than IAM allows", { maxSessionSeconds: { apply: 50000 } }, "maxSessionSeconds.apply"],
    ["the environment name is not one", { scope: { ...scope, environment: "Dev" } }, "scope.environment"],
  ])("fails when %s", (_, props, field) => {
    expect(() => synth(props)).toThrow(new RegExp(`${field.replace(".", "\\.")}: got `));
  });

  it("fails when a policy document is over IAM's managed-policy size, or a role would get more managed policies than IAM allows", () => {
    const statement = (i: number): IamPolicy["Statement"][number] => ({ Effect: "Allow", Action: "ecr:PutImage", Resource: `arn:aws:ecr:eu-west-1:111111111111:repository/qod-dev/service-${i}` });
    const big: IamPolicy = { Version: "2012-10-17", Statement: Array.from({ length: 100 }, (_, i) => statement(i)) };
    expect(JSON.stringify(big).length).toBeGreaterThan(MANAGED_POLICY_MAX_CHARS);
    expect(() => synth({ policies: { push: () => [big] } })).toThrow(/push policies\[0\]: got "\d+ characters"; allowed: at most 6144/);
    const small: IamPolicy = { Version: "2012-10-17", Statement: [statement(0)] };
    expect(() => synth({ policies: { plan: () => Array.from({ length: 11 }, () => small) } })).toThrow(/plan policies: got 11; allowed: at most 10/);
  });

  it("attaches documents given in place of policies.ts's", () => {
    const own: IamPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:ecr:eu-west-1:111111111111:repository/qod-dev/own" }] };
    const json = synth({ policies: { push: () => [own, own] } });
    const pushPolicies = resources(json, "aws_iam_policy").filter((p) => p.name.startsWith(deliveryRoleName("qod", "dev", "push")));
    expect(pushPolicies.map((p) => p.name)).toEqual(["qod-dev-github-push-1", "qod-dev-github-push-2"]);
    for (const p of pushPolicies) expect(policyOf(json, p.policy)).toEqual(own);
  });
});

describe("terraformTypesOf", () => {
  it("lists every resource and data source type under the scopes, sorted, each once", () => {
    const app = Testing.app();
    const a = new TerraformStack(app, "a");
    const b = new TerraformStack(app, "b");
    new IamRole(a, "One", { assumeRolePolicy: "{}" });
    new IamRole(b, "Two", { assumeRolePolicy: "{}" });
    new DataAwsIamPolicyDocument(b, "Doc", {});
    expect(terraformTypesOf(a, b)).toEqual(["aws_iam_policy_document", "aws_iam_role"]);
    expect(terraformTypesOf(a)).toEqual(["aws_iam_role"]);
  });
});
